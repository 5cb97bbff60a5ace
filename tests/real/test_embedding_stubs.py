"""The embeddings endpoints of the loopback stubs answer as the APIs do, spoken to with plain HTTP,
and the real clients (the openai SDK, the ollama client) read their answers as they read the APIs'."""

from __future__ import annotations

import base64
import json
import struct
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from support.embeddings_api import DIMENSIONS, INVALID_INPUT, vector_for
from support.ollama_server import OllamaServer
from support.openai_server import OpenAIServer


def post(url: str, body: dict[str, Any], key: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def openai() -> Iterator[OpenAIServer]:
    server = OpenAIServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ollama() -> Iterator[OllamaServer]:
    server = OllamaServer(models=("mc-echo", "mc-embed"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def embed(server: OpenAIServer, **body: Any) -> tuple[int, Any]:
    return post(server.base_url + "/embeddings", {"model": "mc-embed", **body}, server.api_key)


def test_openai_answers_each_input_in_order_with_its_index_and_usage(openai: OpenAIServer) -> None:
    status, answer = embed(openai, input=["one two", "three"], encoding_format="float")
    assert status == 200
    assert [d["index"] for d in answer["data"]] == [0, 1]
    assert answer["data"][1]["embedding"] == vector_for("mc-embed", "three", DIMENSIONS)
    assert answer["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    assert embed(openai, input="three", encoding_format="float")[1]["data"][0]["embedding"] == vector_for(
        "mc-embed", "three", DIMENSIONS
    )


def test_openai_encodes_base64_float32_and_takes_token_arrays(openai: OpenAIServer) -> None:
    status, answer = embed(openai, input=[[1, 2, 3], [4]], encoding_format="base64")
    assert status == 200
    raw = base64.b64decode(answer["data"][0]["embedding"])
    decoded = struct.unpack(f"<{len(raw) // 4}f", raw)
    expected = vector_for("mc-embed", "1 2 3", DIMENSIONS)
    assert max(abs(a - b) for a, b in zip(decoded, expected, strict=True)) < 1e-7
    assert embed(openai, input=[5, 6])[1]["usage"]["prompt_tokens"] == 2  # one token array


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"input": ""}, INVALID_INPUT),
        ({"input": []}, INVALID_INPUT),
        ({"input": ["a", ""]}, INVALID_INPUT),
        ({"input": ["a"] * 2049}, INVALID_INPUT),
        ({"input": ["word " * 8193]}, "maximum context length is 8192 tokens, however you requested 8193"),
        ({"input": ["word " * 8000] * 40}, "Requested 320000 tokens, max 300000 tokens per request"),
        ({"input": ["a"], "model": "text-embedding-ada-002", "dimensions": 8}, "does not support specifying"),
        ({"input": ["a"], "encoding_format": "int8"}, "Invalid value: 'int8'"),
    ],
)
def test_openai_refuses_what_the_api_refuses(openai: OpenAIServer, body: dict[str, Any], said: str) -> None:
    status, answer = embed(openai, **body)
    assert status == 400
    assert said in answer["error"]["message"]
    assert answer["error"]["type"] == "invalid_request_error"


def test_openai_shortens_vectors_to_the_dimensions_asked_and_checks_the_key(openai: OpenAIServer) -> None:
    answer = embed(
        openai, input=["a"], model="text-embedding-3-small", dimensions=8, encoding_format="float"
    )[1]
    assert len(answer["data"][0]["embedding"]) == 8
    status, refused = post(openai.base_url + "/embeddings", {"model": "m", "input": "a"}, "wrong-key-123456")
    assert status == 401 and refused["error"]["code"] == "invalid_api_key"


def test_mistral_takes_strings_only_and_its_own_output_dimension(openai: OpenAIServer) -> None:
    status, answer = embed(openai, model="mistral-embed", input=["a", "b"], output_dimension=16)
    assert status == 200
    assert answer["id"] and [len(d["embedding"]) for d in answer["data"]] == [16, 16]
    status, answer = embed(openai, model="mistral-embed", input=[[1, 2]])
    assert status == 422 and answer["object"] == "error"


def test_the_openai_sdk_reads_the_stubs_base64_answer_in_order(openai: OpenAIServer) -> None:
    with pytest.importorskip("openai").OpenAI(api_key=openai.api_key, base_url=openai.base_url) as client:
        answer = client.embeddings.create(model="mc-embed", input=["a b", "c"])
    sent = openai.requests[-1]["body"]
    assert sent["encoding_format"] == "base64"  # the SDK asks for base64 unless told otherwise
    assert [d.index for d in answer.data] == [0, 1]
    expected = vector_for("mc-embed", "c", DIMENSIONS)
    assert max(abs(a - b) for a, b in zip(answer.data[1].embedding, expected, strict=True)) < 1e-7


def test_ollama_embeds_strings_and_answers_an_empty_input_with_no_vectors(ollama: OllamaServer) -> None:
    status, answer = post(ollama.root_url + "/api/embed", {"model": "mc-embed", "input": ["a", "b c"]})
    assert status == 200
    assert answer["embeddings"] == [vector_for("mc-embed", t, DIMENSIONS) for t in ("a", "b c")]
    assert answer["prompt_eval_count"] == 3
    for empty in ("", []):
        assert (
            post(ollama.root_url + "/api/embed", {"model": "mc-embed", "input": empty})[1]["embeddings"] == []
        )
    status, answer = post(ollama.root_url + "/api/embed", {"model": "nope", "input": "a"})
    assert (status, answer) == (404, {"error": "model 'nope' not found"})


def test_ollama_truncates_a_long_text_unless_told_not_to_and_shortens_to_dimensions(
    ollama: OllamaServer,
) -> None:
    url = ollama.root_url + "/api/embed"
    long = "word " * 9000
    cut = post(url, {"model": "mc-embed", "input": [long]})[1]["embeddings"][0]
    assert cut == vector_for("mc-embed", " ".join(["word"] * 8192), DIMENSIONS)
    status, answer = post(url, {"model": "mc-embed", "input": [long], "truncate": False})
    assert (status, answer) == (400, {"error": "input length exceeds maximum context length"})
    short = post(url, {"model": "mc-embed", "input": "a", "dimensions": 4})[1]["embeddings"][0]
    assert len(short) == 4 and abs(sum(x * x for x in short) - 1) < 1e-9
    assert post(url, {"model": "mc-embed", "input": [1]}) == (400, {"error": "invalid input type"})


def test_the_ollama_client_reads_the_stubs_answer(ollama: OllamaServer) -> None:
    client = pytest.importorskip("ollama").Client(host=ollama.root_url)
    try:
        answer = client.embed("mc-embed", ["a", "b"])
    finally:
        client.close()
    assert [list(v) for v in answer["embeddings"]] == [vector_for("mc-embed", t, DIMENSIONS) for t in "ab"]
