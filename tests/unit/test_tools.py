"""bind-tools and tool-calls on records built by hand, and the schema matching they use."""

from __future__ import annotations

from typing import Any

import pytest
from support.synthetic import agreeing, answered, observation

from modelcheck.checks import tools
from modelcheck.checks.catalog import by_id, judge
from modelcheck.checks.schema_match import mismatches
from modelcheck.core.records import Call, CapabilityState, Chunk, Failure, Observation, Output

MAGIC = {"type": "object", "properties": {"input": {"type": "integer"}}, "required": ["input"]}
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
CUSTOMER = {
    "type": "object",
    "properties": {"customer_name": {"type": "string"}, "employees": {"type": "integer"}},
    "required": ["customer_name", "employees"],
}
LOOKUP = {"type": "object", "properties": {"order_number": {"type": "string"}}, "required": ["order_number"]}
NO_ARGS: dict[str, Any] = {"type": "object", "properties": {}}
BOUND = {
    "tools_invoke": {"get_weather": WEATHER, "magic_function": MAGIC},
    "tools_stream": {"get_weather": WEATHER, "magic_function": MAGIC},
    "tools_ainvoke": {"create_customer": CUSTOMER, "lookup_order": LOOKUP},
    "tools_astream": {"create_customer": CUSTOMER, "lookup_order": LOOKUP},
    "tools_no_args": {"magic_function_no_args": NO_ARGS},
    "tools_parallel": {"get_weather": WEATHER, "magic_function": MAGIC},
}
CHOICE = {"tools_invoke": "magic_function", "tools_stream": "magic_function"}
FORMS = ["a BaseTool (`@tool`)", "a plain function", "a pydantic class", "a JSON-schema dict"]


def tc(name: str, args: Any, id_: Any = "call_1", type_: Any = "tool_call") -> dict[str, Any]:
    return {"name": name, "args": args, "id": id_, "type": type_}


def tool_call(probe: str, calls: list[dict[str, Any]], text: str = "", **extra: Any) -> Call:
    """A tools_* call that gave `calls` (returned, or streamed and added up)."""
    message = Output(
        "AIMessageChunk" if probe in tools.STREAMED else "AIMessage", text, True, tool_calls=tuple(calls)
    )
    info = {"tools": BOUND[probe], "tool_choice": CHOICE.get(probe, "any"), **extra}
    if probe in tools.STREAMED:
        return Call(probe, chunks=[Chunk(1, message)], extra={**info, "assembled": message})
    return Call(probe, outputs=[message], extra=info)


def bound(*errors: tuple[str, str]) -> Call:
    failing = dict(errors)
    trials = [
        {"form": form, "error": failing.get(form), "runnable": form not in failing, "type": "RunnableBinding"}
        for form in [*FORMS, "tool_choice='any'", "tool_choice='magic_function' (a tool's name)"]
    ]
    return Call("tools_bind", extra={"bound": trials, "no_call": True})


GOOD = {
    "tools_invoke": [tc("magic_function", {"input": 3})],
    "tools_stream": [tc("magic_function", {"input": 3}, "call_2")],
    "tools_ainvoke": [tc("create_customer", {"customer_name": "你好啊集团", "employees": 12})],
    "tools_astream": [tc("create_customer", {"customer_name": "你好啊集团", "employees": 12}, "call_9")],
    "tools_no_args": [tc("magic_function_no_args", {})],
    "tools_parallel": [tc("get_weather", {"city": "Paris"}, "a"), tc("magic_function", {"input": 3}, "b")],
}


def capability(name: str, on: bool = True) -> CapabilityState:
    return CapabilityState(name, None, on, "overrides bind_tools" if on else "not detected", on, "")


def obs_with(
    changes: dict[str, Call] | None = None,
    *,
    choice: bool = True,
    parallel: bool = True,
    deterministic: bool = True,
    bind: Call | None = None,
) -> Observation:
    calls = {probe: tool_call(probe, made) for probe, made in GOOD.items()}
    calls.update(changes or {})
    consensus_calls = (
        [*agreeing("the answer"), answered("invoke_messages", "the answer")] if deterministic else []
    )
    obs = observation(bind or bound(), *calls.values(), *consensus_calls)
    obs.capabilities = {
        "tool_calling": capability("tool_calling"),
        "tool_choice": capability("tool_choice", choice),
        "parallel_tool_calls": capability("parallel_tool_calls", parallel),
    }
    return obs


