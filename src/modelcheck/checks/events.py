"""Event streams: `event-stream` judges the lifecycle of the events, `event-snapshot` compares them.

Both judge plain event records (dicts) that the events probes made; see `events_normalize` for
the snapshot's normalized form and `modelcheck.pytest.snapshot` for the syrupy side.

The stream judged is that of a prompt template piped into the model: the model's run inside it is
its own `astream` with the events' callbacks, so it is judged as the model's stream, against
astream's answer to the same prompt. What the framework does is never blamed on the model: on core
1.x the stream carries what `astream` yields (with core's closing empty chunk), a chat model's
stream callbacks are fired by core, and a model that does not stream has no stream events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from modelcheck.checks.common import call_failed, show
from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import consensus
from modelcheck.core.events import STABLE_NOTE, IdMap, Normalizer, stable_events, value_text
from modelcheck.core.records import Call, Kind, Observation, SnapshotResult
from modelcheck.core.verdict import Verdict, failed, passed, skipped
from modelcheck.secrets.scrub import Scrubber

V2 = 'astream_events(version="v2")'
V3 = 'astream_events(version="v3")'
RUN_TYPE = {"llm": "llm", "chat": "chat_model"}
CONTEXT = 2
SNAPSHOT_FORMAT = 2
"""The event snapshot's layout: 1 held the model alone and the chain, 2 holds the chain only."""


@dataclass(frozen=True)
class Problem:
    """The first event that breaks a rule (None: the stream as a whole), and what to say."""

    index: int | None
    text: str


def run_type(event: dict[str, Any]) -> str:
    """`chat_model` for `on_chat_model_stream`, `chain` for `on_chain_start`…"""
    name = str(event.get("event", ""))
    body, _, phase = name.removeprefix("on_").rpartition("_")
    return body if phase in ("start", "stream", "end", "error") else ""


def phase(event: dict[str, Any]) -> str:
    return str(event.get("event", "")).rpartition("_")[2]


def _chunk_text(event: dict[str, Any]) -> str | None:
    data = event.get("data")
    return value_text(data.get("chunk")) if isinstance(data, dict) else None


def _output_text(event: dict[str, Any]) -> str | None:
    data = event.get("data")
    return value_text(data.get("output")) if isinstance(data, dict) else None


# ---------------------------------------------------------------- showing events


def describe(event: dict[str, Any], ids: IdMap) -> str:
    """One event on one line (the caller adds its number)."""
    return _describe_v2(event, ids) if "run_id" in event else _describe_v3(event)


def _describe_v2(event: dict[str, Any], ids: IdMap) -> str:
    parents = ",".join(ids(str(p)) for p in event.get("parent_ids") or [])
    line = f"{event.get('event')} {event.get('name', '')} run={ids(str(event['run_id']))} parents=[{parents}]"
    if phase(event) == "stream":
        return f"{line} chunk={show(_chunk_text(event))}"
    output = _output_text(event) if phase(event) == "end" else None
    return line if output is None else f"{line} output={show(output)}"


def _describe_v3(event: dict[str, Any]) -> str:
    line = str(event.get("event"))
    if "index" not in event:
        return line
    block = event.get("content") or event.get("delta") or {}
    if not isinstance(block, dict):
        return f"{line} index={event['index']}"
    text = block.get("text", block.get("reasoning"))
    return f"{line} index={event['index']} {block.get('type')}" + (
        f" {show(text)}" if isinstance(text, str) else ""
    )


def neighbourhood(events: list[dict[str, Any]], index: int | None) -> str:
    """The events around `index` (the whole stream if short), the bad one marked with '>'."""
    ids = IdMap()
    for e in events:
        if "run_id" in e:
            ids(str(e["run_id"]))
    if not events:
        return "  (no events)"
    at = len(events) - 1 if index is None else min(index, len(events) - 1)
    lo, hi = max(0, at - CONTEXT), min(len(events), at + CONTEXT + 1)
    lines = [f"  ... {lo} earlier events"] if lo else []
    for i in range(lo, hi):
        mark = ">" if index is not None and i == index else " "
        lines.append(f"{mark} #{i} {describe(events[i], ids)}")
    if hi < len(events):
        lines.append(f"  ... {len(events) - hi} later events")
    return "\n".join(lines)


