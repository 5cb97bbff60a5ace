"""The verdict a check gives: passed, failed or skipped, with one paragraph that says why.

A failure that another check's failure explains (the same call raised for both, or the same
drifting answer) is that check's consequence: it still fails, and says which check is the cause.
A pass that judged some of its paths and left others (to another check, or because they were
unavailable) is partial: it names what it left. A check that judged nothing skips with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Outcome = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    message: str = ""
    consequence_of: str | None = None
    """For a failure: the check whose failure causes it (one defect, one failure), else None."""
    unjudged: tuple[str, ...] = ()
    """For a pass: what it left unjudged, each with why (empty when it judged everything)."""

    @property
    def partial(self) -> bool:
        return self.outcome == "passed" and bool(self.unjudged)


def passed(note: str = "", unjudged: tuple[str, ...] | list[str] = ()) -> Verdict:
    """A pass; `unjudged` names what it left (a partial pass), and must not be all it had to judge."""
    return Verdict("passed", note, unjudged=tuple(u for u in unjudged if u))


def failed(message: str) -> Verdict:
    return Verdict("failed", message)


def skipped(reason: str) -> Verdict:
    return Verdict("skipped", reason)


def consequence(cause: str, verdict: Verdict) -> Verdict:
    """`verdict`, a failure, marked as a consequence of the check `cause`."""
    return replace(verdict, message=f"consequence of {cause}: {verdict.message}", consequence_of=cause)
