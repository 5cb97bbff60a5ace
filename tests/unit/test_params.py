"""max-tokens on records built by hand: a model built with a small max tokens answers within it."""

from __future__ import annotations

from typing import Any

import pytest
from support.synthetic import PROMPT, agreeing, answered, observation, raised

from modelcheck.checks import params
from modelcheck.core.consensus import SOURCES
from modelcheck.core.records import Contract, Output

LIMITED = Contract(fields={"max_tokens": "max_tokens"})


def limited(text: str, output_tokens: int | None = None) -> Any:
    """The call made on the copy built with max tokens 5: its answer and, if given, its usage."""
    call = answered("max_tokens", text)
    if output_tokens is not None:
        usage = {"input_tokens": 3, "output_tokens": output_tokens, "total_tokens": 3 + output_tokens}
        call.outputs[0] = Output("AIMessage", text, True, usage)
    return call


def judged(*calls: Any, base: str = PROMPT, contract: Contract = LIMITED) -> Any:
    return params.judge_max_tokens(observation(*agreeing(base), *calls, contract=contract))


def test_an_answer_within_the_limit_passes() -> None:
    verdict = judged(limited("modelcheck probe: the"))
    assert verdict.outcome == "passed"
    assert verdict.message == (
        "built with max_tokens=5, invoke gave 'modelcheck probe: the' (3 words; 6 words without it)"
    )


def test_more_words_than_the_limit_holds_fails_naming_the_field() -> None:
    verdict = judged(limited(PROMPT), contract=Contract(fields={"max_tokens": "num_predict"}))
    assert verdict.outcome == "failed"
    assert verdict.message == (
        f"built with num_predict=5, invoke gave {PROMPT!r}: 6 words, where 5 tokens hold at most 5 (6 words "
        "without the limit). Pass `num_predict` to the API (or cut the answer) on every call."
    )


def test_a_sampling_model_is_held_to_the_limit_against_its_longest_answer() -> None:
    """Its answers differ in length; the longest shows what a limit of 5 must cut."""
    answers = [answered(p, " ".join(["word"] * n)) for p, n in zip(SOURCES, (3, 9, 4, 2, 7, 3), strict=True)]
    obs = observation(*answers, limited("a b c d e"), contract=LIMITED, settings={"nondeterministic": True})
    assert params.judge_max_tokens(obs).outcome == "passed"
    obs.calls["max_tokens"] = limited("a b c d e f g")
    verdict = params.judge_max_tokens(obs)
    assert (
        verdict.outcome == "failed" and "7 words, where 5 tokens hold at most 5 (9 words" in verdict.message
    )


def test_usage_over_the_limit_fails_even_when_the_answer_is_shorter() -> None:
    verdict = judged(limited("modelcheck probe:", output_tokens=9))
    assert verdict.outcome == "failed"
    assert "the answer used 9 output tokens (its usage_metadata), more than 5." in verdict.message


def test_usage_within_the_limit_passes_a_short_answer_that_cannot_show_it() -> None:
    verdict = judged(limited("ok", output_tokens=1), base="ok")
    assert (verdict.outcome, verdict.message) == (
        "passed",
        "built with max_tokens=5, invoke gave 'ok', 1 output token by its usage",
    )


def test_a_copy_that_raises_fails() -> None:
    verdict = judged(raised("max_tokens", "ValueError", "max_tokens must be at least 16"))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith("invoke on the model built with max_tokens=5 raised")


@pytest.mark.parametrize(
    ("calls", "contract", "says"),
    [
        ((), Contract(), "the model has no max tokens param"),
        ((limited("x"),), Contract(error="the constructor raised"), "could not be tried"),
        ((limited(""),), LIMITED, "the answer without a limit ('') has at most 5 words"),
    ],
)
def test_what_cannot_show_the_limit_is_skipped_with_the_reason(
    calls: tuple[Any, ...], contract: Contract, says: str
) -> None:
    verdict = judged(*calls, base="", contract=contract)
    assert verdict.outcome == "skipped" and says in verdict.message


def test_invoke_failing_without_the_limit_too_is_left_to_invoke() -> None:
    obs = observation(raised("invoke"), raised("max_tokens"), contract=LIMITED)
    verdict = params.judge_max_tokens(obs)
    assert verdict.outcome == "skipped" and verdict.message.endswith("(see invoke).")


def test_the_catalog_row_is_this_judge_on_the_one_max_tokens_call() -> None:
    from modelcheck.checks.catalog import by_id
    from modelcheck.core import probe_ids as ids

    check = by_id("max-tokens")
    assert check.judge is params.judge_max_tokens
    assert ids.MAX_TOKENS in check.needs and ids.MAX_TOKENS not in by_id("standard-params").needs
