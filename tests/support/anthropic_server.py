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

Tools, structured output and media are answered by the rules in loopback.py, as the reference chat
model answers (docs/real-models.md). With `tools` sent, the tools `tool_choice` forces (`{"type":
"tool", "name"}` that one; `"any"` the tools the last user message names, else the first) or, with
`"auto"` or none, the tools the last user message names are called (`disable_parallel_tool_use` ->
only the first), their `input` filled from their `input_schema`: `tool_use` content blocks and
`stop_reason: "tool_use"`, streamed as a `content_block_start` holding the block with an empty
`input`, `input_json_delta` deltas whose `partial_json` pieces add up to the input, and a
`content_block_stop`. A last user turn of `tool_result` blocks is answered with the text `<tool
name> returned: <its content>` (`failed:` with `is_error`). `output_config.format` (or the older
`output_format`) of type json_schema answers the JSON its schema fills. `image` and `document`
blocks (base64, URL, file id or plain text sources) are echoed as markers such as `[image/png, 67
bytes]`. What the real API refuses, the stub refuses with its 400: an unknown block type, an image
media type it does not take or that the data is not, data that is not base64, a `tool_result` that
answers no `tool_use` of the turn before, a `tool_use` left unanswered, `tool_choice` without tools
or naming a tool not sent, a tool without an `input_schema`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from support.loopback import (
    LoopbackServer,
    Reply,
    bearer_token,
    called_tools,
    cut_at_stop,
    cut_tokens,
    media_marker,
    pieces,
    word_count,
)

Event = tuple[str, dict[str, Any]]
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
MAGIC = {"image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8", "image/gif": b"GIF8", "image/webp": b"RIFF"}
BLOCKS = {
    "user": ("text", "image", "document", "search_result", "tool_result"),
    "assistant": ("text", "tool_use", "thinking", "redacted_thinking"),
}
RESULT_BLOCKS = ("text", "image", "document", "search_result")
SOURCES = {"url": "url", "file": "file_id", "text": "data", "content": "content"}
"""The other sources of an image or document block, and the field each needs."""
ARGUMENT_PIECE = 8


class Refused(Exception):
    """A request the real API answers with 400 invalid_request_error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.reply = _error(400, "invalid_request_error", message)


def _error(status: int, kind: str, message: str) -> Reply:
    return Reply(status, {"type": "error", "error": {"type": kind, "message": message}})


@dataclass
class Turns:
    """What the messages hold: the last user turn's text (media as markers), its tool results, and
    {tool_use id: tool name} of the history, each tool_use answered in the next user turn."""

    asked: str = ""
    results: list[tuple[str, bool, str]] = field(default_factory=list)
    """(tool name, is_error, content as text) of the last user turn's tool_result blocks."""
    texts: list[str] = field(default_factory=list)


