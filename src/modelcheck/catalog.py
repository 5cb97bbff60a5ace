"""The check catalog: one data row per check. Test ids, reports and the checklist all come from it.

The ids are fixed: users select them with `-k`, skip them in `[tool.modelcheck]`, and tools read
them from the JSON report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from modelcheck.checks import runnable
from modelcheck.records import Kind, Observation
from modelcheck.verdict import Verdict

BOTH: frozenset[Kind] = frozenset({"llm", "chat"})
CONSENSUS = frozenset({"invoke", "invoke_messages", "ainvoke", "batch", "abatch", "stream", "astream"})


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    section: str
    judge: Callable[[Observation], Verdict]
    needs: frozenset[str] = CONSENSUS
    kinds: frozenset[Kind] = BOTH

    @property
    def anchor(self) -> str:
        return f"README.md#{self.id}"


CATALOG: tuple[Check, ...] = (
    Check(
        "invoke",
        "invoke works with a string and with messages",
        "Runnable surface",
        runnable.judge_invoke,
    ),
    Check("ainvoke", "ainvoke returns what invoke returns", "Runnable surface", runnable.judge_ainvoke),
    Check(
        "batch",
        "batch returns one result per input, in order",
        "Runnable surface",
        runnable.judge_batch,
    ),
    Check(
        "abatch",
        "abatch returns one result per input, in order",
        "Runnable surface",
        runnable.judge_abatch,
    ),
    Check(
        "stream",
        "stream yields chunks that add up to invoke",
        "Runnable surface",
        runnable.judge_stream,
    ),
    Check(
        "astream",
        "astream yields chunks that add up to invoke",
        "Runnable surface",
        runnable.judge_astream,
    ),
)

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(c.section for c in CATALOG))
IDS: tuple[str, ...] = tuple(c.id for c in CATALOG)


def checks_for(kind: Kind) -> list[Check]:
    return [c for c in CATALOG if kind in c.kinds]


def by_id(check_id: str) -> Check:
    return next(c for c in CATALOG if c.id == check_id)
