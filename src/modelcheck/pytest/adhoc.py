"""`modelcheck.check(model)` and the `modelcheck` fixture: the catalog, or part of it, inside a test.

The model is observed once for the checks asked for; the result keeps every verdict and the
recorded observation, so a test can make its own assertions on the calls, chunks and callbacks
without calling the model again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from modelcheck.checks.catalog import IDS, Check, checks_for
from modelcheck.core.records import Kind, Observation
from modelcheck.core.settings import build_settings, own_table, read_pyproject, split_table
from modelcheck.core.verdict import Verdict
from modelcheck.pytest.judging import judge, needs_of, observe_target, service_blocked, service_report
from modelcheck.secrets.known import configured_secrets
from modelcheck.secrets.scrub import Scrubber
from modelcheck.targets.loading import TargetError, build_model, model_class

WHERE = "modelcheck.check(...)"
# Checks that need more than one test's view of the model.
NOT_AD_HOC = {
    "event-snapshot": "event-snapshot compares the event stream with a reviewed snapshot file, "
    "which belongs to a target of the run: check it with modelcheck.suite(...) or --modelcheck, "
    "not inside one test"
}


@dataclass(frozen=True)
class CheckResult:
    """What `modelcheck.check` found: one verdict per check, and the observation they judged."""

    target: str
    """The model's class, as `module:Name`."""
    kind: Kind
    """`"chat"` or `"llm"`."""
    verdicts: dict[str, Verdict]
    """Check id -> verdict (`outcome` is "passed", "failed" or "skipped"; `message` says why)."""
    observation: Observation
    """Everything recorded: `observation.calls[probe]` has the outputs, chunks and callbacks."""

    @property
    def calls(self) -> int:
        """How many model calls the observation made."""
        return self.observation.call_count

    @property
    def failed(self) -> dict[str, str]:
        """Check id -> message, for each failed check."""
        return {cid: v.message for cid, v in self.verdicts.items() if v.outcome == "failed"}

    def assert_passed(self) -> None:
        """Fail the test, with each failed check's message on a line of its own, if any failed."""
        __tracebackhide__ = True
        if self.failed:
            lines = [f"[{cid}] {message}" for cid, message in self.failed.items()]
            pytest.fail(f"modelcheck: {self.target}\n" + "\n".join(lines), pytrace=False)


def check(
    model: Any,
    only: Iterable[str] | None,
    settings: dict[str, Any],
    config: pytest.Config | None,
) -> CheckResult:
    """Observe `model` once for the checks in `only` (default: all) and judge each."""
    __tracebackhide__ = True
    wanted = _only(only)
    label = _label(model)
    defaults, per_target = split_table(read_pyproject(config.rootpath)) if config is not None else ({}, {})
    try:
        tables = own_table(per_target, model_class(model), None, IDS)  # the model's class's table
        target_settings = build_settings(label, defaults, {**tables, **settings}, IDS, None, where=WHERE)
    except pytest.UsageError as exc:
        # One paragraph, never the test's traceback: its source line may hold a key in `params`.
        pytest.fail(str(exc), pytrace=False)
    scrub = Scrubber(configured_secrets(target_settings))
    try:
        loaded = build_model(model, target_settings)
    except TargetError as exc:
        pytest.fail(scrub(str(exc)), pytrace=False)
    checks = [c for c in checks_for(loaded.kind) if wanted is None or c.id in wanted]
    skipped = set(target_settings.skip)
    run = [c for c in checks if c.id not in skipped and c.id not in NOT_AD_HOC]
    observation = observe_target(loaded, needs_of(run), scrub, checks=run)
    verdicts = {c.id: _verdict(c, observation, scrub, skipped) for c in checks}
    _service(checks, observation, scrub, skipped, verdicts)
    for cid in sorted((wanted or set()) - set(verdicts)):
        verdicts[cid] = Verdict("skipped", f"{cid} does not apply to {loaded.kind} models")
    return CheckResult(label, loaded.kind, verdicts, observation)


def _verdict(check: Check, observation: Observation, scrub: Scrubber, skipped: set[str]) -> Verdict:
    if check.id in skipped:
        return Verdict("skipped", f"skipped by `skip` in {WHERE}")
    if check.id in NOT_AD_HOC:
        return Verdict("skipped", NOT_AD_HOC[check.id])
    return judge(check, observation, scrub)


def _service(
    checks: list[Check],
    observation: Observation,
    scrub: Scrubber,
    skipped: set[str],
    verdicts: dict[str, Verdict],
) -> None:
    """Checks whose calls the service did not answer are not judged: the first fails with the one
    paragraph that says why, the others are skipped and point at it."""
    blocked = [c.id for c in checks if c.id not in skipped and service_blocked(c, observation)]
    for cid in blocked:
        message = service_report(blocked[0], cid, observation, scrub)
        verdicts[cid] = Verdict("failed" if cid == blocked[0] else "skipped", message)


def _only(only: Iterable[str] | None) -> set[str] | None:
    __tracebackhide__ = True
    if only is None:
        return None
    if isinstance(only, str):
        only = [only]
    wanted = set(only)
    unknown = sorted(wanted - set(IDS))
    if unknown:
        pytest.fail(
            f"modelcheck.check(only=...) names unknown check ids {unknown}; the check ids are: "
            f"{', '.join(IDS)}.",
            pytrace=False,
        )
    return wanted


def _label(model: Any) -> str:
    cls = model if isinstance(model, type) else type(model)
    return f"{cls.__module__}:{cls.__qualname__}"


class Checker:
    """The `modelcheck` fixture: `modelcheck.check(model, only=[...])` with the project's settings
    from `[tool.modelcheck]`: its defaults, under the table of the model's class."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config

    def check(self, model: Any, *, only: Iterable[str] | None = None, **settings: Any) -> CheckResult:
        """See `modelcheck.check`."""
        __tracebackhide__ = True
        return check(model, only, settings, self._config)
