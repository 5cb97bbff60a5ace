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
