"""Record once, replay after: langchain-openai's models against the loopback server, then offline.

Each test records with `--modelcheck-record` against tests/support/openai_server.py, stops the server, and
replays: the same verdicts, no socket opened, no key; a second recording is byte-identical; no
secret reaches the file; CI=true without a cassette and a changed request fail with what to do.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from support.harness import REPORT, Modelcheck, finish, start_subprocess
from support.openai_server import OpenAIServer

pytestmark = pytest.mark.skipif(
    find_spec("langchain_openai") is None,
    reason="langchain-openai is not installed; install the integrations extra: "
    "pip install -e '.[integrations]'",
)

TARGETS = '''
"""langchain-openai's models on the loopback server; the key comes from the environment."""

import os

from langchain_openai import ChatOpenAI, OpenAI

BASE_URL = {base_url!r}


def chat():
    return ChatOpenAI(model="mc-echo", base_url=BASE_URL, max_retries=0, timeout=10{extra})


def text():
    return OpenAI(model="mc-echo", base_url=BASE_URL, max_retries=0, timeout=10{extra})
'''
CONFIG = """
[tool.modelcheck]
timeout = 20
secret_env = ["OPENAI_API_KEY"]
"""
CHAT, TEXT = "openai_targets:chat", "openai_targets:text"
CASSETTES = Path("__snapshots__/modelcheck")


NO_SOCKETS = """
import os
import socket

_connect = socket.socket.connect


def _refuse(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        with open(os.environ["MC_SOCKET_LOG"], "a", encoding="utf-8") as log:
            log.write(repr(address) + "\\n")
        raise ConnectionRefusedError(f"this run may not connect to {address}")
    return _connect(sock, address)


if os.environ.get("MC_SOCKET_LOG"):
    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
"""


def project(mc: Modelcheck, server: OpenAIServer, extra: str = "", config: str = CONFIG) -> None:
    mc.model(TARGETS.format(base_url=server.base_url, extra=extra), name="openai_targets")
    mc.config(config)


@dataclass
class Run:
    """One pytest run in a fresh interpreter (langchain-openai's clients leave sockets to the
    garbage collector, which an in-process run would report as the outer test's warnings)."""

    code: int
    output: str
    report: dict[str, Any]


def run(mc: Modelcheck, *args: str, **env: str) -> Run:
    code, output = finish(start_subprocess(mc.pytester.path, f"--modelcheck-report={REPORT}", *args, env=env))
    path = mc.pytester.path / REPORT
    report = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if path.is_file():
        path.unlink()
    return Run(code, output, report)


def outcomes(run: Run) -> dict[str, dict[str, str]]:
    return {t["target"]: {c["id"]: c["outcome"] for c in t["checks"]} for t in run.report["targets"]}


def messages(run: Run, target: str) -> dict[str, str]:
    (found,) = [t for t in run.report["targets"] if t["target"] == target]
    return {c["id"]: c["message"] for c in found["checks"]}


def cassette(mc: Modelcheck, target: str) -> Path:
    return mc.pytester.path / CASSETTES / f"{target.replace(':', '.')}.cassette.yaml"


def record(
    mc: Modelcheck, server: OpenAIServer, *targets: str, args: tuple[str, ...] = (), **env: str
) -> Run:
    recorded = run(
        mc,
        *(f"--modelcheck={t}" for t in targets),
        "--modelcheck-record",
        *args,
        OPENAI_API_KEY=server.api_key,
        **env,
    )
    assert recorded.report, recorded.output
    return recorded


def test_openai_models_replay_with_the_same_verdicts_no_socket_and_no_key(
    mc: Modelcheck, server: OpenAIServer
) -> None:
    project(mc, server)
    mc.pytester.makeconftest(NO_SOCKETS)
    recorded = record(mc, server, CHAT, TEXT)
    first = {t: cassette(mc, t).read_bytes() for t in (CHAT, TEXT)}
    assert server.statuses[200] > 0 and server.statuses[401] == 0  # canary calls never went out
    again = record(mc, server, CHAT, TEXT, args=("-n", "2"))  # each target on its own xdist worker
    assert {t: cassette(mc, t).read_bytes() for t in (CHAT, TEXT)} == first  # byte-identical
    assert outcomes(again) == outcomes(recorded)
    server.stop()
    log = mc.pytester.path / "sockets.log"
    replayed = run(mc, f"--modelcheck={CHAT}", f"--modelcheck={TEXT}", MC_SOCKET_LOG=str(log))
    assert not log.exists(), log.read_text(encoding="utf-8")
    assert outcomes(replayed) == outcomes(recorded)
    assert outcomes(replayed)[CHAT]["invoke"] == "passed"
    assert outcomes(replayed)[CHAT]["event-snapshot"] == "passed"  # the recording run's snapshot
    note = messages(replayed, CHAT)["native-async"]
    assert "replayed from __snapshots__/modelcheck/openai_targets.chat.cassette.yaml" in note, note
    assert "BaseChatOpenAI._create_chat_result ran in a thread pool without blocking calls" in note


def test_the_guard_sees_a_connection(mc: Modelcheck, server: OpenAIServer) -> None:
    """The socket guard of the test above does catch a run that goes out (so its silence counts)."""
    project(mc, server)
    mc.pytester.makeconftest(NO_SOCKETS)
    log = mc.pytester.path / "sockets.log"
    run(mc, f"--modelcheck={CHAT}", "-k", "invoke", OPENAI_API_KEY=server.api_key, MC_SOCKET_LOG=str(log))
    assert "127.0.0.1" in log.read_text(encoding="utf-8")


def test_the_cassette_is_readable_and_streams_replay_as_the_same_events(
    mc: Modelcheck, server: OpenAIServer
) -> None:
    project(mc, server)
    record(mc, server, CHAT)
    text = cassette(mc, CHAT).read_text(encoding="utf-8")
    assert "# modelcheck cassette for openai_targets:chat" in text
    assert f"pytest --modelcheck={CHAT} --modelcheck-record" in text
    assert "      sse:\n      - data:\n" in text  # server-sent events, one parsed event each
    assert "      - text: '[DONE]'" in text
    assert "content: 'modelcheck probe: the quick brown fox jumps over the lazy dog'" in text
    assert "authorization" not in text.lower() and "user-agent" not in text.lower()


PARTNERS = '''
"""langchain-anthropic's and langchain-ollama's chat models on the loopback stubs of their APIs."""

