"""What every loopback stub of a provider's API shares: an HTTP server on 127.0.0.1 and its replies.

A stub subclasses `LoopbackServer` and answers each POST in `respond` with a `Reply`: one JSON
body, server-sent events (`data: {...}` lines, with an `event:` line when the API names its
events) or newline-delimited JSON, the streaming formats the providers use. Every request is
recorded in `requests` with its status. Only the standard library: `ThreadingHTTPServer` on an
ephemeral port, in a daemon thread; `start()` and `stop()` in a fixture.

The deterministic rules the stubs answer by, like the reference chat model's (docs/real-models.md):
`called_tools` picks the tools a request calls, `fill` (the reference's own, from
reference_models/_fill.py) makes a value from a JSON schema (tool arguments, structured output),
`first_json_object` is what JSON mode answers, and `media_marker` is how an answer says which
media it got. A stub made with `sampling=True` answers a fresh random run of words on every call
(`answer_for`, `filled`: the sampling reference models' rule), as a model sampled at a temperature
above 0; with `drop_stop=True` it ignores the stop strings (`stops`), as an API that drops them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reference_models._fill import fill
from reference_models._sampling import Draws, sampled

__all__ = ["fill"]  # the reference chat model's rule, shared: the stubs fill schemas as it does

ECHO_PREFIX = "Echo: "


def answer_for(text: str) -> str:
    """A stub answers deterministically, an echo of what it was asked, unless it samples (`Sampler`)."""
    return ECHO_PREFIX + text


class Sampler:
    """A sampling stub's answers: a fresh random run of words per call (the sampling reference
    models' rule), the n-th call's drawn from `Random(f"{seed}:{n}")` (system entropy without a seed)."""

    def __init__(self, seed: int | None = None) -> None:
        self.draws = Draws(seed)

    def answer(self) -> str:
        return sampled(self.draws.rng())


def cut_at_stop(text: str, stop: str | list[str] | None) -> tuple[str, str | None]:
    """The text cut before the earliest stop string (which providers leave out) and that string."""
    stops = [stop] if isinstance(stop, str) else [s for s in stop or [] if s]
    found = sorted((text.find(s), i, s) for i, s in enumerate(stops) if text.find(s) != -1)
    return (text[: found[0][0]], found[0][2]) if found else (text, None)


def pieces(text: str) -> list[str]:
    """Stream pieces: words with their following whitespace, so they join back to the text."""
    return list(re.findall(r"\S+\s*|\s+", text)) or [""]


def cut_tokens(text: str, limit: object) -> str:
    """The text cut after `limit` tokens (words), as an API's max tokens cuts an answer."""
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        return text
    return "".join(pieces(text)[:limit]).rstrip() if word_count(text) > limit else text


def word_count(text: str) -> int:
    """The stubs' token count: words (usage fields must add up, not match a real tokenizer)."""
    return len(text.split())


