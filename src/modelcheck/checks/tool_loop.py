"""The second half of tool calling: answering a tool's result, and tool calls in event streams.

`tool-round-trip` sends one conversation made of the model's own tool calls (those its forced
calls gave, so their ids and formats are the provider's) answered by `ToolMessage`s of every
form: `status="error"`, list content, then string content last. The answer must be an AIMessage
with text and no tool call: the agent loop (call, run the tool, feed the result, answer) ends in
one extra turn. Only when the conversation raises is each form sent alone, to name the one the
model cannot take.

`tool-events` reads the v2 event stream of a tool call from tool-calls' forced streams (astream_events
(version="v2") sends each chunk astream yields, as it is, and their sum as the end): each call's
`tool_call_chunks` carry the name and id on the first chunk, the same `index` on all, and args
pieces that join to the call they add up to; and, on langchain-core 1.x, one call of the v3
protocol with the call forced: the tool-call block starts with the id and name, its
`tool-call-delta`s add up to the args, and it finishes as a `tool_call`. What langchain-core makes
of the chunks (it joins the name pieces of one call, merges pieces by `index`, builds the v3
blocks) is never blamed on the model: a stream that assembles to a wrong call is tool-calls'
failure, and tool-events then skips, naming the cause it sees in the chunks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from modelcheck.checks.common import answers, call_failed, show
from modelcheck.checks.events import Problem, v3_problem
from modelcheck.checks.tools import plain_failure
from modelcheck.core import probe_ids as ids
from modelcheck.core.probe_ids import ROUND_TRIP
from modelcheck.core.records import Call, Failure, Observation
from modelcheck.core.verdict import Verdict, failed, passed, skipped

V3 = 'astream_events(version="v3")'
CONTEXT = 2

# ---------------------------------------------------------------- tool-round-trip

# The forms of a tool's result, each a probe sent alone only when the whole conversation raised.
FORMS = {
    ids.TOOLS_ROUND_TRIP_ERROR: 'a ToolMessage with status="error"',
    ids.TOOLS_ROUND_TRIP_LIST: "a ToolMessage with list content (a text block)",
    ids.TOOLS_ROUND_TRIP_STRING: "a ToolMessage with string content",
}
WHOLE = "a conversation of the model's own tool calls answered by ToolMessages of every form"
HISTORY_FIX = (
    "Turn each AIMessage's `tool_calls` into the API's tool-call format (with their ids) and each "
    "ToolMessage into the API's tool-result format (its `tool_call_id`; string content, or a list "
    'of content blocks; `status="error"` passed on, or dropped), not only human and AI text.'
)
LOOP_FIX = (
    "When the last message is a ToolMessage, the model is being given the tool's result: answer it "
    "in text. Check that every ToolMessage reaches the API as the result of its call, so the "
    "provider sees the call answered."
)


def judge_round_trip(obs: Observation) -> Verdict:
    call = obs.calls.get(ROUND_TRIP)
    if call is None:
        return skipped("the tool round trip was not observed.")
    if call.extra.get("unsupported"):
        return skipped(str(call.extra["unsupported"]))
    rounds = int(call.extra.get("rounds", len(FORMS)))
    whole = f"{WHOLE} ({rounds} rounds, calls of {call.extra.get('tool', 'the tools')})"
    plain = (obs.calls.get(ids.INVOKE), obs.calls.get(ids.INVOKE_MESSAGES))
    if call.failure is not None and not all(answers(c) for c in plain):
        return skipped(
            "invoke fails without tools too, so a tool conversation cannot be judged (see invoke)."
        )
    if call.failure is not None:
        return _whole_raised(obs, call, whole)
    out = call.output
    if out is None or not out.expected_type:
        got = out.type_name if out is not None else "nothing"
        return failed(f"given {whole}, invoke returned {got}, not an AIMessage. {HISTORY_FIX}")
    again = [*out.tool_calls, *out.invalid_tool_calls]
    if again:
        return failed(
            f"given {whole}, the model answered the last tool result with another tool call "
            f"({_show_call(again[0])}), so an agent loop never ends: after the tool's result comes "
            f"the answer, in one extra turn. {LOOP_FIX}"
        )
    if not (out.text or "").strip() and _answers_in_text(obs):
        return failed(
            f"given {whole}, the model answered the last tool result with an empty AIMessage (no "
            f"text, no tool call): the agent loop ends with nothing for the user. {LOOP_FIX}"
        )
    said = (
        f"in text ({show(out.text)})"
        if (out.text or "").strip()
        else "with no text, as it answers every prompt"
    )
    note = f"the last tool result was answered {said}"
    return passed(f"checked {rounds} tool rounds ({', '.join(_forms(call))}); {note}")


def _answers_in_text(obs: Observation) -> bool:
    """Whether the model answers a plain prompt with text: one that answers every prompt with an
    empty message is not held to text after a tool's result either (its empty answers are judged
    without tools, by the checks that judge them)."""
    call = obs.calls.get(ids.INVOKE)
    return call is None or call.output is None or bool((call.output.text or "").strip())


def _forms(call: Call) -> list[str]:
    return [
        FORMS[f"{ROUND_TRIP}_{f}"].removeprefix("a ToolMessage with ") for f in call.extra.get("forms", ())
    ]


def _whole_raised(obs: Observation, call: Call, whole: str) -> Verdict:
    assert call.failure is not None
    raised = _raised(call.failure)
    parts = [(label, obs.calls.get(probe)) for probe, label in FORMS.items()]
    failing = [(label, c.failure) for label, c in parts if c is not None and c.failure is not None]
    if failing and len(failing) == len(parts) and all(_raised(f) == raised for _, f in failing):
        return failed(
            f"given {whole}, invoke {raised}. Sent alone, each form of tool result (one round) raised "
            f"the same, so the model cannot take a ToolMessage at all. {HISTORY_FIX}"
        )
    if failing:
        alone = "; ".join(f"given {label}, invoke {_raised(f)}" for label, f in failing)
        return failed(f"given {whole}, invoke {raised}. Sent alone, {alone}. {HISTORY_FIX}")
    if not all(c is not None and c.ok for _, c in parts):
        return failed(f"given {whole}, invoke {raised}. {HISTORY_FIX}")
    if call.extra.get("reused"):
        return skipped(
            f"given {whole}, invoke {raised}, but each form of tool result alone was answered, and "
            "the conversation had to use one tool call id more than once (too few forced calls gave "
            "a tool call, see tool-calls): the provider may refuse repeated ids, so this is not judged."
        )
    return failed(
        f"given {whole}, invoke {raised}; each form of tool result alone (one round) was answered, so "
        "the model cannot take a conversation with several tool rounds, which every agent sends. "
        "Convert every AIMessage with tool calls and every ToolMessage of the list, not only the last."
    )


def _raised(failure: Failure) -> str:
    if failure.kind == "timeout":
        return failure.message
    where = f" in {failure.where}" if failure.where else ""
    return f"raised{where} {failure.describe()}"


def _show_call(call: dict[str, Any]) -> str:
    args = call.get("args")
    shown = json.dumps(args, ensure_ascii=False, default=repr) if not isinstance(args, str) else args
    return f"{call.get('name')!r} with args {show(shown)}"


# ---------------------------------------------------------------- tool-events: v2 chunks


@dataclass(frozen=True)
class Piece:
    """One entry of a streamed chunk's `tool_call_chunks`, and the event that carried it."""

    event: int
    index: Any
    name: Any
    id: Any
    args: Any


