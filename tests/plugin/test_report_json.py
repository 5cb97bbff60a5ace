"""The `--modelcheck-report` JSON: its shape, and that it is written whatever the outcome."""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Any

import pytest
from support.harness import BASE_ARGS, REPORT, UNDECLARED, Modelcheck, only, outcomes

from modelcheck import __version__
from modelcheck.checks.catalog import by_id, checks_for

LLM = "reference_models:EchoLLM"
ABATCH = "reference_models.broken_runnable:LLMAbatchDropsLast"
CHECK_KEYS = {"id", "section", "outcome", "message", "duration_s"}


def assert_shape(report: dict[str, Any]) -> None:
    assert report["schema"] == 1
    assert report["modelcheck"] == __version__
    assert report["langchain_core"] == version("langchain-core")
    for target in report["targets"]:
        if "error" in target:
            assert target["checks"] == []
            continue
        assert target["kind"] in ("llm", "chat")
        assert isinstance(target["calls"], int) and target["calls"] > 0
        assert [c["id"] for c in target["checks"]] == [c.id for c in checks_for(target["kind"])]
        for check in target["checks"]:
            assert set(check) == CHECK_KEYS
            assert check["section"] == by_id(check["id"]).section
            assert check["outcome"] in ("passed", "failed", "skipped", "error")
            assert isinstance(check["message"], str)
            assert isinstance(check["duration_s"], float) and check["duration_s"] >= 0


def test_report_of_passing_targets(mc: Modelcheck) -> None:
    outcome = mc.run(f"--modelcheck={LLM}", "--modelcheck=reference_models:EchoChatModel", report=True)

    report = outcome.report()
    assert_shape(report)
    assert [(t["target"], t["kind"]) for t in report["targets"]] == [
        (LLM, "llm"),
        ("reference_models:EchoChatModel", "chat"),
    ]
    for target in report["targets"]:
        assert outcomes({c["id"]: c["outcome"] for c in target["checks"]}) == {"passed"}


def test_report_of_failed_and_skipped_checks_is_written(mc: Modelcheck) -> None:
    mc.config(f'[tool.modelcheck."{ABATCH}"]\nskip = ["batch"]\n')

    outcome = mc.run(f"--modelcheck={ABATCH}", report=True)

    assert outcome.result.ret == pytest.ExitCode.TESTS_FAILED
    report = outcome.report()
    assert_shape(report)
    checks = {c["id"]: c for c in report["targets"][0]["checks"]}
    assert checks["abatch"]["outcome"] == "failed"
    assert checks["abatch"]["message"].startswith("abatch of 2 prompts returned 1 result")
    assert checks["abatch"]["message"].endswith(
        "one result per input, in input order. See modelcheck docs/runnable.md#abatch."
    )
    assert checks["batch"]["outcome"] == "skipped"
    assert checks["batch"]["message"] == f"skipped by `skip` in [tool.modelcheck] for {ABATCH}"
    assert {c["outcome"] for i, c in checks.items() if i not in ("abatch", "batch", *UNDECLARED)} == {
        "passed"
    }


def test_report_when_no_target_loads(mc: Modelcheck) -> None:
    outcome = mc.run("--modelcheck=no_such_module:Chat", report=True)

    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR
    report = outcome.report()
    assert_shape(report)
    (target,) = report["targets"]
    assert target["target"] == "no_such_module:Chat"
    assert target["error"].startswith("modelcheck: cannot import module 'no_such_module'")


def test_report_path_from_ini(mc: Modelcheck) -> None:
    mc.config('[tool.pytest.ini_options]\nmodelcheck_report = "out/modelcheck.json"\n')

    mc.run(f"--modelcheck={LLM}", *only("batch", "abatch"))

    report = json.loads((mc.pytester.path / "out" / "modelcheck.json").read_text())
    assert_shape({**report, "targets": []})
    assert [c["id"] for c in report["targets"][0]["checks"]] == ["batch", "abatch"]


def test_no_report_without_a_path(mc: Modelcheck) -> None:
    mc.run(f"--modelcheck={LLM}", *only("batch", "abatch"))

    assert not (mc.pytester.path / REPORT).exists()


LEAKY = '''
from reference_models import EchoLLM


class Leaky(EchoLLM):
    """Puts its key in its error messages (https://example.com/api)."""

    def invoke(self, input, config=None, *, stop=None, **kwargs):
        if stop is None:
            raise PermissionError(f"key {self.api_key.get_secret_value()} was refused")
        return super().invoke(input, config, stop=stop, **kwargs)
'''
SECRET = "sk-real-0123456789abcdef"


def test_report_and_terminal_never_show_a_secret(mc: Modelcheck) -> None:
    mc.model(LEAKY)
    mc.config(f'[tool.modelcheck]\nparams = {{api_key = "{SECRET}"}}\n')

    outcome = mc.run("--modelcheck=mymodel:Leaky", report=True)

    checks = {c["id"]: c for c in outcome.report()["targets"][0]["checks"]}
    assert checks["invoke"]["outcome"] == "failed"
    assert "PermissionError: key *** was refused." in checks["invoke"]["message"]
    assert SECRET not in outcome.text()
    assert SECRET not in (mc.pytester.path / REPORT).read_text()


def test_report_under_xdist(mc: Modelcheck) -> None:
    result = mc.pytester.runpytest(
        *BASE_ARGS, "-n", "2", f"--modelcheck={LLM}", f"--modelcheck-report={REPORT}"
    )

    result.assert_outcomes(passed=len(checks_for("llm")) - 1, skipped=1)
    report = json.loads((mc.pytester.path / REPORT).read_text())
    assert_shape(report)
    assert outcomes({c["id"]: c["outcome"] for c in report["targets"][0]["checks"]}) == {"passed"}
