"""Let pytest exit even when a model call never returned, or the model left a thread running.

A sync model call that hangs inside `batch` leaves a worker of LangChain's thread pool running;
a model may start a non-daemon thread of its own that never ends. Python joins such threads
before it exits, so the process would hang after the run had reported. When modelcheck abandoned
a call, or saw the model leave a thread behind, it registers a last-moment hook (run by
`threading` before it joins those threads) that gives the model's own threads a moment to end,
then says what it is about to do, saves coverage data, flushes the output and ends the process
with the exit status of the last finished pytest session. This state is per process by nature,
so it lives in this module.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

# Kept on the threading module, so it outlives a re-import of this one: pytester drops the modules
# an in-process run imported, and the hook an inner run armed must still see the status the
# outermost session records last.
_state: dict[str, Any] = threading.__dict__.setdefault(
    "_modelcheck_exitguard", {"status": 0, "armed": False, "threads": [], "left": []}
)
_state.setdefault("left", [])
# The real os._exit, saved before modelcheck refuses it to model code (see containment).
_state.setdefault("real_exit", os._exit)
GRACE_S = 2.0


def record_status(status: int) -> None:
    _state["status"] = int(status)


def abandon(thread: threading.Thread) -> None:
    """Remember a probe thread that did not finish; arm the exit hook once."""
    _state["threads"].append(thread)
    _arm()


def left_behind(threads: list[threading.Thread]) -> None:
    """Remember non-daemon threads the model started and left running; arm the exit hook once."""
    if threads:
        _state["left"].extend(threads)
        _arm()


def _arm() -> None:
    if _state["armed"]:
        return
    register: Callable[[Callable[[], None]], None] | None = getattr(threading, "_register_atexit", None)
    if register is not None:
        register(_exit_now)
        _state["armed"] = True


def _exit_now() -> None:
    alive = [t for t in _state["threads"] if t.is_alive()]
    left = _still_running(_state["left"])
    if not alive and not left:
        return
    parts = [f"{len(alive)} model call(s) never returned"] if alive else []
    if left:
        names = ", ".join(sorted({t.name for t in left})[:5])
        parts.append(f"the model left {len(left)} thread(s) running ({names})")
    sys.stderr.write(f"modelcheck: {'; '.join(parts)}; exiting without waiting for them.\n")
    _save_coverage()
    sys.stdout.flush()
    sys.stderr.flush()
    _state["real_exit"](_state["status"])


def _still_running(threads: list[threading.Thread]) -> list[threading.Thread]:
    """The threads still alive after a short grace, in which a thread may end by itself."""
    deadline = time.monotonic() + GRACE_S
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [t for t in threads if t.is_alive()]


def _save_coverage() -> None:
    try:
        import coverage
    except ImportError:  # pragma: no cover - coverage is optional
        return
    current = coverage.Coverage.current()
    if current is not None:
        current.stop()
        current.save()
