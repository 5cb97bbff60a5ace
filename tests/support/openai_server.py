"""A small OpenAI-compatible server on 127.0.0.1, for running OpenAI-style clients offline.

It answers `POST .../chat/completions` and `POST .../completions` under any prefix (`/v1` for
OpenAI, DeepSeek, Mistral, Together and Fireworks, `/openai/v1` for Groq), as JSON or as
server-sent events ending in `data: [DONE]` (`"stream": true`), with the API's `usage` block (also
at the end of a stream when `stream_options.include_usage` is set). Answers are deterministic
echoes of the last user message (chat) or of the prompt (completions); a server made with
`sampling=True` answers a fresh random run of words on every call instead, and fills tool arguments
and structured output from one, as a model sampled at a temperature above 0 does. `stop` (a string
or a list) is applied as these APIs apply it: the answer is cut at the earliest occurrence of any
stop string, and the stop string itself is NOT returned (`drop_stop=True`: not applied at all, as an
API that ignores `stop`). A request whose bearer token is not the server's key
gets the API's 401 `invalid_api_key` error, which, like the real API's, shows only the key's first
8 and last 4 characters (a server made with `show_key_in_errors=True` shows all of it: a leaky
server, for proving that the error path is watched).

Tools, structured output and media are answered by the rules in loopback.py, as the reference chat
model answers (docs/real-models.md): with `tools` sent, the tools `tool_choice` forces or the last
user message names are called (`parallel_tool_calls: false` -> only the first), their arguments
filled from their JSON schemas, as `message.tool_calls` with `finish_reason: "tool_calls"` or, in a
stream, as `delta.tool_calls` (id and name on a call's first delta, the arguments in pieces; Mistral,
Groq and DeepInfra send each call whole in one delta). A last message of role `tool` is answered
with the text `<tool name> returned: <its content>`. `response_format` json_schema answers the JSON its schema
fills, json_object the first JSON object of the last user message. Media parts (`image_url`,
`input_audio`, `file`, Mistral's `document_url`) are echoed as markers such as `[image/png, 67
bytes]`. What the real API refuses, the stub refuses with its 400: a tool_choice spelling the
provider does not take, a tool message answering no tool call, a tool call left unanswered,
arguments that are not a JSON string, a content part type or shape the API does not take (each
API's own: DeepSeek takes text only, Groq, Together and DeepInfra images, Mistral its own audio,
document and file parts; media only in user messages), JSON mode without the word "json"
(OpenAI), a json_schema response format (DeepSeek), a Mistral tool call id that is not 9 letters
and digits. `POST .../embeddings` is answered as support/embeddings_api.py describes (OpenAI's,
and Mistral's for its model names).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from support import embeddings_api
from support.embeddings_api import openai_embeddings
from support.loopback import (
    LoopbackServer,
    Reply,
    bearer_token,
    called_tools,
    cut_at_stop,
    cut_tokens,
    data_url,
    fill,
    first_json_object,
    media_marker,
    pieces,
    word_count,
)

CREATED = 1_700_000_000


def masked_key(key: str) -> str:
    return key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else "*" * len(key)


def _usage(prompt: str, completion: str) -> dict[str, int]:
    p, c = word_count(prompt), word_count(completion)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _error(status: int, message: str, kind: str, code: str | None) -> Reply:
    return Reply(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


class Refused(Exception):
    """A request the real API answers with 400 invalid_request_error: the message and the param."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.reply = Reply(
            400,
            {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}},
        )


@dataclass(frozen=True)
class Dialect:
    """What one provider's chat API does its own way; the model name's prefix says which one."""

    choices: tuple[str, ...] = ("none", "auto", "required")
    """The tool_choice strings it takes (its SDK's type); "any" means "required" where taken."""
    whole_calls: bool = False
    """It streams each tool call whole, in one delta (Mistral, Groq), not its arguments in pieces."""
    mistral: bool = False
    """Mistral's own shapes: tool call ids of 9 letters and digits (other ids in a history are
    refused), `content: ""` beside tool calls, `input_audio` as the base64 data itself,
    `document_url` parts, files only by `file_id` (its SDK's AudioChunk, DocumentURLChunk, FileChunk)."""
    parts: tuple[str, ...] = ("text", "image_url", "input_audio", "refusal", "file")
    """The content part types a user message may hold (its SDK's content part union)."""
    formats: tuple[str, ...] = ("text", "json_object", "json_schema")
    """The `response_format` types it takes (DeepSeek: no json_schema)."""
    json_word: bool = False
    """JSON mode needs the word "json" in the messages, and a json_schema needs a name (OpenAI)."""


