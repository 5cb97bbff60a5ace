"""Tool calling: `bind_tools` takes every tool form and honours `tool_choice` (bind-tools), and the
tool calls a model gives are well formed on every path (tool-calls).

Judged from the `tools_*` calls (observe/probes/tools.py). One defect, one failure: a model that
ignores `tool_choice` fails bind-tools, and tool-calls then accepts a call of any bound tool (and
does not judge a call that only `tool_choice` would have made); a `bind_tools` that raises fails
bind-tools, and tool-calls does not judge the calls it could not make.
"""

from __future__ import annotations

import re
from typing import Any

from modelcheck.checks import runnable
from modelcheck.checks.common import call_failed, show
from modelcheck.checks.schema_match import mismatches
from modelcheck.core import capabilities
from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import consensus
from modelcheck.core.records import Call, Observation, Output
from modelcheck.core.verdict import Verdict, failed, passed, skipped

PATHS = {
    ids.TOOLS_INVOKE: "invoke",
    ids.TOOLS_STREAM: "stream",
    ids.TOOLS_AINVOKE: "ainvoke",
    ids.TOOLS_ASTREAM: "astream",
    ids.TOOLS_NO_ARGS: "stream of a tool without arguments",
}
PARALLEL = ids.TOOLS_PARALLEL
STREAMED = frozenset({ids.TOOLS_STREAM, ids.TOOLS_ASTREAM, ids.TOOLS_NO_ARGS})
PAIRS = ((ids.TOOLS_STREAM, ids.TOOLS_INVOKE), (ids.TOOLS_ASTREAM, ids.TOOLS_AINVOKE))
FORCED_TOOL = "magic_function"
PROMPTED_TOOL = "get_weather"
NO_ARGS_TOOL = "magic_function_no_args"
ACCEPT_FIX = (
    "Accept `tool_choice` as a bound tool's name (force that tool) and as 'any' (force some tool call), "
    "or, if the API cannot force a tool, do not take `tool_choice` in `bind_tools`."
)
SEP = "\x1f"  # between where a problem is and what it is, in `_shape`'s problems
ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")
BIND_FIX = (
    "In `bind_tools`, convert each tool with `langchain_core.utils.function_calling.convert_to_openai_tool` "
    "(it takes BaseTools, functions, pydantic classes and JSON-schema dicts) and return "
    "`self.bind(tools=formatted, **kwargs)`."
)
CHOICE_FIX = (
    "Send `tool_choice` on to the API: a tool's name forces that tool, 'any' (or 'required') forces "
    "some tool call, whatever the prompt asks. If the API cannot force a tool, do not take "
    "`tool_choice` in `bind_tools` (or raise on it) and declare tool_choice = false in [tool.modelcheck]."
)


def judge_bind_tools(obs: Observation) -> Verdict:
    bind = obs.calls.get(ids.TOOLS_BIND)
    broken = call_failed(bind, "binding tools (no model call)")
    if broken is not None or bind is None:
        return broken or failed("binding tools was not observed.")
    trials: list[dict[str, Any]] = bind.extra.get("bound", [])
    problems = [_bind_problem(t) for t in trials if t.get("error") or not t.get("runnable")]
    if problems:
        wrong = [t for t in trials if t.get("error") or not t.get("runnable")]
        fixes = [BIND_FIX] if any("tool_choice" not in t["form"] for t in wrong) else []
        fixes += [ACCEPT_FIX] if any("tool_choice" in t["form"] for t in wrong) else []
        return failed("; ".join(problems) + ". " + " ".join(fixes))
    forms = ", ".join(t["form"] for t in trials if "tool_choice" not in t["form"])
    gate = capabilities.gate(obs, "tool_choice")
    if gate is not None:
        left = [] if capabilities.declared_absent(obs, "tool_choice") else [f"tool_choice: {gate.message}"]
        return passed(f"bound {forms}; tool_choice not checked: {gate.message}", left)
    problems, notes = _choice_problems(obs)
    if problems:
        return failed(_with_fixes(problems))
    return passed(
        f"bound {forms}; tool_choice 'any' and a tool's name accepted" + "".join(notes), _unjudged(notes)
    )


def _with_fixes(problems: list[str]) -> str:
    """ "<what>SEP<fix>" problems as one paragraph: the problems in order, each fix once, after the
    last problem it fixes."""
    parts = [p.partition(SEP) for p in problems]
    sentences: list[str] = []
    pending: list[str] = []
    for i, (what, _, fix) in enumerate(parts):
        pending.append(what)
        if not fix or fix not in {f for _, _, f in parts[i + 1 :]}:
            sentences.append("; ".join(pending) + "." + (f" {fix}" if fix else ""))
            pending = []
    return " ".join(sentences)


