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
