"""A nondeterministic model's rules as properties: the stop strings chosen from all its answers
(`observe/probes/stop.pick_common`), and the stable form of its event stream (`events.stable_events`)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from modelcheck.core.events import COUNT, TEXT, VARIES, stable_events
from modelcheck.observe.probes.stop import ABSENT, COMMON, pick_common
from reference_models._sampling import sampled

answers = st.lists(st.text(st.sampled_from("ab c\u00e9\n"), min_size=0, max_size=30), min_size=1, max_size=8)


def inner(text: str, stop: str) -> bool:
    at = text.find(stop)
    return at != -1 and at + len(stop) < len(text)


@given(answers)
def test_the_common_stops_are_characters_followed_by_text(texts: list[str]) -> None:
    probe, reason = pick_common(texts)
    if probe is None:
        assert reason is not None and "too short" in reason
        assert not any(inner(t, c) for t in texts for c in t if not c.isspace())
        return
    assert 1 <= len(probe.common) <= COMMON and probe.stop == probe.common[0]
    assert len(set(probe.common)) == len(probe.common)
    for stop in probe.common:
        assert len(stop) == 1 and not stop.isspace() and any(inner(t, stop) for t in texts)
    assert probe.absent_stop not in "".join(texts) and probe.stops == list(probe.common)


@given(answers)
def test_the_common_stops_hold_a_place_in_every_answer_one_character_can_cover(texts: list[str]) -> None:
    """When some character is followed by text in every answer, every answer holds a chosen stop."""
    shared = [c for c in set(texts[0]) if not c.isspace() and all(inner(t, c) for t in texts)]
    probe, _ = pick_common(texts)
    if shared:
        assert probe is not None
        assert all(any(inner(t, s) for s in probe.common) for t in texts)


def test_a_sampling_models_answers_are_covered() -> None:
    """On the sampling reference model's answers (seven a run, as the probes give), the chosen
    stop strings hold a place in every one: its answers given them show a cut."""
    rng = random.Random(7)
    for _ in range(500):
        texts = [sampled(rng) for _ in range(7)]
        probe, _ = pick_common(texts)
        assert probe is not None and ABSENT not in probe.common
        assert all(any(inner(t, s) for s in probe.common) for t in texts), texts


# ------------------------------------------------------------------ the stable event stream

META = {"ls_model_name": "m"}


def event(kind: str, run: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": kind,
        "name": "Chat",
        "run_id": run,
        "parent_ids": [],
        "tags": [],
        "metadata": META,
        "data": data,
    }


def chunk(text: str, usage: dict[str, int] | None = None, first: bool = False) -> dict[str, Any]:
    return {
        "content": text,
        "id": "run--<run-0>",
        "response_metadata": {"model_name": "m"} if first else {},
        "tool_call_chunks": [],
        "type": "AIMessageChunk",
        "usage_metadata": usage,
    }


def stream(pieces: list[str]) -> list[dict[str, Any]]:
    """A chat model's v2 events: start, the first piece with metadata, more, the last with usage, end."""
    usage = {"input_tokens": 3, "output_tokens": len(pieces), "total_tokens": 3 + len(pieces)}
    chunks = [chunk(p, first=i == 0) for i, p in enumerate(pieces[:-1])] + [chunk(pieces[-1], usage)]
    return [
        event("on_chat_model_start", "<run-0>", {"input": "the prompt"}),
        *(event("on_chat_model_stream", "<run-0>", {"chunk": c}) for c in chunks),
        event("on_chat_model_end", "<run-0>", {"output": chunk("".join(pieces), usage)}),
    ]


@given(st.lists(st.text(min_size=1, max_size=5), min_size=2, max_size=12))
def test_the_stable_form_holds_whatever_the_text_and_the_number_of_chunks(pieces: list[str]) -> None:
    assert stable_events(stream(pieces)) == stable_events(stream(["one", "two", "three"]))


def test_the_stable_form_keeps_the_shape() -> None:
    stable = stable_events(stream(["a", "b", "c", "d"]))
    assert [e["event"] for e in stable] == [
        "on_chat_model_start",
        "on_chat_model_stream",
        "on_chat_model_stream",
        "on_chat_model_end",
    ]
    assert stable[0]["data"] == {"input": "the prompt"}  # what the model was given stays
    first, last = stable[1]["data"]["chunk"], stable[2]["data"]["chunk"]
    assert (first["content"], first["response_metadata"]) == (TEXT, {"model_name": "m"})
    assert last["usage_metadata"] == {"input_tokens": 3, "output_tokens": COUNT, "total_tokens": COUNT}


def test_a_change_of_shape_still_shows() -> None:
    """A model that stops sending usage on the last chunk no longer matches."""
    events = stream(["a", "b", "c"])
    events[-2]["data"]["chunk"]["usage_metadata"] = None
    assert stable_events(events) != stable_events(stream(["a", "b", "c"]))


def test_tool_call_arguments_and_ids_vary_but_names_stay() -> None:
    call = {
        "name": "get_weather",
        "args": '{"city": "Paris"}',
        "id": "call_1",
        "index": 0,
        "type": "tool_call_chunk",
    }
    data = {"chunk": {**chunk(""), "tool_call_chunks": [call]}}
    (stable,) = stable_events([event("on_chat_model_stream", "<run-0>", data)])
    assert stable["data"]["chunk"]["tool_call_chunks"] == [
        {"name": "get_weather", "args": VARIES, "id": VARIES, "index": 0, "type": "tool_call_chunk"}
    ]


def test_a_text_models_interleaved_chain_stream_is_kept_once() -> None:
    """A text model in a chain: the model's chunks and the chain's plain strings, in turn."""
    events = []
    for piece in ["ab", "cd", "ef"]:
        events.append(
            event(
                "on_llm_stream",
                "<run-2>",
                {"chunk": {"text": piece, "generation_info": None, "type": "GenerationChunk"}},
            )
        )
        events.append(event("on_chain_stream", "<run-0>", {"chunk": piece}))
    stable = stable_events(events)
    assert [(e["event"], e["data"]["chunk"]) for e in stable] == [
        ("on_llm_stream", {"text": TEXT, "generation_info": None, "type": "GenerationChunk"}),
        ("on_chain_stream", TEXT),
    ]
