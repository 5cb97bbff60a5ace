"""The stop checks' calls (checks/stop.py): stop strings picked from the model's own answer, so the
stop checks work on any model, then sent down each path.

After the first phase, `choose_stop` picks a stop string from the consensus answer (or invoke's);
then `stop_invoke`, `stop_ainvoke`, `stop_stream` and `stop_astream` each ask the probe prompt
with a stop list (`stops_for`), as do the chat drives (observe/probes/streaming.py).
"""

from __future__ import annotations

from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import consensus, probe_text
from modelcheck.core.probe_ids import PROMPT, REDRIVES
from modelcheck.core.records import Call, Observation, StopProbe
from modelcheck.observe.probes.context import Probe, ProbeContext, aconsume, consume

ABSENT = "\u2063modelcheck-absent-stop\u2063"


def choose_stop(obs: Observation) -> tuple[StopProbe | None, str | None]:
    agreed = consensus(obs)
    base = agreed.text if agreed.deterministic else _invoke_text(obs)
    if base is None:
        return None, "invoke gave no usable text to choose a stop string from"
    return pick(base)


def _invoke_text(obs: Observation) -> str | None:
    """invoke's text, even of a wrongly typed answer: its stop handling is worth probing too."""
    call = obs.calls.get(ids.INVOKE)
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


def stops_for(ctx: ProbeContext, probe: str) -> list[str] | None:
    """The stop list each path gets: one stop string, or it with an absent or a later one.

    Spreading the variants over the four paths keeps the stop probes at four calls: `ainvoke` also
    shows that a stop string that never occurs is ignored, `stream` that the earliest one wins.
    """
    chosen = ctx.stop
    if chosen is None or probe in REDRIVES.values():
        return None
    if probe == ids.STOP_AINVOKE:
        return [chosen.absent_stop, chosen.stop]
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
}
LATER = ids.STOP_PROBES
"""The stop calls need the stop string chosen from the first phase's answers: they run after it."""