# --- bind-tools ------------------------------------------------------------------------------------


def test_bind_tools_passes_with_every_form_and_tool_choice_honoured() -> None:
    verdict = tools.judge_bind_tools(obs_with())
    assert verdict.outcome == "passed"
    assert verdict.message.startswith(
        "bound a BaseTool (`@tool`), a plain function, a pydantic class, a JSON"
    )
    assert "tool_choice='magic_function' won over a prompt asking for get_weather" in verdict.message


def test_bind_tools_fails_on_a_form_that_raises_and_names_it() -> None:
    obs = obs_with(bind=bound(("a pydantic class", "TypeError: unsupported tool")))
    verdict = tools.judge_bind_tools(obs)
    assert verdict.outcome == "failed"
    assert verdict.message.startswith("bind_tools with a pydantic class raised TypeError: unsupported tool. ")
    assert "convert_to_openai_tool" in verdict.message


def test_bind_tools_fails_when_tool_choice_any_is_refused() -> None:
    obs = obs_with(bind=bound(("tool_choice='any'", "ValueError: unknown tool_choice any")))
    verdict = tools.judge_bind_tools(obs)
    assert verdict.outcome == "failed"
    assert (
        "bind_tools with tool_choice='any' raised ValueError: unknown tool_choice any. Accept"
        in verdict.message
    )


def test_bind_tools_fails_when_tool_choice_is_ignored_and_tool_calls_does_not() -> None:
    obs = obs_with(
        {
            "tools_invoke": tool_call("tools_invoke", [tc("get_weather", {"city": "Paris"})]),
            "tools_stream": tool_call("tools_stream", [tc("get_weather", {"city": "Paris"})]),
            "tools_no_args": tool_call("tools_no_args", [], text="Hello!"),
            "tools_ainvoke": tool_call("tools_ainvoke", [], text="ok"),
        }
    )
    verdict = tools.judge_bind_tools(obs)
    assert verdict.outcome == "failed"
    assert verdict.message == (
        "with tool_choice='magic_function' and a prompt asking for get_weather, invoke called get_weather: "
        "the tool `tool_choice` names must be the one called; with tool_choice='any' and a prompt that "
        "names no tool ('Hello!'), stream called no tool (magic_function_no_args bound; it answered "
        "'Hello!'). " + tools.CHOICE_FIX
    )
    calls = tools.judge_tool_calls(obs)
    assert calls.outcome == "passed", calls.message
    assert "ainvoke called no tool, and tool_choice is ignored (see bind-tools)" in calls.message


def test_bind_tools_without_tool_choice_checks_the_forms_only() -> None:
    obs = obs_with(choice=False)
    verdict = tools.judge_bind_tools(obs)
    assert verdict.outcome == "passed"
    assert "tool_choice not checked: the model does not show the tool_choice capability" in verdict.message


def test_bind_tools_is_skipped_without_tool_calling() -> None:
    obs = obs_with()
    obs.capabilities["tool_calling"] = capability("tool_calling", False)
    verdict = judge(by_id("bind-tools"), obs)
    assert verdict.outcome == "skipped"
    assert "does not show the tool_calling capability" in verdict.message


# --- tool-calls ------------------------------------------------------------------------------------


def test_tool_calls_passes_on_good_calls() -> None:
    verdict = tools.judge_tool_calls(obs_with())
    assert verdict == tools.passed(
        "checked invoke, stream, ainvoke, astream, stream of a tool without arguments; two tools in one "
        "turn gave two calls with distinct ids; the streamed tool calls add up to the returned ones"
    )


def test_args_as_a_json_string_fails() -> None:
    obs = obs_with({"tools_invoke": tool_call("tools_invoke", [tc("magic_function", '{"input": 3}')])})
    verdict = tools.judge_tool_calls(obs)
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        "invoke's call of 'magic_function': args is a str ('{\"input\": 3}'), not a dict: parse the API's "
        "JSON arguments (json.loads)"
    )


