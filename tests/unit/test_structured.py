"""structured-output's judge on records built by hand, and the shape rules it applies."""

from __future__ import annotations

from typing import Any

import pytest
from support.synthetic import observation, raised

from modelcheck.checks.catalog import DEFERS, by_id
from modelcheck.checks.catalog import judge as gated_judge
from modelcheck.checks.shape import shape_problems
from modelcheck.core.records import Call, CapabilityState, Failure, Output
from modelcheck.core.structured_plan import PLAN, slot_probes
from modelcheck.pytest.judging import gated_of, needs_of

SCHEMA: dict[str, Any] = {
    "title": "pet_record",
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "legs": {"type": "integer"},
        "vaccinated": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "nickname": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    },
    "required": ["name", "legs", "vaccinated", "tags"],
}
PET = {"name": "Rex", "legs": 4, "vaccinated": True, "tags": ["dog"]}
FORMAT = {"options": True, "given": True, "format": {"kwargs": {"method": "x"}, "schema": SCHEMA}}


def value(data: Any, *, pet: bool = False) -> dict[str, Any]:
    return {
        "type": "Pet" if pet else type(data).__name__,
        "pet": pet,
        "is_dict": isinstance(data, dict),
        "data": data,
    }


def raw_dict(parsed: dict[str, Any] | None, error: str | None = None, **drop: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "dict",
        "pet": False,
        "is_dict": True,
        "keys": [k for k in ("parsed", "parsing_error", "raw") if not drop.get(k)],
        "raw": Output("AIMessage", '{"name": "Rex"}', True),
        "parsed": parsed if parsed is not None else value(None),
        "parsing_error": error,
    }
    return record


def call(probe: str, values: list[dict[str, Any]], starts: list[dict[str, Any]] | None = None) -> Call:
    slot, path, kind = PLAN[probe]
    method = {"fc": "function_calling", "js": "json_schema", "jm": "json_mode"}[slot]
    plan = {
        "slot": slot,
        "method": method,
        "path": path,
        "kind": kind,
        "include_raw": path == "invoke",
        "schema": SCHEMA,
        "wso_owner": "model",
        "starts": [FORMAT] if starts is None else starts,
        "values": values,
    }
    return Call(probe, extra={"structured": plan})


def good(probe: str) -> Call:
    _, path, kind = PLAN[probe]
    # a partial value first, as core's JSON parsers stream it
    values = [value(PET, pet=True)] if kind == "pydantic" else [value({"name": "R"}), value(PET)]
    return call(probe, [raw_dict(values[-1])] if path == "invoke" else values)


def judged(
    *calls: Call,
    capabilities: dict[str, bool] | None = None,
    core: bool = True,
    facts_streams: dict[str, bool] | None = None,
) -> Any:
    caps = {"structured_output": True, "json_schema": True, "json_mode": True, **(capabilities or {})}
    obs = observation(*calls, features={"ls_structured_output_format": core})
    obs.facts.streams = facts_streams or {}
    obs.capabilities = {n: CapabilityState(n, None, v, "test", v) for n, v in caps.items()}
    return gated_judge(by_id("structured-output"), obs)


def test_a_model_that_answers_every_call_in_shape_passes() -> None:
    verdict = judged(*(good(p) for p in PLAN))
    assert verdict.outcome == "passed", verdict.message
    assert verdict.message.startswith(
        "checked 6 calls: function_calling with pydantic Pet on invoke(include_raw=True)"
    )


def test_a_method_the_model_lacks_is_named_not_checked() -> None:
    verdict = judged(*(good(p) for p in PLAN if p.startswith("so_fc")), capabilities={"json_mode": False})
    assert verdict.outcome == "passed"
    assert "checked 2 calls" in verdict.message
    assert "Not checked: json_mode: the model does not show the json_mode capability" in verdict.message
    assert verdict.partial
    (left,) = verdict.unjudged
    assert left.startswith("json_mode: the model does not show the json_mode capability (test)")


def test_the_parts_not_checked_are_clauses_of_one_sentence() -> None:
    gated_off = {"json_mode": False, "json_schema": False}
    verdict = judged(*(good(p) for p in PLAN if p.startswith("so_fc")), capabilities=gated_off)
    assert verdict.outcome == "passed"
    assert "Not checked: json_schema: " in verdict.message and "; json_mode: " in verdict.message
    assert ".;" not in verdict.message and verdict.message.endswith(".")
    assert not verdict.message.endswith("..")


def test_without_structured_output_the_check_skips() -> None:
    verdict = judged(capabilities={"structured_output": False})
    assert verdict.outcome == "skipped"
    assert "structured_output" in verdict.message


