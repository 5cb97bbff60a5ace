"""What the observer tells whoever watches it: the phase it is in, and the calls done of planned.

The observer is handed a `Report` callback and never prints. It reports when a phase begins, when
a batch of calls starts, and, while it waits on calls, about every `TICK` seconds with the calls
still running (so a watcher can say what it waits on). The pytest glue (pytest/progress.py)
renders the reports on the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

TICK = 0.5
"""Seconds between two reports while the observer waits on calls."""


@dataclass(frozen=True)
class Progress:
    """One report: the target, what the observer is doing, and the calls running now."""

    target: str
    phase: str
    done: int
    planned: int
    waiting: tuple[str, ...] = ()


Report = Callable[[Progress], None]


class Tracker:
    """Counts the calls of one observation across its phases and reports each change."""

    def __init__(self, target: str, report: Report | None) -> None:
        self.target = target
        self.report = report
        self.phase = "starting"
        self.done = 0
        self.planned = 0

    def enter(self, phase: str) -> None:
        """A phase begins (one that makes no calls of its own names what it does instead)."""
        self.phase = phase
        self._emit(0, ())

    def plan(self, count: int) -> None:
        """`count` more calls are about to run."""
        self.planned += count
        self._emit(0, ())

    def wait(self) -> None:
        """While waiting on model code that is not a call (building the model's copies)."""
        self._emit(0, ())

    def tick(self, finished: int, running: Collection[str]) -> None:
        """While waiting: `finished` calls of the running batch are done, `running` still run."""
        self._emit(finished, running)

    def finish(self, count: int) -> None:
        """The running batch of `count` calls is over (answered, failed or timed out)."""
        self.done += count
        self._emit(0, ())

    def _emit(self, finished: int, running: Collection[str]) -> None:
        if self.report is not None:
            done = self.done + finished
            self.report(Progress(self.target, self.phase, done, self.planned, tuple(sorted(running))))
