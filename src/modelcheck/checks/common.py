"""Wording shared by the checks: how a failed call and a value are shown to the user."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from modelcheck.core.records import Call, Failure, Kind, Observation
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


# An HTTP status line or a client library's error text: "HTTP/1.1 403 Forbidden", "Error code: 400 -
# {...}" (openai's APIStatusError), or a bare status with its reason phrase ("400 Bad Request").
STATUS_LINE = re.compile(r"(?:HTTP/[\d.]+\s+|error code:\s*|status(?: code)?:?\s*)[45]\d\d\b", re.I)
BARE_STATUS = re.compile(r"([45]\d\d) +([A-Za-z][A-Za-z -]*)")
HTML_TITLE = re.compile(r"<title>\s*([^<]*?)\s*</title>|<h1>\s*([^<]*?)\s*</h1>", re.I | re.S)
ERROR_KEYS = ("error", "errors")


def error_body(text: str | None) -> str | None:
    """What an answer says when it is a service's HTTP error body, not an answer: a JSON object with
    an "error" key (its message), an HTML error page (its title), or a status line; else None."""
    if not text:
        return None
    stripped = text.strip()
    if stripped.startswith("{"):
        return _json_error(stripped)
    if stripped[:15].lower().startswith(("<!doctype html", "<html")):
        found = HTML_TITLE.search(stripped)
        title = next((g for g in found.groups() if g), "") if found else ""
        return title if re.match(r"[45]\d\d\b", title) or "error" in title.lower() else None
    bare = BARE_STATUS.match(stripped)
    if STATUS_LINE.match(stripped) or (bare is not None and _reason_phrase(int(bare[1]), bare[2])):
        return " ".join(stripped.split())
    return None


def _reason_phrase(code: int, text: str) -> bool:
    """Whether `text` starts with the reason phrase of HTTP status `code` ("Not Found", "not found")."""
    from http import HTTPStatus

    try:
        phrase = HTTPStatus(code).phrase.lower()
    except ValueError:
        return False
    return text.lower().startswith(phrase) or phrase in text.lower()


def _json_error(text: str) -> str | None:
    try:
        doc: Any = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    key = next((k for k in ERROR_KEYS if doc.get(k)), None)
    if key is None:
        return None
    error = doc[key]
    if isinstance(error, list) and error:
        error = error[0]
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    return error if isinstance(error, str) else json.dumps(error, ensure_ascii=False)


SERVICE_ANCHOR = "modelcheck docs/replay.md#when-the-service-cannot-be-reached"


def service_failures(obs: Observation, probes: Iterable[str] | None = None) -> dict[str, str]:
    """Probe -> '<what> at <url>' for the calls (of `probes`, or all) that failed because the
    service was not reached or refused the credentials."""
    wanted = None if probes is None else set(probes)
    return {
        name: call.failure.service
        for name, call in sorted(obs.calls.items())
        if call.failure is not None and call.failure.service and (wanted is None or name in wanted)
    }


def service_message(obs: Observation) -> str:
    """One paragraph for every call the service did not answer: what happened, where, the ways out."""
    failed = service_failures(obs)
    # The one that names a URL, if any does (an error raised below the HTTP client names none).
    first = next((f for f in failed.values() if "://" in f), next(iter(failed.values()), ""))
    names = list(failed)
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return (
        f"the model could not use its service: {first} ({len(names)} of {len(obs.calls)} model "
        f"calls failed so: {shown}). That is the network, the service or the credentials, not the "
        "model, so the checks that need those calls are not judged. Start the service (with its key "
        "in the environment); or check the model against a local test double of the API from a "
        "`fixture:` target; or replay a cassette recorded where the service answers: "
        f"`pytest --modelcheck={obs.target} --modelcheck-record`. See {SERVICE_ANCHOR}."
    )