def test_a_missing_required_key_names_method_kind_path_and_key() -> None:
    broken = {k: v for k, v in PET.items() if k != "tags"}
    verdict = judged(call("so_js_stream", [value({"name": "R"}), value(broken)]))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        "json_schema with JSON schema pet_record on stream: the last value lacks the required key 'tags'. "
        "Give the provider the whole schema"
    )


def test_wrong_json_types_and_unknown_keys_are_named() -> None:
    data = {**PET, "legs": "4", "tags": ["dog", 3], "color": "brown"}
    verdict = judged(call("so_js_stream", [value(data)]))
    assert verdict.outcome == "failed"
    for part in (
        "the value has the key 'color', which the schema does not define",
        "'legs' is a string ('4'), not an integer",
        "'tags[1]' is an integer (3), not a string",
    ):
        assert part in verdict.message


def test_an_optional_key_may_be_absent_or_null() -> None:
    verdict = judged(call("so_js_stream", [value({**PET, "nickname": None})]))
    assert verdict.outcome == "passed", verdict.message


@pytest.mark.parametrize(
    ("probe", "given", "said"),
    [
        ("so_fc_stream", value('{"name": "Rex"}'), 'gave a str \'{"name": "Rex"}\', not a dict'),
        ("so_jm_stream", value(PET), "gave a dict *, not a Pet instance"),
    ],
)
def test_a_value_of_the_wrong_type_is_named(probe: str, given: dict[str, Any], said: str) -> None:
    import fnmatch

    verdict = judged(call(probe, [given]))
    assert verdict.outcome == "failed"
    assert fnmatch.fnmatch(verdict.message, f"*: {said}*Return an instance of the class*"), verdict.message


def test_include_raw_needs_raw_parsed_and_parsing_error() -> None:
    verdict = judged(call("so_fc_invoke", [raw_dict(value(PET, pet=True), parsing_error=True)]))
    assert verdict.message.startswith(
        "function_calling with pydantic Pet on invoke(include_raw=True): the include_raw dict has parsed, "
        "raw but not parsing_error. With include_raw=True return"
    )


def test_a_parsing_error_is_shown_with_the_answer() -> None:
    record = raw_dict(None, error="OutputParserException: Invalid json output: Rex")
    verdict = judged(call("so_jm_invoke", [record]))
    assert (
        "parsing_error is 'OutputParserException: Invalid json output: Rex' (the model answered the text"
        in (verdict.message)
    )
    assert "Answer in the form the method's parser reads" in verdict.message


def test_the_start_callback_must_carry_the_schema() -> None:
    missing = {"options": True, "given": False, "format": None}
    other = {**FORMAT, "format": {"kwargs": {}, "schema": {**SCHEMA, "title": "other"}}}
    calls = [
        call("so_fc_stream", [value(PET)], [missing]),
        call("so_js_stream", [value(PET)], []),
    ]
    verdict = judged(*calls)
    assert (
        "TypedDict PetDict on stream: the chat model start callback carried no ls_structured_output_format"
        in verdict.message
    )
    assert "pet_record on stream: no chat model run started (on_chat_model_start never fired)" in (
        verdict.message
    )
    one = judged(call("so_js_stream", [value(PET)], [other]))
    said = "ls_structured_output_format's schema is not the schema as convert_to_json_schema gives it"
    assert f"{said} (title differ)" in one.message


def test_a_core_without_the_format_is_not_held_to_it() -> None:
    missing = {"options": True, "given": False, "format": None}
    verdict = judged(call("so_fc_stream", [value(PET)], [missing]), core=False)
    assert verdict.outcome == "passed", verdict.message


def test_calls_that_raise_alike_are_named_together() -> None:
    calls = [call(p, []) for p in ("so_fc_invoke", "so_fc_stream")]
    for c in calls:
        c.failure = Failure("raised", "NotImplementedError", "no tools", "bind_tools (m.py:3)", "model")
    verdict = judged(*calls)
    assert verdict.message.startswith(
        "function_calling with pydantic Pet on invoke(include_raw=True) and function_calling with TypedDict "
        "PetDict on stream: raised in bind_tools (m.py:3) NotImplementedError: no tools. Fix the model"
    )


def test_an_output_parser_exception_says_the_parser_could_not_read_the_answer() -> None:
    broken = call("so_js_stream", [])
    broken.failure = Failure("raised", "OutputParserException", "Failed to parse Pet", None, "langchain")
    verdict = judged(broken)
    assert (
        "on stream: langchain-core's output parser could not read the answer: Failed to parse Pet"
        in verdict.message
    )


def test_an_empty_stream_fails() -> None:
    verdict = judged(call("so_jm_stream", []))
    assert "pydantic Pet on stream: the stream yielded nothing" in verdict.message


