"""Fixtures and the API held to the core's promise: no secret in any output, no hang, no silent exit.

A `fixture:` target or `modelcheck.suite(fixture=...)` builds its model in a pytest fixture; the
fixtures here raise with the key, raise `SystemExit`, fail in teardown, call `os._exit(0)` or never
return. Every output of the run (terminal under `-vv -rA --tb=long -l`, junit XML, the JSON and
Markdown reports, the step summary) is searched for the key in every form.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from support.harness import Modelcheck, Outcome, finish, start_subprocess

from plugin.test_hostile import KEY, LOUD, assert_never_shown

JUNIT = ("--junitxml=junit.xml", "-o", "junit_logging=all")

FIXTURES = """
import os
import time

import pytest

from reference_models import EchoChatModel


@pytest.fixture
def raises():
    raise RuntimeError("could not log in with " + os.environ["MY_KEY"])


@pytest.fixture
def exits():
    raise SystemExit("bad key " + os.environ["MY_KEY"].upper())


@pytest.fixture
def fails_teardown():
    yield EchoChatModel()
    raise RuntimeError("could not log out: " + os.environ["MY_KEY"])


@pytest.fixture
def os_exits():
    os._exit(0)


@pytest.fixture
def skips():
    pytest.skip("no key for the service in this environment")


@pytest.fixture
def interrupts():
    raise KeyboardInterrupt


@pytest.fixture
def hangs_in_teardown():
    yield EchoChatModel()
    time.sleep(8)


@pytest.fixture
def hangs():
    time.sleep(8)  # longer than the timeout; bounded, so an in-process run leaves no thread for good
    return EchoChatModel()
"""
SUITE = """
import modelcheck

TestModel = modelcheck.suite(fixture={name!r}, secret_env=["MY_KEY"], timeout=2, skip=["event-snapshot"])
"""
RAISING = ["raises", "exits", "fails_teardown"]


def fixture_project(mc: Modelcheck, name: str, how: str) -> tuple[str, ...]:
    """A project whose model comes from the fixture `name`, as a `fixture:` target or a suite;
    the arguments that run it."""
    mc.pytester.makeconftest(FIXTURES)
    if how == "target":
        mc.config(f'[tool.modelcheck."fixture:{name}"]\nsecret_env = ["MY_KEY"]\ntimeout = 2\n')
        return (f"--modelcheck=fixture:{name}",)
    mc.pytester.makepyfile(test_suite=SUITE.format(name=name))
    return ("test_suite.py",)


@pytest.mark.parametrize("how", ["target", "suite"])
@pytest.mark.parametrize("name", RAISING)
def test_a_fixture_that_fails_never_shows_the_key(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch, name: str, how: str
) -> None:
    args = fixture_project(mc, name, how)
    monkeypatch.setenv("MY_KEY", KEY)
    summary = mc.pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    outcome = mc.run(*args, *LOUD, *JUNIT, report=True)
    assert outcome.result.ret == 1
    assert outcome.result.parseoutcomes().get("errors", 0) >= 1, outcome.text()
    assert summary.is_file() and (mc.pytester.path / "junit.xml").is_file()
    assert_never_shown(outcome, KEY)


@pytest.mark.parametrize(
    ("name", "raised"), [("exits", "SystemExit: bad key ***"), ("interrupts", "KeyboardInterrupt")]
)
def test_a_fixture_that_raises_systemexit_or_interrupts_is_a_setup_error_naming_it(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch, name: str, raised: str
) -> None:
    args = fixture_project(mc, name, "target")
    monkeypatch.setenv("MY_KEY", KEY)
    outcome = mc.run(*args, "-k", "invoke", report=True)
    outcome.result.stdout.fnmatch_lines([f"*the fixture '{name}' raised {raised} (conftest.py:*"])
    assert outcome.result.ret == 1  # the run went on and reported: not interrupted
    assert "Traceback" not in outcome.text()


@pytest.mark.parametrize("how", ["target", "suite"])
def test_a_fixture_that_skips_skips_its_checks(mc: Modelcheck, how: str) -> None:
    args = fixture_project(mc, "skips", how)
    outcome = mc.run(*args, "-k", "invoke", "-rs")
    assert outcome.result.ret == pytest.ExitCode.OK
    outcome.result.assert_outcomes(skipped=2)
    outcome.result.stdout.fnmatch_lines(["*no key for the service in this environment*"])


def test_a_fixture_whose_teardown_never_returns_fails_within_the_timeout(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = fixture_project(mc, "hangs_in_teardown", "target")
    outcome = mc.run(*args, "-k", "invoke and not ainvoke", report=True)
    outcome.result.stdout.fnmatch_lines(
        ["*the teardown of the fixture 'hangs_in_teardown' did not return within 2 s (the target's timeout)*"]
    )
    assert outcome.result.duration < 8, "the run waited for the teardown"


@pytest.mark.parametrize("how", ["target", "suite"])
def test_a_fixture_that_never_returns_fails_within_the_timeout(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    args = fixture_project(mc, "hangs", how)
    monkeypatch.setenv("MY_KEY", KEY)
    outcome = mc.run(*args, "-k", "invoke", report=True)
    assert outcome.result.ret == 1
    outcome.result.stdout.fnmatch_lines(
        ["*the fixture 'hangs' did not return within 2 s (the target's timeout)*"]
    )
    assert outcome.result.duration < 8, "the run waited for the fixture"


@pytest.mark.parametrize("how", ["target", "suite"])
def test_a_fixture_calling_os_exit_cannot_end_the_run_green(tmp_path: Path, how: str) -> None:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(FIXTURES), encoding="utf-8")
    if how == "target":
        (tmp_path / "pyproject.toml").write_text('[tool.modelcheck."fixture:os_exits"]\ntimeout = 5\n')
        args: tuple[str, ...] = ("--modelcheck=fixture:os_exits",)
    else:
        (tmp_path / "test_suite.py").write_text(SUITE.format(name="os_exits"), encoding="utf-8")
        args = ("test_suite.py",)
    code, output = finish(
        start_subprocess(tmp_path, *args, "-k", "invoke", "--modelcheck-report=report.json")
    )
    assert code == 1, output
    assert "os._exit(0) was called; modelcheck refused it" in output, output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {c["outcome"] for t in report["targets"] for c in t["checks"]} == {"error"}


BAD_SUITES = {
    "keyword": 'TestModel = modelcheck.suite(EchoChatModel, params={{"api_key": "{key}"}}, stop_polcy="x")\n',
    "value": 'TestModel = modelcheck.suite(EchoChatModel, params={{"api_key": "{key}"}}, stop_policy="x")\n',
}


@pytest.mark.parametrize("bad", sorted(BAD_SUITES))
def test_a_bad_suite_call_is_one_paragraph_without_the_source_line(mc: Modelcheck, bad: str) -> None:
    header = "import modelcheck\nfrom reference_models import EchoChatModel\n\n"
    mc.pytester.makepyfile(test_suite=header + BAD_SUITES[bad].format(key=KEY))
    outcome = mc.run("test_suite.py", *LOUD, *JUNIT)
    assert outcome.result.ret == pytest.ExitCode.INTERRUPTED
    outcome.result.stdout.fnmatch_lines(["test_suite.py:4: *modelcheck.suite(*stop_pol*"])
    assert_never_shown(outcome, KEY)
    assert "Traceback" not in outcome.text() and "stop_pol" in outcome.text()


def outcome_report(outcome: Outcome) -> dict[str, str]:
    return {c["id"]: c["outcome"] for t in outcome.report()["targets"] for c in t["checks"]}


WARNS = """
import os
import warnings

