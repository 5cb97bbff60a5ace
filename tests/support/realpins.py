"""Pinned verdicts on real models: the right outcome of every check, and a phrase of its message.

Shared by the tests that run modelcheck on code we did not write (test_real_models.py for
langchain-core's fakes and langchain-openai, test_real_partners.py for the partner packages).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pytest

from modelcheck.checks.catalog import by_id
from support.harness import REPORT, finish, start_subprocess


def major(dist: str) -> int | None:
    """The installed major version of a distribution, None when it is not installed."""
    try:
        return int(version(dist).split(".")[0])
    except PackageNotFoundError:
        return None


CORE_1 = (major("langchain-core") or 0) >= 1
RUN_TIMEOUT = 300
"""A hang guard for one pytest run of many real models, not a timing: loaded CI machines are slow."""


@dataclass(frozen=True)
class Pin:
    """The right verdict of one check on one model, a phrase of its message, and why it fails."""

    outcome: str
    phrase: str = ""
    why: str = ""
    wrong: str = ""
    """Set when modelcheck's verdict today is not this one: what it does instead, and why that is wrong."""
    also: tuple[str, ...] = ()
    """More phrases the message must hold (a check that reports two defects names both)."""


def passed(phrase: str = "") -> Pin:
    return Pin("passed", phrase)


def skipped(phrase: str) -> Pin:
    return Pin("skipped", phrase)


def failed(phrase: str, why: str, wrong: str = "", also: tuple[str, ...] = ()) -> Pin:
    return Pin("failed", phrase, why, wrong, also)


def pins(kind: str = "chat", **overrides: Pin) -> dict[str, Pin]:
    """Every check of the catalog for a `kind` of model: passed unless overridden (keys use _ for -)."""
    from modelcheck.checks.catalog import checks_for

    ids = [c.id for c in checks_for(kind)]  # type: ignore[arg-type]
    given = {k.replace("_", "-"): v for k, v in overrides.items()}
    unknown = set(given) - set(ids)
    assert not unknown, f"pins for unknown check ids: {unknown}"
    return {check: given.get(check, DEFAULT.get(check, passed())) for check in ids}


# Nothing is declared for these models: `capabilities` judges only claims (declared or a profile's).
# Nor do their profiles (when they have one) say they take media: the media checks are skipped.
DEFAULT = {
    "capabilities": skipped("no capability is declared ([tool.modelcheck] capabilities)"),
    **{
        f"{media}-input": skipped(f"the model does not show the {media}_inputs capability")
        for media in ("image", "pdf", "audio")
    },
}


def run_report(workdir: Path, *args: str) -> tuple[dict[str, dict[str, Any]], str]:
    """Run pytest with modelcheck in `workdir`: {target: {check id: check}} and everything printed."""
    code, output = finish(start_subprocess(workdir, f"--modelcheck-report={REPORT}", *args), RUN_TIMEOUT)
    assert code in (0, 1), output
    report = json.loads((workdir / REPORT).read_text(encoding="utf-8"))
    return {t["target"]: {c["id"]: c for c in t["checks"]} for t in report["targets"]}, output


def assert_pin(check: dict[str, Any], pin: Pin) -> None:
    held = all(phrase in check["message"] for phrase in (pin.phrase, *pin.also))
    assert (check["outcome"], held) == (pin.outcome, True), check["message"]
    if pin.outcome == "failed":
        assert check["message"].endswith(f"See {by_id(check['id']).anchor}."), check["message"]


def params(table: dict[str, dict[str, Pin]]) -> list[Any]:
    out = []
    for target, checks in table.items():
        for check, pin in checks.items():
            marks = [pytest.mark.xfail(strict=True, reason=pin.wrong)] if pin.wrong else []
            out.append(pytest.param(target, check, pin, id=f"{target}-{check}", marks=marks))
    return out


# The wider contract's verdicts shared by several models.
NO_ENV = skipped("no secret field has a secret_from_env/from_env default")
NOT_SERIALIZABLE = skipped("the model does not show the serializable capability")
NO_USAGE = skipped("the model does not show the usage_metadata capability")
NO_MAX_TOKENS = skipped("the model has no max tokens param")
STREAM_USAGE = failed(
    "on stream no chunk carried usage_metadata",
    "BaseChatOpenAI asks the API for usage in a stream only with stream_usage=True, off unless set for "
    "a base URL other than OpenAI's; invoke reports usage",
)
