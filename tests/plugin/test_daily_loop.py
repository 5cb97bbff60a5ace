"""The author's daily loop in an integration repo: `langchain_acme` (ChatAcme, an httpx client of an
OpenAI-like API), a conftest fixture that starts a loopback server of that API, and modelcheck used
through the ways in the README offers. Each test drives pytest as that author does and asserts on
what the author sees.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from support.harness import finish, start_subprocess
from support.openai_server import OpenAIServer

ARGS = ("-p", "no:cacheprovider", "-rA", "-v")

ACME = '''
"""ChatAcme: a chat model of the Acme API (https://acme.example/docs/api), OpenAI-like."""

from typing import Any

import httpx
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, SecretStr


class ChatAcme(BaseChatModel):
    """Acme's chat completions (https://acme.example/docs/api/chat)."""

    model_name: str = Field(default="acme-1", alias="model")
    """The Acme model to use."""
    api_key: SecretStr = Field(default=SecretStr("unset"))
    """The Acme API key."""
    base_url: str = "https://api.acme.example/v1"
    """The API's base URL."""
    timeout: float = 5.0
    """Seconds a request may take."""

    @property
    def _llm_type(self) -> str:
        return "acme-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _payload(self, messages, stop):
        roles = {"human": "user", "ai": "assistant", "system": "system"}
        body = {
            "model": self.model_name,
            "messages": [{"role": roles.get(m.type, "user"), "content": m.content} for m in messages],
        }
        return {**body, "stop": stop} if stop else body

    def _headers(self):
        return {"Authorization": f"Bearer {self.api_key.get_secret_value()}"}

    def _result(self, response):
        response.raise_for_status()
        return ChatResult(
            generations=[ChatGeneration(message=AIMessage(response.json()["choices"][0]["message"]["content"]))]
        )

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        with httpx.Client(timeout=self.timeout) as client:
            url = f"{self.base_url}/chat/completions"
            return self._result(client.post(url, json=self._payload(messages, stop), headers=self._headers()))

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            url = f"{self.base_url}/chat/completions"
            response = await client.post(url, json=self._payload(messages, stop), headers=self._headers())
            return self._result(response)
'''

CONFTEST = """
import pytest

from langchain_acme import ChatAcme
from support.openai_server import OpenAIServer


@pytest.fixture(scope="session")
def acme_server():
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chat_model(acme_server):
    return ChatAcme(model="mc-echo", base_url=acme_server.base_url, api_key=acme_server.api_key)
"""


TESTS = Path(__file__).parents[1]
PATHS = {"PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])}


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    """The integration repo: the package, the conftest with its server fixture, a pyproject."""
    pytester.makepyfile(langchain_acme=textwrap.dedent(ACME))
    pytester.makeconftest(CONFTEST)
    return pytester


def outcomes(result: pytest.RunResult | list[str], target: str) -> dict[str, str]:
    """check id -> outcome for one target, from `-v` lines or `-rA` summary lines."""
    found = {}
    words = ("PASSED", "FAILED", "SKIPPED", "ERROR")
    for line in result if isinstance(result, list) else result.outlines:
        parts = line.split()
        if len(parts) >= 2 and parts[0] in words and parts[1].startswith(f"modelcheck::{target}::"):
            node, word = parts[1], parts[0]
        elif len(parts) >= 2 and parts[1] in words and parts[0].startswith(f"modelcheck::{target}::"):
            node, word = parts[0], parts[1]
        else:
            continue
        check = node.split("::")[-1]
        found[check.removeprefix("test_check[").removesuffix("]")] = word.lower()
    return found


def test_under_ci_a_loopback_test_double_answers_and_anything_else_is_refused(
    repo: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI=true, no cassette: the fixture's loopback server is reached; a model pointed at the
    provider's real host is refused before anything is sent, and told its three ways out."""
    repo.makepyfile(
        remote='from langchain_acme import ChatAcme\n\ndef chat():\n    return ChatAcme(api_key="k-1")\n'
    )
    monkeypatch.setenv("CI", "true")
    local = repo.runpytest(*ARGS, "--modelcheck=fixture:chat_model", "-k", "invoke or batch")
    assert outcomes(local, "fixture:chat_model") == {
        "invoke": "passed",
        "ainvoke": "passed",
        "batch": "passed",
        "abatch": "passed",
    }, local.stdout.str()
    assert not list(repo.path.glob("__snapshots__/modelcheck/*.cassette.yaml"))  # nothing recorded

    remote = repo.runpytest(*ARGS, "--modelcheck=remote:chat", "-k", "invoke and not ainvoke")
    remote.stdout.fnmatch_lines(
        [
            "*invoke('<probe prompt>') sent POST /v1/chat/completions to https://api.acme.example, but "
            "this target has no cassette (__snapshots__/modelcheck/remote.chat.cassette.yaml) and this "
            "run can only replay (CI=true): without a cassette only requests to this machine *"
        ]
    )


def test_under_ci_a_cassette_of_a_loopback_server_still_replays(
    repo: pytest.Pytester, server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cassette recorded against a local server (Ollama on localhost) replays in CI, where no
    server runs: with a cassette, loopback requests are answered from it, not sent."""
    repo.makepyfile(
        local=(
            "from langchain_acme import ChatAcme\n\n"
            f"def chat():\n    return ChatAcme(model='mc-echo', base_url={server.base_url!r}, "
            f"api_key={server.api_key!r})\n"
        )
    )
    selection = ("-k", "invoke or batch")
    recorded = repo.runpytest(*ARGS, "--modelcheck=local:chat", "--modelcheck-record", *selection)
    assert set(outcomes(recorded, "local:chat").values()) == {"passed"}, recorded.stdout.str()
    sent = len(server.requests)
    server.stop()
    monkeypatch.setenv("CI", "true")
    replayed = repo.runpytest(*ARGS, "--modelcheck=local:chat", *selection)
    assert outcomes(replayed, "local:chat") == outcomes(recorded, "local:chat")
    assert len(server.requests) == sent


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_service_that_is_not_there_is_one_error_naming_the_url_and_the_ways_out(
    repo: pytest.Pytester,
) -> None:
    """No server listens: one error for the target, not a failed check per call, and nothing
    blamed on the model; checks that need no call are judged as always."""
    port = closed_port()
    repo.makepyfile(
        dead=(
            "from langchain_acme import ChatAcme\n\n"
            f"def chat():\n    return ChatAcme(base_url='http://127.0.0.1:{port}/v1', api_key='k-1')\n"
        )
    )
    # A fresh interpreter: httpx's exceptions as a user's run raises them (in-process runs after a
    # cassette run see vcrpy's patches holding the classes of an httpx copy pytester dropped).
    code, output = finish(start_subprocess(repo.path, "--modelcheck=dead:chat", "-rA", env=PATHS))
    lines = output.splitlines()
    found = outcomes(lines, "dead:chat")
    assert code == 1 and list(found.values()).count("error") == 1, output
    assert "failed" not in found.values(), output
    assert found["secret-fields"] == "passed" and found["docs"] == "passed"
    assert found["secret-masking"] == "passed"  # the error text holds no key
    pytest.LineMatcher(lines).fnmatch_lines(
        [
            "*the model could not use its service: ConnectError: * at "
            f"http://127.0.0.1:{port}/v1/chat/completions (* of * model calls failed so: *). That is "
            "the network, the service or the credentials, not the model, *Start the service (with its "
            "key in the environment); or check the model against a local test double of the API from "
            "a `fixture:` target; or replay a cassette recorded where the service answers: "
            "`pytest --modelcheck=dead:chat --modelcheck-record`. See modelcheck "
            "docs/replay.md#when-the-service-cannot-be-reached.",
        ]
    )
    assert "Fix the model" not in output
    assert "the model could not use its service; modelcheck::dead:chat::invoke says why" in output


def test_a_key_the_service_refuses_is_one_report_for_a_fixture_target_and_never_shown(
    repo: pytest.Pytester,
) -> None:
    repo.makeconftest(
        CONFTEST
        + textwrap.dedent(
            """
            @pytest.fixture(scope="session")
            def wrong_key_model(acme_server):
                return ChatAcme(model="mc-echo", base_url=acme_server.base_url, api_key="acme-wrong-key-0123")
            """
        )
    )
    result = repo.runpytest(*ARGS, "--modelcheck=fixture:wrong_key_model")
    found = outcomes(result, "fixture:wrong_key_model")
    assert list(found.values()).count("failed") == 1, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*the model could not use its service: the service answered 401 Unauthorized at "
            "http://127.0.0.1:*/v1/chat/completions (*"
        ]
    )
    assert "acme-wrong-key-0123" not in result.stdout.str()
    assert "Fix the model" not in result.stdout.str()


SUITE = """
import modelcheck

TestAcmeSuite = modelcheck.suite(fixture="chat_model")


def test_in_my_test(modelcheck, chat_model):
    result = modelcheck.check(chat_model, only=["docs", "identifying-params"])
    assert result.verdicts["docs"].outcome == "skipped", result.verdicts["docs"]
    assert "skipped by `skip`" in result.verdicts["docs"].message
    assert result.verdicts["identifying-params"].outcome == "passed"
"""
FACTORY = """
from langchain_acme import ChatAcme


def chat():
    return ChatAcme(model="mc-echo", base_url="http://127.0.0.1:9/v1")
"""


def test_one_table_for_the_models_class_whatever_the_way_in(repo: pytest.Pytester) -> None:
    """`[tool.modelcheck."langchain_acme:ChatAcme"]` applies to the fixture target, a factory target,
    a suite and the `modelcheck` fixture; an entry point's own table still applies, over it."""
    repo.makepyfile(test_acme=SUITE, factory=FACTORY)
    repo.makepyprojecttoml(
        """
        [tool.modelcheck."langchain_acme:ChatAcme"]
        skip = ["docs"]
        stop_policy = "exclude"

        [tool.modelcheck."fixture:chat_model"]
        skip = ["docs", "stop-included"]
        """
    )
    selection = ("-k", "docs or stop-included or test_in_my_test")
    fixture = repo.runpytest(*ARGS, "--modelcheck=fixture:chat_model", *selection)
    assert outcomes(fixture, "fixture:chat_model") == {"docs": "skipped", "stop-included": "skipped"}
    fixture.stdout.fnmatch_lines(['*skipped by `skip` in [[]tool.modelcheck."fixture:chat_model"[]]*'])

    one = repo.runpytest(*ARGS, "--modelcheck=fixture:chat_model", "modelcheck::fixture:chat_model::docs")
    assert outcomes(one, "fixture:chat_model") == {"docs": "skipped"}, one.stdout.str()

    factory = repo.runpytest(*ARGS, "--modelcheck=factory:chat", "-k", "docs")
    assert outcomes(factory, "factory:chat") == {"docs": "skipped"}, factory.stdout.str()

    suite = repo.runpytest(*ARGS, "test_acme.py", *selection)
    suite.assert_outcomes(passed=2, skipped=1)  # stop-included: exclude, as the class's table says
    suite.stdout.fnmatch_lines(
        [
            'SKIPPED *skipped by `skip` in [[]tool.modelcheck."langchain_acme:ChatAcme"[]] '
            "for test_acme.py::TestAcmeSuite"
        ]
    )


def test_modelcheck_check_reports_a_service_that_is_not_there_once(repo: pytest.Pytester) -> None:
    repo.makepyfile(
        test_mine=f"""
        import modelcheck
        from langchain_acme import ChatAcme


        def test_invoke():
            model = ChatAcme(base_url="http://127.0.0.1:{closed_port()}/v1", api_key="k-1")
            result = modelcheck.check(model, only=["invoke", "ainvoke", "docs"])
            invoke, ainvoke = result.verdicts["invoke"], result.verdicts["ainvoke"]
            assert invoke.outcome == "failed" and "could not use its service" in invoke.message
            assert "Fix the model" not in invoke.message
            assert ainvoke.outcome == "skipped" and ainvoke.message.endswith("invoke says why")
            assert result.verdicts["docs"].outcome == "passed"
        """
    )
    repo.runpytest(*ARGS, "test_mine.py").assert_outcomes(passed=1)
