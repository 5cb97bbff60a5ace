"""A check's verdict does not depend on which other checks were selected: alone (`-k <id>`) it gives
what it gives in the whole catalog, on every reference and broken model.

Each model is observed once for the whole catalog and once per distinct plan of calls: checks whose
calls (their own and those of the checks they read, `catalog.planned`) are the same are observed
together, which is the observation each of them gets alone. `modelcheck.check` takes the path a
check item takes (`pytest/judging.py`); one pytester run shows it on the command line too.
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from typing import Any

import pytest
from support.harness import Modelcheck

import modelcheck
from modelcheck.checks.catalog import Check, checks_for
from modelcheck.pytest.judging import gated_of, needs_of
from modelcheck.targets.loading import model_kind

MODULES = (
    "broken_checklist",
    "broken_contract",
    "broken_drift",
    "broken_events",
    "broken_media",
    "broken_runnable",
    "broken_structured",
    "broken_tool_loop",
    "broken_tools",
)
# Blocking the event loop is these models' defect: every async call of theirs sleeps, so their
# whole catalog alone takes seconds. test_native_async.py runs their checks alone.
SLOW = {"ChatBlockingAstream", "LLMBlockingAsync"}


def models(module: str) -> list[type]:
    found = importlib.import_module(f"reference_models.{module}")
    return [
        c
        for _, c in inspect.getmembers(found, inspect.isclass)
        if c.__module__ == found.__name__ and model_kind(c) and c.__name__ not in SLOW
    ]


def plans(checks: list[Check]) -> list[list[str]]:
    """The checks grouped by the calls each makes when it is selected alone."""
    groups: dict[Any, list[str]] = {}
    for check in checks:
        key = (
            frozenset(needs_of([check])),
            frozenset((k, frozenset(v)) for k, v in gated_of([check]).items()),
        )
        groups.setdefault(key, []).append(check.id)
    return list(groups.values())


def alone_vs_whole(model: type) -> dict[str, tuple[str, str]]:
    """check id -> (verdict in the whole catalog, verdict alone), where the two differ."""
    kind = model_kind(model)
    assert kind is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the models' own warnings are not what this test is about
        whole = modelcheck.check(model).verdicts
        checks = checks_for(kind)
        alone = {
            cid: v
            for group in plans(checks)
            for cid, v in modelcheck.check(model, only=group).verdicts.items()
        }
    return {
        cid: (whole[cid].outcome, v.outcome) for cid, v in alone.items() if v.outcome != whole[cid].outcome
    }


@pytest.mark.parametrize("module", MODULES)
def test_each_check_alone_gives_its_verdict_in_the_whole_catalog(module: str) -> None:
    differ = {m.__name__: d for m in models(module) if (d := alone_vs_whole(m))}
    assert differ == {}


def test_the_reference_models_too() -> None:
    from reference_models import EchoChatModel, EchoLLM

    assert alone_vs_whole(EchoChatModel) == {}
    assert alone_vs_whole(EchoLLM) == {}


def test_a_check_a_defect_is_left_to_gives_the_same_verdict_alone(mc: Modelcheck) -> None:
    """standard-params leaves a per-call stop that does not work to stop-respected: alone, it still
    makes stop-respected's calls, so `-k standard-params` passes it as the whole catalog does, and
    the constructor's stop ignored on its own still fails it, alone and in the whole catalog."""
    broken = "reference_models.broken_contract:ChatIgnoresCtorStop"
    whole = mc.run(f"--modelcheck={broken}")
    alone = mc.run(f"--modelcheck={broken}", "-k", "standard-params")
    assert (
        alone.of(broken)
        == {"standard-params": "failed"}
        == {"standard-params": whole.of(broken)["standard-params"]}
    )
    for outcome in (whole, alone):
        outcome.result.stdout.fnmatch_lines(
            [
                "[[]standard-params[]] built with stop=[[]*[]], invoke gave *: the constructor's stop is "
                "ignored*"
            ]
        )
