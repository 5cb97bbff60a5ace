"""The loopback stubs answer as the provider APIs do, so that a verdict on a real model means something.

Each stub is spoken to with plain HTTP (urllib), as its API's documentation describes: stop strings
left out and the earliest one winning, the API's own error for a wrong key or a missing model,
usage fields that add up, and the API's streaming format to the last line.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from support.anthropic_server import AnthropicServer
from support.loopback import LoopbackServer, called_tools, fill, first_json_object
from support.ollama_server import OllamaServer
from support.openai_server import OpenAIServer


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
    deepseek = {"type": "json_schema", "json_schema": schema}
    status, answer = ask_openai(openai, model="mc-deepseek", response_format=deepseek)
    assert (status, answer["error"]["param"]) == (400, "response_format"), "DeepSeek has JSON mode only"


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


# -------------------------------------------------------------- Anthropic and Ollama: tools, formats, media

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(59)).decode()  # a PNG's signature: 67 bytes
PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()
CLAUDE_WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}, "unit": {"enum": ["c", "f"]}},
        "required": ["city", "days", "unit"],
    },
}
CLAUDE_TIME = {"name": "get_time", "input_schema": {"type": "object", "properties": {}}}


def sse(body: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def test_anthropic_calls_the_tool_tool_choice_forces_as_tool_use_blocks(anthropic: AnthropicServer) -> None:
    asked = [{"role": "user", "content": "the weather in Paris"}]
    status, body = ask_anthropic(
        anthropic,
        messages=asked,
        tools=[CLAUDE_WEATHER, CLAUDE_TIME],
        tool_choice={"type": "tool", "name": "get_weather"},
    )
    message = json.loads(body)
    assert status == 200 and message["stop_reason"] == "tool_use"
    [call] = message["content"]
    assert (call["type"], call["name"]) == ("tool_use", "get_weather")
    assert call["input"] == {"city": "the weather in Paris", "days": 4, "unit": "c"}
    assert re.fullmatch(r"toolu_[a-zA-Z0-9_-]+", call["id"]), "the API's tool_use id pattern"
    # "any": the tools the prompt names, in its order; none named: the first; "auto": only named ones
    named = [{"role": "user", "content": "get_time, then get_weather"}]
    calls = json.loads(
        ask_anthropic(
            anthropic, messages=named, tools=[CLAUDE_WEATHER, CLAUDE_TIME], tool_choice={"type": "any"}
        )[1]
    )
    assert [c["name"] for c in calls["content"]] == ["get_time", "get_weather"]
    assert calls["content"][0]["input"] == {}, "a tool without arguments gets an empty input"
    first = json.loads(
        ask_anthropic(anthropic, tools=[CLAUDE_WEATHER, CLAUDE_TIME], tool_choice={"type": "any"})[1]
    )
    assert [c["name"] for c in first["content"]] == ["get_weather"]
    single = {"type": "auto", "disable_parallel_tool_use": True}
    one = json.loads(
        ask_anthropic(anthropic, messages=named, tools=[CLAUDE_WEATHER, CLAUDE_TIME], tool_choice=single)[1]
    )
    assert [c["name"] for c in one["content"]] == ["get_time"]
    text = json.loads(ask_anthropic(anthropic, tools=[CLAUDE_WEATHER])[1])
    assert (text["stop_reason"], text["content"][0]["type"]) == ("end_turn", "text")


def test_anthropic_streams_a_tool_use_block_and_its_input_in_json_pieces(anthropic: AnthropicServer) -> None:
    asked = [{"role": "user", "content": "get_weather in Zürich"}]
    status, body = ask_anthropic(anthropic, messages=asked, tools=[CLAUDE_WEATHER], stream=True)
    events = sse(body)
    assert status == 200
    assert [e["type"] for e in events[:3]] == ["message_start", "content_block_start", "ping"]
    start = events[1]["content_block"]
    assert (start["type"], start["name"], start["input"]) == ("tool_use", "get_weather", {})
    deltas = [e["delta"] for e in events if e["type"] == "content_block_delta"]
    assert {d["type"] for d in deltas} == {"input_json_delta"} and len(deltas) > 2
    assert json.loads("".join(d["partial_json"] for d in deltas)) == {
        "city": "get_weather in Zürich",
        "days": 3,
        "unit": "c",
    }
    assert [e["type"] for e in events[-3:]] == ["content_block_stop", "message_delta", "message_stop"]
    assert events[-2]["delta"]["stop_reason"] == "tool_use"


def test_anthropic_answers_tool_results_and_refuses_a_broken_tool_history(anthropic: AnthropicServer) -> None:
    call = {"type": "tool_use", "id": "toolu_mc1", "name": "get_weather", "input": {"city": "Oslo"}}
    result = {
        "type": "tool_result",
        "tool_use_id": "toolu_mc1",
        "content": [{"type": "text", "text": "sunny"}],
    }
    history = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": [call]},
        {"role": "user", "content": [result]},
    ]
    message = json.loads(ask_anthropic(anthropic, messages=history, tools=[CLAUDE_WEATHER])[1])
    assert message["content"] == [{"type": "text", "text": "get_weather returned: sunny"}]
    history[2] = {"role": "user", "content": [{**result, "content": "no such city", "is_error": True}]}
    message = json.loads(ask_anthropic(anthropic, messages=history)[1])
    assert message["content"][0]["text"] == "get_weather failed: no such city"
    status, body = ask_anthropic(anthropic, messages=[*history[:2], {"role": "user", "content": "and?"}])
    assert status == 400 and "`tool_use` ids were found without `tool_result` blocks" in body
    stray = [{"role": "user", "content": [{**result, "tool_use_id": "toolu_other"}]}]
    status, body = ask_anthropic(anthropic, messages=stray)
    assert status == 400 and "unexpected `tool_use_id` found in `tool_result` blocks" in body
    assert ask_anthropic(anthropic, tool_choice={"type": "any"})[0] == 400, "tool_choice needs tools"
    assert (
        ask_anthropic(anthropic, tools=[CLAUDE_WEATHER], tool_choice={"type": "tool", "name": "x"})[0] == 400
    )


def test_anthropic_answers_the_json_an_output_format_schema_fills(anthropic: AnthropicServer) -> None:
    output = {"format": {"type": "json_schema", "schema": CLAUDE_WEATHER["input_schema"]}}
    message = json.loads(ask_anthropic(anthropic, output_config=output)[1])
    assert json.loads(message["content"][0]["text"]) == {"city": "one two three", "days": 3, "unit": "c"}
    beta = json.loads(ask_anthropic(anthropic, output_format=output["format"])[1])
    assert beta["content"] == message["content"], "the older beta parameter answers alike"


def test_anthropic_takes_image_and_pdf_blocks_and_refuses_what_the_api_refuses(
    anthropic: AnthropicServer,
) -> None:
    def ask(*blocks: dict[str, Any]) -> tuple[int, str]:
        return ask_anthropic(
            anthropic, messages=[{"role": "user", "content": [{"type": "text", "text": "see"}, *blocks]}]
        )

    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}
    pdf = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF}}
    url = {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}
    status, body = ask(image, pdf, url)
    assert status == 200
    assert json.loads(body)["content"][0]["text"] == (
        "Echo: see [image/png, 67 bytes] [application/pdf, 15 bytes] [image at https://example.com/a.png]"
    )
    jpeg = {**image, "source": {**image["source"], "media_type": "image/jpeg"}}
    assert "Image does not match the provided media type image/jpeg" in ask(jpeg)[1]
    assert "invalid base64" in ask({**image, "source": {**image["source"], "data": "not base64!"}})[1]
    assert "Input tag 'audio'" in ask({"type": "audio", "data": PNG})[1]
    assert (
        "image.source: Field required" in ask({"type": "image", "base64": PNG, "mime_type": "image/png"})[1]
    )
    in_result = [
        {"role": "user", "content": "x"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_time", "input": {}}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [image]}]},
    ]
    message = json.loads(ask_anthropic(anthropic, messages=in_result)[1])
    assert message["content"][0]["text"] == "get_time returned: [image/png, 67 bytes]"


OLLAMA_TOOLS = [
    {
        "type": "function",
        "function": {
            **{k: CLAUDE_WEATHER[k] for k in ("name", "description")},
            "parameters": CLAUDE_WEATHER["input_schema"],
        },
    }
]


def ask_ollama(server: OllamaServer, content: str = "one two three", **body: Any) -> tuple[int, str]:
    request = {"model": "mc-echo", "stream": False, "messages": [{"role": "user", "content": content}]}
    return post(server.root_url + "/api/chat", {**request, **body})


def test_ollama_calls_the_tools_the_prompt_names_with_object_arguments(ollama: OllamaServer) -> None:
    status, body = ask_ollama(ollama, "get_weather in Paris", tools=OLLAMA_TOOLS)
    answer = json.loads(body)
    assert status == 200 and answer["done"] is True
    assert answer["message"]["content"] == ""
    assert answer["message"]["tool_calls"] == [
        {
            "function": {
                "name": "get_weather",
                "arguments": {"city": "get_weather in Paris", "days": 3, "unit": "c"},
            }
        }
    ], "Ollama sends the arguments as an object, and no call id"
    assert "tool_calls" not in json.loads(ask_ollama(ollama, tools=OLLAMA_TOOLS)[1])["message"], (
        "not named: text"
    )
    _, streamed = ask_ollama(ollama, "get_weather in Paris", tools=OLLAMA_TOOLS, stream=True)
    lines = [json.loads(line) for line in streamed.splitlines()]
    assert [line["done"] for line in lines] == [False, True]
    assert lines[0]["message"]["tool_calls"] == answer["message"]["tool_calls"], "a stream sends a call whole"


def test_ollama_answers_tool_messages_format_and_images(ollama: OllamaServer) -> None:
    call = {"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}
    history = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "content": "sunny"},
    ]
    answer = json.loads(
        post(ollama.root_url + "/api/chat", {"model": "mc-echo", "stream": False, "messages": history})[1]
    )
    assert answer["message"]["content"] == "get_weather returned: sunny"
    mode = json.loads(ask_ollama(ollama, 'say {"a": [1]} twice', format="json")[1])
    assert json.loads(mode["message"]["content"]) == {"a": [1]}
    schema = json.loads(ask_ollama(ollama, format=CLAUDE_WEATHER["input_schema"])[1])
    assert json.loads(schema["message"]["content"]) == {"city": "one two three", "days": 3, "unit": "c"}
    status, body = ask_ollama(ollama, format="yaml")
    assert status == 400 and "invalid format" in json.loads(body)["error"]
    seen = [{"role": "user", "content": "look", "images": [PNG]}]
    answer = json.loads(
        post(ollama.root_url + "/api/chat", {"model": "mc-echo", "stream": False, "messages": seen})[1]
    )
    assert answer["message"]["content"] == "Echo: look [image/png, 67 bytes]"
    bad = [{"role": "user", "content": "look", "images": ["not base64!"]}]
    status, _ = post(ollama.root_url + "/api/chat", {"model": "mc-echo", "stream": False, "messages": bad})


@pytest.mark.parametrize(
    ("model", "part", "answer"),
    [
        ("mc-mistral", {"type": "image_url", "image_url": "https://example.com/a.png"}, "[image at https"),
        (
            "mc-mistral",
            {"type": "document_url", "document_url": "data:application/pdf;base64,JVBERg=="},
            "4 bytes",
        ),
        ("mc-mistral", {"type": "input_audio", "input_audio": "UklGRg=="}, "[audio, 4 bytes]"),
        ("mc-mistral", {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}, 400),
        ("mc-mistral", {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERg=="}}, 400),
        ("mc-mistral", {"type": "file", "file": {"file_id": "f-1"}}, "[file at f-1]"),
        ("mc-echo", {"type": "image_url", "image_url": "https://example.com/a.png"}, 400),
        ("mc-echo", {"type": "document_url", "document_url": "https://example.com/a.pdf"}, 400),
        ("mc-deepseek", {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}, 400),
        ("mc-groq", {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}, "[image at"),
        ("mc-groq", {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}, 400),
    ],
)
def test_each_api_takes_its_own_content_parts(
    openai: OpenAIServer, model: str, part: Any, answer: Any
) -> None:
    """The part types and shapes of each API's SDK: Mistral's AudioChunk holds the base64 data itself,
    its FileChunk only a file_id; DeepSeek takes text only; Groq no audio."""
    status, got = ask_openai(openai, [{"type": "text", "text": "see"}, part], model=model)  # type: ignore[arg-type]
    if answer == 400:
        assert status == 400, got
        assert got["error"]["type"] == "invalid_request_error"
    else:
        assert status == 200, got
        assert answer in got["choices"][0]["message"]["content"]


def test_only_user_messages_hold_media(openai: OpenAIServer) -> None:
    """OpenAI's tool, system and assistant messages take text parts only."""
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    messages = history([{"type": "text", "text": "noon"}, image])
    status, got = ask_openai(openai, messages=messages, tools=[CLOCK])
    assert (status, got["error"]["param"]) == (400, "messages.[2].content[1].type")
    status, _ = ask_openai(openai, messages=[{"role": "system", "content": [image]}])
    assert status == 400
