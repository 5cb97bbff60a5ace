"""The stop checks' calls (checks/stop.py): stop strings picked from the model's own answers, so the
stop checks work on any model, then sent down each path.

Once the consensus' calls have ended (the rest of the first phase runs on), `choose_stop` picks the
stop strings; then `stop_invoke`, `stop_ainvoke`,
`stop_stream` and `stop_astream` each ask the probe prompt with a stop list (`stops_for`), as do the
chat drives (observe/probes/streaming.py). A deterministic model gives the same answer again: a
stop string from the middle of it shows exactly where the answer must end. A nondeterministic model
gives a new answer on every call, which need not hold a string picked from an earlier one: it gets
characters that together hold a place in every answer it gave (`pick_common`), all at once, so a
new answer almost surely holds one. While no answer given them has shown whether they are applied,
`stop_invoke` is asked again (`stop_again`, at most twice).
"""

from __future__ import annotations

from collections import Counter

from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import consensus
from modelcheck.core.probe_ids import PROMPT, REDRIVES, STOP_AGAIN
from modelcheck.core.records import Call, Observation, StopProbe
from modelcheck.core.stops import free_answers, told
from modelcheck.observe.probes.context import Probe, ProbeContext, aconsume, consume

ABSENT = "\u2063modelcheck-absent-stop\u2063"
COMMON = 3
"""How many stop strings a nondeterministic model gets (with the absent one, 4: the most OpenAI's
API takes)."""


def choose_stop(obs: Observation) -> tuple[StopProbe | None, str | None]:
    agreed = consensus(obs)
    if agreed.text is not None:
        return pick(agreed.text)
    answers = free_answers(obs)
    if not answers:
        return None, "invoke gave no usable text to choose a stop string from"
    return pick_common(answers)


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


def pick_common(answers: list[str]) -> tuple[StopProbe | None, str | None]:
    """Characters (no whitespace) followed by text in the answers: first those that together hold a
    place in every answer, then the most frequent ones."""
    heads = [a[:WINDOW] for a in answers]
    counts = [Counter(h) for h in heads]
    inner = [_inner(h) for h in heads]
    held = {
        c: frozenset(i for i, chars in enumerate(inner) if c in chars)
        for c in set().union(*inner)
        if not c.isspace()
    }
    ranked = sorted(
        (c for c in held if held[c]), key=lambda c: (-len(held[c]), -min(n[c] for n in counts), c)
    )
    if not ranked:
        return None, f"the model's answer {answers[0][:40]!r} is too short to choose a stop string from"
    best = _cover(ranked, held, set(range(len(heads))))
    best += [c for c in ranked if c not in best][: COMMON - len(best)]
    absent = ABSENT if not any(ABSENT in a for a in answers) else "\u2064"
    return StopProbe(answers[0], best[0], None, absent, tuple(best)), None


def _cover(ranked: list[str], held: dict[str, frozenset[int]], left: set[int]) -> list[str]:
    """Up to COMMON characters that hold a place in the most answers together, the ranked first."""
    chosen: list[str] = []
    rank = {c: i for i, c in enumerate(ranked)}
    while left and len(chosen) < COMMON:
        best = max(ranked, key=lambda c: (len(held[c] & left), -rank[c]))
        if not held[best] & left:
            break
        chosen.append(best)
        left -= held[best]
    return chosen


def _inner(text: str) -> set[str]:
    """The characters text follows (an answer that ignores such a stop string shows so)."""
    first: dict[str, int] = {}
    for at, char in enumerate(text):
        first.setdefault(char, at)
    return {char for char, at in first.items() if at + 1 < len(text)}


def stop_again(obs: Observation) -> str | None:
    """The next repeat of invoke with stop strings, while no answer given them told anything."""
    probe = obs.stop_probe
    stopped = [c for c in obs.calls.values() if c.extra.get("stops")]
    if probe is None or not probe.common or ids.STOP_INVOKE not in obs.calls:
        return None
    if any(told(obs, c) for c in stopped):
        return None
    return next((name for name in STOP_AGAIN if name not in obs.calls), None)


def stops_for(ctx: ProbeContext, probe: str) -> list[str] | None:
    """The stop list each path gets: one stop string, or it with an absent or a later one.

    Spreading the variants over the four paths keeps the stop probes at four calls: `ainvoke` also
    shows that a stop string that never occurs is ignored, `stream` that the earliest one wins. A
    nondeterministic model's paths get its common stop strings (`ainvoke` with the absent one too).
    """
    chosen = ctx.stop
    if chosen is None or probe in REDRIVES.values():
        return None
    if probe == ids.STOP_AINVOKE:
        return [chosen.absent_stop, *chosen.stops]
    if chosen.common:
        return chosen.stops
    if probe in (ids.STOP_STREAM, ids.DRIVE_STREAM) and chosen.later_stop:
        return [chosen.later_stop, chosen.stop]
    return [chosen.stop]


def stops(ctx: ProbeContext, call: Call) -> list[str] | None:
    """The call's stop list (kept on the call as `stops`), or None to send none."""
    chosen = stops_for(ctx, call.probe)
    if chosen is not None:
        call.extra["stops"] = chosen
    return chosen


def stop_invoke(ctx: ProbeContext, call: Call) -> None:
    ctx.returned(call, ctx.model.invoke(PROMPT, ctx.config(call), stop=stops(ctx, call)))


async def stop_ainvoke(ctx: ProbeContext, call: Call) -> None:
    ctx.returned(call, await ctx.model.ainvoke(PROMPT, ctx.config(call), stop=stops(ctx, call)))


def stop_stream(ctx: ProbeContext, call: Call) -> None:
    consume(ctx, call, ctx.model.stream(PROMPT, ctx.config(call), stop=stops(ctx, call)))


async def stop_astream(ctx: ProbeContext, call: Call) -> None:
    await aconsume(ctx, call, ctx.model.astream(PROMPT, ctx.config(call), stop=stops(ctx, call)))


PROBES: dict[str, Probe] = {
    ids.STOP_INVOKE: stop_invoke,
    ids.STOP_AINVOKE: stop_ainvoke,
    ids.STOP_STREAM: stop_stream,
    ids.STOP_ASTREAM: stop_astream,
    **dict.fromkeys(STOP_AGAIN, stop_invoke),
}
LATER = dict.fromkeys(ids.STOP_PROBES, ids.CONSENSUS)
"""The stop calls need the stop string chosen from the consensus' answers: each waits for those calls
(not for the rest of the first phase)."""