from langchain_anthropic import ChatAnthropic
from langchain_ollama import ChatOllama


def anthropic():
    return ChatAnthropic(model="mc-echo", base_url={anthropic!r}, max_retries=0, timeout=10)


def ollama():
    return ChatOllama(model="mc-echo", base_url={ollama!r})
'''
PARTNERS_CONFIG = """
[tool.modelcheck]
timeout = 20

[tool.modelcheck."partners:anthropic"]
secret_env = ["ANTHROPIC_API_KEY"]
"""


@pytest.mark.skipif(
    find_spec("langchain_anthropic") is None or find_spec("langchain_ollama") is None,
    reason="langchain-anthropic or langchain-ollama is not installed (the integrations extra)",
)
def test_anthropic_events_and_ollama_ndjson_replay_as_recorded(mc: Modelcheck) -> None:
    from support.anthropic_server import AnthropicServer
    from support.ollama_server import OllamaServer

    claude, llama = AnthropicServer().start(), OllamaServer().start()
    targets = ("partners:anthropic", "partners:ollama")
    try:
        mc.model(PARTNERS.format(anthropic=claude.root_url, ollama=llama.root_url), name="partners")
        mc.config(PARTNERS_CONFIG)
        mc.pytester.makeconftest(NO_SOCKETS)
        args = [f"--modelcheck={t}" for t in targets]
        recorded = run(mc, *args, "--modelcheck-record", ANTHROPIC_API_KEY=claude.api_key)
        first = {t: cassette(mc, t).read_bytes() for t in targets}
        again = run(mc, *args, "--modelcheck-record", ANTHROPIC_API_KEY=claude.api_key)
        assert {t: cassette(mc, t).read_bytes() for t in targets} == first
        assert outcomes(again) == outcomes(recorded)
    finally:
        claude.stop()
        llama.stop()
    events = cassette(mc, "partners:anthropic").read_text(encoding="utf-8")
    assert "      - event: content_block_delta\n        data:\n" in events  # named events, in order
    assert claude.api_key not in events
    lines = cassette(mc, "partners:ollama").read_text(encoding="utf-8")
    assert "content-type: application/x-ndjson\n    body:\n      ndjson:\n" in lines
    log = mc.pytester.path / "sockets.log"
    replayed = run(mc, *args, MC_SOCKET_LOG=str(log))
    assert not log.exists(), log.read_text(encoding="utf-8")
    assert outcomes(replayed) == outcomes(recorded)
    assert outcomes(replayed)["partners:anthropic"]["stream"] == "passed"
    assert outcomes(replayed)["partners:ollama"]["astream"] == "passed"


SECRET = "sk-session-5eCr3t-planted-everywhere-0123456789"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtb2RlbGNoZWNrIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
LEAKY_EXTRA = (
    ', default_headers={"X-Session-Token": os.environ["MY_SESSION"]}'
    ', default_query={"key": os.environ["MY_SESSION"]}'
    ', model_kwargs={"user": os.environ["MY_SESSION"]}, extra_body={"note": ' + repr(JWT) + "}"
)
LEAKY_CONFIG = """
[tool.modelcheck]
timeout = 20
secret_env = ["OPENAI_API_KEY", "MY_SESSION"]
"""


class EchoingServer(OpenAIServer):
    """Echoes the request's `user` field (here a session secret) in every answer's fingerprint."""

    def chat(self, body: dict[str, Any]) -> Any:
        whole, chunks = super().chat(body)
        whole["system_fingerprint"] = body.get("user")
        return whole, ({**c, "system_fingerprint": body.get("user")} for c in chunks)


def test_no_secret_in_any_form_reaches_the_cassette(mc: Modelcheck) -> None:
    leaky = EchoingServer().start()
    try:
        project(mc, leaky, extra=LEAKY_EXTRA, config=LEAKY_CONFIG)
        recorded = record(mc, leaky, CHAT, MY_SESSION=SECRET)
        sent = [r for r in leaky.requests if r["status"] == 200]
        assert sent and all(r["body"]["user"] == SECRET for r in sent)  # it was planted
    finally:
        leaky.stop()
    text = cassette(mc, CHAT).read_text(encoding="utf-8")
    from modelcheck.secrets.scrub import Scrubber

    for name, secret in (("the session", SECRET), ("the key", leaky.api_key), ("the JWT", JWT)):
        assert not Scrubber([secret]).found_decoded(text), name
    assert "user: '***'" in text and "key=***" in text and "note: '***'" in text
    assert "system_fingerprint: '***'" in text
    replayed = run(mc, f"--modelcheck={CHAT}")  # no key, no session: canaries stand in
    assert outcomes(replayed) == outcomes(recorded)


def test_under_ci_a_target_without_cassette_fails_with_the_command_that_records_it(
    mc: Modelcheck, server: OpenAIServer
) -> None:
    """A model pointed at a host other than this machine (a loopback server would be reached)."""
    mc.model(TARGETS.format(base_url="https://api.example.com/v1", extra=""), name="openai_targets")
    mc.config(CONFIG)
    ci = run(mc, f"--modelcheck={CHAT}", CI="true", OPENAI_API_KEY=server.api_key)
    said = messages(ci, CHAT)
    assert outcomes(ci)[CHAT]["invoke"] == "failed"
    assert said["invoke"].startswith(
        "invoke('<probe prompt>') sent POST /v1/chat/completions to https://api.example.com, but "
        "this target has no cassette (__snapshots__/modelcheck/openai_targets.chat.cassette.yaml) "
        "and this run can only replay (CI=true): without a cassette only requests to this machine "
        "(a test server on 127.0.0.1 or localhost) go out, so nothing was sent. Record the cassette "
        "with the key in the environment and commit it: "
        "`pytest --modelcheck=openai_targets:chat --modelcheck-record`; or point the model at a "
        "local test double of the API from a `fixture:` target."
    ), said["invoke"]
    assert outcomes(ci)[CHAT]["secret-fields"] == "passed"  # no call needed, judged as always
    assert not cassette(mc, CHAT).exists()


def test_recording_some_checks_keeps_what_the_cassette_held_for_the_others(
    mc: Modelcheck, server: OpenAIServer
) -> None:
    """`--modelcheck-record -k invoke` records invoke's calls again and keeps the rest: the whole
    catalog still replays from the file, with the verdicts of the full recording."""
    project(mc, server)
    full = record(mc, server, CHAT)
    whole = cassette(mc, CHAT).read_text(encoding="utf-8")
    record(mc, server, CHAT, args=("-k", "invoke"))
    assert cassette(mc, CHAT).read_text(encoding="utf-8") == whole
    server.stop()
    replayed = run(mc, f"--modelcheck={CHAT}")
    assert outcomes(replayed) == outcomes(full)


def test_a_changed_request_fails_with_the_recorded_request_against_the_new_one(
    mc: Modelcheck, server: OpenAIServer
) -> None:
    project(mc, server)
    record(mc, server, CHAT)
    before = server.statuses[200]
    project(mc, server, extra=", temperature=0.25")
    changed = run(mc, f"--modelcheck={CHAT}", OPENAI_API_KEY=server.api_key)
    assert server.statuses[200] == before  # nothing went out
    said = messages(changed, CHAT)["invoke"]
    assert outcomes(changed)[CHAT]["invoke"] == "failed"
    assert "sent POST /v1/chat/completions that the cassette " in said, said
    assert "(- cassette, + this run):\n@@ -5 +5,2 @@\n stream: false\n+temperature: 0.25\n" in said, said
    assert said.endswith(
        "`pytest --modelcheck=openai_targets:chat --modelcheck-record`. "
        "See modelcheck docs/runnable.md#invoke."
    ), said


def test_recording_from_the_configuration_is_refused_under_ci(mc: Modelcheck) -> None:
    mc.model("from reference_models import EchoChatModel\n")
    mc.pytester.makeini("[pytest]\naddopts = --modelcheck-record\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CI", "true")
        run = mc.run("--modelcheck=mymodel:EchoChatModel")
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    run.result.stderr.fnmatch_lines(["*--modelcheck-record came from the configuration (addopts*"])


def test_record_and_replay_only_together_are_a_usage_error(mc: Modelcheck) -> None:
    mc.model("from reference_models import EchoChatModel\n")
    run = mc.run("--modelcheck=mymodel:EchoChatModel", "--modelcheck-record", "--modelcheck-replay-only")
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    run.result.stderr.fnmatch_lines(["*--modelcheck-record and --modelcheck-replay-only were both given*"])


def test_a_model_without_http_writes_no_cassette_and_passes_under_ci(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    mc.model("from reference_models import EchoChatModel\n")
    assert mc.run("--modelcheck=mymodel:EchoChatModel", "--modelcheck-record").result.ret == 0
    assert not list((mc.pytester.path / CASSETTES).glob("*.cassette.yaml"))
    monkeypatch.setenv("CI", "true")
    assert mc.run("--modelcheck=mymodel:EchoChatModel").result.ret == 0


def test_a_secret_left_in_the_file_deletes_it_and_names_the_place(tmp_path: Path) -> None:
    from modelcheck.replay.cassette_file import CassetteError, write_checked

    path = tmp_path / "x.cassette.yaml"
    text = textwrap.dedent(
        """\
        interactions:
        - request:
            method: POST
            body:
              json: {a: 1}
          response:
            body:
              json: {echo: bWMtbGVha2VkLWtleS0x}
        """
    )
    with pytest.raises(CassetteError) as caught:
        write_checked(path, text, ["mc-leaked-key-1"])  # its base64 is in the response
    assert not path.exists()
    assert "line 8 (interaction 1, response body)" in str(caught.value)
    assert "mc-leaked-key-1" not in str(caught.value) and "bWMtbGVha2Vk" not in str(caught.value)


USER_TEST = '''
"""The project's own test, recorded and replayed by pytest-recording."""

