"""Response bodies in a readable form and back: parsed JSON, server-sent events, NDJSON lines, text.

A cassette stores `{"json": ...}`, `{"sse": [events]}`, `{"ndjson": [values]}`, `{"text": ...}` or
`{"base64": ...}`. Turning a stored body back into bytes gives the same sequence of events or lines
the server sent, so a streaming client yields the same chunks on replay as it did live; the
whitespace inside each JSON value may differ, which no client reads.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]
NDJSON = ("application/x-ndjson", "application/jsonl", "application/ndjson", "application/json-seq")


def to_doc(body: bytes, content_type: str, redact: Callable[[Any], Any]) -> Doc:
    """The readable form of a body, passed through `redact` (which removes secrets from JSON values)."""
    if not body:
        return {"text": ""}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(body).decode("ascii")}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "text/event-stream":
        return {"sse": [redact(event) for event in parse_sse(text)]}
    lines = [_json_or_text(line) for line in text.splitlines() if line.strip()]
    if kind in NDJSON and not any(isinstance(line, _Text) for line in lines):
        return {"ndjson": [redact(line) for line in lines]}
    value = _json_or_text(text)
    if "json" in kind and not isinstance(value, _Text):
        return {"json": redact(value)}
    return {"text": redact(text)}


def to_bytes(doc: Doc) -> bytes:
    """The body a client reads, from its stored form."""
    if "json" in doc:
        return _dump(doc["json"]).encode()
    if "sse" in doc:
        return "".join(_sse_event(e) for e in doc["sse"]).encode()
    if "ndjson" in doc:
        return "".join(_dump(v) + "\n" for v in doc["ndjson"]).encode()
    if "base64" in doc:
        return base64.b64decode(doc["base64"])
    return str(doc.get("text", "")).encode()


class _Text(str):
    """A line or body that is not JSON, kept as it is."""


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _Text(text)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def parse_sse(text: str) -> list[dict[str, Any]]:
    """Server-sent events as `{"event": ..., "id": ..., "data": <parsed JSON>}` in order; a data
    field that is not JSON (`[DONE]`) is kept as `"text"`."""
    events: list[dict[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        event: dict[str, Any] = {}
        data: list[str] = []
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name in ("event", "id", "retry"):
                event[name] = value
        if data:
            parsed = _json_or_text("\n".join(data))
            event.update({"text": str(parsed)} if isinstance(parsed, _Text) else {"data": parsed})
        if event:
            events.append(event)
    return events


def _sse_event(event: dict[str, Any]) -> str:
    lines = [f"{name}: {event[name]}" for name in ("event", "id", "retry") if name in event]
    if "data" in event or "text" in event:
        text = _dump(event["data"]) if "data" in event else str(event["text"])
        lines.extend(f"data: {part}" for part in text.split("\n"))
    return "\n".join(lines) + "\n\n"