def bearer_token(headers: Mapping[str, str]) -> str:
    """The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 7235)."""
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def called_tools(names: list[str], asked: str, choice: str | None) -> list[str]:
    """The tools a request calls: `choice` names a tool -> it; "required" -> the tools named in the
    last user message `asked` (in the order they appear there), else the first; "auto" (or no
    choice) -> the tools named there, none when none is named; "none" -> none."""
    if choice in names:
        return [str(choice)]
    if choice == "none" or not names:
        return []
    whole = (re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", asked) for n in names)
    found = sorted((m.start(), m[0]) for m in whole if m)
    named = [n for _, n in found]
    return (named or names[:1]) if choice == "required" else named


def first_json_object(text: str) -> dict[str, Any]:
    """The first JSON object written in `text` (`{}` when there is none): what JSON mode answers."""
    decoder = json.JSONDecoder()
    for start in (i for i, c in enumerate(text) if c == "{"):
        try:
            found, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if isinstance(found, dict):
            return found
    return {}


def media_marker(mime: str, data: str | None = None, url: str | None = None) -> str:
    """How an answer names a media part: `[image/png, 67 bytes]`, or `[image/png at <url>]`."""
    if url is not None:
        return f"[{mime} at {url}]"
    try:
        size = len(base64.b64decode(data or "", validate=True))
    except (binascii.Error, ValueError):
        return f"[{mime}, not base64]"
    return f"[{mime}, {size} bytes]"


def data_url(url: str) -> tuple[str, str] | None:
    """The media type and base64 data of a `data:<type>;base64,<data>` URL, None for another URL."""
    found = re.fullmatch(r"data:([\w.+-]+/[\w.+-]+);base64,(.*)", url, re.S)
    return (found[1], found[2]) if found else None


@dataclass(frozen=True)
class Reply:
    """One answer: `body` is a JSON object, or the events of a stream in `format` "sse" or "ndjson"."""

    status: int = 200
    body: Mapping[str, Any] | None = None
    events: Iterable[tuple[str | None, Mapping[str, Any]]] = ()
    format: str = "json"
    done_marker: bool = False
    """SSE only: end with `data: [DONE]`, as OpenAI-style APIs do."""


class LoopbackServer:
    """Start with `start()`, point clients at `root_url` (or a subclass's `base_url`), `stop()` when done."""

    name = "loopback"

    def __init__(
        self, api_key: str, *, sampling: bool = False, drop_stop: bool = False, seed: int | None = None
    ) -> None:
        self.api_key = api_key
        self.sampler = Sampler(seed) if sampling else None
        self.drop_stop = drop_stop
        self.requests: list[dict[str, Any]] = []
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
        )

    @property
    def root_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def answer_for(self, asked: str) -> str:
        """The answer to a prompt: the echo, or (a sampling server) a fresh random run of words."""
        return answer_for(asked) if self.sampler is None else self.sampler.answer()

    def filled(self, schema: dict[str, Any], asked: str) -> Any:
        """A schema's value (tool arguments, structured output): a sampling server fills it anew."""
        return fill(schema, asked if self.sampler is None else self.sampler.answer())

    def stops(self, given: Any) -> Any:
        """The stop strings an answer is cut at: none when the server drops them."""
        return None if self.drop_stop else given

    def record(self, path: str, body: Mapping[str, Any], status: int) -> None:
        with self._lock:
            self.requests.append({"path": path, "body": dict(body), "status": status})
            self.statuses[status] += 1

    def answer(self, path: str, headers: Mapping[str, str], body: dict[str, Any] | None) -> Reply:
        """The reply to one POST, recorded (`body` is None when it was not a JSON object)."""
        reply = self.respond(path.split("?")[0], headers, body) if body is not None else self.bad_json()
        self.record(path, body or {}, reply.status)
        return reply

    def respond(self, path: str, headers: Mapping[str, str], body: dict[str, Any]) -> Reply:
        raise NotImplementedError

    def bad_json(self) -> Reply:
        return Reply(400, {"error": "could not parse the JSON body"})


class _QuietServer(ThreadingHTTPServer):
    """Threads that never keep the process alive, a backlog for many calls at once, and no traceback
    when a client hangs up."""

    daemon_threads = True
    # modelcheck runs a model's independent calls at once; the default backlog of 5 connections
    # refused some of them on a loaded machine ("Connection error." from the client, no request).
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def _handler_for(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10  # a client that stops talking does not hold a server thread for long

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read `server.requests` instead of a log."""

        def do_GET(self) -> None:
            self._json(404, {"error": f"Unknown request URL: GET {self.path}"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = None
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = server.answer(self.path, headers, body if isinstance(body, dict) else None)
            if reply.format == "json":
                self._json(reply.status, reply.body or {})
            else:
                self._stream(reply)

        def _json(self, status: int, payload: Mapping[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, reply: Reply) -> None:
            sse = reply.format == "sse"
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/event-stream" if sse else "application/x-ndjson")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for name, data in reply.events:
                line = json.dumps(data)
                if sse:
                    self._chunk((f"event: {name}\n" if name else "") + f"data: {line}\n\n")
                else:
                    self._chunk(line + "\n")
                time.sleep(0.001)  # pieces arrive one by one, as from a real server
            if reply.done_marker:
                self._chunk("data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")

        def _chunk(self, text: str) -> None:
            data = text.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler
