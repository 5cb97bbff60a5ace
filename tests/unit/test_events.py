"""The event-stream judges on event streams written by hand: each rule, and what the message shows."""

from __future__ import annotations

from typing import Any

import pytest

from modelcheck.checks.events import (
    chain_problem,
    judge_event_snapshot,
    judge_event_stream,
    neighbourhood,
    v3_problem,
)
from modelcheck.core.records import Call, Facts, Failure, Observation, Output, SnapshotResult

TEXT = ["Hel", "lo", " you"]
CHAIN, PROMPT_RUN, MODEL = "chain-run", "prompt-run", "model-run"


def ev(event: str, run: str, parents: tuple[str, ...] = (), name: str = "M", **data: Any) -> dict[str, Any]:
    return {
        "event": event,
        "name": name,
        "run_id": run,
        "parent_ids": list(parents),
        "tags": [],
        "data": data,
    }


def chunk(kind: str, text: str) -> Any:
    return text if kind == "llm" else {"content": text, "type": "AIMessageChunk"}


def output(kind: str, text: str) -> Any:
    if kind == "llm":
        return {"generations": [[{"text": text, "type": "Generation"}]], "llm_output": None}
    return {"content": text, "type": "AIMessageChunk"}


def in_chain(
    kind: str = "llm", chunks: list[str] = TEXT, model_chunks: list[str] | None = None
) -> list[dict[str, Any]]:
    t = "llm" if kind == "llm" else "chat_model"
    model_chunks = chunks if model_chunks is None else model_chunks
    events = [
        ev("on_chain_start", CHAIN, name="RunnableSequence"),
        ev("on_prompt_start", PROMPT_RUN, (CHAIN,), name="ChatPromptTemplate"),
        ev("on_prompt_end", PROMPT_RUN, (CHAIN,), name="ChatPromptTemplate"),
        ev(f"on_{t}_start", MODEL, (CHAIN,)),
    ]
    for i, c in enumerate(chunks):
        if i < len(model_chunks):
            events.append(ev(f"on_{t}_stream", MODEL, (CHAIN,), chunk=chunk(kind, model_chunks[i])))
        events.append(ev("on_chain_stream", CHAIN, name="RunnableSequence", chunk=chunk(kind, c)))
    events.append(ev(f"on_{t}_end", MODEL, (CHAIN,), output=output(kind, "".join(model_chunks))))
    return [*events, ev("on_chain_end", CHAIN, name="RunnableSequence", output=chunk(kind, "".join(chunks)))]


def v3(deltas: list[str] = TEXT, finished: str | None = None) -> list[dict[str, Any]]:
    text = "".join(deltas) if finished is None else finished
    return [
        {"event": "message-start", "role": "ai", "id": "x"},
        {"event": "content-block-start", "index": 0, "content": {"type": "text", "text": ""}},
        *(
            {"event": "content-block-delta", "index": 0, "delta": {"type": "text-delta", "text": d}}
            for d in deltas
        ),
        {"event": "content-block-finish", "index": 0, "content": {"type": "text", "text": text}},
        {"event": "message-finish"},
    ]


# ---------------------------------------------------------------- the model's run in the chain


def test_core_closing_empty_chunk_is_not_blamed() -> None:
    events = in_chain("chat", [*TEXT, ""])
    assert chain_problem("chat", events, streams_natively=True, reference="Hello you") is None


def test_no_events_at_all() -> None:
    problem = chain_problem("chat", [], streams_natively=True)
    assert problem is not None and problem.index is None and "no events" in problem.text


def test_a_model_that_does_not_stream_is_judged_by_its_end_output() -> None:
    events = in_chain("chat", [], model_chunks=[])
    events[-2]["data"]["output"] = output("chat", "Hello you")
    assert chain_problem("chat", events, False, reference="Hello you") is None
    events[-2]["data"]["output"] = output("chat", "Hello")
    problem = chain_problem("chat", events, False, reference="Hello you")
    assert problem is not None and problem.index == len(events) - 2
    assert "ends with output 'Hello', but astream answered 'Hello you'" in problem.text


