"""The verdict a check gives: passed, failed or skipped, with one paragraph that says why.

A failure that another check's failure explains (the same call raised for both, or the same
drifting answer) is that check's consequence: it still fails, and says which check is the cause.
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


def passed(note: str = "") -> Verdict:
    return Verdict("passed", note)


def failed(message: str) -> Verdict:
    return Verdict("failed", message)


def skipped(reason: str) -> Verdict:
    return Verdict("skipped", reason)


def consequence(cause: str, verdict: Verdict) -> Verdict:
    """`verdict`, a failure, marked as a consequence of the check `cause`."""
    return replace(verdict, message=f"consequence of {cause}: {verdict.message}", consequence_of=cause)
