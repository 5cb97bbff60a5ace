"""Wording shared by the checks: how a failed call and a value are shown to the user."""

from __future__ import annotations

from modelcheck.records import Call, Failure, Kind
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
    return failed(f"{what} {raised(call.failure)}")


RETURN_TYPES = (
    "A text model's `_call`/`_acall` return a str and its `_stream`/`_astream` yield GenerationChunk; "
    "a chat model's `_generate`/`_agenerate` return a ChatResult of ChatGeneration(message=AIMessage("
    "...)) and its `_stream`/`_astream` yield ChatGenerationChunk(message=AIMessageChunk(...))."
)


def raised(failure: Failure) -> str:
    """'raised in _call (m.py:12): ValueError: boom. Fix ...', saying whose code raised it."""
    if failure.kind == "replay":
        return failure.message
    fix = "Fix the model so that it answers without raising."
    if failure.where:
        return f"raised in {failure.where}: {failure.describe()}. {fix}"
    if failure.origin == "langchain":
        return (
            "raised inside langchain-core, not in the model's code, most often because of what the "
            f"model returned or yielded: {failure.describe()}. {RETURN_TYPES}"
        )
    return f"raised {failure.describe()}. {fix}"


def outcome(failure: Failure) -> str:
    """'timed out after 5 s.' or what `raised` says."""
    return f"{failure.describe()}." if failure.kind == "timeout" else raised(failure)
