"""Which model calls modelcheck made, as a user reads them: the JSON report's `model_calls`, a
failing check's own calls under `-v`, and the Markdown report's links to them."""

from __future__ import annotations

import re
from importlib.util import find_spec

import pytest
from support.harness import CHECK_ARGS, REPORT, Modelcheck
from support.openai_server import OpenAIServer

from plugin.test_replay import CHAT, project, record, run

STOP = "reference_models.broken_checklist:ChatIgnoresStop"
ENTRY_KEYS = {"probe", "method", "for", "checks", "runs", "inputs", "http", "outcome", "duration_s"}

LEAKY = '''
from modelcheck.reference_models import EchoChatModel


class LeakyChat(EchoChatModel):
    """A chat model whose stream raises with its key in the message (https://example.com/api)."""

    api_key: str = ""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        raise ValueError(f"the service refused key {self.api_key}")
        yield  # a generator
'''
KEY = "mc-leaky-key-0123456789abcdef"


def test_the_json_report_lists_every_call_and_the_checks_it_served(mc: Modelcheck) -> None:
    outcome = mc.run(f"--modelcheck={STOP}", report=True)

    target = outcome.report()["targets"][0]
    log = target["model_calls"]
    assert all(set(entry) == ENTRY_KEYS for entry in log)
    assert sum(entry["runs"] for entry in log) == target["calls"]
    calls = {entry["probe"]: entry for entry in log}
    stop = calls["stop_invoke"]
    assert (stop["method"], stop["for"], stop["outcome"]) == ("invoke", "stop-respected", "ok")
    assert {"stop-respected", "stop-included"} <= set(stop["checks"])
    assert stop["inputs"] == [{"input": stop["inputs"][0]["input"], "stop": stop["inputs"][0]["stop"]}]
    assert stop["inputs"][0]["input"].startswith("'modelcheck probe: the quick brown fox")
    assert isinstance(stop["duration_s"], float)
    assert calls["batch"]["runs"] == 2 and len(calls["batch"]["inputs"]) == 2
    assert (calls["history"]["for"], calls["history"]["checks"]) == ("message-history", ["message-history"])


def test_a_call_that_raised_is_listed_with_its_error_scrubbed(mc: Modelcheck) -> None:
    mc.model(LEAKY, name="leaky")
    mc.config(f'[tool.modelcheck."leaky:LeakyChat"]\nparams = {{ api_key = "{KEY}" }}\n')

    outcome = mc.run("--modelcheck=leaky:LeakyChat", "-k", "stream", report=True)

    calls = {entry["probe"]: entry for entry in outcome.report()["targets"][0]["model_calls"]}
    assert calls["stream"]["outcome"] == "raised: ValueError: the service refused key ***"
    assert KEY not in (outcome.path / REPORT).read_text(encoding="utf-8")
    assert KEY not in outcome.text()


def test_v_shows_a_failing_checks_own_calls_under_its_failure(mc: Modelcheck) -> None:
    outcome = mc.run(f"--modelcheck={STOP}", "-k", "stop-respected")  # the harness runs with -v

    outcome.result.stdout.fnmatch_lines(
        [
            "[[]stop-respected[]] invoke with stop=*",
            "Its model calls:",
            "  stop_*: *invoke('modelcheck probe: the quick brown fox *', stop=[[]*]) -> ok in * s",
        ],
        consecutive=True,
    )


def test_without_v_a_failure_shows_its_message_only(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "-p", "no:cacheprovider", *CHECK_ARGS, f"--modelcheck={STOP}", "-k", "stop-respected"
    )

    result.stdout.fnmatch_lines(["[[]stop-respected[]] invoke with stop=*"])
    assert "Its model calls:" not in result.stdout.str()


def test_a_suites_failure_under_v_shows_its_own_calls(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_stop=f"import modelcheck\nfrom {STOP.split(':')[0]} import ChatIgnoresStop\n\n"
        "TestStop = modelcheck.suite(ChatIgnoresStop)\n"
    )

    result = pytester.runpytest("-p", "no:cacheprovider", "-v", "-k", "stop-respected")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["Its model calls:", "  stop_*invoke: *invoke(*stop=*) -> ok in * s"])


def test_the_markdown_report_links_a_failure_to_its_calls(mc: Modelcheck) -> None:
    outcome = mc.run(f"--modelcheck={STOP}", "--modelcheck-markdown=checks.md")

    text = (outcome.path / "checks.md").read_text(encoding="utf-8")
    failure = text[text.index("<summary>✗ <code>stop-respected</code>") :]
    links = re.findall(r"\[`(\w+)`\]\(#([\w-]+)\)", failure.split("</details>")[0])
    assert {probe for probe, _ in links} >= {"stop_invoke"}
    for probe, anchor in links:
        assert f'<a id="{anchor}"></a>`{probe}`' in text
    assert "model calls</summary>" in text
    assert " s |" not in text  # no durations: the Markdown is the same on every run


@pytest.mark.skipif(find_spec("langchain_openai") is None, reason="langchain-openai is not installed")
def test_a_replayed_call_lists_the_requests_the_cassette_answered(mc: Modelcheck) -> None:
    server = OpenAIServer().start()
    try:
        project(mc, server)
        recorded = record(mc, server, CHAT, args=("-k", "invoke"))
    finally:
        server.stop()

    replayed = run(mc, f"--modelcheck={CHAT}", "-k", "invoke")

    calls = {entry["probe"]: entry for entry in replayed.report["targets"][0]["model_calls"]}
    assert calls["invoke"]["http"] == ["POST /v1/chat/completions"], calls["invoke"]
    assert calls["ainvoke"]["http"] == ["POST /v1/chat/completions"]
    assert all(entry["http"] == [] for entry in recorded.report["targets"][0]["model_calls"])
