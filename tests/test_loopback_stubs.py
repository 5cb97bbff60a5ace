"""The loopback stubs answer as the provider APIs do, so that a verdict on a real model means something.

Each stub is spoken to with plain HTTP (urllib), as its API's documentation describes: stop strings
left out and the earliest one winning, the API's own error for a wrong key or a missing model,
usage fields that add up, and the API's streaming format to the last line.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from anthropic_server import AnthropicServer
from loopback import LoopbackServer
from ollama_server import OllamaServer


def post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def started(server: LoopbackServer) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def anthropic() -> Iterator[AnthropicServer]:
    yield from started(AnthropicServer())


@pytest.fixture
def ollama() -> Iterator[OllamaServer]:
    yield from started(OllamaServer())


def ask_anthropic(server: AnthropicServer, key: str | None = None, **body: Any) -> tuple[int, str]:
    request = {"model": "m", "max_tokens": 64, "messages": [{"role": "user", "content": "one two three"}]}
    return post(server.root_url + "/v1/messages", {**request, **body}, {"x-api-key": key or server.api_key})


def test_anthropic_stops_before_the_earliest_stop_sequence_and_names_it(anthropic: AnthropicServer) -> None:
    status, body = ask_anthropic(anthropic, stop_sequences=["three", "two"])
    message = json.loads(body)
    assert status == 200
    assert message["content"] == [{"type": "text", "text": "Echo: one "}]
    assert (message["stop_reason"], message["stop_sequence"]) == ("stop_sequence", "two")
    assert message["usage"] == {"input_tokens": 3, "output_tokens": 2}
    message = json.loads(ask_anthropic(anthropic)[1])
    assert (message["stop_reason"], message["stop_sequence"]) == ("end_turn", None)


def test_anthropic_streams_its_named_events(anthropic: AnthropicServer) -> None:
    status, body = ask_anthropic(anthropic, stream=True, stop_sequences=["three"])
    names = [line[7:] for line in body.splitlines() if line.startswith("event: ")]
    data = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    assert status == 200
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert [d["type"] for d in data] == names
    text = "".join(d["delta"]["text"] for d in data if d["type"] == "content_block_delta")
    assert text == "Echo: one two "
    assert data[-2]["delta"] == {"stop_reason": "stop_sequence", "stop_sequence": "three"}
    # the API's message_delta carries the whole usage (langchain-anthropic 1.x reads it there)
    assert data[-2]["usage"]["output_tokens"] == 3 and "input_tokens" in data[-2]["usage"]


def test_anthropic_refuses_a_wrong_key_without_repeating_it(anthropic: AnthropicServer) -> None:
    status, body = ask_anthropic(anthropic, key="mc-wrong-key-123456")
    assert status == 401
    assert json.loads(body)["error"]["type"] == "authentication_error"
    assert "mc-wrong" not in body
    status, _ = post(
        anthropic.root_url + "/v1/messages",
        {"model": "m", "max_tokens": 8, "messages": []},
        {"Authorization": f"Bearer {anthropic.api_key}"},
    )
    assert status == 200, "the 2.x SDK sends the key as a bearer token"
    status, body = ask_anthropic(anthropic, max_tokens=None)
    assert (status, json.loads(body)["error"]["type"]) == (400, "invalid_request_error")


def test_ollama_chat_streams_ndjson_by_default_and_stops_before_the_stop_string(ollama: OllamaServer) -> None:
    request = {
        "model": "mc-echo",
        "messages": [{"role": "user", "content": "one two three"}],
        "options": {"stop": ["three", "two"]},
    }
    status, body = post(ollama.root_url + "/api/chat", request)
    lines = [json.loads(line) for line in body.splitlines()]
    assert status == 200
    assert "".join(line["message"]["content"] for line in lines) == "Echo: one "
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]
    assert lines[-1]["done_reason"] == "stop"
    assert (lines[-1]["prompt_eval_count"], lines[-1]["eval_count"]) == (3, 2)


def test_ollama_generate_answers_whole_when_asked_not_to_stream(ollama: OllamaServer) -> None:
    request = {"model": "mc-echo", "prompt": "x y", "stream": False}
    status, body = post(ollama.root_url + "/api/generate", request)
    answer = json.loads(body)
    assert status == 200
    assert (answer["response"], answer["done"], answer["eval_count"]) == ("Echo: x y", True, 3)


def test_ollama_has_only_its_models(ollama: OllamaServer) -> None:
    status, body = post(ollama.root_url + "/api/chat", {"model": "llama-none", "messages": []})
    assert (status, json.loads(body)) == (404, {"error": "model 'llama-none' not found"})
