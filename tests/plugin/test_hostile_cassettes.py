"""Cassettes held to the core's promise: no secret in any form, and a broken file is a clear error.

A model here sends its key where a careless integration does (an unencoded query under an innocent
name, a redirect, a raw form body, upper- and lower-cased in JSON, the content-type header) to a
loopback server that echoes it back (upper-case hex, UTF-16). The recorded file is then searched
for the key in every form and every decoding; the replay must give the same verdicts.
"""

from __future__ import annotations

import base64
import importlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_plus

import pytest
import yaml
from support.harness import Modelcheck, Outcome

from modelcheck.secrets.scrub import encodings

KEY = "AKIA/Real+Secret=k3y42xyz"
TARGET = "leaky:Leaky"
CASSETTE = Path("__snapshots__/modelcheck/leaky.Leaky.cassette.yaml")


class _Echo(BaseHTTPRequestHandler):
    """Answers each path with the key the server was given, in the form the path names."""

    key = KEY

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def _send(self, body: bytes, content_type: str, status: int = 200, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self) -> None:
        path = self.path.split("?")[0]
        if path == "/redirect":
            self._send(b"", "text/plain", 302, Location=f"/final?session={self.key}")
        elif path == "/echo":
            body = {
                "upper": self.key.upper(),
                "lower": self.key.lower(),
                "hex": self.key.encode().hex().upper(),
            }
            self._send(json.dumps(body).encode(), "application/json")
        elif path == "/utf16":
            self._send(f"your key: {self.key}".encode("utf-16-le"), "text/plain; charset=utf-16-le")
        elif path == "/utf16-be":
            self._send(f"your key: {self.key}".encode("utf-16-be"), "text/plain; charset=utf-16-be")
        elif path == "/events":
            event = json.dumps({"delta": self.key.lower()})
            self._send(f"event: delta\ndata: {event}\n\ndata: [DONE]\n\n".encode(), "text/event-stream")
        elif path == "/reason":
            self.send_response(200, f"OK for {self.key}")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        elif path == "/typed":
            self._send(b'{"ok": true}', f"application/json; profile={self.key}")
        else:
            self._send(b'{"ok": true}', "application/json")


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


LEAKY = '''
import os
from typing import Any

import httpx

from reference_models import EchoChatModel

BASE = {base!r}


class Leaky(EchoChatModel):
    """Sends its key (from MY_KEY) everywhere a careless client does (https://example.com/api)."""

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        key = os.environ["MY_KEY"]
        with httpx.Client(base_url=BASE, follow_redirects=True) as client:
            client.get("/search?q=" + key)  # a hand-built URL: the key unencoded, "+" and all
            client.get("/redirect")  # the server sends the key back in a Location header
            form = {{"content-type": "application/x-www-form-urlencoded"}}
            client.post("/form", content="note=" + key, headers=form)
            client.post("/json", json={{"shout": key.upper(), "whisper": key.lower()}})
            text = {{"content-type": "text/plain"}}
            client.post("/text", content=key.encode().hex().upper(), headers=text)
            wide = {{"content-type": "text/plain; charset=utf-16-le"}}
            client.post("/utf16-up", content=("k=" + key).encode("utf-16-le"), headers=wide)
            client.get("/plus?s=" + key.replace("/", "%2F").replace("=", "%3D"))  # "+" left as is
            client.get("/utf16-be")
            client.get("/events")
            client.get("/reason")
            client.get("/echo")
            client.get("/utf16")
            client.get("/typed")
            typed = {{"content-type": "application/json; k=" + key}}
            client.post("/typed-request", content=b"{{}}", headers=typed)
        return super()._generate(messages, stop, run_manager, **kwargs)
'''
CONFIG = f"""
[tool.modelcheck."{TARGET}"]
secret_env = ["MY_KEY"]
timeout = 20
"""


def views(text: str) -> list[str]:
    """The text as a reader could decode it: as is, URL-decoded both ways, without NULs, and every
    scalar of the YAML with base64 decoded."""
    out = [text, unquote(text), unquote_plus(text), text.replace("\\0", "").replace("\0", "")]
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return out
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
            stack.extend(item.keys())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            out += [item.replace("\0", ""), unquote(item), unquote_plus(item)]
            try:
                raw = base64.b64decode(item, validate=True)
            except ValueError:
                continue
            out += [raw.decode("latin-1"), raw.replace(b"\0", b"").decode("latin-1")]
    return out


def leaks(text: str, secret: str) -> list[str]:
    """The forms of `secret` (case ignored) found in any view of `text`: their names, never values."""
    forms = [f.casefold() for f in encodings(secret)]
    return [f"form {i}" for view in views(text) for i, f in enumerate(forms) if f in view.casefold()]


