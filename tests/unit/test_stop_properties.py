"""Stop semantics as properties: the judges of checks/stop.py (`first_stop`, `cuts`, `respected`)
agree with the guides' rule as the reference models apply it (`reference_models._echo.apply_stop`)
for random texts and random stop lists: several stops, stops at position 0, overlapping ones,
absent and empty ones, in any order.

tests/plugin/test_stop.py covers the stop lists the probes actually give (chosen by
`observe.probes.stop.pick`); these go beyond them. Where "the first occurrence" has two readings
(a stop string that starts first but ends after another one ends: "aa" with ["a", "aa"]), the
judge accepts both: the one that starts first (as langchain-core's enforce_stop_tokens cuts) and
the one that ends first (where a generating model stops, as the echo models apply it).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from modelcheck.checks.stop import cuts, first_stop, respected
from reference_models._echo import apply_stop

ALPHABET = st.sampled_from("ab \u00e9\U0001f600\x00")  # few letters: stops recur and overlap


@st.composite
def stop_case(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A text and 1-4 stop strings: slices of the text (often at 0), absent strings, empty ones."""
    text = draw(st.text(ALPHABET, max_size=24))
    stops = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["slice", "at-zero", "random", "empty"]))
        if kind in ("slice", "at-zero") and text:
            start = 0 if kind == "at-zero" else draw(st.integers(0, len(text) - 1))
            stops.append(text[start : draw(st.integers(start + 1, len(text)))])
        else:
            stops.append("" if kind == "empty" else draw(st.text(ALPHABET, min_size=1, max_size=4)))
    return text, stops


def earliest_end(text: str, stops: list[str]) -> int | None:
    ends = [text.find(s) + len(s) for s in stops if s and s in text]
    return min(ends) if ends else None


def unambiguous(text: str, stops: list[str]) -> bool:
    """The stop that starts first is also the one that ends first: both readings cut the same."""
    hit = first_stop(text, stops)
    return hit is None or hit[0] + len(hit[1]) == earliest_end(text, stops)


@given(stop_case())
@example(("ab ab", ["b", " a"]))
@example(("aaa", ["aa"]))
def test_the_echo_answer_is_respected_and_keeps_the_stop(case: tuple[str, list[str]]) -> None:
    text, stops = case
    assume(unambiguous(text, stops))
    answer = apply_stop(text, stops)

    assert cuts(text, stops)[1] == answer
    assert respected(answer, text, stops, True)
    assert respected(answer, text, stops, False)
    hit = first_stop(text, stops)
    if hit is None:
        assert answer == text == cuts(text, stops)[0]
    else:
        # What stop-included checks under the default policy: the output ends with the stop string.
        assert answer.endswith(hit[1])
        assert cuts(text, stops)[0] == text[: hit[0]]


@given(st.text(ALPHABET, min_size=1, max_size=24), st.data())
def test_a_stop_at_position_zero_cuts_everything_after_it(text: str, data: st.DataObject) -> None:
    stop = text[: data.draw(st.integers(1, len(text)))]

    assert apply_stop(text, [stop]) == stop
    assert cuts(text, [stop]) == ("", stop)
    assert respected(stop, text, [stop], True)
    assert respected("", text, [stop], True)  # an API that drops the stop string answers nothing
    assert respected(text, text, [stop], True) == (stop == text)


@given(stop_case(), st.text(ALPHABET, min_size=1, max_size=6))
def test_an_answer_that_runs_past_the_first_stop_is_rejected(case: tuple[str, list[str]], extra: str) -> None:
    text, stops = case
    assume(unambiguous(text, stops))
    end = earliest_end(text, stops)
    assume(end is not None and end < len(text))

    for deterministic in (True, False):
        assert not respected(text, text, stops, deterministic)
    assert not respected(apply_stop(text, stops) + extra, text, stops, True)


@given(stop_case())
def test_the_order_of_the_stops_does_not_matter(case: tuple[str, list[str]]) -> None:
    text, stops = case
    orders = list(itertools.permutations(stops))

    assert len({apply_stop(text, list(order)) for order in orders}) == 1
    assert len({cuts(text, list(order)) for order in orders}) == 1


@given(stop_case(), st.lists(st.text(st.sampled_from("xyz"), max_size=3), max_size=3))
def test_absent_and_empty_stops_change_nothing(case: tuple[str, list[str]], absent: list[str]) -> None:
    text, stops = case
    absent = [a for a in absent if a not in text or not a]  # "" is in every text, and ignored

    assert apply_stop(text, stops + absent) == apply_stop(text, stops)
    assert cuts(text, stops + absent) == cuts(text, stops)
    assert apply_stop(text, absent) == text
    assert respected(text, text, absent, True)


@given(st.text(ALPHABET, max_size=24), stop_case())
def test_a_nondeterministic_answer_that_follows_the_rule_passes_the_weaker_rule(
    answer_source: str, case: tuple[str, list[str]]
) -> None:
    """A model whose answers vary is judged on its own text: cut by the rule, it always passes."""
    _, stops = case
    assume(unambiguous(answer_source, stops))
    answer = apply_stop(answer_source, stops)

    assert respected(answer, "an unrelated earlier answer", stops, False)


@pytest.mark.parametrize(
    ("text", "stops"),
    [("aa", ["a", "aa"]), ("abcd", ["abc", "b"]), ("abcd", ["bc", "abcd"])],
    ids=["same-start", "inside", "overlap"],
)
def test_ambiguous_stop_lists_are_judged_as_the_echo_applies_them(text: str, stops: list[str]) -> None:
    assert not unambiguous(text, stops)
    assert respected(apply_stop(text, stops), text, stops, True)