def test_end_output_must_equal_the_stream() -> None:
    events = in_chain("llm")
    events[-2]["data"]["output"] = output("llm", "Hello there")
    problem = chain_problem("llm", events, streams_natively=True)
    assert problem is not None and problem.index == len(events) - 2
    assert "'Hello there'" in problem.text and "'Hello you'" in problem.text


@pytest.mark.parametrize("kind", ["llm", "chat"])
def test_stream_must_equal_astream_of_a_deterministic_model(kind: str) -> None:
    assert chain_problem(kind, in_chain(kind), True, reference="Hello you") is None  # type: ignore[arg-type]
    problem = chain_problem(kind, in_chain(kind), True, reference="Hello me")  # type: ignore[arg-type]
    assert problem is not None and problem.index == len(in_chain(kind)) - 2
    assert "stream events inside the chain add up to 'Hello you', but astream answered 'Hello me'" in (
        problem.text
    )


def test_a_second_start_and_an_event_after_the_end() -> None:
    events = in_chain("chat")
    twice = [*events[:5], events[3], *events[5:]]
    problem = chain_problem("chat", twice, streams_natively=True)
    assert problem is not None and problem.index == 5 and "started a second time" in problem.text
    end = len(events) - 2
    after = [
        *events[: end + 1],
        ev("on_chat_model_stream", MODEL, (CHAIN,), chunk=chunk("chat", "!")),
        events[-1],
    ]
    problem = chain_problem("chat", after, streams_natively=True)
    assert problem is not None and problem.index == end + 1 and "after its on_chat_model_end" in problem.text


def test_a_run_outside_the_chain() -> None:
    events = in_chain("chat")
    events.insert(5, ev("on_chat_model_start", "stray", name="Inner"))
    problem = chain_problem("chat", events, streams_natively=True)
    assert problem is not None and problem.index == 5 and "not nested" in problem.text


def test_a_wrong_kind_of_event() -> None:
    problem = chain_problem("chat", in_chain("llm"), streams_natively=True)
    assert problem is not None and problem.index == 3
    assert "begins with on_llm_start; it should begin with on_chat_model_start" in problem.text


# ---------------------------------------------------------------- the chain


@pytest.mark.parametrize("kind", ["llm", "chat"])
def test_a_well_formed_chain_passes(kind: str) -> None:
    assert chain_problem(kind, in_chain(kind), streams_natively=True) is None  # type: ignore[arg-type]


def test_missing_callbacks_leave_the_model_run_without_stream_events() -> None:
    problem = chain_problem("llm", in_chain("llm", model_chunks=[]), streams_natively=True)
    assert problem is not None and problem.index == 7
    assert "the chain streamed 3 chunks" in problem.text and "run_manager.on_llm_new_token" in problem.text


def test_a_model_that_does_not_stream_is_not_blamed_for_it() -> None:
    assert chain_problem("llm", in_chain("llm", model_chunks=[]), streams_natively=False) is None


def test_a_chunk_reported_with_other_text() -> None:
    events = in_chain("llm", model_chunks=["Hel", "LO", " you"])
    problem = chain_problem("llm", events, streams_natively=True)
    assert problem is not None and problem.index == 6
    assert "carries 'LO', but chunk 1 of the chain's output stream was 'lo'" in problem.text


def test_a_chunk_never_reported() -> None:
    problem = chain_problem("llm", in_chain("llm", model_chunks=["Hel", "lo"]), streams_natively=True)
    assert problem is not None and "chunk 2 (' you') never reached the callbacks" in problem.text


def test_a_second_model_run_beside_the_model() -> None:
    events = in_chain("chat")
    events.insert(4, ev("on_chat_model_start", "inner-run", (CHAIN,), name="Inner"))
    events.insert(
        -2, ev("on_chat_model_end", "inner-run", (CHAIN,), name="Inner", output=output("chat", "x"))
    )
    problem = chain_problem("chat", events, streams_natively=True)
    assert problem is not None and problem.index == 4
    assert "2 model runs started directly under the chain (M, Inner)" in problem.text


def test_a_model_run_nested_in_the_model_is_fine() -> None:
    events = in_chain("chat")
    events.insert(4, ev("on_chat_model_start", "inner-run", (CHAIN, MODEL), name="Inner"))
    events.insert(5, ev("on_chat_model_end", "inner-run", (CHAIN, MODEL), name="Inner"))
    assert chain_problem("chat", events, streams_natively=True) is None


