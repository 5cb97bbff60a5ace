"""Determinism from the six paths' answers, and the Runnable verdicts built on it, on records made by hand."""

from __future__ import annotations

import pytest

from modelcheck.checks import runnable
from modelcheck.checks.common import show
from modelcheck.core.consensus import SOURCES, consensus, probe_text, repeats_wanted
from modelcheck.core.probe_ids import REPEATS, again
from modelcheck.core.records import Call, Chunk, Facts, Failure, Kind, Observation, Output
from modelcheck.core.verdict import failed, passed

ANSWER = "modelcheck probe: the quick brown fox"
SECOND = "modelcheck second probe: pack my box"
STREAMED = ("stream", "astream")


def text_out(text: str | None, ok: bool = True, type_name: str = "str") -> Output:
    return Output(type_name, text, ok)


def call(probe: str, answer: str | None = ANSWER, *, pieces: list[str] | None = None) -> Call:
    """A completed probe that answered `answer` (streams: in `pieces`, default two halves)."""
    if probe in STREAMED:
        assert answer is not None
        parts = pieces if pieces is not None else [answer[:10], answer[10:]]
        return Call(probe, chunks=[Chunk(i, text_out(p)) for i, p in enumerate(parts)])
    if probe in ("batch", "abatch"):
        return Call(probe, outputs=[text_out(answer), text_out(SECOND)])
    return Call(probe, outputs=[text_out(answer)])


def observe(kind: Kind = "llm", **answers: str | Call) -> Observation:
    """Every consensus path answered ANSWER, except the ones given (as a text or a whole Call)."""
    calls = {}
    for probe in (*SOURCES, "invoke_messages"):
        given = answers.get(probe, ANSWER)
        calls[probe] = given if isinstance(given, Call) else call(probe, given)
    return Observation("mymodel:Model", kind, Facts("Model", "mymodel"), calls=calls)


def failed_call(probe: str, failure: Failure) -> Call:
    return Call(probe, failure=failure)


# --- consensus ----------------------------------------------------------------------------------


def test_all_paths_agree() -> None:
    agreed = consensus(observe())

    assert agreed.deterministic and agreed.text == ANSWER
    assert agreed.agreeing == SOURCES == agreed.compared


def test_one_wrong_path_stands_out() -> None:
    agreed = consensus(observe(abatch="something else"))

    assert agreed.text == ANSWER
    assert agreed.agreeing == ("invoke", "ainvoke", "batch", "stream", "astream")


def test_two_dissenting_paths_make_a_model_nondeterministic() -> None:
    # A sampling model with few possible answers often has three or four paths agree by chance.
    agreed = consensus(observe(abatch="something else", stream="a third answer"))

    assert not agreed.deterministic


def test_failed_and_wrong_typed_answers_do_not_vote() -> None:
    wrong_type = Call("ainvoke", outputs=[text_out(ANSWER, ok=False, type_name="Generation")])
    raised = failed_call("invoke", Failure("raised", "ValueError", "boom"))
    bad_chunk = Call("stream", chunks=[Chunk(0, text_out(ANSWER, ok=False, type_name="GenerationChunk"))])

    agreed = consensus(observe(ainvoke=wrong_type, invoke=raised, stream=bad_chunk))

    assert agreed.compared == ("batch", "abatch", "astream")
    assert agreed.text == ANSWER


@pytest.mark.parametrize(
    "answers",
    [
        {"invoke": "a", "ainvoke": "a", "batch": "a", "abatch": "b", "stream": "b", "astream": "b"},
        {p: f"answer {i}" for i, p in enumerate(SOURCES)},
        {"invoke": "a", "ainvoke": "a", "batch": "b", "abatch": "c", "stream": "d", "astream": "e"},
    ],
    ids=["tie", "all-different", "two-agree"],
)
def test_no_consensus_means_nondeterministic(answers: dict[str, str]) -> None:
    agreed = consensus(observe(**answers))

    assert not agreed.deterministic
    assert agreed.text is None and agreed.agreeing == ()


def test_nothing_to_compare() -> None:
    raised = {p: failed_call(p, Failure("timeout", "TimeoutError", "timed out after 1 s")) for p in SOURCES}

    assert consensus(observe(**raised)).compared == ()


