"""An event loop on a daemon thread, so a model that blocks it cannot hang modelcheck.

The loop outlives what model code does to it: a `SystemExit` or `KeyboardInterrupt` that escapes a
task the model started (asyncio re-raises those out of `run_forever`), or a model that calls
`loop.stop()`, ends one `run_forever`, and the loop is run again; the task that raised holds the
exception, so the call that awaited it fails with it. Only `close()` ends the loop.

Every target of a run is observed on the same loop (`shared_loop`): a client a package caches
across model instances binds to the loop of its first call (langchain-openai keeps one
`httpx.AsyncClient` per base URL and timeout), so a loop closed after one target would fail the
next target's async calls with "Event loop is closed", a fault of modelcheck's, not the model's.
A loop a model blocked is left to its thread and the next target gets a new one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any

_shared: LoopThread | None = None
_shared_lock = threading.Lock()


def shared_loop() -> LoopThread:
    """The run's loop: the one the last target used, unless a model blocked it (then a new one)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.blocked or _shared.loop.is_closed():
            _shared = LoopThread()
        return _shared


class LoopThread:
    """Runs coroutines on one loop for the whole observation (clients may bind to a loop)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.blocked = False
        self.escaped: list[BaseException] = []
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="modelcheck-loop", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        while not self._closing:
            try:
                self.loop.run_forever()
            except BaseException as exc:  # the model's SystemExit/KeyboardInterrupt, out of a task
                self.escaped.append(exc)

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def wait(self, future: concurrent.futures.Future[Any], seconds: float) -> bool:
        """Wait for `future`; False (and the loop marked blocked) if it did not finish in time."""
        try:
            future.result(timeout=seconds)
        except concurrent.futures.TimeoutError:
            self.blocked = True
            return False
        return True

    def close(self) -> None:
        if self.blocked:
            return
        self._closing = True
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(2.0)
        if not self._thread.is_alive():
            self.loop.close()
