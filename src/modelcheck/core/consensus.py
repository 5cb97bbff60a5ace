"""Decide from records already made whether a model is deterministic, and what it answers.

The same probe prompt goes through invoke, ainvoke, batch, abatch, stream and astream. When all
the paths that answered agree but at most one (and at least three agree), the model is taken as
deterministic and that text is the reference every path is compared with. A broken path then
stands out against the others; a model that answers differently from call to call gets shape
checks only (so does a model its target declares nondeterministic, whatever one run shows).
Allowing only one dissenter keeps a sampling model with few possible answers from
being taken as deterministic: with eight equally likely answers that happens about once in a
thousand runs, against one in four if any three agreeing paths were enough.

A model whose paths split into two answers along the methods that produce them (`invoke` and
`batch` run `_call`/`_generate`, `ainvoke` and `abatch` `_acall`/`_agenerate`, `stream` runs
`_stream`, `astream` `_astream`) may have one implementation that drifts from the other: an async
path that answers differently from the sync one, consistently. That is told from sampling by
asking one path of each side three times more (six more calls, only for a model that shows such a
split): when every answer repeats its side's, the model is deterministic, the side more paths take
(on a tie, the side of `invoke`) is the reference and every path of the other side fails. By
enumeration, a sampling model whose answers are equally likely is taken for a drifting one about
once in 400 runs (text) or 800 (chat) with two possible answers, once in 18,000 (text) or 54,000
(chat) with three, and once in 250 million with eight.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from modelcheck.core.probe_ids import (
    ABATCH,
    AINVOKE,
    ASTREAM,
    BATCH,
    INVOKE,
    INVOKE_MESSAGES,
    REPEATS,
    STREAM,
    again,
    repeated,
)
from modelcheck.core.records import Call, Observation

SOURCES = (INVOKE, AINVOKE, BATCH, ABATCH, STREAM, ASTREAM)
MIN_AGREEING = 3
# The paths each of a model's methods answers, as langchain-core runs them (invoke_messages: chat),
# keyed by the path asked again for that method.
METHODS = {
    INVOKE: (INVOKE, INVOKE_MESSAGES, BATCH),
    AINVOKE: (AINVOKE, ABATCH),
    STREAM: (STREAM,),
    ASTREAM: (ASTREAM,),
}


@dataclass(frozen=True)
class Consensus:
    text: str | None
    agreeing: tuple[str, ...]
    compared: tuple[str, ...]
    # A deterministic model whose other paths answer `drift` instead, consistently.
    drift: str | None = None
    drifting: tuple[str, ...] = ()
    # The target declares the model nondeterministic (`nondeterministic = true`).
    declared: bool = False

    @property
    def deterministic(self) -> bool:
        return self.text is not None

    def text_for(self, path: str) -> str | None:
        """The answer `path` should give: the drifting side's own answer on that side."""
        return self.drift if path in self.drifting else self.text


def probe_text(call: Call | None) -> str | None:
    """The text a probe gave for the first probe prompt, if it completed with the right types."""
    if call is None or not call.ok:
        return None
    if call.chunks or repeated(call.probe) in (STREAM, ASTREAM):
        if not call.chunks or not all(c.output.expected_type for c in call.chunks):
            return None
        return call.streamed_text
    out = call.output
    return out.text if out is not None and out.expected_type else None


def consensus(obs: Observation) -> Consensus:
    texts = {name: probe_text(obs.calls.get(name)) for name in SOURCES}
    present = {name: t for name, t in texts.items() if t is not None}
    counts = Counter(present.values()).most_common(2)
    compared = tuple(present)
    if declared(obs):
        return Consensus(None, (), compared, declared=True)
    if not counts:
        return Consensus(None, (), compared)
    top, n = counts[0]
    runner_up = counts[1][1] if len(counts) > 1 else 0
    if n >= max(MIN_AGREEING, len(present) - 1) and n != runner_up:
        return Consensus(top, tuple(k for k, t in present.items() if t == top), compared)
    return _drifted(obs, compared) or Consensus(None, (), compared)


def declared(obs: Observation) -> bool:
    """The target declares the model nondeterministic (`nondeterministic = true`): it is judged so
    even on a run whose answers happen to agree."""
    return bool(obs.settings.get("nondeterministic"))


def split_sides(obs: Observation) -> tuple[dict[str, str], dict[str, str]] | None:
    """The two sides of a split along the methods, each as {method: its answer}, or None.

    Each method's paths must agree among themselves, the methods must give exactly two answers,
    and each answer must come from at least two paths.
    """
    by_method: dict[str, str] = {}
    paths: Counter[str] = Counter()
    for method, names in METHODS.items():
        answers = {t for n in names if (t := _text(obs, n)) is not None}
        if len(answers) > 1:
            return None
        if answers:  # a method whose every path failed has no say
            (by_method[method],) = answers
            paths.update({by_method[method]: sum(_text(obs, n) is not None for n in names)})
    if len(paths) != 2 or min(paths.values()) < 2:
        return None
    first = by_method.get(INVOKE, next(iter(by_method.values())))
    sides = (
        {m: t for m, t in by_method.items() if t == first},
        {m: t for m, t in by_method.items() if t != first},
    )
    return sides if all(_asked(obs, side) for side in sides) else None


def _asked(obs: Observation, side: dict[str, str]) -> str | None:
    """The method of `side` whose own path answered, to be asked again (batch is two calls)."""
    return next((m for m in side if _text(obs, m) is not None), None)


def repeats_wanted(obs: Observation) -> list[str]:
    """The repeat probes that would tell a drifting implementation from sampling: one path of each
    side of a split, asked REPEATS more times. Empty when the paths do not split that way."""
    sides = split_sides(obs)
    if sides is None or declared(obs) or consensus(obs).deterministic:
        return []
    return [again(str(_asked(obs, side)), i) for side in sides for i in range(1, REPEATS + 1)]


def _drifted(obs: Observation, compared: tuple[str, ...]) -> Consensus | None:
    sides = split_sides(obs)
    if sides is None:
        return None
    for side in sides:
        method = str(_asked(obs, side))
        repeats = [_text(obs, again(method, i)) for i in range(1, REPEATS + 1)]
        if repeats != [side[method]] * REPEATS:
            return None
    # The side more paths take is the reference (the fewest failures for one defect); on a tie,
    # the side of invoke.
    reference, other = sides if _paths(sides[0]) >= _paths(sides[1]) else sides[::-1]
    agreeing = tuple(p for m in reference for p in METHODS[m] if p in compared)
    drifting = tuple(p for m in other for p in METHODS[m] if p in compared)
    text = next(iter(reference.values()))
    return Consensus(text, agreeing, compared, next(iter(other.values())), drifting)


def _paths(side: dict[str, str]) -> int:
    return sum(len([p for p in METHODS[m] if p in SOURCES]) for m in side)


def _text(obs: Observation, name: str) -> str | None:
    if name == INVOKE_MESSAGES and obs.kind != "chat":
        return None  # a text model gets the messages as a "Human: ..." prompt: another answer
    return probe_text(obs.calls.get(name))
