"""A small stub of Ollama's REST API on 127.0.0.1, for running langchain-ollama offline.

It answers `POST /api/chat` and `POST /api/generate`, and `POST /api/embed` as
support/embeddings_api.py describes. Like Ollama, chat and generate stream unless the request says
`"stream": false`, as newline-delimited JSON: one object per piece (`message.content` for
chat, `response` for generate) with `"done": false`, then a final object with `"done": true`,
`done_reason` and the counts Ollama reports (`prompt_eval_count`, `eval_count`, durations in
nanoseconds). The answer is a deterministic echo of the last user message (chat) or of the prompt
(generate). `options.stop` is applied as Ollama applies it: the text ends right before the
earliest stop string, which is left out. A model the server does not have gets Ollama's 404
`{"error": "model '...' not found"}`. Ollama has no API key; the server takes none.

Tools, structured output and images are answered by the rules in loopback.py, as the reference
chat model answers (docs/real-models.md). Ollama has no `tool_choice`: with `tools` sent, the
tools the last user message names are called, their arguments filled from their JSON schemas, as
`message.tool_calls` (`{"function": {"name", "arguments"}}`, the arguments an object, as Ollama
sends them; no id); a stream sends them whole in one piece before the final object. A last message
of role `tool` is answered with the text `<tool name> returned: <its content>` (the name from its
`tool_name`, else from the assistant's call it follows). `format` "json" answers the first JSON
object of the last user message (`{}` when there is none), a JSON schema the JSON it fills. The
base64 `images` of a message are echoed as markers such as `[image/png, 67 bytes]` (the type read
from the data's first bytes, as Ollama sends no type). What Ollama refuses, the stub refuses with
its 400 `{"error": ...}`: a `format` that is neither "json" nor a schema, images that are not
base64, a role it does not know.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from support import embeddings_api
from support.embeddings_api import ollama_embed
from support.loopback import (
    LoopbackServer,
    Reply,
    called_tools,
    cut_at_stop,
    cut_tokens,
    fill,
    first_json_object,
    media_marker,
    pieces,
    word_count,
)

CREATED_AT = "2026-01-01T00:00:00.000000Z"
ROLES = ("system", "user", "assistant", "tool")
MAGIC = {b"\x89PNG": "image/png", b"\xff\xd8": "image/jpeg", b"GIF8": "image/gif", b"RIFF": "image/webp"}


class Refused(Exception):
    """A request Ollama answers with 400 and `{"error": message}`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.reply = Reply(400, {"error": message})


def image_marker(data: Any) -> str:
    try:
        raw = base64.b64decode(str(data), validate=True)
    except (binascii.Error, ValueError):
        raise Refused("illegal base64 data in images") from None
    mime = next((m for magic, m in MAGIC.items() if raw.startswith(magic)), "image")
    return media_marker(mime, str(data))


def message_text(message: Mapping[str, Any]) -> str:
    """A message's content, then a marker for each of its images."""
    marks = [image_marker(image) for image in message.get("images") or []]
    return " ".join(p for p in [str(message.get("content") or ""), *marks] if p)


def tool_results(messages: list[Any]) -> list[tuple[str, str]]:
    """(tool name, content) of the tool messages that end the conversation, if it ends with some."""
    ending = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        ending.insert(0, message)
    calls = _last_calls(messages[: len(messages) - len(ending)])
    by_id = {str(c.get("id")): c for c in calls}
    results = []
    for n, message in enumerate(ending):
        call = by_id.get(str(message.get("tool_call_id"))) or (calls[n] if n < len(calls) else {})
        name = message.get("tool_name") or (call.get("function") or {}).get("name") or "tool"
        results.append((str(name), str(message.get("content") or "")))
    return results


def _last_calls(messages: list[Any]) -> list[dict[str, Any]]:
    assistant = next((m for m in reversed(messages) if m.get("role") == "assistant"), {})
    return [c for c in assistant.get("tool_calls") or [] if isinstance(c, dict)]


def structured_text(given: Any, asked: str, filled: Callable[[Any, str], Any] = fill) -> str | None:
    """The answer `format` asks for: JSON mode's first object, or the JSON a schema fills."""
    if given in (None, ""):
        return None
    if given == "json":
        return json.dumps(first_json_object(asked), ensure_ascii=False)
    if isinstance(given, dict):
        return json.dumps(filled(given, asked), ensure_ascii=False)
    raise Refused(f'invalid format: {json.dumps(given)}; expected "json" or a valid JSON schema')


