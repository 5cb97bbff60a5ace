"""Structured output: `with_structured_output` gives a value of the schema's shape, on every path.

Judged on the `so_*` calls (observe/probes/structured.py): for each method the model has, a
pydantic class must come back as an instance of it, a TypedDict or JSON-schema dict as a dict with
the schema's required keys, no key it does not define, and the right JSON type for each; a stream
ends with such a value (earlier chunks may be partial, but are of the same type); `include_raw=True`
gives `{"raw": AIMessage, "parsed": ..., "parsing_error": None}`; and the chat model start callback
carries `ls_structured_output_format` with the schema, as LangChain's tracing reads it.
"""

from __future__ import annotations

from typing import Any

from modelcheck.checks.common import show
from modelcheck.checks.shape import json_type, shape_problems
from modelcheck.core.capabilities import declared_absent, gate
from modelcheck.core.consensus import consensus, probe_text
from modelcheck.core.records import Call, Observation, Output
from modelcheck.core.structured_plan import KIND_NAMES, PART_CAPABILITY, PATHS, probe_name
from modelcheck.core.verdict import Verdict, failed, passed, skipped

RAW_KEYS = ("raw", "parsed", "parsing_error")
FIXES = {
    "shape": "Give the provider the whole schema (every property, its type, `required`) and return what "
    "it answers parsed, without dropping, adding or converting fields.",
    "type": "Return an instance of the class for a pydantic schema (`PydanticToolsParser(tools=[schema], "
    "first_tool_only=True)` or `PydanticOutputParser`), and a dict for a TypedDict or a JSON-schema "
    "dict (`JsonOutputKeyToolsParser(key_name=..., first_tool_only=True)` or `JsonOutputParser`).",
    "empty": "A stream that yields nothing never gave a value that parses into the schema (core's "
    "pydantic parsers yield only values that validate): make the streamed answer add up to the whole "
    "value.",
    "raw": 'With include_raw=True return {"raw": <the AIMessage>, "parsed": <the value, or None>, '
    '"parsing_error": <the exception, or None>}, as core builds it: `RunnableMap(raw=llm) | '
    "RunnablePassthrough.assign(parsed=..., parsing_error=lambda _: None).with_fallbacks([...], "
    'exception_key="parsing_error")`.',
    "parse": "Answer in the form the method's parser reads: for function_calling a tool call to the "
    "schema's tool with its arguments as a dict; for json_schema and json_mode the JSON object as "
    "the message's text.",
    "format": 'Bind `ls_structured_output_format={"kwargs": {"method": <method>}, "schema": <schema>}` '
    "in `with_structured_output` (core's passes it to `bind_tools`, whose `**kwargs` must reach "
    "`self.bind(...)`), so that the start callback and tracing carry the schema.",
    "raised": "Fix the model so that `with_structured_output(...)` answers without raising.",
    "core": "langchain-core's `with_structured_output`, which this model uses, is `bind_tools([schema], "
    'tool_choice="any")` and core\'s tool parsers: make `bind_tools` take tool_choice="any" (map it to '
    'the provider\'s forced tool call, such as "required"), or override `with_structured_output`.',
}


def judge_structured(obs: Observation) -> Verdict:
    problems: list[tuple[str, str, str]] = []
    judged: list[str] = []
    notes: list[str] = []
    absent: set[str] = set()  # the notes of parts the target declares the model lacks: not unjudged
    for slot, capability in PART_CAPABILITY.items():
        held = gate(obs, capability) if capability else None
        if held is not None:
            notes.append(f"{capability}: {held.message}")
            if capability and declared_absent(obs, capability):
                absent.add(notes[-1].rstrip("."))
            continue
        for path in PATHS:
            call = obs.calls.get(probe_name(slot, path))
            if call is None or "structured" not in call.extra:
                continue
            left = call.extra.get("unsupported") or left_to_others(obs, call)
            if left:
                notes.append(f"{label(call.extra['structured'])}: {left}")
                continue
            judged.append(label(call.extra["structured"]))
            problems += call_problems(call, obs.features.get("ls_structured_output_format", True))
    if problems:
        return failed(_message(problems))
    notes = [n.rstrip(".") for n in dict.fromkeys(notes)]  # each note a clause, one full stop in all
    if not judged:
        return skipped("no structured-output call was judged: " + ("; ".join(notes) or "none applies") + ".")
    note = f" Not checked: {'; '.join(notes)}." if notes else ""
    return passed(
        f"checked {len(judged)} calls: {', '.join(judged)}.{note}", [n for n in notes if n not in absent]
    )


