"""Wording shared by the checks: how a failed call and a value are shown to the user."""

from __future__ import annotations

from modelcheck.records import Call, Kind
from modelcheck.verdict import Verdict, failed

SHOW_CHARS = 80


def show(text: str | None) -> str:
    if text is None:
        return "None"
    shown = repr(text[:SHOW_CHARS])
    return shown + (f" (+{len(text) - SHOW_CHARS} more characters)" if len(text) > SHOW_CHARS else "")


def expected_type(kind: Kind, *, streamed: bool = False) -> str:
    if kind == "llm":
        return "str"
    return "AIMessageChunk" if streamed else "AIMessage"


def call_failed(call: Call | None, what: str) -> Verdict | None:
    """A failed verdict if the call did not complete, else None."""
    if call is None:
        return failed(f"{what} was not observed.")
    if call.failure is None:
        return None
    if call.failure.kind == "timeout":
        return failed(
            f"{what} {call.failure.message}. Make sure the model answers, or raise "
            "the per-call `timeout` for this target."
        )
    return failed(
        f"{what} raised {call.failure.describe()}. Fix the model so that it answers without raising."
    )
