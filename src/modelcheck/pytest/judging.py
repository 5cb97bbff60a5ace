"""Observe a loaded target once and judge one check on it: the code path every way in shares.

`--modelcheck` targets, fixture targets, `modelcheck.suite` classes and `modelcheck.check` all
observe through `observe_target` and judge through `judge`, so a check gives the same verdict and
the same message whichever way the author asked for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest

from modelcheck.checks.catalog import CATALOG, Check, checks_for, planned, probe_check
from modelcheck.checks.catalog import judge as gated_judge
from modelcheck.checks.common import service_failures, service_message
from modelcheck.core import probe_ids as ids
from modelcheck.core.records import Observation
from modelcheck.core.verdict import Verdict
from modelcheck.observe.loopwatch import current_probe
from modelcheck.observe.warned import Caught, catching, raise_again, unique
from modelcheck.pytest.progress import progress_line
from modelcheck.pytest.snapshot import attach
from modelcheck.replay.cassette_file import CassetteError
from modelcheck.replay.plan import ReplayPlan
from modelcheck.secrets.scrub import Scrubber
from modelcheck.targets.containment import model_code_window
from modelcheck.targets.loading import LoadedTarget
from modelcheck.targets.timebox import ModelCodeError, run_model_code

if TYPE_CHECKING:
    from modelcheck.observe.observation import Through


def needs_of(checks: list[Check]) -> set[str]:
    """The probes the given checks need, together (but those of checks gated on a capability), with
    those of the checks their judges read (`catalog.planned`)."""
    needs: set[str] = set()
    for check in planned(checks):
        if check.requires is None:
            needs |= check.needs
    return needs


def gated_of(checks: list[Check]) -> dict[str, set[str]]:
    """For each capability some of the checks need, the probes only those checks make; a sub-feature's
    probes under "<capability>+<sub-feature>" (made when the model has both)."""
    gated: dict[str, set[str]] = {}
    for check in planned(checks):
        if check.requires is not None:
            gated.setdefault(check.requires, set()).update(check.needs)
        for capability, probes in check.gated:  # a sub-feature: needs the check's capability too
            key = f"{check.requires}+{capability}" if check.requires else capability
            gated.setdefault(key, set()).update(probes)
    return gated


def observe_target(
    loaded: LoadedTarget,
    needs: set[str],
    scrub: Scrubber,
    config: Any = None,
    replay: ReplayPlan | None = None,
    checks: list[Check] | None = None,
) -> Observation:
    """Make every call in `needs` once (through the run's record/replay plan, if any); with a pytest
    config, give event-snapshot syrupy's store. A cassette that cannot be used fails the check.

    With a pytest config, the terminal shows the observer's progress (pytest/progress.py).
    The model code runs inside containment's window (os._exit refused, threads it leaves running
    handed to the exit guard), and the scrubber learns each secret before model code runs with it."""
    # lazy: the observer imports LangChain and every probe, which a run pays for only when it
    # observes a model (collecting a module that defines a suite does not)
    from modelcheck.observe.observation import observe

    found: list[Caught] = []
    if replay is not None and checks is not None and _some_of(loaded, checks):
        replay.partial.add(loaded.target)
    standins = replay.standins.get(loaded.target, []) if replay is not None else []
    try:
        with model_code_window(), catching(found), progress_line(config, scrub) as progress:
            through = _through(replay, loaded.target, loaded.settings.timeout)
            gated = gated_of(checks or [])
            observation = observe(loaded, needs, through, scrub.add, scrub, gated, standins, progress)
    except CassetteError as exc:
        pytest.fail(scrub(str(exc)), pytrace=False)
    except (Exception, SystemExit) as exc:
        # Model code cannot raise out of `observe` (it is guarded): this is modelcheck's own error.
        # One scrubbed paragraph, never pytest's traceback, whose locals would show the params.
        pytest.fail(
            scrub(
                f"modelcheck could not observe {loaded.target}: {type(exc).__name__}: "
                f"{' '.join(str(exc).split())}. This is an error in modelcheck; please report it "
                "with this message."
            ),
            pytrace=False,
        )
    if config is not None and (
        ids.EVENTS_V2_CHAIN in needs or ids.SERIALIZE in (needs | _gated(gated_of(checks or [])))
    ):
        attach(observation, config)
    scrub.add(observation.canaries)
    scrub.add(observation.real_secrets)
    _file_warnings(observation, found, checks or [], scrub)
    return observation


def _some_of(loaded: LoadedTarget, checks: list[Check]) -> bool:
    """Whether the run observes the target for fewer checks than its catalog (`-k`, deselection)."""
    wanted = {c.id for c in checks_for(loaded.kind)} - set(loaded.settings.skip)
    return not wanted <= {c.id for c in checks}


def _through(replay: ReplayPlan | None, target: str, timeout: float) -> Through | None:
    """The cassette the target's HTTP goes through, when the run's record/replay plan covers it;
    its file is read under the target's timeout."""
    if replay is None or not replay.active(target):
        return None
    # lazy: vcrpy costs ~0.3 s to import and patches the HTTP clients; a run without cassettes
    # never loads it
    from modelcheck.replay.outcome import through_cassette

    def read(load: Callable[[], Any]) -> Any:
        try:
            return run_model_code(load, timeout, "reading the cassette")
        except ModelCodeError as exc:
            if isinstance(exc.error, CassetteError):
                raise exc.error from None
            command = f"pytest --modelcheck={target} --modelcheck-record"
            raise CassetteError(
                f"modelcheck could not use the cassette of {target}: {exc.describe()}. Record it "
                f"again: `{command}`."
            ) from None

    return partial(through_cassette, replay, probe=current_probe, read=read)