def test_probe_text() -> None:
    assert probe_text(None) is None
    assert probe_text(call("stream", ANSWER, pieces=["ab", "", "c"])) == "abc"
    assert probe_text(Call("astream")) is None
    assert probe_text(Call("invoke")) is None


# --- the Runnable verdicts over those records ---------------------------------------------------

JUDGES = {
    "invoke": runnable.judge_invoke,
    "ainvoke": runnable.judge_ainvoke,
    "batch": runnable.judge_batch,
    "abatch": runnable.judge_abatch,
    "stream": runnable.judge_stream,
    "astream": runnable.judge_astream,
}


@pytest.mark.parametrize("kind", ["llm", "chat"])
def test_deterministic_model_passes_without_a_note(kind: Kind) -> None:
    obs = observe(kind)

    assert {name: judge(obs) for name, judge in JUDGES.items()} == dict.fromkeys(JUDGES, passed(""))


def test_nondeterministic_model_gets_shape_checks_and_a_note() -> None:
    obs = observe(**{p: f"answer {i}" for i, p in enumerate(SOURCES)})

    verdicts = {name: judge(obs) for name, judge in JUDGES.items()}

    assert verdicts == dict.fromkeys(JUDGES, passed(runnable.NONDETERMINISTIC))


@pytest.mark.parametrize(
    ("pieces", "says"),
    [
        (
            [ANSWER[:10], ANSWER[10:], ANSWER[10:]],
            f"astream streamed 3 chunks, together {len(ANSWER) - 10} characters longer than the answer "
            f"of the other paths ({len(ANSWER)} characters): they agree on the first {len(ANSWER)} "
            f"characters ({show('…' + ANSWER[-20:])}), then astream has {show(ANSWER[10:50])} where the "
            "others have '': chunks were repeated.",
        ),
        (
            [ANSWER[:10]],
            f"astream streamed 1 chunk, together {len(ANSWER) - 10} characters shorter than the answer "
            f"of the other paths ({len(ANSWER)} characters): they agree on the first 10 characters "
            f"({show(ANSWER[:10])}), then astream has '' where the others have {show(ANSWER[10:50])}: "
            "chunks were lost.",
        ),
        (
            [ANSWER[:10], ANSWER[10:].upper()],
            f"astream streamed 2 chunks, together as long as the answer of the other paths "
            f"({len(ANSWER)} characters): they agree on the first 11 characters ({show(ANSWER[:11])}), "
            f"then astream has {show(ANSWER[11:51].upper())} where the others have {show(ANSWER[11:51])}: "
            "the chunk texts differ.",
        ),
    ],
    ids=["repeated", "lost", "differ"],
)
def test_stream_that_does_not_add_up_says_where_it_parts_from_the_answer(
    pieces: list[str], says: str
) -> None:
    obs = observe(astream=call("astream", ANSWER, pieces=pieces))

    verdict = runnable.judge_astream(obs)

    assert verdict.outcome == "failed"
    assert verdict.message == f"{says} Each piece of the answer must be yielded exactly once, in order."


def test_stream_without_chunks() -> None:
    verdict = runnable.judge_stream(observe(stream=Call("stream")))

    assert verdict == failed("stream yielded no chunk; it must yield at least one.")


def test_batch_with_too_many_results() -> None:
    extra = Call("batch", outputs=[text_out(ANSWER), text_out(SECOND), text_out(SECOND)])

    verdict = runnable.judge_batch(observe(batch=extra))

    assert verdict.message.startswith("batch of 2 prompts returned 3 results; it must return one result")


def test_batch_item_that_disagrees() -> None:
    verdict = runnable.judge_batch(observe(batch="a different answer"))

    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        f"batch item 0 gave 'a different answer', but invoke, ainvoke, abatch, stream, astream all gave "
        f"{show(ANSWER)} for the same prompt."
    )


def test_chat_invoke_with_messages_must_agree_too() -> None:
    verdict = runnable.judge_invoke(observe("chat", invoke_messages="hi"))

    assert verdict.outcome == "failed"
    assert verdict.message.startswith("invoke with a list of messages gave 'hi', but ")