def _bind_problem(trial: dict[str, Any]) -> str:
    if trial.get("error"):
        return f"bind_tools with {trial['form']} raised {trial['error']}"
    return f"bind_tools with {trial['form']} returned a {trial.get('type')}, not a Runnable"


def _choice_problems(obs: Observation) -> tuple[list[str], list[str]]:
    """What shows `tool_choice` not honoured (the calls that forced a tool), each with what to change,
    and notes on what was not judged."""
    problems: list[str] = []
    notes: list[str] = []
    invoke_fails = plain_failure(obs, ids.TOOLS_INVOKE)
    named = obs.calls.get(ids.TOOLS_INVOKE)
    if named is not None and named.extra.get("tool_choice") == FORCED_TOOL and _judgeable(named):
        names = _names(named)
        if not names:  # no call at all is not the choice ignored (the prompt asked for a tool too)
            notes.append("; the named tool_choice was not judged (invoke called no tool; see tool-calls)")
        elif FORCED_TOOL not in names:
            problems.append(
                f"with tool_choice={FORCED_TOOL!r} and a prompt asking for {PROMPTED_TOOL}, invoke "
                f"called {_listed(names)}{_placed(names, list(named.extra.get('tools') or []))}: the tool "
                "`tool_choice` names must be the one called"
                f"{SEP}{CHOICE_FIX}"
            )
        else:
            notes.append(f"; tool_choice={FORCED_TOOL!r} won over a prompt asking for {PROMPTED_TOOL}")
    elif named is not None:
        why = invoke_fails or f"invoke: {_why_not(named)}, see tool-calls"
        notes.append(f"; the named tool_choice was not judged ({why})")
    forced = obs.calls.get(ids.TOOLS_NO_ARGS)
    if forced is None or forced.extra.get("tool_choice") != "any":
        return problems, notes
    stream_fails = plain_failure(obs, ids.TOOLS_NO_ARGS)
    message = _message(forced) if forced.ok else None
    if forced.extra.get("bind_error"):
        problems.append(
            f"bind_tools([{NO_ARGS_TOOL}], tool_choice='any') raised {forced.extra['bind_error']}{SEP}"
            + ACCEPT_FIX
        )
    elif stream_fails:
        notes.append(f"; tool_choice='any' was not judged ({stream_fails})")
    elif not forced.ok:
        broken = call_failed(forced, "with tool_choice='any', stream")
        problems.append(f"{broken.message.rstrip('.')}{SEP}" if broken else "")
    elif message is not None and not message.tool_calls and not _calls_anywhere(obs):
        notes.append("; tool_choice='any' was not judged (no call gave a tool call; see tool-calls)")
    elif message is not None and not message.tool_calls:
        problems.append(
            "with tool_choice='any' and a prompt that names no tool ('Hello!'), stream called no tool "
            f"({NO_ARGS_TOOL} bound; it answered {show(message.text)}){SEP}{CHOICE_FIX}"
        )
    elif message is not None:
        notes.append("; tool_choice='any' forced a call where the prompt named no tool")
    return problems, notes


# The plain path (and its check) each tool call goes through: a tool call on a path whose own check
# fails is left to that check (one defect, one failure).
PLAIN = {
    ids.TOOLS_INVOKE: ids.INVOKE,
    ids.TOOLS_STREAM: ids.STREAM,
    ids.TOOLS_NO_ARGS: ids.STREAM,
    ids.TOOLS_AINVOKE: ids.AINVOKE,
    ids.TOOLS_PARALLEL: ids.AINVOKE,
    ids.TOOLS_ASTREAM: ids.ASTREAM,
}
PLAIN_JUDGES = {
    ids.INVOKE: runnable.judge_invoke,
    ids.AINVOKE: runnable.judge_ainvoke,
    ids.STREAM: runnable.judge_stream,
    ids.ASTREAM: runnable.judge_astream,
}


def plain_failure(obs: Observation, probe: str) -> str | None:
    """'it fails without tools too; see stream' when the plain path of `probe` fails its own check."""
    path = PLAIN[probe]
    if path not in obs.calls or PLAIN_JUDGES[path](obs).outcome != "failed":
        return None
    return f"{path} fails without tools too; see the {path} check"


def _calls_anywhere(obs: Observation) -> bool:
    """Whether any call that asked for a tool by name got a tool call (tool calling works at all)."""
    return any(_calls(c) for p in PATHS if (c := obs.calls.get(p)) is not None and c.ok)


