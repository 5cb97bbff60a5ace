"""Wording shared by the checks: how a failed call and a value are shown to the user."""

from __future__ import annotations

import re

from modelcheck.core.records import Call, Failure, Kind
from modelcheck.core.verdict import Verdict, failed

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


# The model methods langchain-core calls, and how it calls them (the async fallbacks pass every
# argument positionally: `run_in_executor(None, self._generate, messages, stop, run_manager, ...)`).
CORE_CALLS = {
    "_generate": "messages, stop=None, run_manager=None, **kwargs",
    "_agenerate": "messages, stop=None, run_manager=None, **kwargs",
    "_call": "prompt, stop=None, run_manager=None, **kwargs",
    "_acall": "prompt, stop=None, run_manager=None, **kwargs",
    "_stream": "messages, stop=None, run_manager=None, **kwargs",
    "_astream": "messages, stop=None, run_manager=None, **kwargs",
}
SIGNATURE_ERROR = re.compile(
    r"(?:\w+\.)?(?P<method>" + "|".join(CORE_CALLS) + r")\(\) (?:takes .* positional arguments? but "
    r"\d+ (?:were|was) given|got an unexpected keyword argument '\w+'|missing \d+ required)"
)


def signature_problem(failure: Failure) -> str | None:
    """What to change when core could not call a model method with the arguments it passes."""
    found = SIGNATURE_ERROR.match(failure.message) if failure.type_name == "TypeError" else None
    if found is None or failure.where:
        return None
    method = found["method"]
    prompt = " (a text model's gets the prompt)" if method in ("_stream", "_astream") else ""
    fallback = (
        f", and its thread-pool fallback for `_a{method[1:]}` passes `stop` and `run_manager` by position"
        if method in ("_generate", "_call", "_stream")
        else ""
    )
    return (
        f"raised when langchain-core called the model's `{method}`: {failure.describe()}. The "
        f"signature of `{method}` does not take the arguments core passes: core calls "
        f"`{method}({CORE_CALLS[method]})`{prompt}{fallback}. Declare "
        f"`def {method}(self, {CORE_CALLS[method]})`."
    )


def raised(failure: Failure) -> str:
    """'raised in _call (m.py:12): ValueError: boom. Fix ...', saying whose code raised it."""
    if failure.kind == "replay":
        return failure.message
    fix = "Fix the model so that it answers without raising."
    if failure.where:
        return f"raised in {failure.where}: {failure.describe()}. {fix}"
    signature = signature_problem(failure)
    if signature:
        return signature
    if failure.origin == "langchain":
        return (
            "raised inside langchain-core, not in the model's code, most often because of what the "
            f"model returned or yielded: {failure.describe()}. {RETURN_TYPES}"
        )
    return f"raised {failure.describe()}. {fix}"


def outcome(failure: Failure) -> str:
    """'timed out after 5 s.' or what `raised` says."""
    return f"{failure.describe()}." if failure.kind == "timeout" else raised(failure)


def answers(call: Call | None) -> bool:
    """Whether a returning call completed with a value of the expected type."""
    return call is not None and call.ok and call.output is not None and call.output.expected_type