def tool_schemas(tools: Any) -> dict[str, Any]:
    schemas = {}
    for tool in tools or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise Refused("invalid tool: a tool needs function.name")
        schemas[function["name"]] = function.get("parameters") or {"type": "object", "properties": {}}
    return schemas


class OllamaServer(LoopbackServer):
    """Point clients at `root_url`; only the models in `models` exist."""

    name = "ollama-server"

    def __init__(
        self, models: tuple[str, ...] = ("mc-echo",), *, sampling: bool = False, drop_stop: bool = False
    ) -> None:
        super().__init__(api_key="", sampling=sampling, drop_stop=drop_stop)
        self.models = models

    def respond(self, path: str, headers: Mapping[str, str], body: dict[str, Any]) -> Reply:
        if path not in ("/api/chat", "/api/generate", "/api/embed"):
            return Reply(404, {"error": f"404 page not found: {path}"})
        model = str(body.get("model", ""))
        if model not in self.models:
            return Reply(404, {"error": f"model '{model}' not found"})
        if path == "/api/embed":
            try:
                return Reply(body=ollama_embed(body, model))
            except embeddings_api.Refused as refused:
                return Reply(refused.status, refused.body)
        chat = path == "/api/chat"
        try:
            text, calls, prompt = self.chat(body) if chat else self.generate(body)
        except Refused as refused:
            return refused.reply
        said = text + " ".join(json.dumps(c["function"]["arguments"], ensure_ascii=False) for c in calls)
        final = self._final(model, word_count(prompt), word_count(said))
        if body.get("stream", True):
            events = self._pieces(model, chat, text, calls, final)
            return Reply(events=((None, e) for e in events), format="ndjson")
        return Reply(body={**final, **self._piece(model, chat, text, calls)})

    def chat(self, body: dict[str, Any]) -> tuple[str, list[dict[str, Any]], str]:
        """The answer's text, its tool calls, and the prompt's text (for the counts)."""
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        for m in messages:
            if m.get("role") not in ROLES:
                raise Refused(f"invalid role: {m.get('role')}, role must be one of {list(ROLES)}")
        texts = [message_text(m) for m in messages]
        users = [t for m, t in zip(messages, texts, strict=True) if m.get("role") == "user"]
        asked = users[-1] if users else ""
        results = tool_results(messages)
        structured = structured_text(body.get("format"), asked, self.filled)
        schemas = tool_schemas(body.get("tools"))
        names = [] if results else called_tools(list(schemas), asked, None)
        if names:
            calls = [{"function": {"name": n, "arguments": self.filled(schemas[n], asked)}} for n in names]
            return "", calls, " ".join(texts)
        if results:
            text = " ".join(f"{name} returned: {content}" for name, content in results)
        else:
            text = structured if structured is not None else self.answer_for(asked)
        return self._cut(text, body), [], " ".join(texts)

    def generate(self, body: dict[str, Any]) -> tuple[str, list[dict[str, Any]], str]:
        asked = str(body.get("prompt", ""))
        return self._cut(self.answer_for(asked), body), [], asked

    def _cut(self, text: str, body: dict[str, Any]) -> str:
        options = body.get("options") or {}
        return cut_tokens(cut_at_stop(text, self.stops(options.get("stop")))[0], options.get("num_predict"))

    @staticmethod
    def _piece(
        model: str, chat: bool, text: str, calls: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        said: dict[str, Any] = {"response": text}
        if chat:
            said = {
                "message": {"role": "assistant", "content": text, **({"tool_calls": calls} if calls else {})}
            }
        return {"model": model, "created_at": CREATED_AT, **said}

    def _pieces(
        self, model: str, chat: bool, text: str, calls: list[dict[str, Any]], final: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        if calls:
            yield {**self._piece(model, chat, "", calls), "done": False}
        else:
            for piece in pieces(text):
                yield {**self._piece(model, chat, piece), "done": False}
        yield {**final, **self._piece(model, chat, "")}

    @staticmethod
    def _final(model: str, prompt_tokens: int, output_tokens: int) -> dict[str, Any]:
        return {
            "model": model,
            "created_at": CREATED_AT,
            "done": True,
            "done_reason": "stop",
            "total_duration": 5_000_000,
            "load_duration": 1_000_000,
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": 1_000_000,
            "eval_count": output_tokens,
            "eval_duration": 2_000_000,
        }
