"""tool-round-trip and tool-events judged on records built by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.synthetic import PROMPT, answered, observation, raised

from modelcheck.checks import tool_loop
from modelcheck.core.records import Call, Chunk, Failure, Observation, Output

TOOL = "get_weather"
ARGS = {"location": "Paris, France"}


def piece(args: str, index: Any = 0, name: str | None = None, id: str | None = None) -> dict[str, Any]:
    return {"name": name, "args": args, "id": id, "index": index, "type": "tool_call_chunk"}


def well_formed(args: dict[str, Any] = ARGS, id: str = "call_1") -> list[dict[str, Any]]:
    text = json.dumps(args)
    cut = [text[i : i + 8] for i in range(0, len(text), 8)]
    return [piece(p, 0, TOOL if i == 0 else None, id if i == 0 else None) for i, p in enumerate(cut)]


def v2_events(
    chunks: list[dict[str, Any]], calls: list[dict[str, Any]] | None = None, invalid: Any = ()
) -> Call:
    """tool-calls' forced astream: a chunk per tool call chunk, core's closing chunk, the chunks
    added up (as astream_events(version="v2") would send them: a stream event each, then the end)."""
    call = Call("tools_astream", extra={"tools": {TOOL: {}, "lookup": {}}, "tool_choice": "any"})
    for n, entry in enumerate([*([e] for e in chunks), []]):
        call.chunks.append(Chunk(n, Output("AIMessageChunk", "", True, tool_call_chunks=tuple(entry))))
    if calls is None:
        calls = [{"name": TOOL, "args": ARGS, "id": "call_1", "type": "tool_call"}]
    call.extra["assembled"] = Output(
        "AIMessageChunk", "", True, tool_calls=tuple(calls), invalid_tool_calls=tuple(invalid)
    )
    return call


def v3_events(
    start: dict[str, Any] | None = None, deltas: list[str] | None = None, finish: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    text = json.dumps(ARGS)
    deltas = [text[i : i + 8] for i in range(0, len(text), 8)] if deltas is None else deltas
    start = {"type": "tool_call_chunk", "id": "call_1", "name": TOOL, "args": "", "index": 0, **(start or {})}
    finish = {"type": "tool_call", "id": "call_1", "name": TOOL, "args": ARGS, **(finish or {})}
    return [
        {"event": "message-start", "role": "ai"},
        {"event": "content-block-start", "index": 0, "content": start},
        *(
            {"event": "content-block-delta", "index": 0, "delta": {"type": "tool-call-delta", "args": d}}
            for d in deltas
        ),
        {"event": "content-block-finish", "index": 0, "content": finish},
        {"event": "message-finish"},
    ]


def events_obs(
    v2: Call, v3: list[dict[str, Any]] | None = None, streams: bool = True, **v3_extra: Any
) -> Observation:
    calls = [v2]
    if v3 is not None:
        calls.append(Call("tools_events_v3", extra={"events": v3, "tool": TOOL, **v3_extra}))
    else:
        calls.append(Call("tools_events_v3", extra={"unsupported": "langchain-core 0.3.86 has no v3"}))
    obs = observation(*calls)
    obs.facts.streams = {"stream": streams, "astream": streams}
    return obs


# --- tool-events ---------------------------------------------------------------------------------


def test_well_formed_chunks_and_blocks_pass() -> None:
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(well_formed()), v3_events()))
    assert verdict.outcome == "passed"
    assert "v3 tool-call block was well formed" in verdict.message


def test_one_chunk_with_the_whole_call_and_no_index_passes() -> None:
    whole = piece(json.dumps(ARGS), None, TOOL, "call_1")
    verdict = tool_loop.judge_tool_events(events_obs(v2_events([whole])))
    assert verdict.outcome == "passed"
    assert "The v3 protocol was not checked: langchain-core 0.3.86 has no v3." in verdict.message


def test_a_model_that_does_not_stream_is_skipped() -> None:
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(well_formed()), streams=False))
    assert verdict.outcome == "skipped"
    assert "stream and astream do not run the model's own streaming code" in verdict.message


def test_an_id_that_comes_late_fails_with_the_event() -> None:
    chunks = well_formed()
    chunks[0] = {**chunks[0], "id": None}
    chunks[-1] = {**chunks[-1], "id": "call_1"}
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(chunks)))
    assert verdict.outcome == "failed"
    assert (
        "event #1: the first chunk of tool call index 0 has no id (it came on chunk 4 of 4)"
        in verdict.message
    )
    assert (
        "> #1 on_chat_model_stream tool_call_chunks=[{index=0 name='get_weather' id=None" in verdict.message
    )
    assert "`name` and `id` on the first chunk of that call only" in verdict.message


def test_a_name_that_never_comes_fails() -> None:
    chunks = [{**c, "name": None} for c in well_formed()]
    calls = [{"name": TOOL, "args": ARGS, "id": "call_1"}]  # as if core had it from elsewhere
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(chunks, calls)))
    assert verdict.outcome == "failed"
    assert "has no name (no chunk has one)" in verdict.message


def test_a_stream_that_assembles_to_a_wrong_call_is_left_to_tool_calls_with_the_cause() -> None:
    chunks = [{**c, "name": TOOL} for c in well_formed()]  # the name on every chunk: core joins them
    calls = [{"name": TOOL * 4, "args": ARGS, "id": "call_1"}]
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(chunks, calls)))
    assert verdict.outcome == "skipped"
    assert (
        f"its tool call is named {TOOL * 4!r}, none of the bound tools (get_weather, lookup)"
        in verdict.message
    )
    assert "where tool-calls judges the call" in verdict.message
    assert "chunk 2 of tool call index 0 repeats the name 'get_weather'" in verdict.message


@pytest.mark.parametrize(
    ("calls", "invalid", "said"),
    [
        ([], [{"name": None, "args": 'on": "Pa', "id": None}], "an invalid tool call"),
        ([], [], "0 tool calls, not one"),
        ([{"name": TOOL, "args": "{}", "id": "c"}], [], "args are \"'{}'\", not a dict"),
        ([{"name": TOOL, "args": ARGS, "id": ""}], [], "has no id"),
    ],
)
def test_other_wrong_assemblies_are_left_to_tool_calls(calls: Any, invalid: Any, said: str) -> None:
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(well_formed(), calls, invalid)))
    assert verdict.outcome == "skipped"
    assert said in verdict.message


def test_a_well_formed_call_of_another_bound_tool_is_judged() -> None:
    chunks = [{**c, "name": "lookup" if c["name"] else None} for c in well_formed()]
    calls = [{"name": "lookup", "args": ARGS, "id": "call_1"}]
    v3 = v3_events(start={"name": "lookup"}, finish={"name": "lookup"})
    assert tool_loop.judge_tool_events(events_obs(v2_events(chunks, calls), v3)).outcome == "passed"


def test_a_forced_stream_that_failed_is_left_to_tool_calls() -> None:
    failure = Failure("raised", "BadRequestError", "tool_choice must be an object")
    obs = events_obs(Call("tools_astream", failure=failure))
    verdict = tool_loop.judge_tool_events(obs)
    assert verdict.outcome == "skipped"
    assert "astream failed (BadRequestError: tool_choice must be an object), which tool-calls reports" in (
        verdict.message
    )


def test_v3_is_not_judged_when_a_forced_stream_of_tool_calls_failed_too() -> None:
    obs = events_obs(v2_events(well_formed()), [])
    boom = Failure("raised", "ValueError", "No generation chunks were returned", None, "langchain")
    obs.calls["tools_events_v3"] = Call("tools_events_v3", failure=boom, extra={"tool": TOOL})
    obs.calls["tools_stream"] = Call("tools_stream", failure=boom)
    verdict = tool_loop.judge_tool_events(obs)
    assert verdict.outcome == "skipped"
    assert "the forced streamed call of tool-calls (stream) failed too (ValueError: " in verdict.message


def test_an_equal_id_repeated_on_every_chunk_is_accepted_where_core_keeps_it() -> None:
    chunks = [{**c, "id": "call_1"} for c in well_formed()]
    assert tool_loop.judge_tool_events(events_obs(v2_events(chunks))).outcome == "passed"


def test_args_that_are_not_text_fail() -> None:
    chunks = [piece(ARGS, 0, TOOL, "call_1")]  # type: ignore[arg-type]
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(chunks)))
    assert verdict.outcome == "failed"
    assert "not a piece of JSON text" in verdict.message


def test_no_tool_call_chunk_at_all_fails() -> None:
    verdict = tool_loop.judge_tool_events(events_obs(v2_events([])))
    assert verdict.outcome == "failed"
    assert "no on_chat_model_stream event carried a tool call chunk" in verdict.message


def test_a_v3_call_that_raises_fails_with_its_error() -> None:
    obs = events_obs(v2_events(well_formed()), [])
    boom = Failure("raised", "ValueError", "boom", "_astream (m.py:3)")
    obs.calls["tools_events_v3"] = Call("tools_events_v3", failure=boom, extra={"tool": TOOL})
    verdict = tool_loop.judge_tool_events(obs)
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        f'astream_events(version="v3") with {TOOL} bound and forced raised in _astream (m.py:3): '
        "ValueError: boom"
    )


@pytest.mark.parametrize(
    ("v3", "said"),
    [
        (v3_events(start={"id": None}), "the tool-call block starts without its id"),
        (
            v3_events(deltas=['{"loc', '{"location": "Paris, France"}']),
            "the tool-call-delta events add up to",
        ),
        (v3_events(finish={"type": "invalid_tool_call"}), "finishes as 'invalid_tool_call'"),
        (v3_events(finish={"id": "call_2"}), "started with id 'call_1' but finishes with 'call_2'"),
        (v3_events()[:-1], "never sent message-finish"),
    ],
)
def test_v3_faults_fail_when_the_model_makes_the_events(v3: list[dict[str, Any]], said: str) -> None:
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(well_formed()), v3, native_events=True))
    assert verdict.outcome == "failed"
    assert said in verdict.message
    assert "Your `_astream_chat_model_events` makes these events" in verdict.message


def test_a_tool_block_never_finished_fails() -> None:
    v3 = [e for e in v3_events() if e["event"] != "content-block-finish"]
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(well_formed()), v3, native_events=True))
    assert verdict.outcome == "failed"
    assert "the tool-call block is never finished" in verdict.message


def test_a_v3_fault_that_shows_without_tools_too_is_left_to_event_stream() -> None:
    text = [
        {"event": "content-block-start", "index": 1, "content": {"type": "text", "text": ""}},
        {"event": "content-block-delta", "index": 1, "delta": {"type": "text-delta", "text": "ab"}},
        {"event": "content-block-finish", "index": 1, "content": {"type": "text", "text": "b"}},
    ]
    v3 = v3_events()
    v3[-1:-1] = text
    obs = events_obs(v2_events(well_formed()), v3, native_events=True)
    assert tool_loop.judge_tool_events(obs).outcome == "failed"
    plain = [{"event": "message-start"}, *(dict(e, index=0) for e in text), {"event": "message-finish"}]
    obs.calls["events_v3"] = Call("events_v3", extra={"events": plain})
    verdict = tool_loop.judge_tool_events(obs)
    assert verdict.outcome == "passed"
    assert "shows without tools too, and event-stream reports it" in verdict.message


def test_v3_faults_of_cores_bridge_are_not_blamed_on_the_model() -> None:
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(well_formed()), v3_events(start={"id": None})))
    assert verdict.outcome == "passed"
    assert "langchain-core's bridge built a v3 stream with a fault (event #1)" in verdict.message
    assert "not the model's" in verdict.message


def test_v3_that_core_cannot_make_on_the_binding_is_a_note() -> None:
    obs = events_obs(v2_events(well_formed()), [])
    failure = Failure("raised", "NotImplementedError", "Only versions v1 and v2", None, "langchain")
    obs.calls["tools_events_v3"] = Call("tools_events_v3", failure=failure, extra={"tool": TOOL})
    verdict = tool_loop.judge_tool_events(obs)
    assert verdict.outcome == "passed"
    assert "The v3 protocol was not checked: langchain-core raised NotImplementedError" in verdict.message


def not_streamed() -> Call:
    """tool-calls' astream when core did not stream (disable_streaming="tool_calling"): one AIMessage."""
    call = v2_events(well_formed())
    call.chunks = [Chunk(0, Output("AIMessage", "", False, tool_calls=call.extra["assembled"].tool_calls))]
    return call


