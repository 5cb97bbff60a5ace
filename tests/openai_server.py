"""A small OpenAI-compatible server on 127.0.0.1, for running langchain-openai's models offline.

It answers `POST /v1/chat/completions` and `POST /v1/completions`, as JSON or as server-sent
events (`"stream": true`), with the API's `usage` block (also at the end of a stream when
`stream_options.include_usage` is set). Answers are deterministic echoes of the last user message
(chat) or of the prompt (completions). `stop` is applied as the OpenAI API applies it: the answer
is cut at the earliest occurrence of any stop string, and the stop string itself is NOT returned.
A request whose bearer token is not the server's key gets the API's 401 `invalid_api_key` error,
which, like the real API's, shows only the key's first 8 and last 4 characters (a server made with
`show_key_in_errors=True` shows all of it: a leaky server, for proving that the error path is watched).

Only the standard library: `ThreadingHTTPServer` on an ephemeral port, in a daemon thread.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ECHO_PREFIX = "Echo: "
CREATED = 1_700_000_000


def answer_for(text: str) -> str:
    return ECHO_PREFIX + text


def apply_stop(text: str, stop: str | list[str] | None) -> tuple[str, str]:
    """The answer cut before the earliest stop string (which is excluded) and the finish reason."""
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    cuts = [at for at in (text.find(s) for s in stops if s) if at != -1]
    return (text[: min(cuts)], "stop") if cuts else (text, "stop")


def pieces(text: str) -> list[str]:
    """Stream pieces: words with their following whitespace, so they join back to the text."""
    return list(re.findall(r"\S+\s*|\s+", text)) or [""]


def masked_key(key: str) -> str:
    return key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else "*" * len(key)


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _usage(prompt: str, completion: str) -> dict[str, int]:
    p, c = len(prompt.split()), len(completion.split())
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


class OpenAIServer:
    """Start with `start()`, point clients at `base_url` with `api_key`, `stop()` when done."""

    def __init__(
        self, api_key: str = "mc-real-key-for-the-loopback-server", *, show_key_in_errors: bool = False
    ) -> None:
        self.api_key = api_key
        self.show_key_in_errors = show_key_in_errors
        self.requests: list[dict[str, Any]] = []
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="openai-server",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def record(self, path: str, body: dict[str, Any], status: int) -> None:
        with self._lock:
            self.requests.append({"path": path, "body": body, "status": status})
            self.statuses[status] += 1

    # ---------------------------------------------------------------- answers

    def chat(self, body: dict[str, Any]) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
        messages = body.get("messages") or []
        users = [m for m in messages if m.get("role") == "user"]
        asked = _message_text(users[-1].get("content")) if users else ""
        text, reason = apply_stop(answer_for(asked), body.get("stop"))
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
                    "finish_reason": reason,
                }
            ],
            "usage": _usage(prompt, text),
            "system_fingerprint": "fp_mc",
        }
        return whole, self._chat_chunks(base, text, reason, _usage(prompt, text), body)

    def _chat_chunks(
        self, base: dict[str, Any], text: str, reason: str, usage: dict[str, int], body: dict[str, Any]
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
        yield {**chunk, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": reason}]}
        if (body.get("stream_options") or {}).get("include_usage"):
            yield {**chunk, "choices": [], "usage": usage}

    def completions(self, body: dict[str, Any]) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
        prompts = body.get("prompt")
        prompts = [prompts] if isinstance(prompts, str) else list(prompts or [""])
        answers = [apply_stop(answer_for(str(p)), body.get("stop")) for p in prompts]
        usage = _usage(" ".join(map(str, prompts)), " ".join(a for a, _ in answers))
        base = {"id": "cmpl-mc0001", "created": CREATED, "model": body.get("model", "mc-echo")}
        whole = {
            **base,
            "object": "text_completion",
            "choices": [
                {"index": i, "text": text, "logprobs": None, "finish_reason": reason}
                for i, (text, reason) in enumerate(answers)
            ],
            "usage": usage,
        }
        return whole, self._completion_chunks(base, answers[0], usage, body)

    def _completion_chunks(
        self, base: dict[str, Any], answer: tuple[str, str], usage: dict[str, int], body: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        chunk = {**base, "object": "text_completion"}
        text, reason = answer
        for piece in pieces(text):
            yield {**chunk, "choices": [{"index": 0, "text": piece, "logprobs": None, "finish_reason": None}]}
        yield {**chunk, "choices": [{"index": 0, "text": "", "logprobs": None, "finish_reason": reason}]}
        if (body.get("stream_options") or {}).get("include_usage"):
            yield {**chunk, "choices": [], "usage": usage}


class _QuietServer(ThreadingHTTPServer):
    """Threads that never keep the process alive, and no traceback when a client hangs up."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def _handler_for(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10  # a client that stops talking does not hold a server thread for long

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read `server.requests` instead of a log."""

        def do_GET(self) -> None:
            self._json(404, _error("Unknown request URL: GET " + self.path, "invalid_request_error", None))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = None
            if not isinstance(body, dict):
                server.record(self.path, {}, 400)
                self._json(400, _error("We could not parse the JSON body.", "invalid_request_error", None))
                return
            given = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if given != server.api_key:
                server.record(self.path, body, 401)
                shown = given if server.show_key_in_errors else masked_key(given)
                message = (
                    f"Incorrect API key provided: {shown}. You can find your API key at "
                    "https://platform.openai.com/account/api-keys."
                )
                self._json(401, _error(message, "invalid_request_error", "invalid_api_key"))
                return
            routes = {"/v1/chat/completions": server.chat, "/v1/completions": server.completions}
            route = routes.get(self.path.split("?")[0])
            if route is None:
                server.record(self.path, body, 404)
                self._json(
                    404, _error(f"Unknown request URL: POST {self.path}", "invalid_request_error", None)
                )
                return
            server.record(self.path, body, 200)
            whole, chunks = route(body)
            if body.get("stream"):
                self._events(chunks)
            else:
                self._json(200, whole)

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _events(self, chunks: Iterator[dict[str, Any]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in chunks:
                self._chunk(f"data: {json.dumps(chunk)}\n\n".encode())
                time.sleep(0.001)  # pieces arrive one by one, as from a real server
            self._chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler


def _error(message: str, kind: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}
