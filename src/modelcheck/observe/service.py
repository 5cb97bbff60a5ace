"""Whether an exception a model call raised is its service's problem, not the model's defect.

A connection refused, a name that does not resolve, a TLS failure, a network timeout, a 401 or 403:
the model asked, and the service was not there or did not let it in. Such exceptions are known by
the names and modules of their classes (httpx, requests, aiohttp, urllib3, the openai and anthropic
SDKs, the standard library's socket errors), so nothing here imports those libraries. The URL is
read from the exception (or the one it was raised from) and kept without its query string or user
info, where a key could be.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# (top-level module, class name) of transport failures, matched anywhere in the class's MRO.
TRANSPORT = {
    ("httpx", "TransportError"),
    ("httpx", "TimeoutException"),
    ("httpcore", "NetworkError"),
    ("httpcore", "TimeoutException"),
    ("requests", "ConnectionError"),
    ("requests", "Timeout"),
    ("aiohttp", "ClientConnectionError"),
    ("aiohttp", "ServerTimeoutError"),
    ("urllib3", "NewConnectionError"),
    ("urllib3", "NameResolutionError"),
    ("urllib3", "MaxRetryError"),
    ("urllib3", "ConnectTimeoutError"),
    ("urllib3", "SSLError"),
    ("openai", "APIConnectionError"),
    ("anthropic", "APIConnectionError"),
}
# The standard library's network errors, when the system raised them (they carry an errno): a
# `ConnectionError("...")` the model raises itself is the model's own error.
SYSTEM = {("builtins", "ConnectionError"), ("socket", "gaierror"), ("ssl", "SSLError")}
AUTH_NAMES = {"AuthenticationError", "PermissionDeniedError"}
AUTH_STATUS = {401: "401 Unauthorized", 403: "403 Forbidden"}
MAX_CHAIN = 8


def service_failure(exc: BaseException) -> str | None:
    """'<what happened> at <url>' when `exc` (or what it was raised from) is a transport or
    authentication failure, else None."""
    chain = _chain(exc)
    for link in chain:
        what = _transport(link) or _auth(link)
        if what is not None:
            url = next((u for u in map(_url, chain) if u), None)
            return f"{what} at {url}" if url else what
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found and len(found) < MAX_CHAIN:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _classes(exc: BaseException) -> set[tuple[str, str]]:
    return {(cls.__module__.split(".")[0], cls.__name__) for cls in type(exc).__mro__}


def _transport(exc: BaseException) -> str | None:
    system = isinstance(exc, OSError) and exc.errno is not None and bool(_classes(exc) & SYSTEM)
    if system or _classes(exc) & TRANSPORT:
        text = " ".join(str(exc).split())[:200]
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return None


def _auth(exc: BaseException) -> str | None:
    status = _status(exc)
    if status in AUTH_STATUS:
        return f"the service answered {AUTH_STATUS[status]}"
    if any(name in AUTH_NAMES for _, name in _classes(exc)):
        return f"the service refused the credentials ({type(exc).__name__})"
    return None


def _status(exc: BaseException) -> int | None:
    for holder in (exc, _attr(exc, "response")):
        for name in ("status_code", "status"):
            value = _attr(holder, name)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None


def _url(exc: BaseException) -> str | None:
    """The URL an exception names: its request's (httpx, requests, the SDKs), its request info's
    (aiohttp), its response's, its own; or the host and port it could not connect to."""
    request, response = _attr(exc, "request"), _attr(exc, "response")
    raws = [_attr(request, "url"), _attr(_attr(exc, "request_info"), "url"), _attr(response, "url")]
    for raw in [*raws, _attr(exc, "url")]:
        shown = _shown(raw)
        if shown:
            return shown
    host, port = _attr(exc, "host"), _attr(exc, "port")
    return f"{host}:{port}" if isinstance(host, str) and host and port else None


def _shown(raw: Any) -> str | None:
    """scheme://host:port/path of a URL, without user info, query or fragment (a key can be there)."""
    if raw is None:
        return None
    try:
        parts = urlsplit(str(raw))
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def _attr(obj: Any, name: str) -> Any:
    """An attribute that may be missing or raise (httpx's `.request` raises when it was not set)."""
    if obj is None:
        return None
    try:
        return getattr(obj, name, None)
    except Exception:
        return None
