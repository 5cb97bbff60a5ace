"""Pick stop strings from the model's own answer, so the stop checks work on any model."""

from __future__ import annotations

from modelcheck.core.consensus import consensus, probe_text
from modelcheck.core.records import Observation, StopProbe

ABSENT = "\u2063modelcheck-absent-stop\u2063"


def choose_stop(obs: Observation) -> tuple[StopProbe | None, str | None]:
    agreed = consensus(obs)
    base = agreed.text if agreed.deterministic else _invoke_text(obs)
    if base is None:
        return None, "invoke gave no usable text to choose a stop string from"
    return pick(base)


def _invoke_text(obs: Observation) -> str | None:
    """invoke's text, even of a wrongly typed answer: its stop handling is worth probing too."""
    call = obs.calls.get("invoke")
    if call is None or not call.ok or call.output is None:
        return None
    return probe_text(call) or call.output.text


# Stops are chosen within the answer's first characters: the search is quadratic in the worst case
# (a 1 MB answer took 14 s), and a stop first seen in a prefix is first seen in the whole answer.
WINDOW = 4096


def pick(text: str) -> tuple[StopProbe | None, str | None]:
    """A stop string from the middle of `text` (of its first WINDOW characters): first seen there,
    with text on both sides."""
    head = text[:WINDOW]
    middle = len(head) // 2
    for length in (4, 3, 2, 1):
        for offset in range(len(head)):
            for start in (middle + offset, middle - offset):
                stop = head[start : start + length]
                if _usable(head, stop, start, length):
                    later = _later(head, start + length)
                    return StopProbe(text, stop, later, ABSENT if ABSENT not in text else "\u2064"), None
    return None, f"the model's answer {text[:40]!r} is too short to choose a stop string from"


def _usable(text: str, stop: str, start: int, length: int) -> bool:
    return (
        len(stop) == length
        and stop.strip() == stop
        and start > 0
        and start + length < len(text)
        and text.find(stop) == start
    )


def _later(text: str, after: int) -> str | None:
    """A second stop string that first occurs wholly after `after`, to test that the earliest wins."""
    for length in (4, 3, 2):
        for start in range(after + 1, len(text) - length + 1):
            stop = text[start : start + length]
            if stop.strip() == stop and text.find(stop) == start:
                return stop
    return None
