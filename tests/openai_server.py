"""A small OpenAI-compatible server on 127.0.0.1, for running OpenAI-style clients offline.

It answers `POST .../chat/completions` and `POST .../completions` under any prefix (`/v1` for
OpenAI, DeepSeek, Mistral, Together and Fireworks, `/openai/v1` for Groq), as JSON or as
server-sent events ending in `data: [DONE]` (`"stream": true`), with the API's `usage` block (also
at the end of a stream when `stream_options.include_usage` is set). Answers are deterministic
echoes of the last user message (chat) or of the prompt (completions). `stop` (a string or a list)
is applied as these APIs apply it: the answer is cut at the earliest occurrence of any stop string,
and the stop string itself is NOT returned. A request whose bearer token is not the server's key
gets the API's 401 `invalid_api_key` error, which, like the real API's, shows only the key's first
8 and last 4 characters (a server made with `show_key_in_errors=True` shows all of it: a leaky
server, for proving that the error path is watched).
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

CREATED = 1_700_000_000


def masked_key(key: str) -> str:
    return key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else "*" * len(key)


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _usage(prompt: str, completion: str) -> dict[str, int]:
    p, c = word_count(prompt), word_count(completion)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _error(status: int, message: str, kind: str, code: str | None) -> Reply:
    return Reply(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


class OpenAIServer(LoopbackServer):
    """Point clients at `base_url` (or `root_url` + their own prefix) with `api_key`."""

    name = "openai-server"

    def __init__(
        self, api_key: str = "mc-real-key-for-the-loopback-server", *, show_key_in_errors: bool = False
    ) -> None:
        super().__init__(api_key)
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
        if path.endswith("/chat/completions"):
            whole, chunks = self.chat(body)
        elif path.endswith("/completions"):
            whole, chunks = self.completions(body)
        else:
            return _error(404, f"Unknown request URL: POST {path}", "invalid_request_error", None)
        if body.get("stream"):
            return Reply(events=((None, c) for c in chunks), format="sse", done_marker=True)
        return Reply(body=whole)

    # ---------------------------------------------------------------- answers

    def chat(self, body: dict[str, Any]) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
        messages = body.get("messages") or []
        users = [m for m in messages if m.get("role") == "user"]
        asked = _message_text(users[-1].get("content")) if users else ""
        text, _ = cut_at_stop(answer_for(asked), body.get("stop"))
        text = cut_tokens(text, body.get("max_completion_tokens") or body.get("max_tokens"))
        prompt = " ".join(_message_text(m.get("content")) for m in messages)
        base = {"id": "chatcmpl-mc0001", "created": CREATED, "model": body.get("model", "mc-echo")}
        whole = {
            **base,
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": _usage(prompt, text),
            "system_fingerprint": "fp_mc",
        }
        return whole, self._chat_chunks(base, text, _usage(prompt, text), body)

    def _chat_chunks(
        self, base: dict[str, Any], text: str, usage: dict[str, int], body: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        chunk = {**base, "object": "chat.completion.chunk", "system_fingerprint": "fp_mc"}
        first = {"role": "assistant", "content": ""}
        yield {**chunk, "choices": [{"index": 0, "delta": first, "logprobs": None, "finish_reason": None}]}
        for piece in pieces(text):
            delta = {"content": piece}
            yield {
                **chunk,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}],
            }
        last = {**chunk, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]}
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
        answers = [
            cut_tokens(cut_at_stop(answer_for(str(p)), body.get("stop"))[0], body.get("max_tokens"))
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