OPENAI = Dialect(json_word=True)
DIALECTS = {
    "mc-mistral": Dialect(
        ("none", "auto", "any", "required"),
        whole_calls=True,
        mistral=True,
        parts=("text", "image_url", "document_url", "input_audio", "file"),
    ),
    "mc-groq": Dialect(whole_calls=True, parts=("text", "image_url", "document")),
    "mc-fireworks": Dialect(("none", "auto", "any", "required"), parts=("text", "image_url", "video_url")),
    "mc-deepseek": Dialect(parts=("text",), formats=("text", "json_object")),
    "mc-together": Dialect(parts=("text", "image_url")),
    # ChatDeepInfra reads each delta's tool_calls as whole calls, the form its streaming fix
    # (langchain PR #26813) was tested against on the real API.
    "mc-deepinfra": Dialect(whole_calls=True, parts=("text", "image_url")),
}
TEXT_PARTS = ("text", "refusal")
ARGUMENT_PIECE = 8


def dialect_of(model: str) -> Dialect:
    return next((d for prefix, d in DIALECTS.items() if model.startswith(prefix)), OPENAI)


def content_text(content: Any, where: str, taken: tuple[str, ...], dialect: Dialect) -> str:
    """A message's content as text: its text parts, then a marker for each media part; a part of a
    type not `taken` (for the message's role, by this API) is refused, as the API refuses it."""
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise Refused(f"Invalid type for '{where}': expected a string or an array of content parts.", where)
    parts = [_part(p, f"{where}[{i}]", taken, dialect) for i, p in enumerate(content)]
    text = "".join(p for p in parts if not p.startswith("["))
    return " ".join(p for p in [text, *(p for p in parts if p.startswith("["))] if p)


def _part(part: Any, where: str, taken: tuple[str, ...], dialect: Dialect) -> str:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind not in taken:
        supported = ", ".join(f"'{t}'" for t in taken)
        raise Refused(f"Invalid value: '{kind}'. Supported values are: {supported}.", f"{where}.type")
    given = part.get(kind)
    if kind == "text":
        return str(part.get("text", ""))
    if kind == "refusal":
        return ""
    if kind == "image_url":  # Mistral takes the URL itself too, the others only {"url": ...}
        url = given.get("url") if isinstance(given, dict) else given if dialect.mistral else None
        return _url_marker(url, "image", where)
    if kind == "document_url":  # Mistral's: a URL (or a data URL) as a string
        return _url_marker(given if isinstance(given, str) else None, "document", where)
    if kind == "input_audio":
        return _audio_marker(given, where, dialect)
    if kind == "file":
        return _file_marker(given if isinstance(given, dict) else {}, where, dialect)
    return f"[{kind}]"  # a part this API takes that no check sends (Groq's document, Fireworks' video)


def _url_marker(url: Any, kind: str, where: str) -> str:
    if isinstance(url, str) and (found := data_url(url)):
        return media_marker(*found)
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return media_marker(kind, url=url)
    raise Refused(
        f"Invalid {kind} URL: '{where}'. Expected a base64-encoded data URL or an http(s) URL.", where
    )


def _audio_marker(audio: Any, where: str, dialect: Dialect) -> str:
    if dialect.mistral:  # Mistral's AudioChunk: `input_audio` is the base64 data itself
        if not isinstance(audio, str):
            raise Refused(f"'{where}.input_audio': Input should be a valid string.", where)
        return media_marker("audio", audio)
    audio = audio if isinstance(audio, dict) else {}
    if audio.get("format") not in ("wav", "mp3"):
        raise Refused(
            f"Invalid value: '{audio.get('format')}'. Supported values are: 'wav' and 'mp3'.", where
        )
    return media_marker(f"audio/{audio['format']}", str(audio.get("data", "")))