def test_parent_ids_naming_a_run_that_never_started() -> None:
    events = in_chain("llm")
    events[3]["parent_ids"] = [CHAIN, "ghost"]
    problem = chain_problem("llm", events, streams_natively=True)
    assert problem is not None and problem.index == 3 and "has not started" in problem.text


# ---------------------------------------------------------------- v3


def test_a_well_formed_v3_stream_passes() -> None:
    assert v3_problem(v3(), "Hello you") is None


def test_cumulative_deltas() -> None:
    problem = v3_problem(v3(["Hel", "Hello", "Hello you"], finished="Hello you"), None)
    assert problem is not None and problem.index == 5
    assert "add up to 'HelHelloHello you', but the finished block says 'Hello you'" in problem.text


@pytest.mark.parametrize(
    ("edit", "index", "words"),
    [
        (lambda e: e[1:], 0, "begin with message-start"),
        (lambda e: e[:-1], 5, "never sent message-finish"),
        (lambda e: [e[0], e[2], *e[1:]], 1, "block 0, which was never started"),
        (lambda e: [*e[:2], e[1], *e[2:]], 2, "block 0 started a second time"),
        (lambda e: [*e[:6], e[2], e[6]], 6, "already finished"),
        (lambda e: [*e[:4], e[6]], 4, "block 0 was never finished"),
        (lambda e: [*e, e[6]], 7, "must be last"),
        (lambda e: [*e[:2], {"event": "error", "message": "boom"}, *e[2:]], 2, "reported an error"),
    ],
)
def test_v3_protocol_rules(edit: Any, index: int, words: str) -> None:
    problem = v3_problem(edit(v3()), None)
    assert problem is not None and problem.index == index and words in problem.text


def test_v3_text_must_equal_astream_of_a_deterministic_model() -> None:
    problem = v3_problem(v3(), "Hello me")
    assert problem is not None and "astream answered 'Hello me'" in problem.text


# ---------------------------------------------------------------- messages and verdicts


def test_the_neighbourhood_marks_the_bad_event_and_shows_two_on_each_side() -> None:
    events = in_chain("llm")
    text = neighbourhood(events, 6)
    assert text.splitlines() == [
        "  ... 4 earlier events",
        "  #4 on_llm_stream M run=<run-2> parents=[<run-0>] chunk='Hel'",
        "  #5 on_chain_stream RunnableSequence run=<run-0> parents=[] chunk='Hel'",
        "> #6 on_llm_stream M run=<run-2> parents=[<run-0>] chunk='lo'",
        "  #7 on_chain_stream RunnableSequence run=<run-0> parents=[] chunk='lo'",
        "  #8 on_llm_stream M run=<run-2> parents=[<run-0>] chunk=' you'",
        "  ... 3 later events",
    ]


def observation(kind: str = "chat", deterministic: bool = True, **calls: Call) -> Observation:
    obs = Observation("pkg:Model", kind, Facts("Model", "pkg", native={"_stream": "pkg.Model"}))  # type: ignore[arg-type]
    if deterministic:
        for name in ("invoke", "ainvoke", "batch"):
            obs.calls[name] = Call(name, outputs=[Output("str", "Hello you", True)])
    obs.calls.update(calls)
    return obs


def events_call(name: str, events: list[dict[str, Any]], **extra: Any) -> Call:
    return Call(name, extra={"events": events, **extra})


def test_judge_passes_a_good_chat_model_and_checks_v3() -> None:
    obs = observation(
        events_v2_chain=events_call("events_v2_chain", in_chain("chat")),
        events_v3=events_call("events_v3", v3()),
    )
    verdict = judge_event_stream(obs)
    assert (verdict.outcome, verdict.message) == ("passed", "")


def test_judge_fails_with_the_place_the_rule_and_the_events() -> None:
    obs = observation(
        kind="llm",
        events_v2_chain=events_call("events_v2_chain", in_chain("llm", model_chunks=[])),
    )
    verdict = judge_event_stream(obs)
    assert verdict.outcome == "failed"
    assert verdict.message.startswith('astream_events(version="v2") on PromptTemplate | model: event #7: ')
    assert "> #7 on_llm_end M run=<run-2> parents=[<run-0>] output=''" in verdict.message


