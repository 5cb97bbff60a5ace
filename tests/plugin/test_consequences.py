"""One defect, one failure: a failure that an earlier check's failure explains is its consequence.

A call that raises fails every check that needs it; a method that drifts fails every path it
answers. The first check names the cause; the others still fail (a run of consequences alone fails
when its cause fails), say "consequence of <check>", and are marked so in the checklist, the JSON
report and the Markdown report.
"""

from __future__ import annotations

from support.harness import Modelcheck

ASTREAM = "reference_models.broken_runnable:ChatAstreamYieldsNothing"
DRIFT = "reference_models.broken_drift"
RAISED = "ValueError: No generation chunks were returned"


def failures(report: dict, target: str) -> dict[str, str | None]:
    (entry,) = [t for t in report["targets"] if t["target"] == target]
    return {c["id"]: c.get("consequence_of") for c in entry["checks"] if c["outcome"] == "failed"}


def test_a_call_that_raises_fails_its_check_and_the_rest_are_its_consequences(mc: Modelcheck) -> None:
    outcome = mc.run(f"--modelcheck={ASTREAM}", "--modelcheck-markdown=checklist.md", report=True)

    assert failures(outcome.report(), ASTREAM) == {
        "astream": None,
        "native-async-stream": "astream",
        "event-stream": "astream",
        "event-snapshot": "astream",
    }
    outcome.result.stdout.fnmatch_lines(
        [
            f"[[]astream[]] astream('<probe prompt>') raised inside langchain-core, * {RAISED}. *",
            f"[[]native-async-stream[]] consequence of astream: astream raised inside * {RAISED}. *",
            f'[[]event-stream[]] consequence of astream: astream_events(version="v2") * {RAISED}.*',
        ],
        consecutive=False,
    )
    outcome.result.stdout.fnmatch_lines(
        [
            f"{ASTREAM} (chat model): * passed*, 1 failed, 3 consequences*",
            "  Runnable surface    * ✗ astream",
            "  Native async        ✓ native-async  ↳ native-async-stream",
            "  Event streams       ↳ event-stream  ↳ event-snapshot",
        ],
        consecutive=False,
    )
    markdown = (mc.pytester.path / "checklist.md").read_text(encoding="utf-8")
    assert "| ↳ | `native-async-stream` | Native async | consequence of astream: " in markdown
    assert "| ✗ | `astream` | Runnable surface | astream('&lt;probe prompt&gt;') raised" in markdown


def test_a_consequence_selected_alone_still_fails_and_names_its_cause(mc: Modelcheck) -> None:
    """A green run must not hide the defect: the consequence fails when its cause is not selected."""
    outcome = mc.run(f"--modelcheck={ASTREAM}", "-k", "native-async-stream", report=True)

    assert outcome.result.ret == 1
    assert failures(outcome.report(), ASTREAM) == {"native-async-stream": "astream"}
    outcome.result.stdout.fnmatch_lines(["[[]native-async-stream[]] consequence of astream: *"])


def test_a_drifting_method_fails_its_first_path_and_the_others_are_consequences(mc: Modelcheck) -> None:
    chat, text = f"{DRIFT}:ChatAsyncDrifts", f"{DRIFT}:LLMStreamDrifts"
    outcome = mc.run(f"--modelcheck={chat}", f"--modelcheck={text}", "-k", "not event-snapshot", report=True)

    assert failures(outcome.report(), chat) == {"ainvoke": None, "abatch": "ainvoke"}
    assert failures(outcome.report(), text) == {"stream": None, "astream": "stream"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]ainvoke[]] ainvoke gave 'Modelcheck probe: *",
            "[[]abatch[]] consequence of ainvoke: abatch item 0 gave 'Modelcheck probe: *",
            "[[]stream[]] stream gave 'Modelcheck probe: *",
            "[[]astream[]] consequence of stream: astream gave 'Modelcheck probe: *",
        ],
        consecutive=False,
    )
    outcome.result.stdout.fnmatch_lines(
        [f"{chat} (chat model): * passed*, 1 failed, 1 consequence; * model calls"], consecutive=False
    )