def test_a_path_whose_plain_call_fails_is_left_to_its_check() -> None:
    verdict = judged(raised("invoke"), call("so_fc_invoke", []), good("so_fc_stream"))
    assert verdict.outcome == "passed", verdict.message
    assert verdict.message.endswith(
        "Not checked: function_calling with pydantic Pet on invoke(include_raw=True): left to the invoke "
        "check, which the model's plain invoke fails."
    )
    assert verdict.partial and len(verdict.unjudged) == 1
    assert judged(raised("invoke"), call("so_fc_invoke", [])).outcome == "skipped"


def test_an_empty_tool_stream_core_made_from_the_whole_message_is_not_blamed() -> None:
    obs_calls = [call("so_fc_stream", []), good("so_fc_invoke")]
    verdict = judged(*obs_calls, facts_streams={"stream": False})
    assert verdict.outcome == "passed", verdict.message
    assert "the model does not stream on stream, and langchain-core's fallback" in verdict.message
    assert judged(call("so_fc_stream", [])).outcome == "failed"


def test_json_parts_are_gated_on_their_capabilities() -> None:
    check = by_id("structured-output")
    assert "so_jm_invoke" not in needs_of([check])
    gated = gated_of([check])
    # Under structured_output alone: function calling's calls, and those of the paths it leaves a
    # failure to (checks/catalog.py DEFERS), so its verdict alone is its verdict in the catalog.
    assert gated["structured_output"] == set(slot_probes("fc")) | needs_of(
        [by_id(c) for c in DEFERS["structured-output"]]
    )
    assert gated["structured_output+json_mode"] == set(slot_probes("jm"))
    assert gated["structured_output+json_schema"] == set(slot_probes("js"))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PET, []),
        ({**PET, "legs": True}, ["'legs' is a boolean (True), not an integer"]),
        ({**PET, "legs": 4.0}, []),
        ([PET], ["the value is an array ([{'name': 'Rex', 'legs': 4, 'vaccinated'...), not an object"]),
        ({**PET, "nickname": 3}, ["'nickname' is an integer (3), not a string"]),
    ],
)
def test_shape_problems(data: Any, expected: list[str]) -> None:
    assert shape_problems(data, SCHEMA) == expected


def test_shape_follows_refs() -> None:
    schema = {
        "$defs": {"Leg": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
        "type": "object",
        "properties": {"leg": {"$ref": "#/$defs/Leg"}},
        "required": ["leg"],
    }
    assert shape_problems({"leg": {}}, schema, "parsed") == ["'leg' lacks the required key 'n'"]


def test_a_tool_call_defect_under_function_calling_is_left_to_the_tool_checks() -> None:
    with_tools = [{**FORMAT, "tools": True}]
    text_only = call("so_fc_invoke", [raw_dict(value(None))], with_tools)
    text_only.extra["structured"]["answers"] = [Output("AIMessage", "a pet", True)]
    as_string = call("so_fc_stream", [], with_tools)
    as_string.extra["structured"]["answers"] = [
        Output(
            "AIMessage", "", True, tool_calls=({"name": "PetDict", "args": '{"name": "Rex"}', "id": "c1"},)
        )
    ]
    tools = {"tool_calling": True, "tool_choice": True}
    verdict = judged(text_only, as_string, capabilities=tools)
    assert verdict.outcome == "skipped", verdict.message
    assert "the model called no tool although the tool is forced" in verdict.message
    assert "carries its arguments as a non-dict" in verdict.message
    # Without tool_choice the forced call is this check's own (core's with_structured_output needs it).
    without = judged(text_only, as_string, capabilities={"tool_calling": True, "tool_choice": False})
    assert without.outcome == "failed"
    assert "parsed is None but parsing_error is None too" in without.message
    # No tools reached the model's run: its own method answers without tools, and that is judged here.
    text_only.extra["structured"]["starts"] = [FORMAT]
    assert "parsed is None but parsing_error is None too" in judged(text_only, capabilities=tools).message


def test_core_structured_output_raising_on_forced_tools_is_left_to_the_tool_checks() -> None:
    failing = call("so_fc_invoke", [])
    failing.extra["structured"]["wso_owner"] = "core"
    failing.failure = Failure(
        "raised", "ValueError", "Invalid value: 'any'", "_handle_status (m.py:4)", "model"
    )
    tools = {"tool_calling": True, "tool_choice": True}
    verdict = judged(failing, good("so_fc_stream"), capabilities=tools)
    assert verdict.outcome == "passed", verdict.message
    assert (
        "left to the tool checks: core's with_structured_output is the model's bind_tools" in verdict.message
    )
    failing.extra["structured"]["wso_owner"] = "model"  # its own with_structured_output: its own failure
    assert judged(failing, capabilities=tools).outcome == "failed"
