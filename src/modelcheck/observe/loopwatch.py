"""Watch an event loop while an async probe runs: thread-pool hand-offs and stalls in model code.

A native async model neither sends its work to a thread pool (`run_in_executor`, `to_thread`) nor
holds the loop in a blocking call. Hand-offs are caught by wrapping the loop's `run_in_executor`;
stalls by a heartbeat task on the loop and a watchdog thread that, while the heartbeat is late,
samples the loop thread's stack. A sample counts only when the model's own code is on that stack
and the kernel says the thread sleeps in a blocking call (on Linux: state S or D, and its wait
channel is `hrtimer_nanosleep` for `time.sleep`, a poll or socket wait for sync I/O, not a futex,
which is the interpreter lock). A thread that is running or waiting for a CPU (state R) is not in
a blocking call, so other busy threads or processes cannot make a correct model look blocking. Only
runs of consecutive blocked samples count, for the time between their first and last sample (see
`Runs`): a brief sleep seen once (a page fault) never does, however late a loaded machine takes the
next sample. The runs are added up per probe, which catches a short block per chunk too.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from modelcheck.core.records import ExecutorCall, LoopStall
from modelcheck.observe import modelcode

TICK_S = 0.005
LATE_S = 0.02
SAMPLE_S = 0.005
MIN_STALL_S = 0.1
MIN_SAMPLES = 3
RUN_SAMPLES = 2  # consecutive blocked samples before any of their time counts

_probe: contextvars.ContextVar[str | None] = contextvars.ContextVar("modelcheck_probe", default=None)


def current_probe() -> str | None:
    """The probe whose call is running in this context (a task of the loop, or a probe's thread)."""
    return _probe.get()


class LoopWatch:
    """Records executor hand-offs and model-held stalls of one loop, per probe."""

    def __init__(self, loop: asyncio.AbstractEventLoop, model_modules: tuple[str, ...]) -> None:
        self.loop = loop
        self.model_modules = model_modules
        self._handoffs: dict[str, list[_HandOff]] = {}
        self._running: dict[int, _HandOff] = {}  # thread id of a pool worker -> what it runs
        self.stalls: list[LoopStall] = []
        self._last_tick = time.perf_counter()
        self._loop_thread: int | None = None
        self._loop_native_id: int | None = None
        self._stop = threading.Event()
        self._dog: threading.Thread | None = None

    def install(self) -> None:
        self.uninstall()  # over the loop's own method, not the wrapper of a target observed before
        original = self.loop.run_in_executor

        def run_in_executor(executor: Any, func: Callable[..., Any], *args: Any) -> Any:
            name = _probe.get()
            if name is None:
                return original(executor, func, *args)
            handoff = _HandOff(describe(func))
            self._handoffs.setdefault(name, []).append(handoff)
            return original(executor, self._tracked(handoff, func), *args)

        self.loop.run_in_executor = run_in_executor  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        """The loop's own `run_in_executor` back (the loop outlives the observation)."""
        vars(self.loop).pop("run_in_executor", None)

    def _tracked(self, handoff: _HandOff, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func`, noting which pool thread runs it so the watchdog can sample that thread too."""

        def run(*args: Any) -> Any:
            worker = threading.get_native_id()
            self._running[worker] = handoff
            try:
                return func(*args)
            finally:
                self._running.pop(worker, None)

        return run

    def executor_calls(self, probe: str) -> list[ExecutorCall]:
        """What `probe` sent to a thread pool, with the blocking time sampled in each."""
        return [ExecutorCall(h.function, round(h.blocked_s, 3)) for h in self._handoffs.get(probe, [])]

    @contextmanager
    def probe(self, name: str) -> Iterator[None]:
        token = _probe.set(name)
        try:
            yield
        finally:
            _probe.reset(token)

    async def watch(self, coro: Any) -> tuple[Any, list[LoopStall]]:
        """Run `coro` alone on the loop with the heartbeat and the watchdog on."""
        self._loop_thread = threading.get_ident()
        self._loop_native_id = threading.get_native_id()
        self.stalls = []
        self._stop.clear()
        beat = asyncio.ensure_future(self._heartbeat())
        self._dog = threading.Thread(target=self._watchdog, name="modelcheck-watchdog", daemon=True)
        self._dog.start()
        try:
            return await coro, self.stalls
        finally:
            beat.cancel()
            self.stop()

    def stop(self) -> None:
        """End the watch and keep what the watchdog saw: also from outside, when the loop stays held."""
        self._stop.set()
        if self._dog is not None:
            self._dog.join(1.0)

    async def _heartbeat(self) -> None:
        while True:
            self._last_tick = time.perf_counter()
            await asyncio.sleep(TICK_S)

    def _watchdog(self) -> None:
        loop = Runs()
        workers: dict[int, Runs] = {}
        while not self._stop.wait(SAMPLE_S):
            now = time.perf_counter()
            running = dict(self._running)
            for worker, handoff in running.items():
                runs = workers.setdefault(worker, Runs())
                runs.sample(now, in_blocking_call(worker))
                handoff.blocked_s = runs.total
            for worker in set(workers) - set(running):
                workers.pop(worker).close()
            spot = self._model_block() if now - self._last_tick > LATE_S else None
            loop.sample(now, spot is not None, spot)
        loop.close()
        if loop.samples >= MIN_SAMPLES and loop.total >= MIN_STALL_S:
            self.stalls.append(LoopStall(round(loop.total, 3), max(loop.spots, key=loop.spots.__getitem__)))

    def _model_block(self) -> str | None:
        """Where the model's code holds the loop thread in a blocking call, or None.

        The stack is read first, the kernel's view second: if the thread was only waiting for the
        interpreter lock when its stack was read, it takes the lock while the watchdog reads /proc,
        and is then seen running (R), not sleeping in a call.
        """
        spot = self._model_frame()
        if spot is None or not in_blocking_call(self._loop_native_id):
            return None
        return spot

    def _model_frame(self) -> str | None:
        frame = sys._current_frames().get(self._loop_thread or -1)
        top = frame
        while frame is not None:
            if modelcode.in_model(frame, self.model_modules):
                where = modelcode.spot(frame)
                return f"{where} (blocked in {modelcode.spot(top)})" if top is not frame else where
            frame = frame.f_back
        return None


class Runs:
    """Blocking time seen by sampling one thread, counted so that load cannot make it up.

    A sample only says the thread sleeps in a call at that instant; a busy machine spaces the
    samples out, and weighing one sample by the time since the one before would turn a page fault
    into tens of milliseconds. So only runs of at least RUN_SAMPLES consecutive blocked samples
    count, each for the time from its first blocked sample to its last (plus one sampling period):
    a thread seen asleep at both ends. A blip seen once never counts, however long the gap.
    """

    def __init__(self) -> None:
        self.total = 0.0
        self.samples = 0
        self.spots: dict[str, float] = {}
        self._first = 0.0
        self._length = 0  # blocked samples in the open run
        self._credited = 0.0  # of the open run's time, what `total` already holds

    def sample(self, now: float, blocked: bool, spot: str | None = None) -> None:
        if not blocked:
            self.close()
            return
        if self._length == 0:
            self._first = now
        self._length += 1
        if self._length < RUN_SAMPLES:
            return
        span = now - self._first + SAMPLE_S
        self.total += span - self._credited
        if spot is not None:
            self.spots[spot] = self.spots.get(spot, 0.0) + span - self._credited
        self.samples += RUN_SAMPLES if self._length == RUN_SAMPLES else 1
        self._credited = span

    def close(self) -> None:
        self._length, self._credited = 0, 0.0


def in_blocking_call(native_id: int | None) -> bool:
    """Whether the kernel says the thread sleeps in a call other than a futex (the interpreter lock).

    True where the kernel cannot be asked (no /proc): the stack and the heartbeat decide alone.
    """
    if native_id is None:
        return True
    task = f"/proc/self/task/{native_id}"
    try:
        with open(f"{task}/stat", encoding="ascii", errors="replace") as handle:
            state = handle.read().rpartition(")")[2].split()[0]
        with open(f"{task}/wchan", encoding="ascii", errors="replace") as handle:
            channel = handle.read()
    except (OSError, IndexError):
        return True
    return state in ("S", "D") and "futex" not in channel


def describe(func: Any) -> str:
    """Name the function behind the layers of partials and wrappers LangChain adds."""
    for _ in range(6):
        if isinstance(func, functools.partial):
            inner = [a for a in func.args if callable(a)]
            func = inner[0] if inner else func.func
            continue
        cells = [c.cell_contents for c in (getattr(func, "__closure__", None) or ())]
        inner = [c for c in cells if callable(c) and not isinstance(c, type)]
        if getattr(func, "__name__", "") == "wrapper" and inner:
            func = inner[0]
            continue
        break
    return getattr(func, "__qualname__", None) or repr(func)


@dataclass
class _HandOff:
    """An `ExecutorCall` while it is recorded: the watchdog adds to its blocking time."""

    function: str
    blocked_s: float = 0.0