def _file_marker(file: dict[str, Any], where: str, dialect: Dialect) -> str:
    if isinstance(file.get("file_id"), str):
        return media_marker("file", url=file["file_id"])
    found = data_url(str(file.get("file_data", "")))
    if dialect.mistral or found is None:  # Mistral's FileChunk is {"file_id": ...} only
        raise Refused(
            f"Invalid file data: '{where}.file.file_data'. Expected a base64-encoded data URL with an "
            "application/pdf MIME type (e.g. 'data:application/pdf;base64,SGVsbG8sIFdvcmxkIQ==').",
            where,
        )
    return media_marker(*found)


def _taken(message: dict[str, Any], dialect: Dialect) -> tuple[str, ...]:
    """User messages hold media; the others text (Mistral's tool messages take its parts too)."""
    media = message.get("role") == "user" or (dialect.mistral and message.get("role") == "tool")
    return dialect.parts if media else TEXT_PARTS


def answered_calls(messages: list[dict[str, Any]], dialect: Dialect) -> dict[str, str]:
    """{tool call id: tool name} of a history in which each tool call is answered by a tool message
    that follows it, as the APIs require (anything else is refused)."""
    names: dict[str, str] = {}
    pending: list[str] = []
    for i, message in enumerate(messages):
        if message.get("role") == "tool":
            if message.get("tool_call_id") not in pending:
                raise Refused(
                    "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                    "message with 'tool_calls'.",
                    f"messages.[{i}].role",
                )
            pending.remove(message["tool_call_id"])
            continue
        _unanswered(pending)
        for j, call in enumerate(
            message.get("tool_calls") or [] if message.get("role") == "assistant" else []
        ):
            names[str(call.get("id"))] = _called(call, dialect, f"messages.[{i}].tool_calls.[{j}]")
            pending.append(str(call.get("id")))
    _unanswered(pending)
    return names


def _unanswered(pending: list[str]) -> None:
    if pending:
        raise Refused(
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
            "'tool_call_id'. The following tool_call_ids did not have response messages: "
            + ", ".join(pending),
            "messages",
        )


def _called(call: dict[str, Any], dialect: Dialect, where: str) -> str:
    function = call.get("function") or {}
    if not isinstance(function.get("arguments"), str):
        raise Refused(f"Invalid type for '{where}.function.arguments': expected a string.", where)
    if dialect.mistral and not re.fullmatch(r"[a-zA-Z0-9]{9}", str(call.get("id"))):
        raise Refused(
            f"Tool call id was {call.get('id')} but must be a-z, A-Z, 0-9, with a length of 9.", where
        )
    return str(function.get("name"))


def bound_tools(body: dict[str, Any], dialect: Dialect) -> tuple[dict[str, Any], str | None]:
    """{name: parameters schema} of the request's tools, and its tool choice ("any" as "required")."""
    tools, choice = body.get("tools"), body.get("tool_choice")
    if not tools:
        for name in ("tool_choice", "parallel_tool_calls"):
            if body.get(name) is not None:
                raise Refused(
                    f"Invalid value for '{name}': '{name}' is only allowed when 'tools' are specified.", name
                )
        return {}, None
    schemas = {}
    for i, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) and tool.get("type") == "function" else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise Refused(f"Missing required parameter: 'tools[{i}].function.name'.", f"tools[{i}]")
        schemas[function["name"]] = function.get("parameters") or {"type": "object", "properties": {}}
    return schemas, _choice(choice, schemas, dialect)


def _choice(choice: Any, names: dict[str, Any], dialect: Dialect) -> str:
    if choice is None:
        return "auto"
    if isinstance(choice, str):
        if choice not in dialect.choices:
            taken = ", ".join(f"'{c}'" for c in dialect.choices)
            raise Refused(f"Invalid value: '{choice}'. Supported values are: {taken}.", "tool_choice")
        return "required" if choice == "any" else choice
    name = (choice.get("function") or {}).get("name") if isinstance(choice, dict) else None
    if isinstance(choice, dict) and choice.get("type") == "function" and name in names:
        return str(name)
    raise Refused(
        f"Invalid value for 'tool_choice': {json.dumps(choice)} names no tool of 'tools'.", "tool_choice"
    )