def _report(where: str, events: list[dict[str, Any]], problem: Problem) -> Verdict:
    at = f"event #{problem.index}: " if problem.index is not None else ""
    return failed(f"{where}: {at}{problem.text}\n{neighbourhood(events, problem.index)}\n")


# ---------------------------------------------------------------- v2 lifecycle


def _run_problem(kind: Kind, events: list[dict[str, Any]], run: str, what: str) -> Problem | None:
    """One start first, stream events, one end last: the lifecycle of one model run."""
    mine = [(i, e) for i, e in enumerate(events) if e.get("run_id") == run]
    want = RUN_TYPE[kind]
    first_i, first = mine[0]
    if first.get("event") != f"on_{want}_start":
        return Problem(
            first_i, f"{what} begins with {first.get('event')}; it should begin with on_{want}_start."
        )
    for i, e in mine[1:]:
        name = e.get("event")
        if name == f"on_{want}_start":
            return Problem(i, f"{what} started a second time; a run has one start event.")
        if phase(e) == "error":
            return Problem(i, f"{what} ended with an error event; the model raised while streaming.")
        if name not in (f"on_{want}_stream", f"on_{want}_end"):
            return Problem(i, f"{what} sent {name}; a {kind} model's run sends only on_{want}_* events.")
    ends = [i for i, e in mine if e.get("event") == f"on_{want}_end"]
    if not ends:
        return Problem(mine[-1][0], f"{what} never ended: there is no on_{want}_end event.")
    if len(ends) > 1:
        return Problem(ends[1], f"{what} ended twice; a run has one end event.")
    if ends[0] != mine[-1][0]:
        later = next(i for i, _ in mine if i > ends[0])
        return Problem(later, f"{what} sent an event after its on_{want}_end.")
    return None


def _stream_of(events: list[dict[str, Any]], run: str) -> list[tuple[int, str | None]]:
    return [
        (i, _chunk_text(e)) for i, e in enumerate(events) if e.get("run_id") == run and phase(e) == "stream"
    ]


def _end_of(events: list[dict[str, Any]], run: str) -> tuple[int, dict[str, Any]]:
    return next((i, e) for i, e in enumerate(events) if e.get("run_id") == run and phase(e) == "end")


def _parents_problem(events: list[dict[str, Any]], root: str) -> Problem | None:
    """Run ids and parent ids agree: every run hangs from the root through runs already started."""
    started: set[str] = set()
    for i, e in enumerate(events):
        run, parents = e.get("run_id"), e.get("parent_ids")
        if not isinstance(run, str) or not run or not isinstance(parents, list):
            return Problem(i, "the event has no run_id or no parent_ids list.")
        if phase(e) == "start":
            started.add(run)
        if run == root:
            if parents:
                return Problem(i, "an event of the root run lists parent ids; the root run has none.")
            continue
        if not parents or parents[0] != root:
            return Problem(
                i,
                "this event's run is not nested in the run that was asked for (its parent ids do not "
                "start with the root run). Something started a run outside the caller's run.",
            )
        unknown = [p for p in parents if p not in started]
        if unknown or run not in started:
            return Problem(i, "this event names a run or a parent run that has not started.")
    return None


def _texts_problem(
    streams: list[tuple[int, str | None]], want: list[str], end: int, what: str, source: str
) -> Problem | None:
    for n, ((i, got), expected) in enumerate(zip(streams, want, strict=False)):
        if got != expected:
            return Problem(i, f"{what} carries {show(got)}, but chunk {n} of {source} was {show(expected)}.")
    if len(streams) > len(want):
        return Problem(
            streams[len(want)][0],
            f"{what}: {len(streams)} stream events for the {len(want)} chunks of {source}; "
            "a chunk was reported twice.",
        )
    if len(streams) < len(want):
        return Problem(
            end,
            f"{what}: {len(streams)} stream events for the {len(want)} chunks of {source}; "
            f"chunk {len(streams)} ({show(want[len(streams)])}) never reached the callbacks.",
        )
    return None