import httpx
import pytest


@pytest.fixture(scope="module")
def vcr_config():
    return {{"filter_headers": ["authorization"]}}


@pytest.mark.vcr
def test_the_server_echoes():
    answer = httpx.post(
        {base_url!r} + "/chat/completions",
        json={{"model": "mc-echo", "messages": [{{"role": "user", "content": "hi"}}]}},
        headers={{"Authorization": "Bearer {key}"}},
    )
    assert answer.json()["choices"][0]["message"]["content"] == "Echo: hi"
'''


@pytest.mark.skipif(find_spec("pytest_recording") is None, reason="pytest-recording is not installed")
def test_pytest_recording_cassettes_and_modelcheck_cassettes_in_one_run(
    mc: Modelcheck, server: OpenAIServer
) -> None:
    project(mc, server)
    mc.pytester.makeconftest(NO_SOCKETS)
    mc.pytester.makepyfile(test_user=USER_TEST.format(base_url=server.base_url, key=server.api_key))
    recorded = run(
        mc,
        f"--modelcheck={CHAT}",
        "--modelcheck-record",
        "--record-mode=once",
        "test_user.py",
        OPENAI_API_KEY=server.api_key,
    )
    assert "test_user.py::test_the_server_echoes PASSED" in recorded.output, recorded.output
    assert (mc.pytester.path / "cassettes" / "test_user" / "test_the_server_echoes.yaml").is_file()
    assert cassette(mc, CHAT).is_file()
    server.stop()
    log = mc.pytester.path / "sockets.log"
    replayed = run(mc, f"--modelcheck={CHAT}", "test_user.py", MC_SOCKET_LOG=str(log))
    assert "test_user.py::test_the_server_echoes PASSED" in replayed.output, replayed.output
    assert not log.exists(), log.read_text(encoding="utf-8")
    assert outcomes(replayed) == outcomes(recorded)
