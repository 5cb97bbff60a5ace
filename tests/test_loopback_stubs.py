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
from loopback import LoopbackServer, called_tools, fill, first_json_object
from ollama_server import OllamaServer
from openai_server import OpenAIServer


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


# ------------------------------------------------------------------ OpenAI-style: tools, formats, media

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "note": {"type": "string"},
            },
            "required": ["city", "days"],
        },
    },
}
CLOCK = {
    "type": "function",
    "function": {"name": "clock", "parameters": {"type": "object", "properties": {}}},
}


@pytest.fixture
def openai() -> Iterator[OpenAIServer]:
    yield from started(OpenAIServer())


def ask_openai(server: OpenAIServer, text: str = "Paris in spring", **body: Any) -> tuple[int, Any]:
    request = {"model": "mc-echo", "messages": [{"role": "user", "content": text}], **body}
    status, answer = post(
        server.base_url + "/chat/completions", request, {"Authorization": f"Bearer {server.api_key}"}
    )
    if body.get("stream") and status == 200:
        return status, [json.loads(line[6:]) for line in answer.splitlines() if line.startswith("data: {")]
    return status, json.loads(answer)


def test_openai_answers_a_forced_tool_call_as_the_api_does(openai: OpenAIServer) -> None:
    """message.tool_calls: id, type "function", function.name, arguments as a JSON string."""
    choice = {"type": "function", "function": {"name": "get_weather"}}
    status, answer = ask_openai(openai, tools=[WEATHER, CLOCK], tool_choice=choice)
    assert status == 200
    (only,) = answer["choices"]
    assert only["finish_reason"] == "tool_calls"
    assert only["message"]["content"] is None
    (call,) = only["message"]["tool_calls"]
    assert call["id"].startswith("call_") and call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris in spring", "days": 3}
    assert answer["usage"]["completion_tokens"] > 0


def test_openai_streams_a_tool_call_id_and_name_first_then_the_arguments_in_pieces(
    openai: OpenAIServer,
) -> None:
    status, events = ask_openai(openai, "Zürich", tools=[WEATHER], tool_choice="required", stream=True)
    deltas = [e["choices"][0]["delta"] for e in events if e["choices"]]
    calls = [c for d in deltas for c in d.get("tool_calls", [])]
    assert status == 200
    assert deltas[0]["role"] == "assistant"
    assert calls[0]["id"].startswith("call_") and calls[0]["function"] == {
        "name": "get_weather",
        "arguments": "",
    }
    assert all(set(c) == {"index", "function"} and c["index"] == 0 for c in calls[1:])
    assert len(calls) > 2, "the arguments come in several pieces"
    arguments = "".join(c["function"]["arguments"] for c in calls)
    assert json.loads(arguments) == {"city": "Zürich", "days": 1}
    assert "Zürich" in arguments, "non-ASCII text is sent as is, not escaped"
    assert [e["choices"][0]["finish_reason"] for e in events if e["choices"]][-1] == "tool_calls"


@pytest.mark.parametrize("model", ["mc-mistral", "mc-groq"])
def test_mistral_and_groq_stream_each_tool_call_whole(openai: OpenAIServer, model: str) -> None:
    status, events = ask_openai(openai, model=model, tools=[WEATHER], tool_choice="required", stream=True)
    (call,) = [c for e in events if e["choices"] for c in e["choices"][0]["delta"].get("tool_calls", [])]
    assert status == 200
    assert call["index"] == 0 and call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris in spring", "days": 3}
    _, answer = ask_openai(openai, model=model, tools=[WEATHER], tool_choice="required")
    content = answer["choices"][0]["message"]["content"]
    if model == "mc-mistral":
        assert len(call["id"]) == 9 and call["id"].isalnum(), "Mistral's ids are 9 letters and digits"
        assert content == "", "Mistral's documented answer has empty content beside tool_calls"
    else:
        assert content is None


@pytest.mark.parametrize(
    ("model", "choice", "status"),
    [
        ("mc-echo", "any", 400),
        ("mc-groq", "any", 400),
        ("mc-deepseek", "any", 400),
        ("mc-mistral", "any", 200),
        ("mc-fireworks", "any", 200),
        ("mc-echo", "required", 200),
        ("mc-echo", "get_weather", 400),
        ("mc-echo", {"type": "function", "function": {"name": "nowhere"}}, 400),
    ],
)
def test_each_api_takes_its_own_tool_choice_spellings(
    openai: OpenAIServer, model: str, choice: Any, status: int
) -> None:
    """OpenAI, Groq and DeepSeek take none/auto/required; Mistral and Fireworks also "any"."""
    got, answer = ask_openai(openai, model=model, tools=[WEATHER, CLOCK], tool_choice=choice)
    assert got == status, answer
    if status == 400:
        assert (
            answer["error"]["type"] == "invalid_request_error" and answer["error"]["param"] == "tool_choice"
        )
    else:
        (call,) = answer["choices"][0]["message"]["tool_calls"]
        assert call["function"]["name"] == "get_weather", "forced, none named: the first tool"


