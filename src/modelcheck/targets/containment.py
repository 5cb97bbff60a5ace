"""Keep what model code does to the process from deciding how the run ends.

While modelcheck builds or observes a model (a "window"):
- `os._exit` raises `ProcessExitRefused` (a `SystemExit`) instead of ending the process: a model
  calling `os._exit(0)` would otherwise end the run with status 0 and no report, a green CI job
  that checked nothing. It then fails the call it was made in, like any exception. Callers from
  pytest's own plugins (pytest-timeout, xdist) are let through.
- non-daemon threads the model starts and leaves running are handed to the exit guard, which ends
  the process once the run has reported (Python would otherwise wait for them for ever).
- every model instance modelcheck builds is kept alive to the end of the process, so a `__del__`
  that raises runs at the same moment in every run, not whenever the garbage collector runs
  during the checks (which made runs differ).
A model that kills the process by other means (a signal, C code calling `exit`) is not caught
here; the GitHub Action treats the missing report as a failure.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from modelcheck.targets.exit_guard import _state, left_behind

PASS_THROUGH = ("pytest_timeout", "xdist", "execnet", "_pytest", "modelcheck.targets.exit_guard")


class ProcessExitRefused(SystemExit):
    """The model called `os._exit` while modelcheck was running it."""


def _refuse_exit(status: int) -> NoReturn:
    caller = sys._getframe(1).f_globals.get("__name__", "")
    if any(caller == p or caller.startswith(p + ".") for p in PASS_THROUGH):
        _state["real_exit"](status)
    raise ProcessExitRefused(
        f"os._exit({status!r}) was called; modelcheck refused it so that the run can report"
    )


@contextmanager
def model_code_window() -> Iterator[None]:
    """Run model code with os._exit refused; hand left-over non-daemon threads to the exit guard."""
    before = set(threading.enumerate())
    depth = _state.get("windows", 0)
    _state["windows"] = depth + 1
    if depth == 0:
        os._exit = _refuse_exit
    try:
        yield
    finally:
        _state["windows"] = depth
        if depth == 0:
            os._exit = _state["real_exit"]
        left_behind([t for t in threading.enumerate() if t not in before and _models_own(t)])


def _models_own(thread: threading.Thread) -> bool:
    """A non-daemon thread that is neither modelcheck's nor an idle worker of a thread pool (pools
    are shut down by their owner; a pool thread stuck in a model call is an abandoned call)."""
    target = getattr(thread, "_target", None)
    pool = getattr(target, "__module__", "") == "concurrent.futures.thread"
    return thread.is_alive() and not thread.daemon and not pool and not thread.name.startswith("modelcheck-")


def keep_alive(obj: Any) -> None:
    """Keep a model instance until the process ends (see the module docstring)."""
    if obj is not None:
        _state.setdefault("kept", []).append(obj)