def _end_problem(
    events: list[dict[str, Any]], run: str, streams: list[tuple[int, str | None]], what: str
) -> Problem | None:
    end_i, end = _end_of(events, run)
    joined = "".join(t or "" for _, t in streams)
    out = _output_text(end)
    if streams and out != joined:
        return Problem(
            end_i, f"{what} ends with output {show(out)}, but its stream events add up to {show(joined)}."
        )
    return None


def chain_problem(
    kind: Kind, events: list[dict[str, Any]], streams_natively: bool, reference: str | None = None
) -> Problem | None:
    """The chain's stream: the model's run nested once under the chain, reporting every chunk, its
    stream events adding up to its end output and, where `reference` (astream's answer to the same
    prompt) is known, to that answer."""
    if not events:
        return Problem(None, "there were no events at all.")
    root = str(events[0].get("run_id"))
    if events[0].get("event") != "on_chain_start" or events[-1].get("event") != "on_chain_end":
        i = 0 if events[0].get("event") != "on_chain_start" else len(events) - 1
        return Problem(i, "the chain's stream should begin with on_chain_start and end with on_chain_end.")
    problem = _parents_problem(events, root)
    if problem:
        return problem
    want = RUN_TYPE[kind]
    model_runs = list(
        dict.fromkeys(
            str(e["run_id"])
            for e in events
            if run_type(e) in ("llm", "chat_model") and e.get("parent_ids") == [root]
        )
    )
    if not model_runs:
        return Problem(None, f"no model run started inside the chain (no on_{want}_start under the chain).")
    if len(model_runs) > 1:
        second = next(i for i, e in enumerate(events) if e.get("run_id") == model_runs[1])
        names = ", ".join(
            str(next(e.get("name") for e in events if e.get("run_id") == r)) for r in model_runs
        )
        return Problem(
            second,
            f"{len(model_runs)} model runs started directly under the chain ({names}); only the model's "
            "own run belongs there, so every chunk reached astream_events consumers more than once. "
            "Your model calls another model with the caller's callbacks (taken from the context). "
            "Give that call callbacks of its own: `run_manager.get_child()` where your method gets a "
            'run_manager, or `config={"callbacks": []}`, or call the inner model\'s `_stream`/`_astream`.',
        )
    run = model_runs[0]
    problem = _run_problem(kind, events, run, "the model's run inside the chain")
    if problem:
        return problem
    streams = _stream_of(events, run)
    chain_chunks = [t for _, t in _stream_of(events, root)]
    end_i, end = _end_of(events, run)
    if not streams and not streams_natively:
        # No `_stream`/`_astream`: core's astream yields the answer after the run has ended, and
        # astream_events sends no stream event for an ended run. That is the framework's doing.
        out = _output_text(end)
        return _answer_problem(
            end_i, f"the model's run inside the chain ends with output {show(out)}", out, reference
        )
    if not streams:
        return Problem(
            end_i,
            f"the chain streamed {len(chain_chunks)} chunks, but the model's run inside it sent no "
            f"on_{want}_stream event. Call `run_manager.on_llm_new_token(text, chunk=chunk)` for each "
            "chunk in `_stream` and `_astream`, before yielding it.",
        )
    want_texts = [t or "" for t in chain_chunks]
    joined = "".join(t or "" for _, t in streams)
    return (
        _texts_problem(
            streams,
            want_texts,
            end_i,
            f"the model's on_{want}_stream inside the chain",
            "the chain's output stream",
        )
        or _end_problem(events, run, streams, "the model's run inside the chain")
        or _answer_problem(
            end_i, f"the model's stream events inside the chain add up to {show(joined)}", joined, reference
        )
    )


def _answer_problem(end: int, seen: str, got: str | None, reference: str | None) -> Problem | None:
    """The model's run answered what astream answered for the same prompt (a deterministic model)."""
    if reference is None or got == reference:
        return None
    return Problem(end, f"{seen}, but astream answered {show(reference)} for the same prompt.")


# ---------------------------------------------------------------- v3 protocol


