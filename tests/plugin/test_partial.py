"""What a check did not judge shows in the checklist: a check that judged nothing is skipped with
the reason, and one that judged part passes with the partial mark, in the terminal and the JSON."""

from __future__ import annotations

from support.harness import Modelcheck

BROKEN_STREAMS = '''
from reference_models import EchoChatModel


class SyncStreamRaises(EchoChatModel):
    """Raises in `_stream`; `_astream` streams (https://example.com/api)."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        raise ValueError("no sync stream here")
        yield


class NoStreamWorks(SyncStreamRaises):
    """Raises in `_stream` and `_astream` (https://example.com/api)."""

    async def _astream(self, messages, stop=None, run_manager=None, **kwargs):
        raise ValueError("no async stream here")
        yield
'''


def checks_of(mc: Modelcheck, target: str) -> tuple[dict[str, dict], str]:
    mc.model(BROKEN_STREAMS)
    outcome = mc.run(f"--modelcheck=mymodel:{target}", report=True)
    checks = {c["id"]: c for c in outcome.report()["targets"][0]["checks"]}
    return checks, outcome.result.stdout.str()


def test_a_check_that_judged_part_passes_with_the_partial_mark(mc: Modelcheck) -> None:
    checks, stdout = checks_of(mc, "SyncStreamRaises")

    callbacks = checks["stream-callbacks"]
    assert callbacks["outcome"] == "passed" and callbacks["partial"] is True, callbacks
    assert callbacks["unjudged"][0] == "stream() (it failed; see stream)"
    assert "Not judged here: stream() (it failed; see stream)" in callbacks["message"]
    assert "partial" not in checks["invoke"]
    assert "\u25d0 stream-callbacks" in stdout
    assert "    \u25d0 stream-callbacks: checked on astream()" in stdout
    partly = sum(1 for c in checks.values() if c.get("partial"))
    assert f" passed ({partly} partly), " in stdout


def test_a_check_that_judged_nothing_is_skipped_with_the_reason(mc: Modelcheck) -> None:
    checks, stdout = checks_of(mc, "NoStreamWorks")

    callbacks = checks["stream-callbacks"]
    assert callbacks["outcome"] == "skipped", callbacks
    assert callbacks["message"].startswith("no streaming path could be judged. Not judged here: stream()")
    assert "partial" not in callbacks
    assert "    \u2013 stream-callbacks: no streaming path could be judged." in stdout


UNSHOWN = '''
from reference_models import EchoChatModel


class Chat(EchoChatModel):
    """The echo, but `bind_tools` does not show that it takes parallel_tool_calls
    (https://example.com/api)."""

    def bind_tools(self, tools, *, tool_choice=None, **kwargs):
        return super().bind_tools(tools, tool_choice=tool_choice, **kwargs)
'''


def test_a_part_the_target_declares_absent_does_not_make_a_pass_partial(mc: Modelcheck) -> None:
    """A capability declared false does not apply: the pass is whole. One modelcheck could not see
    may be there: the pass is partial and says how to declare it."""
    mc.model(UNSHOWN)
    mc.config(
        '[tool.modelcheck."more:Declared"]\n'
        "capabilities = { parallel_tool_calls = false, image_urls = false, json_mode = false }\n"
    )
    mc.pytester.makepyfile(more="from mymodel import Chat\n\nclass Declared(Chat):\n    pass\n")
    outcome = mc.run("--modelcheck=mymodel:Chat", "--modelcheck=more:Declared", report=True)
    targets = {t["target"]: {c["id"]: c for c in t["checks"]} for t in outcome.report()["targets"]}
    declared, unshown = targets["more:Declared"], targets["mymodel:Chat"]
    for check in ("tool-calls", "image-input", "structured-output"):
        assert declared[check]["outcome"] == "passed" and "partial" not in declared[check], declared[check]
    assert (
        "parallel tool calls do not apply: this target declares parallel_tool_calls = false"
        in (declared["tool-calls"]["message"])
    )
    assert (
        "Not checked: image_urls: this target declares image_urls = false"
        in declared["image-input"]["message"]
    )
    calls = unshown["tool-calls"]
    assert calls["outcome"] == "passed" and calls["partial"] is True, calls
    assert calls["unjudged"] == [
        "parallel tool calls not checked: the model does not show the parallel_tool_calls capability "
        "(bind_tools has no parallel_tool_calls parameter); if it has it, declare it: capabilities = "
        "{parallel_tool_calls = true} in its [tool.modelcheck] table"
    ]