def choice_ignored(obs: Observation) -> bool:
    """Whether the calls that forced a tool show `tool_choice` ignored (bind-tools fails then)."""
    if capabilities.gate(obs, "tool_choice") is not None:
        return False
    return bool(_choice_problems(obs)[0])


def _judgeable(call: Call) -> bool:
    return call.ok and not call.extra.get("bind_error") and call.output is not None


def _why_not(call: Call) -> str:
    if call.extra.get("bind_error"):
        return f"bind_tools raised {call.extra['bind_error']}"
    return call.failure.describe() if call.failure else "no answer"


def _names(call: Call) -> list[str]:
    return [str(c.get("name")) for c in _calls(call) or ()]


def _placed(names: list[str], bound: list[str]) -> str:
    """' (the first of the tools bound: a, b, c)' when the one tool called sits first or last."""
    if len(names) != 1 or len(bound) < 3 or names[0] not in (bound[0], bound[-1]):
        return ""
    where = "first" if names[0] == bound[0] else "last"
    return f" (the {where} of the tools bound: {', '.join(bound)})"


def _listed(names: list[str]) -> str:
    return ", ".join(names) if names else "no tool"


def _message(call: Call) -> Output | None:
    """What a call gave: the message invoke returned, or the chunks added up."""
    if call.probe in STREAMED:
        found = call.extra.get("assembled")
        return found if isinstance(found, Output) else None
    return call.output


def _calls(call: Call) -> tuple[dict[str, Any], ...] | None:
    message = _message(call)
    return message.tool_calls if message is not None else None


def judge_tool_calls(obs: Observation) -> Verdict:
    problems: list[str] = []
    notes: list[str] = []
    ignored = choice_ignored(obs)
    good: dict[str, list[tuple[str, Any]]] = {}
    for probe, what in PATHS.items():
        call = obs.calls.get(probe)
        deferred = plain_failure(obs, probe) if call is not None else None
        if deferred:
            notes.append(f"{what} not judged ({deferred})")
            continue
        found = _path(call, what, ignored, notes)
        if found is None:
            continue
        problems += found
        if not found and call is not None:
            good[probe] = [(str(c["name"]), c["args"]) for c in _calls(call) or ()]
    problems += _no_args(obs, good)
    problems += _parallel(obs, ignored, notes)
    problems += _unescaped(obs, good)
    if obs.calls.get(PARALLEL) is None:
        notes.append(_parallel_note(obs))
    problems += _same_as_invoke(obs, good, notes)
    if problems:
        return failed("; ".join(merged(problems)) + ".")
    if not good:
        return skipped("no tool call could be judged: " + "; ".join(n for n in notes if n) + ".")
    checked = ", ".join(PATHS[p] for p in good)
    return passed(f"checked {checked}" + "".join(f"; {n}" for n in notes if n), _unjudged(notes))


def _unjudged(notes: list[str]) -> list[str]:
    """The notes that say what was left unjudged (the others say what was seen)."""
    return [n.lstrip("; ") for n in notes if "not judged" in n or "not checked" in n]


def _path(call: Call | None, what: str, ignored: bool, notes: list[str]) -> list[str] | None:
    """The problems of one call that should give exactly one tool call; None: not judged."""
    if call is None:
        return None
    if call.extra.get("bind_error"):
        notes.append(f"{what} not judged: bind_tools raised (see bind-tools)")
        return None
    broken = call_failed(call, f"with a tool bound, {what}")
    if broken is not None:
        return [broken.message.rstrip(".")]
    message = _message(call)
    if message is None:
        return [_unassembled(call, what)]
    calls = message.tool_calls
    if not calls and ignored and call.extra.get("tool_choice"):
        notes.append(f"{what} called no tool, and tool_choice is ignored (see bind-tools)")
        return None
    if len(calls) != 1:
        return [_count_problem(what, message, 1, call)]
    return _shape(what, calls, call.extra.get("tools", {}))


def _unassembled(call: Call, what: str) -> str:
    if call.extra.get("assemble_error"):
        return (
            f"adding up {what}'s chunks (`full = full + chunk`, as users do) raised "
            f"{call.extra['assemble_error']}"
        )
    if not call.chunks:
        return f"{what} yielded no chunk"
    return f"{what} yielded {call.chunks[0].output.type_name}, not message chunks"


