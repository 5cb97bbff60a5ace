"""One target's HTTP while it is observed, through vcrpy: recorded live, replayed, or refused.

`Tape.main()` wraps the observation of the model, `Tape.canary()` the extra calls of the canary
instance. Recording, the main calls go out and are recorded; the canary calls are answered from
what the main calls just recorded (a canary key would only earn a 401, and it must never reach a
provider). Replaying, every call is answered from the cassette; a request it does not hold raises
inside the HTTP client, is never sent, and is kept as a `Miss` so that `finish` can fail the probe
that made it with a message that names the request and shows how it differs from the nearest
recorded one. vcrpy's `Cassette` is used directly, never its global configuration, so it coexists
with a project's own vcrpy or pytest-recording cassettes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from vcr.cassette import Cassette
from vcr.errors import UnhandledHTTPRequestError
from vcr.filters import decode_response
from vcr.matchers import requests_match
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.record_mode import RecordMode
from vcr.request import Request

from modelcheck.replay.bodies import to_bytes, to_doc
from modelcheck.replay.cassette_file import CassetteError, Interaction
from modelcheck.replay.redact import KEPT_HEADERS, Redactor


@dataclass(frozen=True)
class Miss:
    """A request the cassette did not hold (so it was not sent), and the probe that made it."""

    probe: str | None
    request: Request


def _same_request(r1: Request, r2: Request) -> None:
    """Method, path, query and (normalized) body: not the host, which differs between servers."""
    if (r1.method, r1.path, sorted(r1.query), r1.body or b"") != (
        r2.method,
        r2.path,
        sorted(r2.query),
        r2.body or b"",
    ):
        raise AssertionError("a different request")


class _Cassette(Cassette):  # type: ignore[misc]
    """vcrpy's cassette, keeping its misses, thread-safe, and cycling through repeated recordings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.misses: list[Miss] = []
        self.played: list[tuple[str | None, Request]] = []
        """Each request answered from the cassette, and the probe that made it."""
        self.phase = ""
        self.probe: Callable[[], str | None] = lambda: None
        self._lock = threading.Lock()

    def filter_request(self, request: Request) -> Any:
        kept = super().filter_request(request)
        if kept and self.write_protected:
            probe = self.probe()
            with self._lock:
                self.misses.append(Miss(f"{self.phase}{probe}" if probe else None, kept))
            _hide_secrets(request, kept)
        return kept

    def append(self, request: Request, response: dict[str, Any]) -> None:
        with self._lock:
            super().append(request, response)

    def play_response(self, request: Request) -> Any:
        """The least-played recording of this request: repeats of one request with different answers
        (a model that is not deterministic) are given in turn, as they came."""
        request = self._before_record_request(request)
        with self._lock:
            found = [i for i, (r, _) in enumerate(self.data) if requests_match(request, r, self._match_on)]
            if not found:
                raise UnhandledHTTPRequestError(f"{request!r} is not in the cassette")
            index = min(found, key=lambda i: (self.play_counts[i], i))
            self.play_counts[index] += 1
            probe = self.probe()
            self.played.append((f"{self.phase}{probe}" if probe else None, request))
            return self.data[index][1]


def _hide_secrets(request: Request, clean: Request) -> None:
    """vcrpy's stubs build their miss error from the request as sent, which the model then raises:
    a request that is not sent (replay) takes its redacted form first, so the error shows no key
    and `secret-masking` does not blame the model for modelcheck's own message."""
    request._was_file = request._was_iter = False
    request.uri, request.body, request.headers = clean.uri, clean.body, dict(clean.headers)


