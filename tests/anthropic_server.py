"""A small stub of Anthropic's Messages API on 127.0.0.1, for running langchain-anthropic offline.

It answers `POST /v1/messages` as JSON or, with `"stream": true`, as Anthropic's named
server-sent events (`message_start`, `content_block_start`, `ping`, `content_block_delta`,
`content_block_stop`, `message_delta`, `message_stop`). The answer is a deterministic echo of the
last user message. `stop_sequences` are applied as the API applies them: the text ends right
before the earliest stop sequence (which is left out), `stop_reason` is `"stop_sequence"` and
`stop_sequence` names it. `usage` has `input_tokens` and `output_tokens` (in `message_start` and,
cumulative, in `message_delta` when streaming). The key comes in the `x-api-key` header (older
SDKs) or as `Authorization: Bearer` (the 2.x SDK); a wrong one gets the API's 401
`authentication_error`, which does not repeat the key. `max_tokens` is
required, as by the API (400 `invalid_request_error` without it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from loopback import (
    LoopbackServer,
    Reply,
    answer_for,
    bearer_token,
    cut_at_stop,
    cut_tokens,
    pieces,
    word_count,
)

Event = tuple[str, dict[str, Any]]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def _error(status: int, kind: str, message: str) -> Reply:
    return Reply(status, {"type": "error", "error": {"type": kind, "message": message}})


class AnthropicServer(LoopbackServer):
    """Point clients at `root_url` (the SDK adds `/v1/messages`) with `api_key`."""

    name = "anthropic-server"

    def __init__(self, api_key: str = "mc-real-anthropic-key-for-the-loopback") -> None:
        super().__init__(api_key)

    def bad_json(self) -> Reply:
        return _error(400, "invalid_request_error", "request body is not valid JSON")

    def respond(self, path: str, headers: Mapping[str, str], body: dict[str, Any]) -> Reply:
        if self.api_key not in (headers.get("x-api-key"), bearer_token(headers)):
            return _error(401, "authentication_error", "invalid x-api-key")
        if path != "/v1/messages":
            return _error(404, "not_found_error", f"Not Found: {path}")
        if not isinstance(body.get("max_tokens"), int):
            return _error(400, "invalid_request_error", "max_tokens: Field required")
        message, text = self.message(body)
        if body.get("stream"):
            return Reply(events=self.events(message, text), format="sse")
        return Reply(body=message)

    def message(self, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The whole answer, and its text."""
        messages = body.get("messages") or []
        users = [m for m in messages if m.get("role") == "user"]
        text, stop = cut_at_stop(
            answer_for(_text(users[-1].get("content")) if users else ""), body.get("stop_sequences")
        )
        if stop is None:
            text = cut_tokens(text, body.get("max_tokens"))
        prompt = " ".join([_text(body.get("system")), *(_text(m.get("content")) for m in messages)])
        return {
            "id": "msg_mc0001",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "mc-echo"),
            "content": [{"type": "text", "text": text}],
            "stop_reason": "stop_sequence" if stop else "end_turn",
            "stop_sequence": stop,
            "usage": {"input_tokens": word_count(prompt), "output_tokens": word_count(text)},
        }, text

    def events(self, message: dict[str, Any], text: str) -> Iterator[Event]:
        start = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
        start["usage"] = {**message["usage"], "output_tokens": 1}
        yield "message_start", {"type": "message_start", "message": start}
        block = {"type": "text", "text": ""}
        yield "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
        yield "ping", {"type": "ping"}
        for piece in pieces(text):
            delta = {"type": "text_delta", "text": piece}
            yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": 0}
        ending = {"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]}
        usage = dict(message["usage"])  # the API's message_delta carries the whole usage, input too
        yield "message_delta", {"type": "message_delta", "delta": ending, "usage": usage}
        yield "message_stop", {"type": "message_stop"}