def test_a_call_core_did_not_stream_is_judged_on_v3_alone() -> None:
    verdict = tool_loop.judge_tool_events(events_obs(not_streamed(), v3_events()))
    assert verdict.outcome == "passed"
    assert verdict.message.startswith("langchain-core did not stream the tool calls")
    assert "only the v3 protocol was checked. The v3 tool-call block was well formed." in verdict.message


def test_a_call_core_did_not_stream_without_v3_is_skipped() -> None:
    verdict = tool_loop.judge_tool_events(events_obs(not_streamed()))
    assert verdict.outcome == "skipped"
    assert "the v3 protocol was not checked either: langchain-core 0.3.86 has no v3." in verdict.message


def test_v3_faults_from_chunks_not_judged_in_v2_are_the_models() -> None:
    verdict = tool_loop.judge_tool_events(events_obs(not_streamed(), v3_events(start={"id": None})))
    assert verdict.outcome == "failed"
    assert "the tool-call block starts without its id" in verdict.message
    assert "builds these events from the chunks your `_astream` yields" in verdict.message


# --- tool-round-trip -----------------------------------------------------------------------------

TRIP = {"tool": "magic_function", "forms": ["error", "list", "string"], "rounds": 3, "reused": False}


def trip(out: Output | None = None, failure: Failure | None = None, **extra: Any) -> Call:
    outputs = [out or Output("AIMessage", "magic_function returned: 42", True)] if failure is None else []
    return Call("tools_round_trip", outputs=outputs, failure=failure, extra={**TRIP, **extra})