@dataclass
class _Memory:
    """A vcrpy persister that loads interactions held in memory and saves nothing."""

    interactions: list[Interaction] = field(default_factory=list)

    def load_cassette(self, cassette_path: Any, serializer: Any) -> tuple[list[Request], list[Any]]:
        if not self.interactions:
            raise CassetteNotFoundError()
        requests = [_request(i) for i in self.interactions]
        return requests, [_response(i) for i in self.interactions]

    def save_cassette(self, cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        """The tape writes the file itself, once, after the whole observation."""


def _request(i: Interaction) -> Request:
    headers = {"content-type": i.content_type} if i.content_type else {}
    return Request(i.method, i.uri, i.body, headers)


def _response(i: Interaction) -> dict[str, Any]:
    headers = {"content-type": [i.response_type]} if i.response_type else {}
    return {
        "status": {"code": i.status, "message": i.reason},
        "headers": headers,
        "body": {"string": to_bytes(i.response)},
    }


def loopback(host: str) -> bool:
    """Whether a request's host is this machine (`localhost`, 127.0.0.0/8, `::1`)."""
    import ipaddress

    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Tape:
    """Record or replay one target's HTTP; `recorded` is what the main calls did (record mode).

    `probe` tells which probe is making the call in progress (None outside any), to name it in a miss.
    With `live_loopback` (a replay-only run and no cassette), a request to this machine goes out
    and is not recorded: a test double of the API on loopback serves it. Any other request misses.
    """

    def __init__(
        self,
        record: bool,
        interactions: list[Interaction],
        secrets: list[str],
        pattern: str,
        probe: Callable[[], str | None],
        live_loopback: bool = False,
    ) -> None:
        self.record = record
        self.probe = probe
        self.live_loopback = live_loopback
        self.loaded = interactions
        self.redactor = Redactor(secrets, pattern)
        self.recorded: list[Interaction] = []
        self.misses: list[Miss] = []
        self.played: list[tuple[str | None, Request]] = []

    @contextmanager
    def main(self) -> Iterator[None]:
        if self.record:
            with self._cassette(RecordMode.ALL, [], "") as cassette:
                yield
            self.recorded = [self._interaction(req, resp) for req, resp in cassette.data]
        else:
            with self._cassette(RecordMode.NONE, self.loaded, ""):
                yield

    @contextmanager
    def canary(self) -> Iterator[None]:
        source = self.recorded if self.record else self.loaded
        with self._cassette(RecordMode.NONE, source, "canary_"):
            yield

    @contextmanager
    def _cassette(self, mode: RecordMode, interactions: list[Interaction], phase: str) -> Iterator[_Cassette]:
        use = _Cassette.use(
            path=f"modelcheck-{phase or 'main'}",
            persister=_Memory(interactions),
            record_mode=mode,
            match_on=(_same_request,),
            before_record_request=self._clean_request,
            before_record_response=self._clean_response,
            allow_playback_repeats=True,
        )
        try:
            cassette = use.__enter__()
        except Exception as exc:  # vcrpy patches every HTTP library installed; one may be too new
            raise CassetteError(
                f"vcrpy {_vcr_version()} could not patch the HTTP libraries installed here "
                f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]}), so this target's HTTP "
                "cannot be recorded or replayed. Upgrade vcrpy: pip install -U vcrpy."
            ) from None
        cassette.phase = phase
        cassette.probe = self.probe
        try:
            yield cassette
        finally:
            self.misses.extend(cassette.misses)
            self.played.extend(cassette.played)
            use.__exit__(None, None, None)

    def _clean_request(self, request: Request) -> Request | None:
        if self.live_loopback and loopback(str(request.host)):
            return None  # vcrpy sends a request it is told to ignore, and records nothing of it
        content_type = str(request.headers.get("content-type", ""))
        clean = self.redactor.request_body(_bytes(request.body), content_type)
        kept_type = self.redactor.text(content_type)
        headers = {"content-type": kept_type} if kept_type and clean else {}
        return Request(request.method, self.redactor.uri(request.uri), clean, headers)

    def _clean_response(self, response: dict[str, Any]) -> dict[str, Any]:
        """The response as kept: headers but content-type dropped, every string redacted (the
        reason and content-type too), the body's raw bytes and then its parsed values."""
        response = decode_response(response)
        text = self.redactor.text
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        kept = {
            k: [text(str(x)) for x in (v if isinstance(v, list) else [v])]
            for k, v in headers.items()
            if k in KEPT_HEADERS
        }
        content_type = (kept.get("content-type") or [""])[0]
        body = self.redactor.raw(_bytes(response.get("body", {}).get("string")))
        doc = to_doc(body, content_type, lambda v: self.redactor.data(v, names=False))
        status = dict(response.get("status") or {})
        if isinstance(status.get("message"), str):
            status["message"] = text(status["message"])
        return {**response, "status": status, "headers": kept, "body": {"string": to_bytes(doc)}}

    def _interaction(self, request: Request, response: dict[str, Any]) -> Interaction:
        content_type = str(request.headers.get("content-type", ""))
        response_type = (response["headers"].get("content-type") or [""])[0]
        status = response["status"]
        body = response["body"]["string"]
        return Interaction(
            method=request.method,
            uri=request.uri,
            body=request.body or b"",
            content_type=content_type,
            status=int(status["code"]),
            reason=str(status.get("message") or ""),
            response_type=response_type,
            response=to_doc(body, response_type, lambda v: v),
        )


def _vcr_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vcrpy")
    except PackageNotFoundError:
        return "(version unknown)"


def _bytes(body: Any) -> bytes:
    """A request or response body as bytes, whatever vcrpy's stub handed over (bytes, str, chunks)."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes):
        return body
    return b"".join(part.encode() if isinstance(part, str) else part for part in body)
