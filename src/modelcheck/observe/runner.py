"""Run probes concurrently with a deadline each: sync ones on daemon threads, async on one loop.

A model that never answers leaves its probe marked "timed out"; a model that raises leaves the
exception's type and message; either way the other probes still run and the run goes on.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable
from typing import Any

from modelcheck.core.records import Call, Failure, SecretSurface
from modelcheck.observe.loopthread import LoopThread
from modelcheck.observe.loopwatch import LoopWatch
from modelcheck.observe.modelcode import raise_site
from modelcheck.observe.probes import ASYNC_PROBES, SYNC_PROBES, WATCHED, ProbeContext
from modelcheck.observe.progress import TICK, Tracker
from modelcheck.observe.service import service_failure
from modelcheck.targets.exit_guard import abandon


def _attempted(call: Call) -> int:
    """1 for a call made without callbacks to count it by (or that failed before any), else 0 (a
    probe that could not run there, or one that makes no model call: `no_call`)."""
    return 0 if "unsupported" in call.extra or call.extra.get("no_call") else 1


def _model_exit(call: Call, exc: BaseException) -> BaseException:
    """The `SystemExit`/`KeyboardInterrupt` the model raised, when core turned it into another error.

    Core's chat `agenerate` gathers with `return_exceptions=True` and then reads `.generations` of
    any result that is not an `Exception`: the model's `SystemExit` comes out as core's
    AttributeError. Its `on_llm_error` callback still carried the model's exception: that one is
    the cause.
    """
    recorder = call.extra.get("recorder")
    errors: list[BaseException] = list(getattr(recorder, "errors", []))
    exits = [e for e in errors if not isinstance(e, Exception)]
    return exc if not exits or exc in exits else exits[0]


class Batch:
    """Probes started together; each can be waited for on its own, as soon as a later call needs it."""

    def __init__(self, names: list[str]) -> None:
        self.calls = {name: Call(name) for name in names}
        self.ended = {name: threading.Event() for name in names}
        self.threads: dict[str, Any] = {}
        self.watched: list[str] = []
        self.deadline: float | None = None  # for its async probes; None when none were submitted
        self.frozen: dict[str, Call] = {}


class ProbeRunner:
    """Runs named probes against one model and returns finished, frozen `Call` records."""

    def __init__(
        self,
        ctx: ProbeContext,
        timeout: float,
        loop: LoopThread,
        watch: LoopWatch,
        tracker: Tracker | None = None,
    ) -> None:
        self.ctx = ctx
        self.timeout = timeout
        self.loop = loop
        self.watch = watch
        self.tracker = tracker or Tracker("", None)
        self.started: set[str] = set()
        self.done: set[str] = set()
        self.counted: set[str] = set()  # the calls the tracker was told are over

    def run(self, names: list[str]) -> dict[str, Call]:
        return self.wait(self.start(names))

    def start(self, names: list[str]) -> Batch:
        """Start every probe of `names` at once: each sync one on its thread, the async ones on the
        loop (the watched ones first, one at a time, then the others together)."""
        batch = Batch(names)
        if names:
            self.tracker.plan(len(names))
        async_names = [n for n in names if n in ASYNC_PROBES]
        batch.watched = [n for n in WATCHED if n in async_names]
        others = [n for n in async_names if n not in batch.watched]
        # The loop first: its calls run one slot after another, so they start before the threads do.
        if async_names and not self.loop.blocked:
            self.loop.submit(self._async_phase(batch, others))
            slots = len(batch.watched) + (1 if others else 0)
            batch.deadline = time.perf_counter() + self.timeout * slots + 2.0
        self.started.update(n for n in names if n in SYNC_PROBES)
        batch.threads = {n: self._start_thread(batch, n) for n in names if n in SYNC_PROBES}
        return batch

    def wait(self, batch: Batch, names: Iterable[str] | None = None) -> dict[str, Call]:
        """The finished calls of `names` (every call of the batch when None) that the batch holds."""
        wanted = list(batch.calls) if names is None else [n for n in names if n in batch.calls]
        for name in wanted:
            if name not in batch.frozen:
                self._wait_one(batch, name)
        calls = {name: self._frozen(batch, name) for name in wanted}
        over = set(wanted) - self.counted
        if over:
            self.counted |= over
            self.tracker.finish(len(over))
        return calls

    def _wait_one(self, batch: Batch, name: str) -> None:
        thread = batch.threads.get(name)
        if thread is not None:
            self._join(thread)
            if thread.is_alive():
                abandon(thread)
        elif batch.deadline is not None and not self.loop.blocked and not self._ended(batch, name):
            self.loop.blocked = True
            self._keep_stalls(batch)

    def _ended(self, batch: Batch, name: str) -> bool:
        """Whether the async probe ended before the batch's deadline for the loop, telling the
        tracker what runs every TICK meanwhile."""
        assert batch.deadline is not None
        ended = batch.ended[name]
        while not ended.is_set() and batch.deadline - time.perf_counter() > TICK:
            ended.wait(TICK)
            self._tick()
        return ended.wait(max(0.0, batch.deadline - time.perf_counter()))

    def _join(self, thread: Any) -> None:
        """Wait for a sync probe's thread until its deadline, telling the tracker meanwhile."""
        while thread.is_alive() and (left := self.timeout - (time.perf_counter() - thread.started)) > 0:
            thread.join(min(TICK, left))
            self._tick()

    def _tick(self) -> None:
        done = set(self.done) - self.counted
        self.tracker.tick(len(done), self.started - self.counted - done)

    def _frozen(self, batch: Batch, name: str) -> Call:
        if name not in batch.frozen:
            call = batch.calls[name]
            batch.frozen[name] = self._finish(call, name in self.done, name in self.started)
        return batch.frozen[name]

    def _start_thread(self, batch: Batch, name: str) -> Any:
        call = batch.calls[name]
        fn = SYNC_PROBES[name]

        def target() -> None:
            start = time.perf_counter()
            try:
                with self.watch.probe(call.probe):  # the context names the probe (replay's misses)
                    fn(self.ctx, call)
            except BaseException as exc:
                self._raised(call, exc)
            call.duration_s = time.perf_counter() - start
            self.done.add(name)
            batch.ended[name].set()

        thread = threading.Thread(target=target, name=f"modelcheck-{name}", daemon=True)
        thread.started = time.perf_counter()  # type: ignore[attr-defined]
        thread.start()
        return thread

    async def _async_phase(self, batch: Batch, others: list[str]) -> None:
        for name in batch.watched:
            await self._run_async(batch, name, watched=True)
        tasks = []
        for name in others:
            with self.watch.probe(name):
                tasks.append(asyncio.ensure_future(self._run_async(batch, name)))
        await asyncio.gather(*tasks)

    async def _run_async(self, batch: Batch, name: str, watched: bool = False) -> None:
        call = batch.calls[name]
        coro = ASYNC_PROBES[call.probe](self.ctx, call)
        start = time.perf_counter()
        self.started.add(call.probe)
        with self.watch.probe(call.probe):
            try:
                if watched:
                    await asyncio.wait_for(self.watch.watch(coro), self.timeout)
                else:
                    await asyncio.wait_for(coro, self.timeout)
            except asyncio.TimeoutError:
                call.failure = self._timeout()
            except BaseException as exc:
                self._raised(call, exc)
            if watched:
                call.stalls = list(self.watch.stalls)
        call.duration_s = time.perf_counter() - start
        call.executor_calls = self.watch.executor_calls(call.probe)
        self.done.add(name)
        batch.ended[name].set()

    def _keep_stalls(self, batch: Batch) -> None:
        """The loop is still held: stop the watchdog, and give what it saw to the call holding it."""
        self.watch.stop()
        for name in batch.watched:
            if name in self.started and name not in self.done:
                batch.calls[name].stalls = list(self.watch.stalls)

    def _raised(self, call: Call, exc: BaseException) -> None:
        exc = _model_exit(call, exc)
        text = " ".join(str(exc).split())
        where, origin = raise_site(exc, self.watch.model_modules)
        call.failure = Failure("raised", type(exc).__name__, text, where, origin, service_failure(exc))
        self.ctx.surfaces.append(
            SecretSurface(f"the text of the {type(exc).__name__} raised", repr(exc) + text, call.probe)
        )

    @property
    def blocker(self) -> str:
        running = [n for n in self.started - self.done if n in ASYNC_PROBES]
        return f"the event loop was still blocked by {', '.join(sorted(running)) or 'an earlier call'}"

    def _timeout(self, blocked: bool = False) -> Failure:
        why = "; the event loop was blocked, so the call could not be cancelled" if blocked else ""
        return Failure("timeout", "TimeoutError", f"timed out after {self.timeout:g} s{why}")

    def _finish(self, call: Call, finished: bool, started: bool) -> Call:
        """A frozen copy: a probe still running on its thread must not change what is judged."""
        recorder = call.extra.pop("recorder", None)
        callbacks = list(recorder.records) if recorder is not None else list(call.callbacks)
        starts = sum(1 for c in callbacks if c.event == "start")
        failure = call.failure
        if not finished:
            failure = self._timeout(blocked=call.probe in ASYNC_PROBES and self.loop.blocked)
        if not started:
            failure = Failure("timeout", "TimeoutError", f"could not run: {self.blocker}")
        return Call(
            probe=call.probe,
            outputs=list(call.outputs),
            chunks=list(call.chunks),
            callbacks=callbacks,
            failure=failure,
            duration_s=call.duration_s if finished else self.timeout,
            executor_calls=list(call.executor_calls),
            stalls=list(call.stalls),
            extra={
                **call.extra,
                "model_calls": starts or _attempted(call),
                "inputs": list(recorder.inputs) if recorder is not None else [],
            },
            embedded=call.embedded,
        )
