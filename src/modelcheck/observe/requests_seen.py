"""The HTTP requests a model sends during one call, and how many inputs each carried.

`counting()` collects, for the calls made inside it (in its thread, or its task and what that
awaits), one entry per request sent through httpx (and httpx2, which the openai SDK 3 uses),
requests or aiohttp: the number of inputs the JSON body carried (`input`, `inputs`, `texts`, `documents`:
a list's length, 1 for a string), or None when the body is not such JSON. The clients' `send` is
wrapped while `installed()` is open: below every SDK, above the transports vcrpy replays from, so
a replayed request counts as a live one. Outside `counting()` the wrapper only passes the call on.
"""

from __future__ import annotations

import contextvars
import importlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

INPUT_KEYS = ("input", "inputs", "texts", "documents")
# (module, class, method, whether it is a coroutine function)
SENDERS = (
    ("httpx", "Client", "send", False),
    ("httpx", "AsyncClient", "send", True),
    ("httpx2", "Client", "send", False),
    ("httpx2", "AsyncClient", "send", True),
    ("requests", "Session", "send", False),
    ("aiohttp", "ClientSession", "_request", True),
)

_sink: contextvars.ContextVar[list[int | None] | None] = contextvars.ContextVar(
    "modelcheck_requests", default=None
)
_lock = threading.Lock()
_depth = 0
_originals: list[tuple[type[Any], str, Any]] = []


def inputs_in(body: Any) -> int | None:
    """How many inputs a request body carries, or None when it says nothing of them."""
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", "replace")
    if not isinstance(body, str):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    given = next((data[k] for k in INPUT_KEYS if k in data), None)
    if isinstance(given, str):
        return 1
    if isinstance(given, list):
        single = bool(given) and all(isinstance(t, int) for t in given)  # one token array
        return 1 if single else len(given)
    return None


def _body(request: Any, kwargs: dict[str, Any]) -> Any:
    if isinstance(request, str):  # aiohttp's `_request(method, url, json=..., data=...)`
        given = kwargs.get("json")
        return json.dumps(given) if given is not None else kwargs.get("data")
    for name in ("content", "body"):
        try:
            value = getattr(request, name, None)
        except Exception:  # an httpx stream not read yet
            continue
        if value is not None:
            return value
    return None


def _note(request: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    sink = _sink.get()
    if sink is not None:
        sink.append(inputs_in(_body(args[0] if isinstance(request, str) and args else request, kwargs)))


def _wrap(original: Any, is_async: bool) -> Any:
    if is_async:

        async def send_async(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            _note(request, args, kwargs)
            return await original(self, request, *args, **kwargs)

        return send_async

    def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        _note(request, args, kwargs)
        return original(self, request, *args, **kwargs)

    return send


def _install() -> None:
    for module_name, class_name, method, is_async in SENDERS:
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        original = cls.__dict__.get(method)
        if original is None:
            continue
        _originals.append((cls, method, original))
        setattr(cls, method, _wrap(original, is_async))


def _uninstall() -> None:
    while _originals:
        cls, method, original = _originals.pop()
        setattr(cls, method, original)


@contextmanager
def installed() -> Iterator[None]:
    """The clients' `send` wrapped while it is open (nested opens share one wrapping)."""
    global _depth
    with _lock:
        if _depth == 0:
            _install()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _uninstall()


def active() -> bool:
    """Whether requests are being watched (inside `installed()`)."""
    return _depth > 0


@contextmanager
def counting() -> Iterator[list[int | None]]:
    """The requests sent by the calls made inside, as they are sent."""
    seen: list[int | None] = []
    token = _sink.set(seen)
    try:
        yield seen
    finally:
        _sink.reset(token)