def trip_obs(*calls: Call) -> Observation:
    """An observation of the round trip's calls, beside a model that answers plain invokes."""
    return observation(answered("invoke", PROMPT), answered("invoke_messages", PROMPT), *calls)


BOOM = Failure("raised", "ValueError", "Unsupported message type: ToolMessage", "_convert (m.py:3)")


def test_a_text_answer_to_the_tool_results_passes() -> None:
    verdict = tool_loop.judge_round_trip(trip_obs(trip()))
    assert verdict.outcome == "passed"
    assert verdict.message.startswith(
        'checked 3 tool rounds (status="error", list content (a text block), string content); the last '
        "tool result was answered in text ('magic_function returned: 42')"
    )


@pytest.mark.parametrize(
    ("out", "said"),
    [
        (
            Output(
                "AIMessage",
                "",
                True,
                tool_calls=({"name": "magic_function", "args": {"input": 3}, "id": "c"},),
            ),
            "the last tool result with another tool call ('magic_function' with args '{\"input\": 3}')",
        ),
        (
            Output(
                "AIMessage",
                "",
                True,
                invalid_tool_calls=({"name": "magic_function", "args": "{", "id": "c"},),
            ),
            "another tool call ('magic_function' with args '{')",
        ),
        (Output("AIMessage", " ", True), "an empty AIMessage (no text, no tool call)"),
        (Output("str", "x", False), "invoke returned str, not an AIMessage"),
    ],
)
def test_an_answer_that_does_not_end_the_loop_fails(out: Output, said: str) -> None:
    verdict = tool_loop.judge_round_trip(trip_obs(trip(out)))
    assert verdict.outcome == "failed"
    assert said in verdict.message
    assert "3 rounds, calls of magic_function" in verdict.message