def read_turns(messages: list[Any]) -> Turns:
    turns, pending, names = Turns(), {}, {}
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in BLOCKS:
            raise Refused(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        blocks = _blocks(message.get("content"), role, f"messages.{i}.content")
        answered = {str(b.get("tool_use_id")) for b in blocks if b.get("type") == "tool_result"}
        if unknown := sorted(answered - set(pending)):
            raise Refused(
                f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{', '.join(unknown)}. Each `tool_result` block must have a corresponding `tool_use` "
                "block in the previous message."
            )
        if missing := sorted(set(pending) - answered):
            raise Refused(
                f"messages.{i - 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                "`tool_result` block in the next message."
            )
        pending = {str(b.get("id")): str(b.get("name")) for b in blocks if b.get("type") == "tool_use"}
        names.update(pending)
        text = _text(blocks)
        turns.texts.append(text)
        if role == "user":
            turns.asked = text
            turns.results = [
                (names[str(b["tool_use_id"])], b.get("is_error") is True, _text(_result_blocks(b, i)))
                for b in blocks
                if b.get("type") == "tool_result"
            ]
    if pending:
        raise Refused(
            f"messages.{len(messages) - 1}: `tool_use` ids were found without `tool_result` blocks "
            f"immediately after: {', '.join(sorted(pending))}. Each `tool_use` block must have a "
            "corresponding `tool_result` block in the next message."
        )
    return turns


def _blocks(content: Any, role: str, where: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise Refused(f"{where}: Input should be a valid list")
    for j, block in enumerate(content):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in BLOCKS[role]:
            tags = ", ".join(f"'{t}'" for t in sorted(BLOCKS[role]))
            raise Refused(
                f"{where}.{j}.type: Input tag '{kind}' found using 'type' does not match any of the "
                f"expected tags: {tags}"
            )
        _check_media(block, f"{where}.{j}")
    return content


def _result_blocks(block: dict[str, Any], i: int) -> list[dict[str, Any]]:
    content = block.get("content", "")
    where = f"messages.{i}.content.tool_result.content"
    if isinstance(content, list):
        for j, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") not in RESULT_BLOCKS:
                raise Refused(f"{where}.{j}.type: Input tag does not match any of the expected tags")
            _check_media(part, f"{where}.{j}")
    return _blocks(content, "user", where) if isinstance(content, (str, list)) else []


def _check_media(block: dict[str, Any], where: str) -> None:
    if block.get("type") not in ("image", "document"):
        return
    source = block.get("source")
    if not isinstance(source, dict):
        raise Refused(f"{where}.{block['type']}.source: Field required")
    if source.get("type") == "base64":
        data = _decoded(source.get("data"), f"{where}.source.base64")
        mime = source.get("media_type")
        if block["type"] == "image" and mime not in IMAGE_TYPES:
            raise Refused(f"{where}.source.base64.media_type: Input should be {', '.join(IMAGE_TYPES)}")
        if block["type"] == "image" and not data.startswith(MAGIC[str(mime)]):
            raise Refused(f"{where}: Image does not match the provided media type {mime}")
        if block["type"] == "document" and mime != "application/pdf":
            raise Refused(f"{where}.source.base64.media_type: Input should be 'application/pdf'")
    elif source.get("type") not in SOURCES or not isinstance(
        source.get(SOURCES[source["type"]]), (str, list)
    ):
        raise Refused(f"{where}.source: Input tag '{source.get('type')}' does not match the expected tags")


def _decoded(data: Any, where: str) -> bytes:
    try:
        return base64.b64decode(str(data), validate=True)
    except (binascii.Error, ValueError):
        raise Refused(f"{where}: invalid base64 data") from None


def _text(blocks: list[dict[str, Any]]) -> str:
    """The text of some blocks, then a marker for each image or document."""
    text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
    marks = [_marker(b) for b in blocks if b.get("type") in ("image", "document")]
    return " ".join(p for p in [text, *marks] if p)


def _marker(block: dict[str, Any]) -> str:
    source = block.get("source") or {}
    if source.get("type") == "base64":
        return media_marker(str(source.get("media_type")), str(source.get("data")))
    if source.get("type") == "text":
        return media_marker(str(source.get("media_type", "text/plain")), url="text")
    return media_marker(
        block["type"], url=str(source.get("url") or source.get("file_id") or source.get("type"))
    )


def bound_tools(body: dict[str, Any]) -> tuple[dict[str, Any], str | None, bool]:
    """{name: input schema} of the request's tools, the tool choice ("any" as "required") and
    whether parallel calls are off."""
    tools, choice = body.get("tools") or [], body.get("tool_choice")
    schemas = {}
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise Refused(f"tools.{i}.custom.name: Field required")
        if str(tool.get("type", "custom")) != "custom":
            continue  # a server tool (web search, ...): the stub never calls it
        if not isinstance(tool.get("input_schema"), dict):
            raise Refused(f"tools.{i}.custom.input_schema: Field required")
        schemas[tool["name"]] = tool["input_schema"]
    if choice is None:
        return schemas, None, False
    if not tools:
        raise Refused("tool_choice may only be specified while providing tools.")
    kind = choice.get("type") if isinstance(choice, dict) else None
    if kind not in ("auto", "any", "tool", "none"):
        raise Refused(
            f"tool_choice.type: Input tag '{kind}' found using 'type' does not match the expected tags"
        )
    if kind == "tool" and choice.get("name") not in schemas:
        raise Refused(f"Tool '{choice.get('name')}' not found in provided tools")
    chosen = {"any": "required", "tool": str(choice.get("name"))}.get(kind, kind)
    return schemas, chosen, choice.get("disable_parallel_tool_use") is True


def structured_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema `output_config.format` (or the older beta `output_format`) asks for."""
    given = (body.get("output_config") or {}).get("format") or body.get("output_format")
    if given is None:
        return None
    if (
        not isinstance(given, dict)
        or given.get("type") != "json_schema"
        or not isinstance(given.get("schema"), dict)
    ):
        raise Refused("output_config.format: expected {'type': 'json_schema', 'schema': {...}}")
    return given["schema"]


def tool_use(n: int, name: str, args: Any) -> dict[str, Any]:
    digest = hashlib.sha256(f"{n}:{name}:{json.dumps(args, ensure_ascii=False)}".encode()).hexdigest()
    return {"type": "tool_use", "id": "toolu_" + digest[:24], "name": name, "input": args}


class AnthropicServer(LoopbackServer):
    """Point clients at `root_url` (the SDK adds `/v1/messages`) with `api_key`."""

    name = "anthropic-server"

    def __init__(
        self,
        api_key: str = "mc-real-anthropic-key-for-the-loopback",
        *,
        sampling: bool = False,
        drop_stop: bool = False,
    ) -> None:
        super().__init__(api_key, sampling=sampling, drop_stop=drop_stop)

    def bad_json(self) -> Reply:
        return _error(400, "invalid_request_error", "request body is not valid JSON")

    def respond(self, path: str, headers: Mapping[str, str], body: dict[str, Any]) -> Reply:
        if self.api_key not in (headers.get("x-api-key"), bearer_token(headers)):
            return _error(401, "authentication_error", "invalid x-api-key")
        if path != "/v1/messages":
            return _error(404, "not_found_error", f"Not Found: {path}")
        if not isinstance(body.get("max_tokens"), int):
            return _error(400, "invalid_request_error", "max_tokens: Field required")
        try:
            message = self.message(body)
        except Refused as refused:
            return refused.reply
        if body.get("stream"):
            return Reply(events=self.events(message), format="sse")
        return Reply(body=message)

    def message(self, body: dict[str, Any]) -> dict[str, Any]:
        """The whole answer."""
        turns = read_turns(body.get("messages") or [])
        schemas, choice, single = bound_tools(body)
        schema = structured_schema(body)
        calls = [] if turns.results else called_tools(list(schemas), turns.asked, choice)
        stop = None
        if calls:
            args = [self.filled(schemas[name], turns.asked) for name in calls]
            content = [tool_use(n, name, a) for n, (name, a) in enumerate(zip(calls, args, strict=True))]
            content = content[:1] if single else content
            said = " ".join(json.dumps(c["input"], ensure_ascii=False) for c in content)
        else:
            said = self.text(turns, schema)
            said, stop = cut_at_stop(said, self.stops(body.get("stop_sequences")))
            said = said if stop else cut_tokens(said, body.get("max_tokens"))
            content = [{"type": "text", "text": said}]
        prompt = " ".join([_text(_blocks(body.get("system") or "", "user", "system")), *turns.texts])
        reason = "tool_use" if calls else "stop_sequence" if stop else "end_turn"
        return {
            "id": "msg_mc0001",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "mc-echo"),
            "content": content,
            "stop_reason": reason,
            "stop_sequence": stop,
            "usage": {"input_tokens": word_count(prompt), "output_tokens": word_count(said)},
        }

    def text(self, turns: Turns, schema: dict[str, Any] | None) -> str:
        if turns.results:
            return " ".join(f"{n} {'failed' if e else 'returned'}: {t}" for n, e, t in turns.results)
        if schema is not None:
            return json.dumps(self.filled(schema, turns.asked), ensure_ascii=False)
        return self.answer_for(turns.asked)

    def events(self, message: dict[str, Any]) -> Iterator[Event]:
        start = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
        start["usage"] = {**message["usage"], "output_tokens": 1}
        yield "message_start", {"type": "message_start", "message": start}
        for index, block in enumerate(message["content"]):
            for name, event in self.block_events(index, block):
                yield name, event
                if (index, name) == (0, "content_block_start"):
                    yield "ping", {"type": "ping"}
        ending = {"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]}
        usage = dict(message["usage"])  # the API's message_delta carries the whole usage, input too
        yield "message_delta", {"type": "message_delta", "delta": ending, "usage": usage}
        yield "message_stop", {"type": "message_stop"}

    @staticmethod
    def block_events(index: int, block: dict[str, Any]) -> Iterator[Event]:
        if block["type"] == "tool_use":
            opened = {**block, "input": {}}
            given = json.dumps(block["input"], ensure_ascii=False)
            deltas = [{"type": "input_json_delta", "partial_json": ""}] + [
                {"type": "input_json_delta", "partial_json": given[at : at + ARGUMENT_PIECE]}
                for at in range(0, len(given), ARGUMENT_PIECE)
            ]
        else:
            opened = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": piece} for piece in pieces(block["text"])]
        yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": opened}
        for delta in deltas:
            yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