def _count_problem(what: str, message: Output, wanted: int, call: Call) -> str:
    names = [str(c.get("name")) for c in message.tool_calls]
    asked = "one tool call" if wanted == 1 else f"{wanted} tool calls in one turn"
    how = "forced by tool_choice" if call.extra.get("tool_choice") else "asked for by the prompt"
    seen = f"{len(names)} tool calls ({', '.join(names)})" if names else "no tool call"
    text = f" (it answered {show(message.text)})" if not names and message.text else ""
    invalid = ""
    if message.invalid_tool_calls:
        first = message.invalid_tool_calls[0]
        invalid = (
            f"; invalid_tool_calls holds {first.get('name')!r} with args {show(str(first.get('args')))} "
            f"({first.get('error') or 'not valid JSON'}): the arguments must be one JSON object"
        )
    raw = call.extra.get("raw_tool_calls") or []
    found = (
        f"; its additional_kwargs holds {' and '.join(repr(k) for k in raw)}, the API's raw form"
        if not names and raw
        else ""
    )
    fix = (
        " Put each call the API returns in the AIMessage's `tool_calls` (in a stream, in the chunks' "
        "`tool_call_chunks`), parsed: name, args as a dict, id"
        if not names
        else ""
    )
    return f"{what} gave {seen} where {asked} was {how}{text}{found}{invalid}.{fix}".rstrip(".")


def _shape(what: str, calls: tuple[dict[str, Any], ...], schemas: dict[str, Any]) -> list[str]:
    """Each call's name, args, id and type, as langchain-core's `ToolCall` holds them; each problem
    as "<where>SEP<what is wrong>", so that the same problem on several paths is told once."""
    problems = []
    for c in calls:
        name, args = c.get("name"), c.get("args")
        tag = f"{what}'s call of {name!r}"
        if name not in schemas:
            problems.append(f"{what}{SEP}called {name!r}, which is not a bound tool ({', '.join(schemas)})")
        if isinstance(args, str):
            problems.append(
                f"{tag}{SEP}args is a str ({show(args)}), not a dict: parse the API's JSON arguments "
                "(json.loads) into a dict before putting them in `tool_calls`"
            )
        elif not isinstance(args, dict):
            problems.append(f"{tag}{SEP}args is {_value(args)}, a {type(args).__name__}, not a dict")
        elif name in schemas:
            wrong = mismatches(args, schemas[name])
            if wrong:
                problems.append(f"{tag}{SEP}args {_value(args)} do not match the tool's schema: {wrong[0]}")
        if not isinstance(c.get("id"), str) or not c.get("id"):
            problems.append(
                f"{what}{SEP}the tool call has id {c.get('id')!r}: every tool call needs a non-empty id (the "
                "API's, or one made up, e.g. f'call_{uuid4().hex}'), which the ToolMessage answering it names"
            )
        if c.get("type") != "tool_call":
            problems.append(
                f"{what}{SEP}the tool call has type {c.get('type')!r}, not 'tool_call': build each one with "
                "`langchain_core.messages.tool.tool_call(name=..., args=..., id=...)`"
            )
    return problems


def merged(problems: list[str]) -> list[str]:
    """ "<where>SEP<what>" problems as sentences, the places that share a problem named together."""
    places: dict[str, list[str]] = {}
    for problem in problems:
        where, _, what = problem.partition(SEP)
        if not what:
            where, what = "", where
        places.setdefault(what, [])
        if where and where not in places[what]:
            places[what].append(where)
    return [f"{', '.join(where)}: {what}" if where else what for what, where in places.items()]


def _no_args(obs: Observation, good: dict[str, list[tuple[str, Any]]]) -> list[str]:
    found = good.get(ids.TOOLS_NO_ARGS)
    if not found or found[0][0] != NO_ARGS_TOOL or found[0][1] == {}:
        return []
    return [
        f"the call of {NO_ARGS_TOOL}, a tool without arguments, has args {_value(found[0][1])}, "
        "not {}: a tool without arguments is called with an empty dict (streamed: args '' or '{}')"
    ]


def _parallel(obs: Observation, ignored: bool, notes: list[str]) -> list[str]:
    call = obs.calls.get(PARALLEL)
    what = "ainvoke asking for get_weather and magic_function in one turn"
    if call is None or capabilities.gate(obs, "parallel_tool_calls") is not None:
        return []
    deferred = plain_failure(obs, PARALLEL)
    if deferred:
        notes.append(f"two tools in one turn not judged ({deferred})")
        return []
    if call.extra.get("bind_error"):
        notes.append("two tools in one turn not judged: bind_tools raised (see bind-tools)")
        return []
    broken = call_failed(call, f"with two tools bound, {what}")
    if broken is not None:
        return [broken.message.rstrip(".")]
    message = call.output
    if message is None:
        return []
    if not message.tool_calls and ignored:
        notes.append("two tools in one turn not judged: tool_choice is ignored (see bind-tools)")
        return []
    if len(message.tool_calls) != 2:
        return [
            _count_problem(what, message, 2, call)
            + ". The model takes `parallel_tool_calls`: return every call the API gives"
        ]
    problems = _shape(what, message.tool_calls, call.extra.get("tools", {}))
    ids = [c.get("id") for c in message.tool_calls]
    if not problems and len(set(ids)) != 2:
        problems.append(
            f"{what} gave two tool calls with the same id {ids[0]!r}: each call needs its own id, since "
            "each ToolMessage answers one call by its id"
        )
    if not problems:
        notes.append("two tools in one turn gave two calls with distinct ids")
    return problems


