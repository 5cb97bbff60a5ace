"""What answers given stop strings show on a nondeterministic model (observing and judging share it).

A nondeterministic model's answer given stop strings can only be compared with itself: one that
holds a stop string shows whether it ends there; one that holds none shows a cut only when every
answer the model gave without stop strings held one. An answer that shows neither tells nothing.
"""

from __future__ import annotations

from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import SOURCES, probe_text
from modelcheck.core.records import Call, Observation


def free_answers(obs: Observation) -> list[str]:
    """The answers the model gave to the probe prompt without stop strings: invoke's first, even of
    a wrongly typed answer (its stop handling is worth probing too)."""
    paths = [*SOURCES, ids.INVOKE_MESSAGES] if obs.kind == "chat" else list(SOURCES)
    texts = [invoke_text(obs), *(probe_text(obs.calls.get(p)) for p in paths if p != ids.INVOKE)]
    return [t for t in texts if t is not None]


def invoke_text(obs: Observation) -> str | None:
    call = obs.calls.get(ids.INVOKE)
    if call is None or not call.ok or call.output is None:
        return None
    return probe_text(call) or call.output.text


def holds(text: str, stops: list[str]) -> bool:
    return any(s and s in text for s in stops)


def stopped_text(call: Call) -> str | None:
    """The text of an answer given stop strings (None: it failed)."""
    if not call.ok:
        return None
    if call.chunks:
        return call.streamed_text
    return call.output.text if call.output is not None else ""


def told(obs: Observation, call: Call) -> bool:
    """Whether an answer given stop strings shows if they were applied."""
    stops = list(call.extra.get("stops") or [])
    text = stopped_text(call)
    return text is not None and (holds(text, stops) or cut_before(obs, text, stops))


def cut_before(obs: Observation, text: str, stops: list[str]) -> bool:
    """The answer holds no stop string while every answer without them held one."""
    answers = free_answers(obs)
    return bool(answers) and not holds(text, stops) and all(holds(a, stops) for a in answers)
