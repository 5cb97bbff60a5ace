"""An event loop on a daemon thread, so a model that blocks it cannot hang modelcheck."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any


class LoopThread:
    """Runs coroutines on one loop for the whole observation (clients may bind to a loop)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.blocked = False
        self._thread = threading.Thread(target=self._run, name="modelcheck-loop", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

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
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(2.0)
        if not self._thread.is_alive():
            self.loop.close()