def test_a_conversation_every_form_of_which_raises_says_so_once() -> None:
    parts = [Call(p, failure=BOOM) for p in tool_loop.FORMS]
    verdict = tool_loop.judge_round_trip(trip_obs(trip(failure=BOOM), *parts))
    assert verdict.outcome == "failed"
    assert (
        "invoke raised in _convert (m.py:3) ValueError: Unsupported message type: ToolMessage."
        in verdict.message
    )
    assert "each form of tool result (one round) raised the same" in verdict.message
    assert "each ToolMessage into the API's tool-result format" in verdict.message


def test_the_form_that_raises_is_named() -> None:
    other = Failure("raised", "TypeError", "content must be a str")
    parts = [
        Call("tools_round_trip_error"),
        Call("tools_round_trip_list", failure=other),
        Call("tools_round_trip_string"),
    ]
    verdict = tool_loop.judge_round_trip(trip_obs(trip(failure=other), *parts))
    assert verdict.outcome == "failed"
    assert (
        "Sent alone, given a ToolMessage with list content (a text block), invoke raised TypeError"
        in verdict.message
    )
    assert 'given a ToolMessage with status="error"' not in verdict.message


def test_a_conversation_that_raises_though_each_round_alone_is_answered_fails() -> None:
    parts = [Call(p) for p in tool_loop.FORMS]
    verdict = tool_loop.judge_round_trip(trip_obs(trip(failure=BOOM), *parts))
    assert verdict.outcome == "failed"
    assert "cannot take a conversation with several tool rounds" in verdict.message