def left_to_others(obs: Observation, call: Call) -> str | None:
    """Why a call's outcome is not this check's to judge: its path already fails the plain call's
    own check, or langchain-core (not the model) loses what the call gave."""
    plan = call.extra["structured"]
    path = plan["path"]
    plain = obs.calls.get(path)
    if plain is not None:
        agreed = consensus(obs)
        text = probe_text(plain)
        if text is None or (agreed.deterministic and text != agreed.text_for(path)):
            return f"left to the {path} check, which the model's plain {path} fails"
    tools = _tool_defect(obs, call)
    if tools:
        return tools
    whole = obs.facts.streams.get(path) is False
    if plan["slot"] == "fc" and path != "invoke" and whole and not plan.get("values") and call.ok:
        return (
            f"the model does not stream on {path}, and langchain-core's fallback hands the tool parser "
            "the whole message as a BaseMessageChunk, without its tool calls (checked on invoke)"
        )
    return None


def _tool_defect(obs: Observation, call: Call) -> str | None:
    """For function_calling, a defect of the model's tool calls, which the tool checks judge: core's
    with_structured_output (bind_tools with tool_choice='any') raising, or, with tools given to the
    model's run, no tool call (the model has tool_choice, so the call is forced) or arguments that
    are not a dict."""
    plan = call.extra["structured"]
    if plan["slot"] != "fc" or gate(obs, "tool_calling") is not None:
        return None
    forced = gate(obs, "tool_choice") is None
    if call.failure is not None and plan.get("wso_owner") == "core" and forced:
        return (
            "left to the tool checks: core's with_structured_output is the model's bind_tools with "
            "tool_choice='any' and core's tool parsers, and that call raised"
        )
    answers = [a for a in plan.get("answers") or [] if isinstance(a, Output)]
    bound = [s for s in plan.get("starts") or [] if s.get("tools")]
    if not answers or not bound:
        return None  # no tools reached the model: not a tool-calling path
    calls = [c for a in answers for c in getattr(a, "tool_calls", ())]
    if not calls and forced:
        return "left to the tool checks: the model called no tool although the tool is forced"
    if any(not isinstance(c.get("args"), dict) for c in calls):
        return "left to the tool checks: the model's tool call carries its arguments as a non-dict"
    return None


