"""Let pytest exit even when a model call never returned.

A sync model call that hangs inside `batch` leaves a worker of LangChain's thread pool running;
Python joins such threads before it exits, so the process would hang after the run had reported.
When modelcheck abandoned a call, it registers a last-moment hook (run by `threading` before it
joins those threads) that saves coverage data, flushes the output and ends the process with the
exit status of the last finished pytest session. This state is per process by nature, so it lives
in this module.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

# Kept on the threading module, so it outlives a re-import of this one: pytester drops the modules
# an in-process run imported, and the hook an inner run armed must still see the status the
# outermost session records last.
_state: dict[str, Any] = threading.__dict__.setdefault(
    "_modelcheck_exitguard", {"status": 0, "armed": False, "threads": []}
)


def record_status(status: int) -> None:
    _state["status"] = int(status)


def abandon(thread: threading.Thread) -> None:
    """Remember a probe thread that did not finish; arm the exit hook once."""
    _state["threads"].append(thread)
    if _state["armed"]:
        return
    register: Callable[[Callable[[], None]], None] | None = getattr(threading, "_register_atexit", None)
    if register is not None:
        register(_exit_now)
        _state["armed"] = True


def _exit_now() -> None:
    alive = [t for t in _state["threads"] if t.is_alive()]
    if not alive:
        return
    sys.stderr.write(
        f"modelcheck: {len(alive)} model call(s) never returned; exiting without waiting for them.\n"
    )
    _save_coverage()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_state["status"])


def _save_coverage() -> None:
    try:
        import coverage
    except ImportError:  # pragma: no cover - coverage is optional
        return
    current = coverage.Coverage.current()
    if current is not None:
        current.stop()
        current.save()