def record(mc: Modelcheck, base: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Outcome:
    mc.model(LEAKY.format(base=base), name="leaky")
    mc.config(CONFIG)
    monkeypatch.setenv("MY_KEY", KEY)
    return mc.run(
        f"--modelcheck={TARGET}", "--modelcheck-record", "-k", "invoke or secret", *args, report=True
    )


def verdicts(outcome: Outcome, name: str = TARGET) -> dict[str, str]:
    """check id -> outcome, from the JSON report (xdist changes the terminal lines)."""
    (target,) = [t for t in outcome.report()["targets"] if t["target"] == name]
    return {c["id"]: c["outcome"] for c in target["checks"]}


def assert_clean(outcome: Outcome) -> None:
    text = outcome.text()
    assert not leaks(text, KEY), "the key is in the run's output"
    path = outcome.path / CASSETTE
    assert path.is_file(), "the cassette was not kept"
    text = path.read_text(encoding="utf-8")
    assert not leaks(text, KEY), "the key is in the cassette"
    for kept in ("?q=***", "?session=***", "?s=***", "reason: OK for ***", "delta: '***'", "note=***"):
        assert kept in text, f"{kept} is not in the cassette"  # recorded, with the key masked


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_key_in_any_form_or_decoding_never_reaches_the_cassette(
    mc: Modelcheck, echo_server: str, monkeypatch: pytest.MonkeyPatch, workers: tuple[str, ...]
) -> None:
    recorded = record(mc, echo_server, monkeypatch, *workers)
    assert recorded.result.ret == 0, "the recording run failed"
    assert_clean(recorded)
    assert verdicts(recorded)["secret-masking"] == "passed"


def test_a_cassette_recorded_with_a_key_replays_with_a_canary_and_blames_no_one(
    mc: Modelcheck, echo_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = record(mc, echo_server, monkeypatch)
    monkeypatch.delenv("MY_KEY")
    monkeypatch.setenv("CI", "true")
    replayed = mc.run(f"--modelcheck={TARGET}", "-k", "invoke or secret", report=True)
    assert verdicts(replayed) == verdicts(recorded)
    assert verdicts(replayed)["secret-masking"] == "passed"
    assert not leaks(replayed.text(), KEY)


def test_a_request_the_cassette_lacks_fails_the_call_not_secret_masking(
    mc: Modelcheck, echo_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """vcrpy's error for a request not in the cassette quotes the request: with a canary in its
    query, the model that raised it would have been blamed for showing the canary."""
    mc.model(LEAKY.format(base=echo_server), name="leaky")
    mc.config(CONFIG)
    monkeypatch.setenv("MY_KEY", KEY)
    mc.run(f"--modelcheck={TARGET}", "--modelcheck-record", "-k", "invoke or secret")
    # The model now asks another path first: the cassette lacks that request. (With no cassette at
    # all, a loopback server like this one would be asked live under CI: docs/replay.md.)
    mc.model(LEAKY.format(base=echo_server).replace("/search?q=", "/find?q="), name="leaky")
    monkeypatch.delenv("MY_KEY")
    monkeypatch.setenv("CI", "true")
    replayed = mc.run(f"--modelcheck={TARGET}", "-k", "invoke or secret", report=True)
    assert verdicts(replayed)["invoke"] == "failed"
    replayed.result.stdout.fnmatch_lines(["*[[]invoke[]]*sent GET /find that the cassette * does not hold*"])
    assert verdicts(replayed)["secret-masking"] != "failed", replayed.text()
    assert "mc-canary" not in replayed.text().lower()


@pytest.mark.parametrize(
    "shown",
    [
        pytest.param(
            lambda k: f"uri: http://x/a?s={k.replace('/', '%2F').replace('=', '%3D')}", id="plus-kept"
        ),
        pytest.param(lambda k: f"text: {k.upper()}", id="upper"),
        pytest.param(lambda k: f"text: {k.encode().hex().upper()}", id="HEX"),
        pytest.param(lambda k: "text: " + json.dumps("\0".join(k)), id="utf-16-read-as-utf-8"),
        pytest.param(lambda k: "base64: " + base64.b64encode(k.encode("utf-16-le")).decode(), id="utf-16"),
    ],
)
def test_the_scan_after_writing_finds_every_form_and_names_only_the_place(
    tmp_path: Path, shown: object
) -> None:
    from modelcheck.replay.cassette_file import CassetteError, write_checked

    assert callable(shown)
    path = tmp_path / "x.cassette.yaml"
    text = f"interactions:\n- request:\n    method: GET\n  response:\n    body:\n      {shown(KEY)}\n"
    with pytest.raises(CassetteError) as caught:
        write_checked(path, text, [KEY])
    assert not path.exists()
    assert "line 6 (interaction 1, response body)" in str(caught.value)
    assert not leaks(str(caught.value), KEY)
    assert "secret_pattern" not in str(caught.value)  # naming a field cannot fix what the scan finds


def _bomb() -> str:
    """651 bytes or so that expand to a million values: six levels of ten aliases."""
    levels = ["x0: &x0 [" + ", ".join(["abcdefgh"] * 10) + "]"]
    levels += [f"x{n}: &x{n} [" + ", ".join([f"*x{n - 1}"] * 10) + "]" for n in range(1, 7)]
    return "\n".join(levels) + "\n" + GOOD.replace("json: {a: 1}", "json: *x6")


GOOD = """version: 1
target: mymodel:Chat
interactions:
- request:
    method: POST
    uri: http://127.0.0.1/v1/chat
    content-type: application/json
    body:
      json: {a: 1}
  response:
    status: 200
    reason: OK
    content-type: text/event-stream
    body:
      sse:
      - data: {b: 2}
observed: {}
"""
BROKEN = {
    "aliases": (_bomb(), "at line *, its aliases expand to more than 1,000,000 values"),
    "loop": (
        GOOD.replace("      sse:\n      - data: {b: 2}", "      sse: &l\n      - *l"),
        "at line 15, an alias refers to a node that contains it (a loop)",
    ),
    "deep": ("x: " + "[" * 80 + "]" * 80 + "\n" + GOOD, "at line 1, it nests deeper than 64 levels"),
    "not-yaml": (GOOD + "  - : [\n", "at line *, it is not valid YAML (*)"),
    "sse-item": (
        GOOD.replace("- data: {b: 2}", "- just text"),
        "at interactions[[]0[]].response.body.sse[[]0[]] (line 16), a mapping is expected*",
    ),
    "base64": (
        GOOD.replace("sse:\n      - data: {b: 2}", "base64: '%%%not base64'"),
        "at *body.base64 (line 15), it is not valid base64",
    ),
    "observed": (
        GOOD.replace("observed: {}", "observed: [1, 2]"),
        "at observed (line 17), a mapping is expected*",
    ),
    "native-async": (
        GOOD.replace("observed: {}", "observed:\n  native-async:\n    ainvoke: {thread_pool: [7]}"),
        "at observed.native-async.ainvoke.thread_pool[[]0[]] (line 19), a mapping is expected*",
    ),
    "version": (
        GOOD.replace("version: 1", "version: 99"),
        "at version (line 1), it is 99; this modelcheck reads version 1",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_or_hostile_cassette_is_one_paragraph_naming_the_file_and_place(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    text, message = BROKEN[case]
    mc.model("from reference_models import EchoChatModel as Chat\n")
    path = mc.pytester.path / "__snapshots__" / "modelcheck" / "mymodel.Chat.cassette.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CI", "true")
    started = time.monotonic()
    outcome = mc.run("--modelcheck=mymodel:Chat", "-k", "invoke", report=True)
    assert time.monotonic() - started < 30
    outcome.result.stdout.fnmatch_lines(
        [f"*modelcheck cannot use the cassette *mymodel.Chat.cassette.yaml: {message}. * record it again: *"]
    )
    assert verdicts(outcome, "mymodel:Chat") == {"invoke": "error", "ainvoke": "error"}
    for wrong in ("Upgrade vcrpy", "This is an error in modelcheck", "Traceback"):
        assert wrong not in outcome.text(), wrong


def test_a_cassette_larger_than_the_limit_is_not_read(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("modelcheck.replay.cassette_check.MAX_BYTES", len(GOOD) - 1)
    mc.model("from reference_models import EchoChatModel as Chat\n")
    path = mc.pytester.path / "__snapshots__" / "modelcheck" / "mymodel.Chat.cassette.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(GOOD, encoding="utf-8")
    outcome = mc.run("--modelcheck=mymodel:Chat", "-k", "invoke", report=True)
    size = len(GOOD)
    outcome.result.stdout.fnmatch_lines(
        [f"*mymodel.Chat.cassette.yaml: it is {size} bytes, more than the {size - 1} a cassette may hold.*"]
    )
    assert verdicts(outcome, "mymodel:Chat") == {"invoke": "error", "ainvoke": "error"}


def test_a_cassette_that_takes_longer_than_the_timeout_to_read_is_an_error(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Through sys.modules: an earlier in-process run may have left a stale module on the package.
    outcome = importlib.import_module("modelcheck.replay.outcome")
    read = outcome.parse

    def slow(*args: Any) -> Any:
        time.sleep(4)
        return read(*args)

    monkeypatch.setattr(outcome, "parse", slow)
    mc.model("from reference_models import EchoChatModel as Chat\n")
    mc.config('[tool.modelcheck."mymodel:Chat"]\ntimeout = 1\n')
    path = mc.pytester.path / "__snapshots__" / "modelcheck" / "mymodel.Chat.cassette.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(GOOD, encoding="utf-8")
    ran = mc.run("--modelcheck=mymodel:Chat", "-k", "invoke", report=True)
    said = "modelcheck could not use the cassette of mymodel:Chat: reading the cassette did not return"
    ran.result.stdout.fnmatch_lines([f"*{said} within 1 s (the target's timeout)*"])
    assert ran.result.duration < 4