def test_a_missing_id_is_told_once_for_every_path() -> None:
    changes = {p: tool_call(p, [{**c, "id": None} for c in made]) for p, made in GOOD.items()}
    verdict = tools.judge_tool_calls(obs_with(changes))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        "invoke, stream, ainvoke, astream, stream of a tool without arguments, ainvoke asking for "
        "get_weather and magic_function in one turn: the tool call has id None: every tool call needs"
    )
    assert verdict.message.count("every tool call needs") == 1


def test_a_missing_type_fails() -> None:
    obs = obs_with(
        {"tools_ainvoke": tool_call("tools_ainvoke", [{**GOOD["tools_ainvoke"][0], "type": None}])}
    )
    verdict = tools.judge_tool_calls(obs)
    assert "ainvoke: the tool call has type None, not 'tool_call'" in verdict.message


def test_args_that_do_not_match_the_schema_fail() -> None:
    obs = obs_with({"tools_invoke": tool_call("tools_invoke", [tc("magic_function", {"input": "three"})])})
    verdict = tools.judge_tool_calls(obs)
    assert verdict.outcome == "failed"
    assert (
        "invoke's call of 'magic_function': args {'input': 'three'} do not match the tool's schema: "
        "args['input']: 'three' is a string, not integer" in verdict.message
    )


def test_a_call_of_an_unbound_tool_fails() -> None:
    obs = obs_with({"tools_stream": tool_call("tools_stream", [tc("magic", {"input": 3})])})
    verdict = tools.judge_tool_calls(obs)
    assert (
        "stream: called 'magic', which is not a bound tool (get_weather, magic_function)" in verdict.message
    )


def test_no_tool_call_fails_and_shows_the_text_and_invalid_calls() -> None:
    message = Output(
        "AIMessageChunk",
        "",
        True,
        invalid_tool_calls=({"name": "magic_function", "args": '{"input": 3', "error": None},),
    )
    call = Call(
        "tools_stream",
        chunks=[Chunk(1, message)],
        extra={"tools": BOUND["tools_stream"], "assembled": message},
    )
    verdict = tools.judge_tool_calls(obs_with({"tools_stream": call}))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        "stream gave no tool call where one tool call was asked for by the prompt; invalid_tool_calls holds "
        "'magic_function' with args '{\"input\": 3' (not valid JSON): the arguments must be one JSON object"
    )


def test_two_calls_where_one_was_forced_fails() -> None:
    calls = [tc("magic_function", {"input": 3}, "a"), tc("get_weather", {"city": "x"}, "b")]
    verdict = tools.judge_tool_calls(obs_with({"tools_invoke": tool_call("tools_invoke", calls)}))
    assert verdict.message.startswith(
        "invoke gave 2 tool calls (magic_function, get_weather) where one tool call was forced by tool_choice"
    )


def test_streamed_args_that_differ_from_invoke_fail_for_a_deterministic_model() -> None:
    changes = {"tools_stream": tool_call("tools_stream", [tc("magic_function", {"input": 4})])}
    verdict = tools.judge_tool_calls(obs_with(changes))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        "stream's chunks add up to magic_function with input=4, but invoke gave input=3: the streamed "
        "`tool_call_chunks`"
    )


def test_streamed_calls_of_a_sampling_model_are_judged_for_validity_only() -> None:
    changes = {"tools_stream": tool_call("tools_stream", [tc("magic_function", {"input": 4})])}
    verdict = tools.judge_tool_calls(obs_with(changes, deterministic=False))
    assert verdict.outcome == "passed"
    assert "compared for validity only (the model is not deterministic)" in verdict.message


def test_a_stream_whose_chunks_cannot_be_added_up_fails() -> None:
    call = Call(
        "tools_stream",
        chunks=[Chunk(1, Output("AIMessageChunk", "", True))],
        extra={"assemble_error": "TypeError: x"},
    )
    verdict = tools.judge_tool_calls(obs_with({"tools_stream": call}))
    assert verdict.message.startswith(
        "adding up stream's chunks (`full = full + chunk`, as users do) raised TypeError: x"
    )


