"""Run model code that is not a model call (building, repr, properties) under the target's timeout.

Such code used to run on pytest's main thread: a constructor or `__repr__` that never returned hung
the run, and one that raised `SystemExit` or `KeyboardInterrupt` ended it. Here it runs on a daemon
thread; what it raises, `BaseException` included, comes back as `ModelCodeError`, and a call that
does not return within the timeout is left running (the exit guard ends the process after the
run has reported) and comes back as `ModelCodeError` too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from modelcheck.targets.exit_guard import abandon

T = TypeVar("T")
TICK_S = 0.5
"""Seconds between two calls of a wait's `tick` (the observer's progress)."""


class ModelCodeError(Exception):
    """Model code did not return normally: `error` is what it raised, or None when it timed out."""

    def __init__(self, what: str, timeout: float, error: BaseException | None) -> None:
        self.what = what
        self.timeout = timeout
        self.error = error
        super().__init__(self.describe())

    @property
    def hung(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        """`<what> did not return within N s` or `<what> raised Type: text`, on one line."""
        if self.error is None:
            return f"{self.what} did not return within {self.timeout:g} s (the target's timeout)"
        text = " ".join(str(self.error).split())
        return f"{self.what} raised {type(self.error).__name__}" + (f": {text}" if text else "")


def run_model_code(
    fn: Callable[[], T], timeout: float, what: str, tick: Callable[[], None] | None = None
) -> T:
    """`fn()` on a daemon thread; its value, or ModelCodeError if it raised or did not return.
    `tick` is called about every TICK_S seconds while it waits."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # SystemExit, KeyboardInterrupt: the model's, not the run's
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"modelcheck-{what[:40]}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while thread.is_alive() and (left := deadline - time.monotonic()) > 0:
        thread.join(min(TICK_S, left) if tick is not None else left)
        if tick is not None and thread.is_alive():
            tick()
    if thread.is_alive():
        abandon(thread)
        raise ModelCodeError(what, timeout, None)
    if "error" in box:
        raise ModelCodeError(what, timeout, box["error"])
    value: T = box["value"]
    return value
