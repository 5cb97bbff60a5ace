"""The observer's progress on pytest's terminal, while a target is observed (the first check's setup).

On a terminal, one status line is rewritten in place: the target, the phase, the calls done of
those planned, what it waits on and for how long. In a log (not a terminal, or `CI=true`), a line
is written only once observing has taken `QUIET_S` seconds, then at most every `EVERY_S`
seconds, so a fast run's log gains nothing. Either way a last line says how long it took, once
anything was shown. Nothing under `-q`, on an xdist worker (its controller shows only results),
or without pytest's terminal. Every line goes through the run's scrubber.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from modelcheck.observe.progress import Progress, Report

QUIET_S = 2.0
"""Seconds of observing after which a log gets its first progress line."""
EVERY_S = 10.0
"""Seconds between two progress lines in a log."""
LIVE_S = 0.5
"""Seconds of observing after which a terminal shows the status line (a fast run shows none)."""


class ProgressLine:
    """Renders `Progress` reports on pytest's terminal reporter."""

    def __init__(self, reporter: Any, capture: Any, live: bool, scrub: Callable[[str], str]) -> None:
        self.reporter = reporter
        self.capture = capture
        self.live = live
        self.scrub = scrub
        self.start = time.monotonic()
        self.last: float | None = None
        self.latest: Progress | None = None
        self.resume: Any = None
        """What pytest had begun on its line (a path, or `-v`'s test id) when the first line showed."""

    def __call__(self, progress: Progress) -> None:
        self.latest = progress
        now = time.monotonic()
        if self.live and now - self.start >= LIVE_S:
            self._show(self.describe(progress, now), rewrite=True)
        elif not self.live and now - self.start >= QUIET_S and self._due(now):
            self._show(self.describe(progress, now), rewrite=False)

    def _due(self, now: float) -> bool:
        return self.last is None or now - self.last >= EVERY_S

    def describe(self, progress: Progress, now: float) -> str:
        """Most telling first (a terminal line is cut at its width): the time, the probes done,
        what it waits on, or else the phase."""
        text = f"modelcheck: observing {progress.target} ({now - self.start:.0f} s): "
        if not progress.waiting:
            return text + progress.phase
        return f"{text}{progress.done}/{progress.planned} probes done; waiting on {_some(progress.waiting)}"

    def close(self) -> None:
        """The observation is over: a last line, when anything was shown."""
        if self.last is None or self.latest is None:
            return
        took = time.monotonic() - self.start
        text = f"modelcheck: observed {self.latest.target} in {took:.1f} s ({self.latest.done} probes)"
        self._show(text, rewrite=self.live)
        self._write(self._resume)

    def _resume(self) -> None:
        """Begin pytest's line again, so the first check's result lands where it would have."""
        reporter, resume = self.reporter, self.resume
        lead = "\n" if self.live else ""  # a log's last line ended its line, the status line did not
        if isinstance(resume, str):  # -v: the test's id, its result word follows
            reporter.write(lead + resume)
        elif isinstance(resume, Path):  # the file's path, its results' letters follow
            reporter.write(f"{lead}{os.path.relpath(resume, reporter.startpath)} ")
        else:
            return
        reporter.currentfspath = resume
        reporter.flush()

    def _show(self, text: str, rewrite: bool) -> None:
        line = self.scrub(text)
        if self.last is None:
            self.resume = self.reporter.currentfspath
        if rewrite:
            width = max(20, self.reporter._tw.fullwidth - 1)
            first = self.last is None
            self._write(lambda: self._rewrite(line[:width], first))
        else:
            self._write(lambda: self.reporter.write_line(line))
        self.last = time.monotonic()

    def _rewrite(self, line: str, first: bool) -> None:
        if first:
            self.reporter.ensure_newline()
        self.reporter.rewrite(line, erase=True)
        self.reporter.currentfspath = None  # pytest's next result starts a new line of its own
        self.reporter.flush()

    def _write(self, write: Callable[[], None]) -> None:
        """Write around pytest's capture (the observation runs inside a check's setup)."""
        with self.capture.global_and_fixture_disabled() if self.capture is not None else nullcontext():
            write()


def _some(names: tuple[str, ...], shown: int = 4) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


@contextmanager
def progress_line(config: Any, scrub: Callable[[str], str]) -> Iterator[Report | None]:
    """The report callback for one observation, or None where nothing is to be shown."""
    line = _line(config, scrub)
    try:
        yield line
    finally:
        if line is not None:
            line.close()


def _line(config: Any, scrub: Callable[[str], str]) -> ProgressLine | None:
    if config is None or hasattr(config, "workerinput") or config.get_verbosity() < 0:
        return None
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return None
    capture = config.pluginmanager.get_plugin("capturemanager")
    live = bool(reporter.isatty) and os.environ.get("CI", "").lower() not in ("true", "1")
    return ProgressLine(reporter, capture, live, scrub)
