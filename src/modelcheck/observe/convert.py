"""Reduce what a model returns or yields to plain `Output` records."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage

from modelcheck.core.events import content_text, to_plain
from modelcheck.core.records import Kind, Output


def to_output(value: Any, kind: Kind, *, streamed: bool) -> Output:
    """What the checks need of a returned or yielded value: its type and its text."""
    type_name = type(value).__name__
    if kind == "llm":
        text = value if isinstance(value, str) else getattr(value, "text", None)
        return Output(type_name, text if isinstance(text, str) else None, isinstance(value, str))
    if isinstance(value, BaseMessage):
        expected = AIMessageChunk if streamed else AIMessage
        return Output(
            type_name,
            content_text(value.content),
            isinstance(value, expected),
            usage=_usage(value),
            model_name=_model_name(value),
            tool_calls=_plain_list(value, "tool_calls"),
            tool_call_chunks=_plain_list(value, "tool_call_chunks"),
            invalid_tool_calls=_plain_list(value, "invalid_tool_calls"),
        )
    return Output(type_name, value if isinstance(value, str) else None, False)


def dump(value: Any) -> str:
    """Everything a value carries, as text, for the secret search."""
    if isinstance(value, BaseMessage):
        # warnings=False: a value of the wrong type (args as a str) is the checks' to report, not
        # a pydantic warning out of modelcheck's own search.
        return json.dumps(value.model_dump(warnings=False), default=repr, ensure_ascii=False)
    try:
        return json.dumps(value, default=repr, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _usage(message: Any) -> dict[str, Any] | None:
    """The message's usage metadata as plain data (token details as nested dicts), or None."""
    usage = getattr(message, "usage_metadata", None)
    return to_plain(dict(usage)) if usage else None


def _plain_list(message: Any, name: str) -> tuple[dict[str, Any], ...]:
    """A message's list attribute `name` (tool calls and their kin) as plain dicts, values as given:
    the checks must see a JSON string where the model put one instead of a dict."""
    items = getattr(message, name, None)
    if not isinstance(items, (list, tuple)):
        return ()
    return tuple(dict(item) if isinstance(item, dict) else {"value": repr(item)} for item in items)


def _model_name(message: Any) -> Any:
    meta = getattr(message, "response_metadata", None)
    return meta.get("model_name") if isinstance(meta, dict) else None