def _message(problems: list[tuple[str, str, str]]) -> str:
    """The problems, calls with the same problem named together, then each kind's fix once."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for kind, where, text in problems:
        grouped.setdefault((kind, text), []).append(where)
    said = "; ".join(f"{_joined(wheres)}: {text.rstrip('.')}" for (_, text), wheres in grouped.items())
    fixes = " ".join(FIXES[k] for k in dict.fromkeys(kind for kind, _, _ in problems))
    return f"{said}. {fixes}"


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def label(plan: dict[str, Any]) -> str:
    """'function_calling with TypedDict PetDict on stream': the method, schema kind and path."""
    method = plan.get("method") or "the default method"
    path = "invoke(include_raw=True)" if plan.get("include_raw") else str(plan["path"])
    return f"{method} with {KIND_NAMES.get(plan['kind'], plan['kind'])} on {path}"


def call_problems(call: Call, core_traces: bool = True) -> list[tuple[str, str, str]]:
    """What is wrong with one structured-output call, each as (fix kind, the call, the problem)."""
    plan = call.extra["structured"]
    where = label(plan)
    if call.failure is not None:
        kind, text = _raised(call)
        if kind == "raised" and plan.get("wso_owner") == "core":
            kind = "core"
        return [(kind, where, text)]
    values = plan.get("values") or []
    found = _raw(values[0], plan) if plan.get("include_raw") and values else _streamed(values, plan)
    if core_traces:
        found += _format(plan)
    return [(kind, where, text) for kind, text in found]


def _raised(call: Call) -> tuple[str, str]:
    failure = call.failure
    assert failure is not None
    if failure.type_name == "OutputParserException":
        return "parse", f"langchain-core's output parser could not read the answer: {failure.message}"
    if failure.kind != "raised":
        return "raised", failure.describe()
    site = f" in {failure.where}" if failure.where else ""
    return "raised", f"raised{site} {failure.describe()}"


def _streamed(
    values: list[dict[str, Any]], plan: dict[str, Any], name: str = "the value"
) -> list[tuple[str, str]]:
    if not values:
        return [
            ("type", "it returned no value" if plan["path"] == "invoke" else "the stream yielded nothing")
        ]
    wrong = [v for v in values if _type_problem(v, plan)]
    if wrong:
        first = _type_problem(wrong[0], plan)
        count = f" ({len(wrong)} of {len(values)} values)" if len(values) > 1 else ""
        return [("type", f"{first}{count}")]
    root = name if len(values) == 1 else "the last value"
    return [("shape", p) for p in shape_problems(values[-1].get("data"), plan["schema"], root)]


def _type_problem(value: dict[str, Any], plan: dict[str, Any]) -> str | None:
    if plan["kind"] == "pydantic":
        return None if value.get("pet") else f"gave {_shown(value)}, not a Pet instance"
    return None if value.get("is_dict") else f"gave {_shown(value)}, not a dict"


def _shown(value: dict[str, Any]) -> str:
    data = value.get("data")
    text = show(data) if isinstance(data, str) else show(repr(data))
    kind = str(value.get("type"))
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind} {text}"


def _raw(value: dict[str, Any], plan: dict[str, Any]) -> list[tuple[str, str]]:
    keys = value.get("keys")
    if keys is None:
        return [
            ("raw", f"include_raw=True gave {_shown(value)}, not a dict with raw, parsed and parsing_error")
        ]
    missing = [k for k in RAW_KEYS if k not in keys]
    if missing:
        return [("raw", f"the include_raw dict has {', '.join(keys)} but not {', '.join(missing)}")]
    raw = value.get("raw")
    found: list[tuple[str, str]] = []
    if not isinstance(raw, Output) or not raw.expected_type:
        kind = raw.type_name if isinstance(raw, Output) else "None"
        found.append(("raw", f"raw is a {kind}, not the model's AIMessage"))
    if value.get("parsing_error") is not None:
        found.append(("parse", f"parsing_error is {show(str(value['parsing_error']))}{_answered(raw)}"))
        return found
    parsed = value.get("parsed")
    if not isinstance(parsed, dict) or parsed.get("type") == "NoneType":
        return [*found, ("parse", "parsed is None but parsing_error is None too")]
    return found + _streamed([parsed], plan, "parsed")


def _answered(raw: Any) -> str:
    if not isinstance(raw, Output):
        return ""
    calls = getattr(raw, "tool_calls", ())
    if calls:
        return f" (the model called {', '.join(str(c.get('name')) for c in calls)})"
    return f" (the model answered the text {show(raw.text)})"


def _format(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """The start callback's `ls_structured_output_format`: given, with the schema. (More than one
    start, a run the model starts inside its own, is event-stream's to judge.)"""
    starts = plan.get("starts") or []
    if not starts:
        return [("format", "no chat model run started (on_chat_model_start never fired)")]
    given = [s for s in starts if s.get("given")]
    if not given:
        via = ""
        if plan.get("wso_owner") == "core":
            via = " (core's with_structured_output passed it to the model's bind_tools)"
        return [("format", f"the chat model start callback carried no ls_structured_output_format{via}")]
    fmt = given[0].get("format")
    schema = fmt.get("schema") if isinstance(fmt, dict) else None
    if schema != plan["schema"]:
        return [("format", f"ls_structured_output_format's schema is {_schema_diff(schema, plan['schema'])}")]
    return []


def _schema_diff(seen: Any, wanted: dict[str, Any]) -> str:
    if not isinstance(seen, dict):
        return f"{json_type(seen)} {show(repr(seen))}, not the schema as convert_to_json_schema gives it"
    keys = sorted(set(seen) ^ set(wanted))
    diff = sorted(k for k in set(seen) & set(wanted) if seen[k] != wanted[k])
    parts = [f"keys {', '.join(keys)} differ" if keys else "", f"{', '.join(diff)} differ" if diff else ""]
    return f"not the schema as convert_to_json_schema gives it ({'; '.join(p for p in parts if p)})"
