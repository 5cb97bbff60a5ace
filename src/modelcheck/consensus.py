"""Decide from records already made whether a model is deterministic, and what it answers.

The same probe prompt goes through invoke, ainvoke, batch, abatch, stream and astream. When all
the paths that answered agree but at most one (and at least three agree), the model is taken as
deterministic and that text is the reference every path is compared with. A broken path then
stands out against the others; a model that answers differently from call to call gets shape
checks only. Allowing only one dissenter keeps a sampling model with few possible answers from
being taken as deterministic: with eight equally likely answers that happens about once in a
thousand runs, against one in four if any three agreeing paths were enough.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from modelcheck.records import Call, Observation

SOURCES = ("invoke", "ainvoke", "batch", "abatch", "stream", "astream")
MIN_AGREEING = 3


@dataclass(frozen=True)
class Consensus:
    text: str | None
    agreeing: tuple[str, ...]
    compared: tuple[str, ...]

    @property
    def deterministic(self) -> bool:
        return self.text is not None


def probe_text(call: Call | None) -> str | None:
    """The text a probe gave for the first probe prompt, if it completed with the right types."""
    if call is None or not call.ok:
        return None
    if call.probe in ("stream", "astream"):
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
    if not counts:
        return Consensus(None, (), compared)
    top, n = counts[0]
    runner_up = counts[1][1] if len(counts) > 1 else 0
    if n < max(MIN_AGREEING, len(present) - 1) or n == runner_up:
        return Consensus(None, (), compared)
    return Consensus(top, tuple(k for k, t in present.items() if t == top), compared)
