"""The author's daily loop in an integration repo: `langchain_acme` (ChatAcme, an httpx client of an
OpenAI-like API), a conftest fixture that starts a loopback server of that API, and modelcheck used
through the ways in the README offers. Each test drives pytest as that author does and asserts on
what the author sees.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import pytest
from support.openai_server import OpenAIServer

ARGS = ("-p", "no:cacheprovider", "-rA")

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


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    """The integration repo: the package, the conftest with its server fixture, a pyproject."""
    pytester.makepyfile(langchain_acme=textwrap.dedent(ACME))
    pytester.makeconftest(CONFTEST)
    return pytester


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    running = OpenAIServer().start()
    try:
        yield running
    finally:
        running.stop()


def outcomes(result: pytest.RunResult, target: str) -> dict[str, str]:
    found = {}
    for line in result.outlines:
        for word in ("PASSED", "FAILED", "SKIPPED", "ERROR"):
            if line.startswith(f"{word} modelcheck::{target}::"):
                check = line.split("::")[-1].split(" ")[0]
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
