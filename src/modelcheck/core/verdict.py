"""The verdict a check gives: passed, failed or skipped, with one paragraph that says why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    message: str = ""


def passed(note: str = "") -> Verdict:
    return Verdict("passed", note)


def failed(message: str) -> Verdict:
    return Verdict("failed", message)


def skipped(reason: str) -> Verdict:
    return Verdict("skipped", reason)