def test_missing_and_failed_calls() -> None:
    obs = observe()
    del obs.calls["abatch"]
    obs.calls["ainvoke"] = failed_call("ainvoke", Failure("timeout", "TimeoutError", "timed out after 2 s"))
    obs.calls["stream"] = failed_call("stream", Failure("raised", "RuntimeError", ""))

    assert runnable.judge_abatch(obs).message == "abatch([prompt 1, prompt 2]) was not observed."
    assert runnable.judge_ainvoke(obs).message.startswith("ainvoke('<probe prompt>') timed out after 2 s. ")
    assert runnable.judge_stream(obs).message.startswith("stream('<probe prompt>') raised RuntimeError. ")


def test_show_cuts_long_text() -> None:
    assert show(None) == "None"
    assert show("x" * 85) == repr("x" * 80) + " (+5 more characters)"


# --- a deterministic model whose implementations drift apart ------------------------------------

UPPER = ANSWER.upper()


def drifting(
    side: tuple[str, ...], repeats: dict[str, list[str]] | None = None, kind: Kind = "llm"
) -> Observation:
    """The paths in `side` answer UPPER, the others ANSWER; `repeats` adds the paths asked again."""
    obs = observe(kind, **dict.fromkeys(side, UPPER))
    for path, answers in (repeats or {}).items():
        for i, answer in enumerate(answers, 1):
            name = again(path, i)
            obs.calls[name] = call(path, answer) if path not in STREAMED else call("stream", answer)
            obs.calls[name] = Call(name, outputs=obs.calls[name].outputs, chunks=obs.calls[name].chunks)
    return obs


@pytest.mark.parametrize(
    ("side", "asked"),
    [
        (("ainvoke", "abatch", "astream"), ["invoke", "ainvoke"]),
        (("ainvoke", "abatch"), ["invoke", "ainvoke"]),
        (("stream", "astream"), ["invoke", "stream"]),
        (("invoke", "batch"), ["invoke", "ainvoke"]),
    ],
    ids=["sync-async", "async-not-streaming", "streaming", "sync-not-streaming"],
)
def test_a_split_along_the_methods_is_asked_again_and_then_judged(
    side: tuple[str, ...], asked: list[str]
) -> None:
    first = drifting(side)
    assert not consensus(first).deterministic
    assert repeats_wanted(first) == [again(m, i) for m in asked for i in range(1, REPEATS + 1)]

    # The side more paths take is the reference; on a tie (sync against async), invoke's side.
    replies = {m: [UPPER if m in side else ANSWER] * REPEATS for m in asked}
    agreed = consensus(drifting(side, replies))
    assert (agreed.text, agreed.drift) == (ANSWER, UPPER)
    assert set(agreed.drifting) == set(side)
    assert agreed.text_for(agreed.drifting[0]) == UPPER


def test_repeats_that_do_not_keep_their_answer_mean_sampling() -> None:
    obs = drifting(
        ("ainvoke", "abatch", "astream"), {"invoke": [ANSWER, ANSWER, "x"], "ainvoke": [UPPER] * 3}
    )

    assert not consensus(obs).deterministic


@pytest.mark.parametrize(
    "answers",
    [
        {"invoke": "a", "ainvoke": "a", "batch": "a", "abatch": "b", "stream": "b", "astream": "b"},
        {"invoke": "a", "ainvoke": "b", "batch": "b", "abatch": "a", "stream": "a", "astream": "b"},
        {"invoke": "a", "ainvoke": "b", "batch": "a", "abatch": "b", "stream": "c", "astream": "b"},
    ],
    ids=["across-methods", "invoke-and-batch-differ", "three-answers"],
)
def test_a_split_that_does_not_follow_the_methods_is_sampling(answers: dict[str, str]) -> None:
    assert repeats_wanted(observe(**answers)) == []


def test_the_drifting_side_fails_with_both_answers_and_the_methods() -> None:
    obs = drifting(("ainvoke", "abatch"), {"invoke": [ANSWER] * 3, "ainvoke": [UPPER] * 3}, kind="chat")

    verdicts = {name: judge(obs) for name, judge in JUDGES.items()}

    assert {n for n, v in verdicts.items() if v.outcome == "failed"} == {"ainvoke", "abatch"}
    assert verdicts["ainvoke"].message == (
        f"ainvoke gave {show(UPPER)}, but invoke, batch, stream, astream all gave {show(ANSWER)} for the "
        "same prompt. ainvoke, abatch agree with each other and kept their answer when asked again, as the "
        "others kept theirs: the model is deterministic, and `_agenerate` answers differently from "
        "`_generate`/`_stream`/`_astream`. Make both implementations build the answer the same way."
    )