def test_a_tool_without_arguments_must_get_an_empty_dict() -> None:
    changes = {"tools_no_args": tool_call("tools_no_args", [tc("magic_function_no_args", {"x": 1})])}
    verdict = tools.judge_tool_calls(obs_with(changes))
    assert verdict.outcome == "failed"
    assert "a tool without arguments, has args {'x': 1}, not {}" in verdict.message


@pytest.mark.parametrize(
    ("name", "why"),
    [("\\u4f60\\u597d", " with \\u escapes"), ("你好".encode().decode("latin-1"), ", UTF-8 read as Latin-1")],
)
def test_non_ascii_arguments_must_arrive_unescaped(name: str, why: str) -> None:
    made = [tc("create_customer", {"customer_name": name, "employees": 12})]
    verdict = tools.judge_tool_calls(obs_with({"tools_ainvoke": tool_call("tools_ainvoke", made)}))
    assert verdict.outcome == "failed"
    assert f"ainvoke's call of 'create_customer' has {name!r}{why}" in verdict.message


def test_parallel_calls_need_two_calls_with_distinct_ids() -> None:
    same = [tc("get_weather", {"city": "Paris"}, "a"), tc("magic_function", {"input": 3}, "a")]
    verdict = tools.judge_tool_calls(obs_with({"tools_parallel": tool_call("tools_parallel", same)}))
    assert "gave two tool calls with the same id 'a'" in verdict.message
    one = [tc("get_weather", {"city": "Paris"})]
    verdict = tools.judge_tool_calls(obs_with({"tools_parallel": tool_call("tools_parallel", one)}))
    assert verdict.message.startswith(
        "ainvoke asking for get_weather and magic_function in one turn gave 1 tool calls (get_weather) where "
        "2 tool calls in one turn was forced by tool_choice. The model takes `parallel_tool_calls`"
    )


def test_parallel_calls_are_not_checked_without_the_capability() -> None:
    obs = obs_with(parallel=False)
    del obs.calls["tools_parallel"]
    verdict = tools.judge_tool_calls(obs)
    assert verdict.outcome == "passed"
    assert (
        "parallel tool calls not checked: the model does not show the parallel_tool_calls" in verdict.message
    )


def test_a_call_that_raised_fails_with_the_cause_and_one_whose_bind_raised_is_left_to_bind_tools() -> None:
    raised = Call("tools_ainvoke", failure=Failure("raised", "ValueError", "boom", "_agenerate (m.py:3)"))
    unbound = Call("tools_astream", extra={"bind_error": "TypeError: no", "no_call": True})
    verdict = tools.judge_tool_calls(obs_with({"tools_ainvoke": raised, "tools_astream": unbound}))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        "with a tool bound, ainvoke raised in _agenerate (m.py:3): ValueError: boom"
    )
    assert "astream" not in verdict.message


def test_nothing_judged_is_a_skip() -> None:
    changes = {p: Call(p, extra={"bind_error": "TypeError: no"}) for p in GOOD}
    verdict = tools.judge_tool_calls(obs_with(changes, parallel=False))
    assert verdict.outcome == "skipped"
    assert verdict.message.startswith("no tool call could be judged: invoke not judged: bind_tools raised")


# --- schema matching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "schema", "expected"),
    [
        ({"a": 1}, {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}, []),
        ({"a": 1.0}, {"type": "object", "properties": {"a": {"type": "integer"}}}, []),
        (
            {"a": True},
            {"type": "object", "properties": {"a": {"type": "integer"}}},
            ["args['a']: True is a boolean, not integer"],
        ),
        ({}, {"type": "object", "required": ["a"]}, ["args: the required 'a' is missing"]),
        ({"a": "x", "b": 1}, {"type": "object", "properties": {"a": {"type": "string"}}}, []),
        (
            {"b": 1},
            {"type": "object", "properties": {}, "additionalProperties": False},
            ["args: 'b' is not a property the schema allows"],
        ),
        (
            {"a": "c"},
            {"properties": {"a": {"enum": ["x", "y"]}}},
            ["args['a']: 'c' is not one of ['x', 'y']"],
        ),
        ({"a": None}, {"properties": {"a": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}, []),
        (
            {"a": [1, "x"]},
            {"properties": {"a": {"type": "array", "items": {"type": "integer"}}}},
            ["args['a'][1]: 'x' is a string, not integer"],
        ),
        (
            {"p": {"name": 3}},
            {
                "properties": {"p": {"$ref": "#/$defs/P"}},
                "$defs": {"P": {"properties": {"name": {"type": "string"}}}},
            },
            ["args['p']['name']: 3 is a integer, not string"],
        ),
    ],
)
def test_mismatches(value: Any, schema: dict[str, Any], expected: list[str]) -> None:
    assert mismatches(value, schema) == expected