def structured_text(
    body: dict[str, Any],
    dialect: Dialect,
    texts: list[str],
    asked: str,
    filled: Callable[[dict[str, Any], str], Any] = fill,
) -> str | None:
    """The answer `response_format` asks for: the JSON its schema fills, or JSON mode's object."""
    given = body.get("response_format")
    kind = given.get("type") if isinstance(given, dict) else None
    if given is None or kind == "text":
        return None
    if kind not in dialect.formats:
        raise Refused("This response_format type is unavailable now", "response_format")
    if kind == "json_schema":
        spec = given.get("json_schema")
        if not isinstance(spec, dict) or (dialect.json_word and "name" not in spec):
            raise Refused(
                "Missing required parameter: 'response_format.json_schema.name'.", "response_format"
            )
        return json.dumps(filled(spec.get("schema", spec), asked), ensure_ascii=False)
    if kind == "json_object" and isinstance(given.get("schema"), dict):  # Fireworks: JSON mode with a schema
        return json.dumps(filled(given["schema"], asked), ensure_ascii=False)
    if kind == "json_object":
        if dialect.json_word and not any("json" in t.lower() for t in texts):
            raise Refused(
                "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
                "'json_object'.",
                "messages",
            )
        return json.dumps(first_json_object(asked), ensure_ascii=False)
    raise Refused(
        f"Invalid value: '{kind}'. Supported values are: 'json_object', 'json_schema', and 'text'.",
        "response_format.type",
    )


def tool_call(n: int, name: str, args: Any, dialect: Dialect) -> dict[str, Any]:
    arguments = json.dumps(args, ensure_ascii=False)
    digest = hashlib.sha256(f"{n}:{name}:{arguments}".encode()).hexdigest()
    call_id = digest[:9] if dialect.mistral else "call_" + digest[:24]
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def call_deltas(calls: list[dict[str, Any]], dialect: Dialect) -> list[dict[str, Any]]:
    """The `delta.tool_calls` of a stream: each call whole, or its id and name first, then its arguments."""
    deltas = []
    for index, call in enumerate(calls):
        if dialect.whole_calls:
            deltas.append({"index": index, **call})
            continue
        arguments = call["function"]["arguments"]
        deltas.append(
            {"index": index, **call, "function": {"name": call["function"]["name"], "arguments": ""}}
        )
        for at in range(0, len(arguments), ARGUMENT_PIECE):
            deltas.append({"index": index, "function": {"arguments": arguments[at : at + ARGUMENT_PIECE]}})
    return [{"tool_calls": [d]} for d in deltas]