def v3_problem(events: list[dict[str, Any]], reference: str | None) -> Problem | None:
    """The content-block protocol: message-start, blocks started, deltas, finished, message-finish."""
    if not events:
        return Problem(None, "there were no events at all.")
    if events[0].get("event") != "message-start":
        return Problem(0, "the stream should begin with message-start.")
    open_blocks: dict[Any, list[dict[str, Any]]] = {}
    finished: dict[Any, dict[str, Any]] = {}
    for i, e in enumerate(events[1:], start=1):
        name, index = e.get("event"), e.get("index")
        if name == "message-start":
            return Problem(i, "a second message-start; one stream holds one message.")
        if name == "error":
            return Problem(i, f"the stream reported an error: {show(str(e.get('message', e)))}.")
        if name == "message-finish":
            if i != len(events) - 1:
                return Problem(i + 1, "an event after message-finish; message-finish must be last.")
            unfinished = [k for k in open_blocks if k not in finished]
            if unfinished:
                return Problem(i, f"message-finish while block {unfinished[0]} was never finished.")
        elif name == "content-block-start":
            if index in open_blocks:
                return Problem(i, f"block {index} started a second time.")
            open_blocks[index] = []
        elif name in ("content-block-delta", "content-block-finish"):
            if index not in open_blocks:
                return Problem(i, f"{name} for block {index}, which was never started.")
            if index in finished:
                return Problem(i, f"{name} for block {index}, which was already finished.")
            if name == "content-block-delta":
                open_blocks[index].append(e.get("delta") or {})
            else:
                finished[index] = e.get("content") or {}
                problem = _deltas_problem(i, index, open_blocks[index], finished[index])
                if problem:
                    return problem
    if events[-1].get("event") != "message-finish":
        return Problem(len(events) - 1, "the stream never sent message-finish.")
    text = "".join(str(b.get("text", "")) for b in finished.values() if b.get("type") == "text")
    if reference is not None and text != reference:
        return Problem(
            len(events) - 1,
            f"the finished text blocks say {show(text)}, but astream answered {show(reference)} "
            "for the same prompt.",
        )
    return None


def _deltas_problem(
    i: int, index: Any, deltas: list[dict[str, Any]], block: dict[str, Any]
) -> Problem | None:
    for field, delta_type in (("text", "text-delta"), ("reasoning", "reasoning-delta")):
        if block.get("type") != field:
            continue
        joined = "".join(str(d.get(field, "")) for d in deltas if d.get("type") == delta_type)
        if joined != block.get(field, ""):
            return Problem(
                i,
                f"the {delta_type} events of block {index} add up to {show(joined)}, but the finished "
                f"block says {show(str(block.get(field)))}. Each delta must carry only the new text, "
                "not the text so far.",
            )
    return None


# ---------------------------------------------------------------- judges


def _events(call: Call | None) -> list[dict[str, Any]]:
    return list(call.extra.get("events", [])) if call is not None else []


def _v3_verdict(obs: Observation, reference: str | None) -> Verdict | str:
    """A failed verdict, or the note to add when v3 was not checked ("" when it passed)."""
    if obs.kind != "chat":
        return ""
    call = obs.calls.get(ids.EVENTS_V3)
    reason = call.extra.get("unsupported") if call is not None else "it was not observed"
    if reason:
        return f"The v3 event stream was not checked: {reason}."
    assert call is not None
    if call.failure is not None and call.failure.type_name == "NotImplementedError":
        who = (
            f"the model raised NotImplementedError in {call.failure.where}"
            if call.failure.where
            else ("langchain-core raised NotImplementedError there")
        )
        return f"The v3 event stream was not checked: {who} ({call.failure.message})."
    verdict = call_failed(call, f"{V3} on the model")
    if verdict:
        return verdict
    problem = v3_problem(_events(call), reference)
    return _report(f"{V3} on the model", _events(call), problem) if problem else ""


def _template(kind: str) -> str:
    return "ChatPromptTemplate | model" if kind == "chat" else "PromptTemplate | model"