def _gated(gated: dict[str, set[str]] | None) -> set[str]:
    return {p for probes in (gated or {}).values() for p in probes}


def _file_warnings(observation: Observation, found: list[Any], checks: list[Check], scrub: Scrubber) -> None:
    """Keep each warning for the check whose call raised it; warn the others now (at setup).

    A warning several calls raised is kept once, for the first of their checks in catalog order."""
    order = {c.id: i for i, c in enumerate(CATALOG)}

    def owner_of(caught: Caught) -> str | None:
        return probe_check(caught.probe, checks) if caught.probe else None

    now = []
    for caught in unique(found, lambda c: order.get(owner_of(c) or "", len(order))):
        owner = owner_of(caught)
        if owner is None:
            now.append(caught)
        else:
            observation.warned.setdefault(owner, []).append(caught)
    raise_again(now, scrub)


# secret-masking judges what the calls left behind, a failed call's error included: a canary key's
# 401 from the provider is what it looks at, not a reason to stop.
SERVICE_EXEMPT = frozenset({"secret-masking"})


def service_blocked(check: Check, observation: Observation) -> bool:
    """Whether a call this check needs failed because the service was not reached or refused the
    credentials: then the check is not judged, and the target reports it once (`service_report`)."""
    if check.id in SERVICE_EXEMPT:
        return False
    probes = set(check.needs) | {p for _, gated in check.gated for p in gated}
    return bool(service_failures(observation, probes))


def service_report(first: str | None, nodeid: str, observation: Observation, scrub: Scrubber) -> str:
    """The first blocked check of a target gets the paragraph (scrubbed); the others a pointer to it."""
    if first is None or first == nodeid:
        return scrub(service_message(observation))
    return f"the model could not use its service; {first} says why"


def judge(check: Check, observation: Observation, scrub: Scrubber) -> Verdict:
    """The check's verdict, its message scrubbed of secrets, a failure's ending with the docs link.

    The warnings the check's own calls raised are raised again first, so pytest files them here."""
    raise_again(observation.warned.pop(check.id, []), scrub)
    verdict = gated_judge(check, observation)
    message = scrub(verdict.message)
    if verdict.outcome == "failed":
        message = f"{message} See {check.anchor}."
    return replace(verdict, message=message)
