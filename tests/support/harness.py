"""Drive the plugin as a user does (pytester, `pytest --modelcheck=...`) and read what it reported."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# hypothesis, langchain and the observer are imported once here, so in-process runs reuse them:
# pytester drops every module a run imported, and re-importing them would cost a second a run.
import hypothesis  # noqa: F401
import pytest

import modelcheck.observe.observation  # noqa: F401
import reference_models.broken_runnable  # noqa: F401
from modelcheck.checks.catalog import CATALOG, IDS, checks_for

# Snapshots of the event stream do not exist in a fresh pytester directory: let syrupy write them.
CHECK_ARGS: tuple[str, ...] = ("--snapshot-update",) if "event-snapshot" in IDS else ()
BASE_ARGS = ("-p", "no:cacheprovider", "-v", *CHECK_ARGS)
VERBOSE_LINE = re.compile(
    r"^modelcheck::(?P<target>.+)::(?P<check>[\w-]+) (?P<outcome>PASSED|FAILED|SKIPPED|ERROR)"
)
REPORT = "report.json"

ECHO_CHAT = '''
from reference_models import EchoChatModel


class Chat(EchoChatModel):
    """A chat model under test, built on the echo model (https://example.com/api)."""
'''


# `capabilities` judges what a target declares (or its profile claims); a target that declares
# nothing has it skipped with the reason (tests/plugin/test_capabilities.py).
UNDECLARED = {"capabilities": "skipped"}
# The reference chat model's `profile` claims its media inputs, which `capabilities` holds it to.
CLAIMED = {"capabilities": "passed"}


def section(name: str) -> frozenset[str]:
    """The ids of a checklist section's checks (a `Check.section`)."""
    ids = frozenset(c.id for c in CATALOG if c.section == name)
    assert ids, f"no check of the catalog is in the section {name!r}"
    return ids


def requiring(capability: str) -> frozenset[str]:
    """The ids of the checks skipped, with no call made, when the model lacks `capability`."""
    return frozenset(c.id for c in CATALOG if c.requires == capability)


def only(*check_ids: str) -> tuple[str, str]:
    """`-k` arguments that select exactly these checks. pytest matches each word of `-k` as a
    substring of the item's names, so every other check whose id holds one of these is left out by
    name: a check added later never slips into a test's selection."""
    assert set(check_ids) <= set(IDS), set(check_ids) - set(IDS)
    others = sorted(c for c in IDS if c not in check_ids and any(i in c for i in check_ids))
    chosen = " or ".join(sorted(check_ids))
    return ("-k", f"({chosen})" + "".join(f" and not {o}" for o in others))


MEDIA = section("Multimodal input")


def undeclared(kind: str) -> dict[str, str]:
    """What `capabilities` gives a reference model (or a model built on it) declaring nothing."""
    return CLAIMED if kind == "chat" else UNDECLARED


def broken_variants(module: Any) -> dict[str, tuple[type, str]]:
    """Every class a `reference_models.broken_*` module defines, with the check id its docstring
    says it fails (each docstring starts "Fails `<check id>`")."""
    found = {}
    for name, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ == module.__name__:
            match = re.match(r"Fails `([\w-]+)`", inspect.getdoc(cls) or "")
            assert match, f"{name}'s docstring does not name the check it fails"
            found[name] = (cls, match[1])
    return found


def run_broken_chat(mc: Modelcheck, target: str, check: str, message: str) -> dict[str, str]:
    """Run the whole chat catalog on a broken variant: it must fail `check` alone, with `message`
    (an fnmatch pattern); the verdicts, for what else a test asserts of them."""
    outcome = mc.run(f"--modelcheck={target}", "-rfE")
    verdicts = outcome.of(target)
    assert set(verdicts) == {c.id for c in checks_for("chat")}
    wrong = {c: v for c, v in verdicts.items() if v not in ("passed", "skipped")}
    assert wrong == {check: "failed"}, outcome.text()
    outcome.result.stdout.fnmatch_lines([f"[[]{check}[]] {message}"])
    return verdicts


def one_failure(outcome: Outcome, target: str, check: str) -> dict[str, str]:
    """One defect, one failure: `check` fails alone on `target`; every other check passes, or is
    skipped saying it cannot judge because of `check` ("(see <check>)"), or is `capabilities`
    skipped for want of a declaration. The skipped checks' messages, by id (needs `report=True`)."""
    verdicts = outcome.of(target)
    assert {c: v for c, v in verdicts.items() if v not in ("passed", "skipped")} == {check: "failed"}, (
        outcome.text()
    )
    skips = {c: m for c, m in messages(outcome, target).items() if verdicts[c] == "skipped"}
    unexplained = {
        c: m
        for c, m in skips.items()
        if f"(see {check})" not in m and (c, "skipped") not in UNDECLARED.items()
    }
    assert unexplained == {}, unexplained
    return skips


def messages(outcome: Outcome, target: str) -> dict[str, str]:
    """check id -> the message of its verdict on `target`, from the JSON report."""
    (found,) = [t for t in outcome.report()["targets"] if t["target"] == target]
    return {c["id"]: c["message"] for c in found["checks"]}


def outcomes(verdicts: dict[str, str]) -> set[str]:
    """The outcomes of the checks, leaving out `capabilities` skipped for want of a declaration."""
    return {v for k, v in verdicts.items() if (k, v) not in UNDECLARED.items()}


@dataclass
class Outcome:
    """What one pytest run printed, with the per-check verdicts parsed from its `-v` lines."""

    result: pytest.RunResult
    path: Path

    @property
    def verdicts(self) -> dict[tuple[str, str], str]:
        found = (VERBOSE_LINE.match(line) for line in self.result.outlines)
        return {(m["target"], m["check"]): m["outcome"].lower() for m in found if m}

    def of(self, target: str) -> dict[str, str]:
        """check id -> outcome for one target."""
        return {check: outcome for (t, check), outcome in self.verdicts.items() if t == target}

    def failing(self, target: str) -> set[str]:
        return {check for check, outcome in self.of(target).items() if outcome == "failed"}

    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.path / REPORT).read_text(encoding="utf-8"))
        return data

    def text(self) -> str:
        return self.result.stdout.str() + self.result.stderr.str()


class Modelcheck:
    """Writes a user's project into the pytester directory and runs pytest on it."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester

    def model(self, source: str, name: str = "mymodel") -> None:
        self.pytester.makepyfile(**{name: textwrap.dedent(source)})

    def config(self, toml: str) -> None:
        self.pytester.makepyprojecttoml(textwrap.dedent(toml))

    def run(self, *args: str, report: bool = False) -> Outcome:
        extra = (f"--modelcheck-report={REPORT}",) if report else ()
        result = self.pytester.runpytest(*BASE_ARGS, *extra, *args)
        return Outcome(result, self.pytester.path)


OUTER_VARIABLES = (
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "CI",
)


def start_subprocess(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start pytest in a fresh interpreter (for what in-process runs cannot show), with `env` added
    to this process's environment less the outer run's variables."""
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *BASE_ARGS, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**{k: v for k, v in os.environ.items() if k not in OUTER_VARIABLES}, **(env or {})},
    )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    """Wait for a started run; its exit code and everything it printed. A run still going after
    `timeout` is killed (no pytest is left behind) and the test fails with what it printed."""
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(
            f"pytest did not end within {timeout:.0f} s and was killed; the end of what it printed:\n"
            f"{output[-4000:]}"
        ) from None
    return process.returncode, output