import pytest

from reference_models import EchoChatModel


@pytest.fixture
def warns():
    warnings.warn("old login for " + os.environ["MY_KEY"])
    warnings.warn("deprecated login"); _ = {key!r}  # a line holding the key
    return EchoChatModel()
"""


@pytest.mark.parametrize("how", ["target", "suite"])
def test_a_warning_the_fixture_raises_never_shows_the_key(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    args = fixture_project(mc, "warns", how)
    mc.pytester.makeconftest(WARNS.format(key=KEY))
    monkeypatch.setenv("MY_KEY", KEY)
    shown = ("-W", "always::UserWarning")  # this process turns warnings into errors; a user's does not
    outcome = mc.run(*args, "-k", "invoke", *shown, *LOUD, *JUNIT, report=True)
    outcome.result.stdout.fnmatch_lines(
        ["*UserWarning: old login for ***", "*conftest.py (source line withheld: it holds a secret)*"]
    )
    assert_never_shown(outcome, KEY)


BAD_CHECKS = {
    "keyword": 'modelcheck.check(EchoChatModel, params={{"api_key": "{key}"}}, stop_polcy="x")',
    "value": 'modelcheck.check(EchoChatModel, params={{"api_key": "{key}"}}, stop_policy="x")',
    "fixture": 'modelcheck.check(EchoChatModel, params={{"api_key": "{key}"}}, stop_polcy="x")',
}


@pytest.mark.parametrize("bad", sorted(BAD_CHECKS))
def test_a_bad_check_call_is_one_paragraph_without_the_source_line(mc: Modelcheck, bad: str) -> None:
    call = BAD_CHECKS[bad].format(key=KEY)
    if bad == "fixture":  # `modelcheck` is the fixture here, and `.check(...)` its method
        test = f"def test_it(modelcheck):\n    {call}\n"
    else:
        test = f"import modelcheck\n\n\ndef test_it():\n    {call}\n"
    header = "from reference_models import EchoChatModel\n"
    mc.pytester.makepyfile(test_check=header + test)
    outcome = mc.run("test_check.py", *LOUD, *JUNIT)
    assert outcome.result.ret == pytest.ExitCode.TESTS_FAILED
    outcome.result.stdout.fnmatch_lines(["*modelcheck.check(...)*stop_pol*"])
    assert_never_shown(outcome, KEY)