def test_a_conversation_that_had_to_repeat_an_id_is_not_blamed() -> None:
    parts = [Call(p) for p in tool_loop.FORMS]
    verdict = tool_loop.judge_round_trip(trip_obs(trip(failure=BOOM, reused=True), *parts))
    assert verdict.outcome == "skipped"
    assert "use one tool call id more than once" in verdict.message


def test_no_own_tool_call_to_send_back_is_a_skip() -> None:
    call = Call(
        "tools_round_trip", extra={"unsupported": "none of the forced tool calls gave ... (see tool-calls)."}
    )
    verdict = tool_loop.judge_round_trip(trip_obs(call))
    assert verdict.outcome == "skipped"
    assert "see tool-calls" in verdict.message


def test_a_round_trip_that_raises_where_invoke_fails_without_tools_too_is_left_to_invoke() -> None:
    obs = observation(answered("invoke", PROMPT), raised("invoke_messages"), trip(failure=BOOM))
    verdict = tool_loop.judge_round_trip(obs)
    assert verdict.outcome == "skipped"
    assert verdict.message.startswith("invoke fails without tools too")


def test_an_empty_answer_is_accepted_from_a_model_that_answers_every_prompt_empty() -> None:
    empty = Output("AIMessage", "", True)
    obs = observation(answered("invoke", ""), answered("invoke_messages", ""), trip(empty))
    verdict = tool_loop.judge_round_trip(obs)
    assert verdict.outcome == "passed"
    assert "the last tool result was answered with no text, as it answers every prompt" in verdict.message


def test_a_forced_stream_that_failed_beside_one_judged_makes_a_partial_pass() -> None:
    obs = events_obs(v2_events(well_formed()), v3_events())
    failure = Failure("raised", "BadRequestError", "tool_choice must be an object")
    obs.calls["tools_stream"] = Call("tools_stream", failure=failure)
    verdict = tool_loop.judge_tool_events(obs)
    assert verdict.outcome == "passed", verdict
    assert verdict.unjudged == (
        "stream failed (BadRequestError: tool_choice must be an object), which tool-calls reports",
    )
    assert "Not judged: stream failed" in verdict.message


def test_every_forced_stream_judged_is_no_partial_pass() -> None:
    verdict = tool_loop.judge_tool_events(events_obs(v2_events(well_formed()), v3_events()))
    assert verdict.outcome == "passed" and not verdict.partial, verdict