class OpenAIServer(LoopbackServer):
    """Point clients at `base_url` (or `root_url` + their own prefix) with `api_key`."""

    name = "openai-server"

    def __init__(
        self,
        api_key: str = "mc-real-key-for-the-loopback-server",
        *,
        show_key_in_errors: bool = False,
        sampling: bool = False,
        drop_stop: bool = False,
        seed: int | None = None,
    ) -> None:
        super().__init__(api_key, sampling=sampling, drop_stop=drop_stop, seed=seed)
        self.show_key_in_errors = show_key_in_errors

    @property
    def base_url(self) -> str:
        return self.root_url + "/v1"

    def bad_json(self) -> Reply:
        return _error(400, "We could not parse the JSON body.", "invalid_request_error", None)

    def respond(self, path: str, headers: Mapping[str, str], body: dict[str, Any]) -> Reply:
        given = bearer_token(headers)
        if given != self.api_key:
            shown = given if self.show_key_in_errors else masked_key(given)
            message = (
                f"Incorrect API key provided: {shown}. You can find your API key at "
                "https://platform.openai.com/account/api-keys."
            )
            return _error(401, message, "invalid_request_error", "invalid_api_key")
        if path.endswith("/embeddings"):
            try:
                return Reply(body=openai_embeddings(body))
            except embeddings_api.Refused as refused:
                return Reply(refused.status, refused.body)
        if path.endswith("/chat/completions"):
            try:
                whole, chunks = self.chat(body)
            except Refused as refused:
                return refused.reply
        elif path.endswith("/completions"):
            whole, chunks = self.completions(body)
        else:
            return _error(404, f"Unknown request URL: POST {path}", "invalid_request_error", None)
        if body.get("stream"):
            return Reply(events=((None, c) for c in chunks), format="sse", done_marker=True)
        return Reply(body=whole)

    # ---------------------------------------------------------------- answers

    def chat(self, body: dict[str, Any]) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
        dialect = dialect_of(str(body.get("model", "")))
        messages = body.get("messages") or []
        texts = [
            content_text(m.get("content"), f"messages.[{i}].content", _taken(m, dialect), dialect)
            for i, m in enumerate(messages)
        ]
        names = answered_calls(messages, dialect)
        schemas, choice = bound_tools(body, dialect)
        users = [t for m, t in zip(messages, texts, strict=True) if m.get("role") == "user"]
        asked = users[-1] if users else ""
        structured = structured_text(body, dialect, texts, asked, self.filled)
        calls: list[dict[str, Any]] = []
        if messages and messages[-1].get("role") == "tool":
            text = f"{names[messages[-1]['tool_call_id']]} returned: {texts[-1]}"
        else:
            called = called_tools(list(schemas), asked, choice)
            called = called[:1] if body.get("parallel_tool_calls") is False else called
            calls = [
                tool_call(n, name, self.filled(schemas[name], asked), dialect)
                for n, name in enumerate(called)
            ]
            text = self.answer_for(asked) if structured is None else structured
        text, _ = cut_at_stop(text, self.stops(body.get("stop")))
        text = cut_tokens(text, body.get("max_completion_tokens") or body.get("max_tokens"))
        said = " ".join(c["function"]["arguments"] for c in calls) if calls else text
        usage = _usage(" ".join(texts), said)
        base = {"id": "chatcmpl-mc0001", "created": CREATED, "model": body.get("model", "mc-echo")}
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            message = {"role": "assistant", "content": ("" if dialect.mistral else None), "tool_calls": calls}
        finish = "tool_calls" if calls else "stop"
        whole = {
            **base,
            "object": "chat.completion",
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": usage,
            "system_fingerprint": "fp_mc",
        }
        deltas = call_deltas(calls, dialect) if calls else [{"content": p} for p in pieces(text)]
        first = {"role": "assistant", "content": ("" if dialect.mistral else None) if calls else ""}
        return whole, self._chat_chunks(base, [first, *deltas], finish, usage, body)

    def _chat_chunks(
        self,
        base: dict[str, Any],
        deltas: list[dict[str, Any]],
        finish: str,
        usage: dict[str, int],
        body: dict[str, Any],
    ) -> Iterator[dict[str, Any]]:
        chunk = {**base, "object": "chat.completion.chunk", "system_fingerprint": "fp_mc"}
        for delta in deltas:
            yield {
                **chunk,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}],
            }
        last = {**chunk, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish}]}
        # Where each API puts a stream's usage: Mistral's on the last chunk always, Groq's in
        # `x_groq`, OpenAI's (and the others') in a chunk of its own when include_usage is asked for.
        model = str(body.get("model", ""))
        if model.startswith("mc-mistral"):
            last["usage"] = usage
        elif model.startswith("mc-groq"):
            last["x_groq"] = {"id": "req_mc0001", "usage": usage}
        yield last
        if (body.get("stream_options") or {}).get("include_usage"):
            yield {**chunk, "choices": [], "usage": usage}

    def completions(self, body: dict[str, Any]) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
        prompts = body.get("prompt")
        prompts = [prompts] if isinstance(prompts, str) else list(prompts or [""])
        stops = self.stops(body.get("stop"))
        answers = [
            cut_tokens(cut_at_stop(self.answer_for(str(p)), stops)[0], body.get("max_tokens"))
            for p in prompts
        ]
        usage = _usage(" ".join(map(str, prompts)), " ".join(answers))
        base = {"id": "cmpl-mc0001", "created": CREATED, "model": body.get("model", "mc-echo")}
        whole = {
            **base,
            "object": "text_completion",
            "choices": [
                {"index": i, "text": text, "logprobs": None, "finish_reason": "stop"}
                for i, text in enumerate(answers)
            ],
            "usage": usage,
        }
        return whole, self._completion_chunks(base, answers[0], usage, body)

    def _completion_chunks(
        self, base: dict[str, Any], text: str, usage: dict[str, int], body: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        chunk = {**base, "object": "text_completion"}
        for piece in pieces(text):
            yield {**chunk, "choices": [{"index": 0, "text": piece, "logprobs": None, "finish_reason": None}]}
        yield {**chunk, "choices": [{"index": 0, "text": "", "logprobs": None, "finish_reason": "stop"}]}
        if (body.get("stream_options") or {}).get("include_usage"):
            yield {**chunk, "choices": [], "usage": usage}