def judge_event_stream(obs: Observation) -> Verdict:
    chain = obs.calls.get(ids.EVENTS_V2_CHAIN)
    verdict = call_failed(chain, f"{V2} on the {_template(obs.kind)} chain")
    if verdict:
        return verdict
    agreed = consensus(obs)
    # astream_events runs astream: a model whose implementations drift apart is compared with the
    # answer of astream's side (the drift itself is astream's or ainvoke's failure, not this check's).
    reference = agreed.text_for(ids.ASTREAM)
    # astream_events runs astream: it streams when astream runs the model's own streaming code.
    native = any(obs.facts.native.get(m) for m in ("_stream", "_astream", "stream", "astream"))
    streams = obs.facts.streams.get("astream", native)
    problem = chain_problem(obs.kind, _events(chain), streams, reference)
    if problem:
        return _report(f"{V2} on {_template(obs.kind)}", _events(chain), problem)
    v3 = _v3_verdict(obs, reference)
    if isinstance(v3, Verdict):
        return v3
    notes = [v3] if v3 else []
    if not agreed.deterministic:
        notes.append(
            "The model was taken as nondeterministic, so the events were not compared with astream's answer."
        )
    return passed(" ".join(notes))


def snapshot_document(obs: Observation, scrub: Any = None) -> dict[str, Any]:
    """The normalized v2 event stream of the prompt | model chain, as the snapshot holds it."""
    exclude = tuple(obs.settings.get("snapshot_exclude", ()))
    normalizer = Normalizer(exclude=exclude, scrub=scrub)
    chain = normalizer.events(_events(obs.calls.get(ids.EVENTS_V2_CHAIN)), IdMap())
    head = {"modelcheck_snapshot": SNAPSHOT_FORMAT, "target": obs.target}
    if not sampled(obs):
        return {**head, "chain": chain}
    # A sampling model's text (and how many chunks carry it) differs on every run: only its shape is kept.
    return {**head, "nondeterministic": STABLE_NOTE, "chain": stable_events(chain)}


def sampled(obs: Observation) -> bool:
    """Whether the model is declared nondeterministic or seen to be: its paths answered differently."""
    agreed = consensus(obs)
    return agreed.declared or (not agreed.deterministic and len(agreed.compared) > 1)


def judge_event_snapshot(obs: Observation) -> Verdict:
    chain = obs.calls.get(ids.EVENTS_V2_CHAIN)
    verdict = call_failed(chain, f"{V2} on the {_template(obs.kind)} chain")
    if verdict:
        return verdict
    if obs.snapshot is None:
        return skipped(
            "no snapshot store: the syrupy plugin is not active in this pytest run "
            "(was it disabled with -p no:syrupy?)"
        )
    result = obs.snapshot(snapshot_document(obs, _scrubber(obs)))
    return _snapshot_verdict(result)


def _scrubber(obs: Observation) -> Scrubber:
    return Scrubber([*obs.canaries, *obs.real_secrets])


def _snapshot_verdict(result: SnapshotResult) -> Verdict:
    where = result.location
    if result.outcome == "matched":
        return passed()
    if result.outcome in ("created", "updated"):
        return passed(f"snapshot {result.outcome}: {where}")
    if result.outcome == "error":
        return failed(f"syrupy could not compare the snapshot {where}: {result.diff}")
    if result.outcome == "missing":
        return failed(
            f"there is no snapshot of this model's event stream yet ({where}). Create it with "
            "`pytest --snapshot-update` (with the same --modelcheck options), read it, and commit it; "
            "later runs compare the event stream with it."
        )
    return failed(
        f"the event stream differs from the snapshot {where} (- snapshot, + this run):\n{result.diff}\n"
        + (
            _older_format(result.diff)
            or "If the change is intended, accept it with `pytest --snapshot-update` and commit the file."
        )
    )


def _older_format(diff: str) -> str | None:
    """What to do when the snapshot was written by a modelcheck that laid the file out otherwise."""
    older = re.search(r'^- .*"modelcheck_snapshot": (\d+)', diff, re.MULTILINE)
    if older is None or older[1] == str(SNAPSHOT_FORMAT):
        return None
    return (
        f"The snapshot was written in modelcheck's snapshot format {older[1]}; this version writes format "
        f"{SNAPSHOT_FORMAT} (see CHANGELOG.md), so the file differs even where the stream does not. "
        "Rewrite it with `pytest --snapshot-update`, read the new file, and commit it."
    )


__all__ = ["judge_event_snapshot", "judge_event_stream", "snapshot_document"]