def test_judge_notes_why_v3_was_not_checked() -> None:
    base = {
        "events_v2_chain": events_call("events_v2_chain", in_chain("chat")),
    }
    unsupported = events_call("events_v3", [], unsupported="langchain-core 0.3.86 has no v3")
    verdict = judge_event_stream(observation(**base, events_v3=unsupported))
    assert verdict.outcome == "passed" and "langchain-core 0.3.86 has no v3" in verdict.message
    raised = Call("events_v3", failure=Failure("raised", "NotImplementedError", "no streaming"))
    verdict = judge_event_stream(observation(**base, events_v3=raised))
    assert verdict.outcome == "passed"
    assert "langchain-core raised NotImplementedError there (no streaming)" in verdict.message
    own = Failure("raised", "NotImplementedError", "no", where="_astream (m.py:3)", origin="model")
    verdict = judge_event_stream(observation(**base, events_v3=Call("events_v3", failure=own)))
    assert "the model raised NotImplementedError in _astream (m.py:3) (no)" in verdict.message
    other = Call("events_v3", failure=Failure("raised", "ValueError", "bad"))
    verdict = judge_event_stream(observation(**base, events_v3=other))
    assert verdict.outcome == "failed" and "raised ValueError: bad" in verdict.message


def test_judge_of_a_nondeterministic_model_does_not_compare_with_astream() -> None:
    obs = observation(
        deterministic=False,
        events_v2_chain=events_call("events_v2_chain", in_chain("chat")),
        events_v3=events_call("events_v3", v3(finished="Hello you")),
    )
    verdict = judge_event_stream(obs)
    assert verdict.outcome == "passed" and "nondeterministic" in verdict.message


def test_judge_reports_a_failed_probe() -> None:
    timeout = Call("events_v2_chain", failure=Failure("timeout", "TimeoutError", "timed out after 2 s"))
    verdict = judge_event_stream(observation(events_v2_chain=timeout))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        'astream_events(version="v2") on the ChatPromptTemplate | model chain timed out after 2 s'
    )


@pytest.mark.parametrize(
    ("result", "outcome", "words"),
    [
        (SnapshotResult("matched", "s.json"), "passed", ""),
        (SnapshotResult("created", "s.json"), "passed", "snapshot created: s.json"),
        (
            SnapshotResult("missing", "s.json"),
            "failed",
            "no snapshot of this model's event stream yet (s.json)",
        ),
        (SnapshotResult("changed", "s.json", "- a\n+ b"), "failed", "(- snapshot, + this run):\n- a\n+ b\n"),
        (SnapshotResult("error", "s.json", "OSError: x"), "failed", "could not compare the snapshot s.json"),
        (
            SnapshotResult(
                "changed", "s.json", '-   "modelcheck_snapshot": 1,\n+   "modelcheck_snapshot": 2,'
            ),
            "failed",
            "written in modelcheck's snapshot format 1; this version writes format 2 (see CHANGELOG.md), "
            "so the file differs even where the stream does not. Rewrite it with `pytest --snapshot-update`",
        ),
    ],
)
def test_snapshot_verdicts(result: SnapshotResult, outcome: str, words: str) -> None:
    seen: list[dict[str, Any]] = []
    obs = observation(
        events_v2_chain=events_call("events_v2_chain", in_chain("chat")),
    )
    obs.snapshot = lambda document: seen.append(document) or result
    verdict = judge_event_snapshot(obs)
    assert verdict.outcome == outcome and words in verdict.message
    assert sorted(seen[0]) == ["chain", "modelcheck_snapshot", "target"]
    assert [e["run_id"] for e in seen[0]["chain"]][:4] == ["<run-0>", "<run-1>", "<run-1>", "<run-2>"]


def test_snapshot_skips_without_a_store() -> None:
    obs = observation(
        events_v2_chain=events_call("events_v2_chain", in_chain("chat")),
    )
    verdict = judge_event_snapshot(obs)
    assert verdict.outcome == "skipped" and "-p no:syrupy" in verdict.message