def _parallel_note(obs: Observation) -> str:
    """Why parallel calls were not asked for: left unjudged, or not applicable when the target
    declares the model has none (`_unjudged` reads the wording)."""
    gate = capabilities.gate(obs, "parallel_tool_calls")
    if gate is None:
        return ""
    if capabilities.declared_absent(obs, "parallel_tool_calls"):
        return f"parallel tool calls do not apply: {gate.message.rstrip('.')}"
    return f"parallel tool calls not checked: {gate.message.rstrip('.')}"


def _unescaped(obs: Observation, good: dict[str, list[tuple[str, Any]]]) -> list[str]:
    """Non-ASCII text in string arguments arrives as itself: no `\\uXXXX` escapes, no mojibake."""
    problems = []
    for probe in (ids.TOOLS_AINVOKE, ids.TOOLS_ASTREAM):
        if probe not in good:
            continue
        call = obs.calls.get(probe)
        for c in (_calls(call) or ()) if call is not None else ():
            args = c.get("args")
            for text in _strings(args) if isinstance(args, dict) else ():
                if ESCAPE.search(text):
                    problems.append(
                        f"{PATHS[probe]}'s call of {c.get('name')!r} has {show(text)} with \\u escapes "
                        "where the prompt had non-ASCII text: decode the arguments' JSON once "
                        "(json.loads), and write JSON with ensure_ascii=False"
                    )
                elif _mojibake(text):
                    problems.append(
                        f"{PATHS[probe]}'s call of {c.get('name')!r} has {show(text)}, UTF-8 read as "
                        "Latin-1: decode the API's response as UTF-8"
                    )
    return problems


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _mojibake(text: str) -> bool:
    try:
        fixed = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return fixed != text and any(ord(ch) > 0x2FF for ch in fixed)


def _same_as_invoke(obs: Observation, good: dict[str, list[tuple[str, Any]]], notes: list[str]) -> list[str]:
    """For a deterministic model, the streamed calls add up to the calls invoke (ainvoke) gives."""
    pairs = [(s, r) for s, r in PAIRS if s in good and r in good]
    if not pairs:
        return []
    if not consensus(obs).deterministic:
        notes.append(
            "streamed and returned calls compared for validity only (the model is not deterministic)"
        )
        return []
    differ = []
    for streamed, returned in pairs:
        if good[streamed] != good[returned]:
            got, want = _difference(good[streamed], good[returned])
            differ.append(f"{PATHS[streamed]}'s chunks add up to {got}, but {PATHS[returned]} gave {want}")
    if not differ:
        notes.append("the streamed tool calls add up to the returned ones")
        return []
    return [
        "; ".join(differ) + ": the streamed `tool_call_chunks` (name and id on the first chunk of a call, "
        "the args JSON in pieces, one `index` per call) must add up to the call the same request returns"
    ]


def _difference(streamed: list[tuple[str, Any]], returned: list[tuple[str, Any]]) -> tuple[str, str]:
    """How the streamed calls differ from the returned ones: the names, else the differing args."""
    if [n for n, _ in streamed] != [n for n, _ in returned]:
        return _names_of(streamed), _names_of(returned)
    for (name, got), (_, want) in zip(streamed, returned, strict=True):
        if got == want:
            continue
        if isinstance(got, dict) and isinstance(want, dict):
            keys = [k for k in {**want, **got} if got.get(k, ...) != want.get(k, ...)][:3]
            return (
                f"{name} with " + ", ".join(f"{k}={_value(got.get(k, '(missing)'))}" for k in keys),
                ", ".join(f"{k}={_value(want.get(k, '(missing)'))}" for k in keys),
            )
        return f"{name} with args {_value(got)}", f"args {_value(want)}"
    return "other calls", "these"


def _names_of(calls: list[tuple[str, Any]]) -> str:
    return "calls of " + ", ".join(n for n, _ in calls) if calls else "no tool call"


def _value(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