TOOL_FIX = (
    "In `_stream`/`_astream`, yield each call's `tool_call_chunks` with its `name` and `id` on the "
    "first chunk of that call only (None on the rest), the same int `index` on every chunk of the "
    "call, and `args` as the next piece of the arguments' JSON text, as the provider streams them."
)


def model_run(events: list[dict[str, Any]]) -> tuple[list[int], int | None]:
    """The positions of the first chat model run's stream events, and of its end event."""
    start = next((e for e in events if e.get("event") == "on_chat_model_start"), None)
    if start is None:
        return [], None
    run = start.get("run_id")
    mine = [(i, e) for i, e in enumerate(events) if e.get("run_id") == run]
    streams = [i for i, e in mine if e.get("event") == "on_chat_model_stream"]
    end = next((i for i, e in mine if e.get("event") == "on_chat_model_end"), None)
    return streams, end


def _data(event: dict[str, Any], key: str) -> dict[str, Any]:
    data = event.get("data")
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def pieces(events: list[dict[str, Any]], streams: list[int]) -> list[Piece]:
    found = []
    for i in streams:
        for entry in _data(events[i], "chunk").get("tool_call_chunks") or []:
            if isinstance(entry, dict):
                found.append(
                    Piece(i, entry.get("index"), entry.get("name"), entry.get("id"), entry.get("args"))
                )
    return found