def test_without_a_forced_choice_the_tools_named_in_the_message_are_called(openai: OpenAIServer) -> None:
    text = "ask the clock, then get_weather"
    _, answer = ask_openai(openai, text, tools=[WEATHER, CLOCK])
    calls = answer["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["clock", "get_weather"]
    assert calls[0]["function"]["arguments"] == "{}"
    assert len({c["id"] for c in calls}) == 2
    _, answer = ask_openai(openai, text, tools=[WEATHER, CLOCK], parallel_tool_calls=False)
    assert [c["function"]["name"] for c in answer["choices"][0]["message"]["tool_calls"]] == ["clock"]
    for asked, body in (
        ("what now?", {"tools": [WEATHER]}),
        (text, {"tools": [CLOCK], "tool_choice": "none"}),
    ):
        _, answer = ask_openai(openai, asked, **body)
        assert answer["choices"][0]["message"]["content"] == "Echo: " + asked
    status, answer = ask_openai(openai, text, parallel_tool_calls=True)
    assert (status, answer["error"]["param"]) == (400, "parallel_tool_calls"), "only with tools"


def history(result: Any, call_id: str = "call_1", arguments: Any = "{}") -> list[dict[str, Any]]:
    call = {"id": call_id, "type": "function", "function": {"name": "clock", "arguments": arguments}}
    answer = [{"role": "tool", "tool_call_id": call_id, "content": result}] if result is not None else []
    return [
        {"role": "user", "content": "what time is it?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        *answer,
    ]


def test_a_tool_result_is_answered_with_text_and_a_broken_history_is_refused(openai: OpenAIServer) -> None:
    def ask(messages: list[dict[str, Any]], model: str = "mc-echo") -> tuple[int, Any]:
        return ask_openai(openai, messages=messages, model=model, tools=[CLOCK])

    status, answer = ask(history([{"type": "text", "text": "noon"}]))
    assert (status, answer["choices"][0]["message"]["content"]) == (200, "clock returned: noon")
    assert answer["choices"][0]["finish_reason"] == "stop"
    status, answer = ask(history(None))
    assert status == 400 and "did not have response messages: call_1" in answer["error"]["message"]
    status, answer = ask(
        [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "x", "content": "1"}]
    )
    assert status == 400 and "must be a response to a preceeding message" in answer["error"]["message"]
    status, answer = ask(history("noon", arguments={}))
    assert status == 400 and "function.arguments': expected a string" in answer["error"]["message"]
    status, answer = ask(history("noon"), model="mc-mistral")
    assert status == 400 and "must be a-z, A-Z, 0-9, with a length of 9" in answer["error"]["message"]
    assert ask(history("noon", call_id="abcDEF123"), model="mc-mistral")[0] == 200


def test_response_formats_answer_json(openai: OpenAIServer) -> None:
    schema = {"name": "weather", "schema": WEATHER["function"]["parameters"], "strict": True}
    _, answer = ask_openai(
        openai, "two words", response_format={"type": "json_schema", "json_schema": schema}
    )
    assert json.loads(answer["choices"][0]["message"]["content"]) == {"city": "two words", "days": 2}
    text = 'Reply in JSON like {"a": [1, "ü"]} please'
    _, answer = ask_openai(openai, text, response_format={"type": "json_object"})
    assert answer["choices"][0]["message"]["content"] == '{"a": [1, "ü"]}'
    status, answer = ask_openai(openai, "no word for it", response_format={"type": "json_object"})
    assert status == 400 and "must contain the word 'json'" in answer["error"]["message"]
    _, answer = ask_openai(openai, "no object", model="mc-groq", response_format={"type": "json_object"})
    assert answer["choices"][0]["message"]["content"] == "{}"
    fireworks = {"type": "json_object", "schema": WEATHER["function"]["parameters"]}
    _, answer = ask_openai(openai, "x", model="mc-fireworks", response_format=fireworks)
    assert json.loads(answer["choices"][0]["message"]["content"]) == {"city": "x", "days": 1}
    status, answer = ask_openai(
        openai, response_format={"type": "json_schema", "json_schema": {"schema": {}}}
    )
    assert status == 400 and "json_schema.name" in answer["error"]["message"]


def test_media_parts_are_accepted_and_named_in_the_answer(openai: OpenAIServer) -> None:
    png = "iVBORw0KGgo="  # 8 bytes
    content = [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERg=="}},
    ]
    status, answer = ask_openai(openai, content)  # type: ignore[arg-type]
    assert status == 200
    assert answer["choices"][0]["message"]["content"] == (
        "Echo: what is this? [image/png, 8 bytes] [image at https://example.com/a.png] "
        "[audio/wav, 4 bytes] [application/pdf, 4 bytes]"
    )
    status, answer = ask_openai(openai, [{"type": "image", "base64": png, "mime_type": "image/png"}])  # type: ignore[arg-type]
    assert status == 400 and answer["error"]["message"].startswith("Invalid value: 'image'. Supported values")
    bad_pdf = [{"type": "file", "file": {"file_data": "JVBERg=="}}]
    status, answer = ask_openai(openai, bad_pdf)  # type: ignore[arg-type]
    assert status == 400 and "Expected a base64-encoded data URL" in answer["error"]["message"]


def test_the_shared_rules() -> None:
    schema = {
        "type": "object",
        "properties": {
            "kind": {"enum": ["a", "b"]},
            "maybe": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/Inner"}]},
            "score": {"type": "number"},
            "tags": {"type": "array", "items": {"type": "boolean"}},
            "skipped": {"type": "string"},
        },
        "required": ["kind", "maybe", "score", "tags"],
        "$defs": {"Inner": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
    }
    assert fill(schema, "one two") == {"kind": "a", "maybe": {"n": 2}, "score": 2.0, "tags": [True]}
    assert called_tools(["a", "b"], "b then a", "auto") == ["b", "a"]
    assert called_tools(["a", "b"], "nothing", "required") == ["a"]
    assert called_tools(["a", "b"], "a b", "b") == ["b"]
    assert called_tools(["a", "b"], "a b", "none") == []
    assert called_tools(["ab"], "abc", "auto") == [], "a tool is named by its whole name"
    assert first_json_object('x {bad} {"k": {"v": 1}} {"z": 2}') == {"k": {"v": 1}}
