"""Events as plain data, and the normalized form of an event stream that `event-snapshot` keeps.

Nothing here imports LangChain: the probes hand over LangChain objects and `to_plain` turns them
into dicts, lists and strings by duck typing, so every other function works on plain data and
can be tested on events written by hand.

Normalizing makes a stream reviewable and stable from run to run: run ids become `<run-0>`,
`<run-1>`… in order of first appearance (parent ids and message ids such as `lc_run--…` map the
same way), version metadata and time fields are dropped, fields a target lists in
`snapshot_exclude` become `<excluded>`, the port of a loopback URL (a test server on an ephemeral
port) becomes `<port>`, and secrets become `***`. What langchain-core 0.3 and 1.x
write differently around the same model (core 1.x's `chunk_position`, `ls_integration` and closing
empty chunk, core 0.3's `example=False`, the `lc_run--`/`run--` id prefix) is left out, so one
snapshot holds on both.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

EXCLUDED = "<excluded>"
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
MESSAGE_ID_RE = re.compile(rf"^(lc_run--|run--|run-)?({UUID_RE.pattern})$")
# Version metadata, and what one langchain-core line writes and the other does not: core 1.x marks
# chunks with `chunk_position` and runs with `ls_integration`, core 0.3 gives messages `example`.
DROPPED_KEYS = frozenset({"lc_versions", "ls_integration", "chunk_position"})
DROPPED_DEFAULTS = {"example": False}
# Message ids made of a run id: core 1.x writes `lc_run--<uuid>`, core 0.3 `run--<uuid>`.
PREFIXES = {"lc_run--": "run--"}
TIME_KEY_RE = re.compile(
    r"^(created|timestamp|time|latency|duration|elapsed)$"
    r"|_(at|time|timestamp|duration|latency|elapsed|ms|ns|seconds)$"
)
# A URL of this machine: a test double of the provider's API listens on a port that changes per run.
LOOPBACK_URL_RE = re.compile(
    r"\b((?:https?|wss?)://(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1\])):\d{1,5}\b"
)
PORT = "<port>"
EVENT_KEYS = ("event", "name", "run_id", "parent_ids", "tags", "metadata", "data")
RUN_ID_PATHS = (("run_id",), ("parent_ids",))


def to_plain(value: Any, _depth: int = 0) -> Any:
    """`value` as JSON-ready data: messages and chunks become dicts of their fields."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if _depth > 40:
        return f"<{type(value).__name__}>"
    if isinstance(value, dict):
        return {str(k): to_plain(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v, _depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((to_plain(v, _depth + 1) for v in value), key=repr)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_plain(value.value, _depth + 1)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return to_plain(_model_dump(dump), _depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_plain(dataclasses.asdict(value), _depth + 1)
    return f"<{type(value).__name__}>"


def _model_dump(dump: Callable[..., Any]) -> Any:
    try:
        return dump(warnings=False)
    except TypeError:
        return dump()


def content_text(content: Any) -> str:
    """The text of message content: a string, or the text parts of a list of blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            b if isinstance(b, str) else b["text"]
            for b in content
            if isinstance(b, str) or (isinstance(b, dict) and isinstance(b.get("text"), str))
        )
    return ""


def value_text(value: Any) -> str | None:
    """The text a plain chunk or output carries: a str, a message, a generation or an LLMResult."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return None
    if "content" in value:
        return content_text(value["content"])
    if isinstance(value.get("text"), str):
        return str(value["text"])
    generations = value.get("generations")
    if isinstance(generations, list) and generations and isinstance(generations[0], list):
        first = generations[0][0] if generations[0] else None
        return value_text(first.get("message", first)) if isinstance(first, dict) else None
    return None


class IdMap:
    """Gives each run id a placeholder, `<run-0>`, `<run-1>`…, in order of first appearance."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, run_id: str) -> str:
        key = run_id.lower()
        if key not in self.names:
            self.names[key] = f"<run-{len(self.names)}>"
        return self.names[key]

    def in_text(self, text: str) -> str:
        """A message id made of a run id (`lc_run--<uuid>`, `run-<uuid>`) mapped the same way."""
        match = MESSAGE_ID_RE.match(text)
        if match is None:
            return text
        prefix = match.group(1) or ""
        return PREFIXES.get(prefix, prefix) + self(match.group(2))


@dataclasses.dataclass(frozen=True)
class Normalizer:
    """How a target's events are normalized: which fields to exclude, which secrets to hide."""

    exclude: tuple[str, ...] = ()
    scrub: Callable[[str], str] | None = None

    def events(self, events: Iterable[dict[str, Any]], ids: IdMap) -> list[dict[str, Any]]:
        return [self.event(e, ids) for e in events if not closing_chunk(e)]

    def event(self, event: dict[str, Any], ids: IdMap) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if isinstance(event.get("run_id"), str):
            ids(event["run_id"])
        for key in EVENT_KEYS:
            if key in event:
                out[key] = self._value(event[key], (key,), ids)
        for key in sorted(k for k in event if k not in EVENT_KEYS):
            out[key] = self._value(event[key], (key,), ids)
        return out

    def _value(self, value: Any, path: tuple[str, ...], ids: IdMap) -> Any:
        if self._excluded(path):
            return EXCLUDED
        if isinstance(value, dict):
            # Keys are scrubbed too: a model may key a metadata dict by its account or key.
            return {
                self._key(k): self._value(v, (*path, k), ids)
                for k, v in sorted(value.items())
                if not _dropped(k, v)
            }
        if isinstance(value, list):
            return [self._value(v, path, ids) for v in value]
        if isinstance(value, str):
            return ids(value) if path in RUN_ID_PATHS else self._text(value, ids)
        return value

    def _key(self, key: str) -> str:
        return self.scrub(key) if self.scrub is not None and isinstance(key, str) else key

    def _text(self, text: str, ids: IdMap) -> str:
        text = loopback_port(ids.in_text(text))
        return self.scrub(text) if self.scrub is not None else text

    def _excluded(self, path: tuple[str, ...]) -> bool:
        return excluded(path, self.exclude)


def excluded(path: tuple[str, ...], exclude: Iterable[str]) -> bool:
    """Whether a `snapshot_exclude` entry names the field at `path`: its key, or a dotted path's end."""
    dotted = ".".join(path)
    return any(dotted == e or dotted.endswith("." + e) for e in exclude)


def loopback_port(text: str) -> str:
    """`http://127.0.0.1:44931/v1` -> `http://127.0.0.1:<port>/v1`; other URLs are left as they are."""
    return LOOPBACK_URL_RE.sub(rf"\1:{PORT}", text)


def volatile_removed(value: Any, exclude: Iterable[str], path: tuple[str, ...] = ()) -> Any:
    """A plain JSON value with the fields `exclude` names read `<excluded>` and loopback ports
    `<port>`: what every snapshot modelcheck writes does with what changes from run to run."""
    if path and excluded(path, exclude):
        return EXCLUDED
    if isinstance(value, dict):
        return {k: volatile_removed(v, exclude, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [volatile_removed(v, exclude, path) for v in value]
    return loopback_port(value) if isinstance(value, str) else value


def _dropped(key: str, value: Any) -> bool:
    if key in DROPPED_DEFAULTS and value == DROPPED_DEFAULTS[key] and type(value) is bool:
        return True
    return key in DROPPED_KEYS or bool(TIME_KEY_RE.search(key))


def closing_chunk(event: dict[str, Any]) -> bool:
    """The empty chunk langchain-core 1.x appends to close a chat stream (core 0.3 sends none): no
    text, no tool call, no usage and no metadata, marked `chunk_position="last"`."""
    data = event.get("data")
    chunk = data.get("chunk") if isinstance(data, dict) else None
    if not str(event.get("event", "")).endswith("_stream") or not isinstance(chunk, dict):
        return False
    empty = not any(
        chunk.get(k) for k in ("tool_call_chunks", "tool_calls", "usage_metadata", "response_metadata")
    )
    return chunk.get("chunk_position") == "last" and not content_text(chunk.get("content")) and empty


# ------------------------------------------------------------- the stable form of a sampled stream

TEXT, COUNT, VARIES = "<text>", "<count>", "<varies>"
STABLE_NOTE = (
    "The model's answers vary from call to call (seen, or declared with nondeterministic = true), so "
    "only what is stable is kept: answer text reads <text>, output token counts <count>, tool call "
    "arguments and ids <varies>; a stream event that adds only text to the one before it (of the same "
    "run) is merged into it, and stream events alike one after another are kept once."
)
# Fields of a chunk or an output that hold what the model generated.
ANSWER_KEYS = frozenset({"content", "text", "reasoning_content", "reasoning", "thinking", "refusal"})
CALL_KEYS = frozenset({"args", "arguments", "partial_json", "input"})
TOOL_CALLS = frozenset({"tool_calls", "tool_call_chunks", "invalid_tool_calls", "function_call"})
# Token counts that follow the answer's length (prompt and cache counts follow the prompt).
OUTPUT_COUNT_RE = re.compile(r"output|completion|total|reasoning|candidates|^eval_count$")
# What a chunk holds besides its text that makes it more than a piece of the text.
PIECE_KEYS = frozenset({"content", "text", "id", "type", "name"})
MAX_UNIT = 4


def stable_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A normalized event stream of a nondeterministic model, as far as it repeats from run to run."""
    out: list[dict[str, Any]] = []
    for event in (_masked(e) for e in events):
        if not (_merged(out, event) or _repeats(out, event)):
            out.append(event)
    return out


def _masked(event: dict[str, Any]) -> dict[str, Any]:
    if str(event.get("event", "")).startswith("on_prompt") or not isinstance(event.get("data"), dict):
        return event
    data = {k: _mask_answer(v, k) if k in ("chunk", "output") else v for k, v in event["data"].items()}
    return {**event, "data": data}


def _mask_answer(value: Any, key: str) -> Any:
    """A chunk or an output with what the model generated masked (a text model's is the text)."""
    return (TEXT if value else value) if isinstance(value, str) else _mask(value, (key,))


def _mask(value: Any, path: tuple[str, ...]) -> Any:
    key = path[-1]
    in_call = any(p in TOOL_CALLS for p in path[:-1])
    if key in CALL_KEYS or (in_call and key == "id"):
        return VARIES if value not in (None, "", {}, []) else value
    if isinstance(value, dict):
        return {k: _mask(v, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, path) for v in value]
    if isinstance(value, str) and key in ANSWER_KEYS:
        return TEXT if value else value
    counted = isinstance(value, int) and not isinstance(value, bool)
    return COUNT if counted and any(OUTPUT_COUNT_RE.search(p) for p in path) else value


def _streamed(event: dict[str, Any]) -> bool:
    return str(event.get("event", "")).endswith("_stream")


def _piece(event: dict[str, Any]) -> dict[str, Any] | None:
    """The chunk of a stream event that holds nothing but a piece of the text, else None."""
    chunk = event.get("data", {}).get("chunk")
    if not _streamed(event) or not isinstance(chunk, dict):
        return None
    return None if any(chunk.get(k) for k in chunk if k not in PIECE_KEYS) else chunk


def _envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "data"}


def _merged(out: list[dict[str, Any]], event: dict[str, Any]) -> bool:
    """Merge a stream event that adds only text into the stream event before it of the same run."""
    piece = _piece(event)
    if piece is None:
        return False
    for i in range(len(out) - 1, -1, -1):
        before = out[i]
        if not _streamed(before):
            return False
        if before.get("run_id") == event.get("run_id"):
            if _envelope(before) != _envelope(event):
                return False
            chunk = _with_text(before["data"]["chunk"], piece)
            out[i] = {**before, "data": {**before["data"], "chunk": chunk}}
            return True
    return False


def _with_text(chunk: Any, piece: dict[str, Any]) -> Any:
    """`chunk` holding text when either it or the merged piece does."""
    if not isinstance(chunk, dict):
        return chunk
    key = "content" if "content" in chunk else "text"
    if chunk.get(key) == "" and piece.get(key):
        return {**chunk, key: TEXT}
    return chunk


def _repeats(out: list[dict[str, Any]], event: dict[str, Any]) -> bool:
    """Whether `event` completes a repeat of the stream events just before it (then it is dropped,
    and so is the rest of the repeat)."""
    candidate = [*out, event]
    for size in range(1, MAX_UNIT + 1):
        unit = candidate[-size:]
        if len(candidate) >= 2 * size and unit == candidate[-2 * size : -size] and all(map(_streamed, unit)):
            del out[len(out) - size + 1 :]
            return True
    return False


def render(document: dict[str, Any]) -> str:
    """The snapshot file: a JSON object whose event lists hold one event per line."""
    lines = ["{"]
    items = list(document.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        head = f"  {_dump(key)}: "
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(head + "[")
            lines.extend(f"    {_dump(v)}{',' if j < len(value) - 1 else ''}" for j, v in enumerate(value))
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"{head}{_dump(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)