def by_call(found: list[Piece]) -> dict[Any, list[Piece]]:
    """The pieces of each call, as langchain-core merges them: by an int `index` (or one of core's
    own "lc_" strings); a piece without one stands alone."""
    calls: dict[Any, list[Piece]] = {}
    for n, piece in enumerate(found):
        index = piece.index
        mergeable = (isinstance(index, int) and not isinstance(index, bool)) or (
            isinstance(index, str) and index.startswith("lc_")
        )
        calls.setdefault(index if mergeable else ("alone", n), []).append(piece)
    return calls


def _label(key: Any) -> str:
    return "a tool call chunk without an index" if isinstance(key, tuple) else f"tool call index {key!r}"


def chunk_problem(calls: dict[Any, list[Piece]]) -> Problem | None:
    """The first piece that breaks the form: name and id on the first chunk only, args as text."""
    for key, group in calls.items():
        first = group[0]
        for field in ("name", "id"):
            if not isinstance(getattr(first, field), str) or not getattr(first, field):
                later = next((n for n, p in enumerate(group) if getattr(p, field)), None)
                came = (
                    f"it came on chunk {later + 1} of {len(group)}"
                    if later is not None
                    else "no chunk has one"
                )
                return Problem(
                    first.event,
                    f"the first chunk of {_label(key)} has no {field} ({came}). Stream consumers know a "
                    f"call by the {field} on its first chunk (langchain-core's v3 protocol puts it on "
                    "the block's content-block-start and nowhere earlier).",
                )
        for n, piece in enumerate(group[1:], start=2):
            if piece.name:
                return Problem(
                    piece.event,
                    f"chunk {n} of {_label(key)} repeats the name {piece.name!r}: langchain-core joins "
                    "the name pieces of a call, as it joins the args.",
                )
            if piece.id and piece.id != first.id:
                return Problem(
                    piece.event,
                    f"chunk {n} of {_label(key)} carries another id ({piece.id!r}, the first chunk gave "
                    f"{first.id!r}): langchain-core takes it for another call.",
                )
        bad = next((p for p in group if p.args is not None and not isinstance(p.args, str)), None)
        if bad is not None:
            return Problem(
                bad.event,
                f"a chunk of {_label(key)} carries args {show(repr(bad.args))}, not a piece of JSON text: "
                "`tool_call_chunks` args are strings that join to the arguments' JSON.",
            )
    return None


def joined_args(group: list[Piece]) -> str:
    return "".join(p.args for p in group if isinstance(p.args, str))