def test_calls_left_in_additional_kwargs_are_named() -> None:
    call = tool_call("tools_invoke", [], raw_tool_calls=["tool_calls"])
    verdict = tools.judge_tool_calls(obs_with({"tools_invoke": call}))
    assert verdict.message.startswith(
        "invoke gave no tool call where one tool call was forced by tool_choice; its additional_kwargs "
        "holds 'tool_calls', the API's raw form. Put each call the API returns in the AIMessage's "
        "`tool_calls` (in a stream, in the chunks' `tool_call_chunks`), parsed: name, args as a dict, id"
    )


def test_a_model_that_never_calls_a_tool_fails_tool_calls_not_bind_tools() -> None:
    obs = obs_with({p: tool_call(p, [], text="an answer") for p in GOOD})
    bind = tools.judge_bind_tools(obs)
    assert bind.outcome == "passed", bind.message
    assert "the named tool_choice was not judged (invoke called no tool; see tool-calls)" in bind.message
    assert "tool_choice='any' was not judged (no call gave a tool call; see tool-calls)" in bind.message
    assert bind.unjudged == (
        "the named tool_choice was not judged (invoke called no tool; see tool-calls)",
        "tool_choice='any' was not judged (no call gave a tool call; see tool-calls)",
    )
    calls = tools.judge_tool_calls(obs)
    assert calls.outcome == "failed"
    assert calls.message.startswith(
        "invoke gave no tool call where one tool call was forced by tool_choice (it answered 'an answer')"
    )


# --- the reference's schema-fill rule gives values that match the schema ---------------------------


def _schemas() -> list[dict[str, Any]]:
    from enum import Enum
    from typing import Literal, Optional

    from langchain_core.utils.function_calling import convert_to_openai_tool
    from pydantic import BaseModel

    class Color(str, Enum):
        RED = "red"
        BLUE = "blue"

    class Address(BaseModel):
        """An address."""

        street: str
        number: int

    class Everything(BaseModel):
        """Every kind of field."""

        name: str
        age: int
        score: float
        ok: bool
        color: Color
        unit: Literal["c", "f"]
        tags: list[str]
        home: Address
        homes: list[Address]
        nickname: Optional[str]  # noqa: UP045 (the anyOf-with-null form pydantic writes)
        note: str = "optional"

    def get_weather(city: str, days: int = 1) -> str:
        """Get the weather."""
        return city

    return [convert_to_openai_tool(t)["function"]["parameters"] for t in (Everything, get_weather)]


@pytest.mark.parametrize("schema", _schemas(), ids=["pydantic", "function"])
def test_the_fill_rule_matches_the_schema(schema: dict[str, Any]) -> None:
    from reference_models._fill import fill

    value = fill(schema, "héllo 你好 world")
    assert mismatches(value, schema) == []
    assert set(value) == set(schema.get("required", []))


def test_bind_tools_without_tool_choice_is_a_partial_pass() -> None:
    obs = obs_with(choice=False)
    verdict = tools.judge_bind_tools(obs)
    assert verdict.partial
    (left,) = verdict.unjudged
    assert left.startswith("tool_choice: the model does not show the tool_choice capability (not detected)")
    assert not tools.judge_bind_tools(obs_with()).partial


def test_tool_calls_with_a_path_left_to_bind_tools_is_a_partial_pass() -> None:
    unbound = Call("tools_astream", extra={"bind_error": "TypeError: no", "no_call": True})
    verdict = tools.judge_tool_calls(obs_with({"tools_astream": unbound}))
    assert verdict.outcome == "passed", verdict
    assert verdict.unjudged == ("astream not judged: bind_tools raised (see bind-tools)",)
    assert "; astream not judged: bind_tools raised (see bind-tools)" in verdict.message