def assembled_problem(end: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """What is wrong with the one call the stream should assemble to (None: it is well formed)."""
    calls = [c for c in end.get("tool_calls") or [] if isinstance(c, dict)]
    invalid = [c for c in end.get("invalid_tool_calls") or [] if isinstance(c, dict)]
    if invalid:
        return f"it holds an invalid tool call ({_show_call(invalid[0])})"
    if len(calls) != 1:
        return f"it holds {len(calls)} tool calls, not one"
    call = calls[0]
    if call.get("name") not in names:
        return f"its tool call is named {call.get('name')!r}, none of the bound tools ({', '.join(names)})"
    if not isinstance(call.get("args"), dict):
        return f"its tool call's args are {show(repr(call.get('args')))}, not a dict"
    if not call.get("id"):
        return "its tool call has no id"
    return None


def _describe(event: dict[str, Any]) -> str:
    name = str(event.get("event"))
    if name == "on_chat_model_stream":
        entries = _data(event, "chunk").get("tool_call_chunks") or []
        shown = ", ".join(_show_piece(e) for e in entries if isinstance(e, dict))
        return f"{name} tool_call_chunks=[{shown}]"
    if name == "on_chat_model_end":
        calls = _data(event, "output").get("tool_calls") or []
        return f"{name} tool_calls=[{', '.join(_show_call(c) for c in calls if isinstance(c, dict))}]"
    if "index" in event and "run_id" not in event:
        block = event.get("content") or event.get("delta") or {}
        fields = " ".join(f"{k}={block[k]!r}" for k in ("type", "id", "name", "args") if k in block)
        return f"{name} index={event['index']} {fields}"
    return name


def _show_piece(entry: dict[str, Any]) -> str:
    args = entry.get("args")
    shown = show(args) if isinstance(args, (str, type(None))) else repr(args)
    return f"{{index={entry.get('index')!r} name={entry.get('name')!r} id={entry.get('id')!r} args={shown}}}"


def neighbourhood(events: list[dict[str, Any]], at: int | None) -> str:
    """The events around `at` (the whole stream if short), the bad one marked with '>'."""
    if not events:
        return "  (no events)"
    centre = len(events) - 1 if at is None else min(at, len(events) - 1)
    lo, hi = max(0, centre - CONTEXT), min(len(events), centre + CONTEXT + 1)
    lines = [f"  ... {lo} earlier events"] if lo else []
    for i in range(lo, hi):
        lines.append(f"{'>' if at is not None and i == at else ' '} #{i} {_describe(events[i])}")
    if hi < len(events):
        lines.append(f"  ... {len(events) - hi} later events")
    return "\n".join(lines)


def _report(where: str, events: list[dict[str, Any]], problem: Problem, fix: str) -> Verdict:
    at = f"event #{problem.index}: " if problem.index is not None else ""
    return failed(f"{where}: {at}{problem.text} {fix}\n{neighbourhood(events, problem.index)}\n")


def v2_problem(events: list[dict[str, Any]], names: tuple[str, ...]) -> tuple[Problem | None, str | None]:
    """(a problem of the chunks' form, or None; why the stream is not judged, or None)."""
    streams, end = model_run(events)
    if end is None:
        return Problem(None, "the chat model's run has no on_chat_model_end event."), None
    calls = by_call(pieces(events, streams))
    wrong = assembled_problem(_data(events[end], "output"), names)
    if wrong is not None:
        cause = chunk_problem(calls)
        why = f" The cause shows in the chunks: {cause.text}" if cause else ""
        return None, (
            f"the call langchain-core assembled from the streamed chunks is itself wrong ({wrong}); the "
            f"same chunks reach astream, where tool-calls judges the call (or the astream check, when "
            f"astream fails without tools too), so the events are not judged here.{why}"
        )
    if streams and not calls:
        return Problem(
            end,
            "the run ends with a tool call, but no on_chat_model_stream event carried a tool call chunk.",
        ), None
    if not streams:
        return None, None  # core gave the whole answer: no chunk to judge (see judge_tool_events)
    problem = chunk_problem(calls)
    if problem:
        return problem, None
    (call,) = _data(events[end], "output")["tool_calls"]
    group = next(iter(calls.values()))
    text = joined_args(group)
    try:
        parsed = json.loads(text) if text else {}
    except ValueError:
        parsed = None
    if parsed != call.get("args"):
        return Problem(
            end,
            f"the args pieces of the streamed chunks join to {show(text)}, but the run ends with args "
            f"{show(json.dumps(call.get('args'), ensure_ascii=False, default=repr))}.",
        ), None
    return None, None


# ---------------------------------------------------------------- tool-events: v3 blocks

V3_FIX = (
    "Your `_astream_chat_model_events` makes these events: start each tool call's block with "
    "content-block-start (a `tool_call_chunk` with the call's id and name, args ''), send the args "
    "as `tool-call-delta` pieces, and finish it with a `tool_call` holding the parsed args."
)


def tool_block_problem(events: list[dict[str, Any]], names: tuple[str, ...]) -> Problem | None:
    """The v3 tool-call block: started with id and name, args deltas, finished as that tool_call."""
    starts = {
        e.get("index"): (i, e.get("content") or {})
        for i, e in enumerate(events)
        if e.get("event") == "content-block-start"
        and (e.get("content") or {}).get("type") in ("tool_call_chunk", "tool_call", "invalid_tool_call")
    }
    if len(starts) != 1:
        return Problem(None, f"the stream has {len(starts)} tool-call blocks, not one.")
    ((index, (at, start)),) = starts.items()
    for field in ("id", "name"):
        if not start.get(field):
            return Problem(at, f"the tool-call block starts without its {field}.")
    mine = [(i, e) for i, e in enumerate(events) if e.get("index") == index and i > at]
    deltas = [(i, e.get("delta") or {}) for i, e in mine if e.get("event") == "content-block-delta"]
    other = next(((i, d) for i, d in deltas if d.get("type") != "tool-call-delta"), None)
    if other is not None:
        return Problem(
            other[0], f"a {other[1].get('type')!r} delta in the tool-call block; it takes tool-call-delta."
        )
    finished = [(i, e.get("content") or {}) for i, e in mine if e.get("event") == "content-block-finish"]
    if not finished:
        return Problem(at, "the tool-call block is never finished (no content-block-finish).")
    finish_at, finish = finished[0]
    if finish.get("type") != "tool_call":
        return Problem(finish_at, f"the tool-call block finishes as {finish.get('type')!r}, not 'tool_call'.")
    for field in ("id", "name"):
        if finish.get(field) != start.get(field):
            return Problem(
                finish_at,
                f"the block started with {field} {start.get(field)!r} "
                f"but finishes with {finish.get(field)!r}.",
            )
    if finish.get("name") not in names:
        named = (
            f"the tool call is named {finish.get('name')!r}, none of the bound tools ({', '.join(names)})."
        )
        return Problem(finish_at, named)
    text = "".join(str(d.get("args") or "") for _, d in deltas)
    if deltas or start.get("type") == "tool_call_chunk":
        try:
            parsed = json.loads(text) if text else {}
        except ValueError:
            parsed = None
        if parsed != finish.get("args"):
            return Problem(
                finish_at,
                f"the tool-call-delta events add up to {show(text)}, but the block finishes with args "
                f"{show(json.dumps(finish.get('args'), ensure_ascii=False, default=repr))}. Each delta "
                "carries only the next piece of the args.",
            )
    return None


NOT_STREAMED = (
    "langchain-core did not stream the tool calls: with tools bound, stream and astream gave the whole "
    'answer (the model turns streaming off when tools are bound, as `disable_streaming="tool_calling"` '
    "does)"
)
CHUNK_FIX = (
    "langchain-core's bridge builds these events from the chunks your `_astream` yields (here called "
    "with a run manager, as core's v3 path calls it): " + TOOL_FIX
)


def _v3_verdict(
    obs: Observation, tool: str, names: tuple[str, ...], chunks_judged: bool
) -> Verdict | str | None:
    """A failed verdict, what to add to the passed message, or None when v3 was not judged (the
    reason is then in `obs`, for `_v3_unjudged`)."""
    call = obs.calls.get(ids.TOOLS_EVENTS_V3)
    if _v3_unjudged(call):
        return None
    assert call is not None
    where = f"{V3} with {tool} bound and forced"
    verdict = call_failed(call, where)
    if verdict:
        return _forced_failed(obs) or verdict
    events = list(call.extra.get("events", []))
    problem = tool_block_problem(events, names)
    if problem is None:
        problem = v3_problem(events, None)
        if problem is not None and _plain_v3_fails(obs):
            return (
                "The v3 tool-call block was well formed; the stream's other fault shows without tools "
                "too, and event-stream reports it."
            )
    if problem is None:
        return "The v3 tool-call block was well formed."
    if call.extra.get("native_events"):
        return _report(where, events, problem, V3_FIX)
    if not chunks_judged:
        return _report(where, events, problem, CHUNK_FIX)
    at = f" (event #{problem.index})" if problem.index is not None else ""
    return (
        f"langchain-core's bridge built a v3 stream with a fault{at} from chunks that are well formed: "
        f"{problem.text} That is langchain-core's doing, not the model's."
    )


def _plain_v3_fails(obs: Observation) -> bool:
    """Whether event-stream's own v3 stream (no tools bound) breaks the lifecycle too: a fault
    there is event-stream's, told once."""
    plain = obs.calls.get(ids.EVENTS_V3)
    if plain is None or plain.failure is not None or "unsupported" in plain.extra:
        return False
    return v3_problem(list(plain.extra.get("events", [])), None) is not None


def _v3_unjudged(call: Call | None) -> str | None:
    """Why the v3 stream is not judged (core has none, or none for what bind_tools returned)."""
    if call is None:
        return "it was not observed"
    if call.extra.get("unsupported"):
        return str(call.extra["unsupported"])
    failure = call.failure
    # What bind_tools returned is not a chat model binding (a chain, say): core has no v3 stream for it.
    if failure is not None and failure.type_name == "NotImplementedError" and failure.origin == "langchain":
        return f"langchain-core raised {failure.describe()}"
    return None


# ---------------------------------------------------------------- tool-events


def _forced_failed(obs: Observation) -> Verdict | None:
    """A skip when the forced streamed calls of tool-calls failed too: one defect, one failure."""
    for probe in (ids.TOOLS_STREAM, ids.TOOLS_ASTREAM):
        other = obs.calls.get(probe)
        if other is not None and other.failure is not None:
            # tool-calls leaves a path that fails without tools too to that path's own check.
            owner = plain_failure(obs, probe) or "tool-calls reports that"
            return skipped(
                f"the forced streamed call of tool-calls ({probe.removeprefix('tools_')}) failed too "
                f"({other.failure.describe()}); {owner}, so the events are not judged."
            )
    return None


STREAMS = {ids.TOOLS_ASTREAM: "astream", ids.TOOLS_STREAM: "stream"}
"""tool-calls' forced streamed calls, whose chunks tool-events reads (no call of its own)."""


def stream_events(call: Call) -> list[dict[str, Any]]:
    """What astream_events(version="v2") sends for a streamed call, made of its records: an
    on_chat_model_stream event per chunk (langchain-core fires them from astream itself, on each
    chunk it yields, so they carry exactly those chunks), and the chunks added up as the end's output
    (core's own merge). A whole answer core yielded for a model that does not stream (an AIMessage,
    not a chunk) has no stream event, as astream_events sends none for it."""
    run = {"run_id": call.probe, "parent_ids": []}
    events: list[dict[str, Any]] = [{"event": "on_chat_model_start", **run}]
    for chunk in call.chunks:
        if chunk.output.type_name.endswith("Chunk"):
            data = {"chunk": {"tool_call_chunks": [dict(c) for c in chunk.output.tool_call_chunks]}}
            events.append({"event": "on_chat_model_stream", **run, "data": data})
    end = call.extra.get("assembled")
    output = {}
    if end is not None:
        output = {"tool_calls": list(end.tool_calls), "invalid_tool_calls": list(end.invalid_tool_calls)}
    events.append({"event": "on_chat_model_end", **run, "data": {"output": output}})
    return events


def _where(path: str, call: Call) -> str:
    bound = ", ".join(call.extra.get("tools") or ()) or "its tools"
    return (
        f'{path} of tool-calls\' forced call ({bound} bound), whose chunks astream_events(version="v2") '
        "sends as on_chat_model_stream events"
    )


def judge_tool_events(obs: Observation) -> Verdict:
    if not any(obs.facts.streams.get(path) for path in STREAMS.values()):
        return skipped(
            "langchain-core's stream and astream do not run the model's own streaming code (it has no "
            "`_stream`/`_astream`, or turns streaming off) and yield the whole answer as one chunk, so "
            "there are no streamed tool calls to judge."
        )
    judged: list[str] = []
    deferred: list[str] = []
    for probe, path in STREAMS.items():
        call = obs.calls.get(probe)
        if call is None or call.extra.get("no_call") or not obs.facts.streams.get(path):
            continue
        plain = plain_failure(obs, probe)
        if plain is not None:
            deferred.append(plain)
            continue
        if call.failure is not None:
            deferred.append(f"{path} failed ({call.failure.describe()}), which tool-calls reports")
            continue
        events = stream_events(call)
        if not model_run(events)[0]:
            continue  # core gave the whole answer (disable_streaming="tool_calling"): no chunk to judge
        problem, why_not = v2_problem(events, tuple(call.extra.get("tools") or ()))
        if why_not:
            deferred.append(f"on {path}, {why_not}")
        elif problem:
            return _report(_where(path, call), events, problem, TOOL_FIX)
        else:
            (made,) = _data(events[-1], "output")["tool_calls"]
            judged.append(f"{path}'s call of {made['name']}")
    if deferred and not judged:
        return skipped(f"{'; '.join(deferred)}. The events are not judged.")
    return _with_v3(obs, judged, deferred)


def _with_v3(obs: Observation, judged: list[str], deferred: list[str]) -> Verdict:
    call = obs.calls.get(ids.TOOLS_EVENTS_V3)
    tool = str(call.extra.get("tool", "the tool")) if call is not None else "the tool"
    names = tuple(str(n) for n in (call.extra.get("tools") if call is not None else None) or [tool])
    v3 = _v3_verdict(obs, tool, names, chunks_judged=bool(judged))
    if isinstance(v3, Verdict):
        return v3
    reason = _v3_unjudged(call)
    if not judged:
        if v3 is None:
            return skipped(f"{NOT_STREAMED}; the v3 protocol was not checked either: {reason}.")
        return passed(f"{NOT_STREAMED}; only the v3 protocol was checked. {v3}")
    note = v3 or f"The v3 protocol was not checked: {reason}."
    unjudged = f" Not judged: {'; '.join(deferred)}." if deferred else ""
    return passed(
        f"checked the streamed tool call chunks of {' and '.join(judged)}.{unjudged} {note}", deferred
    )


__all__ = ["judge_round_trip", "judge_tool_events"]
