"""Native async: thread-pool hand-offs and blocking calls are named; a correct model never fails,
even on a loaded machine."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator

# Inner runs print hypothesis' report header, which imports it; imported here it stays loaded,
# instead of being imported (and assertion-rewritten) again by every pytester run.
import hypothesis  # noqa: F401
import pytest
from support.harness import only, outcomes, section

NATIVE = section("Native async")

MODELS = '''
import asyncio
import subprocess
from typing import Any

from langchain_core.language_models import SimpleChatModel
from langchain_core.language_models.llms import LLM

from reference_models import EchoChatModel, EchoLLM


class ToThread(EchoLLM):
    """Sends `_call` to a thread with asyncio.to_thread (https://example.com/api)."""

    async def _acall(self, prompt, stop=None, run_manager=None, **kwargs):
        return await asyncio.to_thread(self._call, prompt, stop)


class SyncIO(EchoChatModel):
    """Waits for a subprocess, a blocking call, inside `_agenerate` (https://example.com/api)."""

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        subprocess.run(["sleep", "0.3"], check=True)
        return await super()._agenerate(messages, stop, run_manager, **kwargs)


class Simple(SimpleChatModel):
    """Implements only `_call`; SimpleChatModel runs it in a thread pool for ainvoke."""

    model_name: str = "simple-1"
    """Name of the model."""

    @property
    def _llm_type(self) -> str:
        return "simple"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        return str(messages[-1].content)


class CallOnly(LLM):
    """Implements only `_call`: no async method and no streaming."""

    model_name: str = "call-only-1"
    """Name of the model."""

    @property
    def _llm_type(self) -> str:
        return "call-only"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt
'''


def test_a_thread_pool_hand_off_names_the_function(mc) -> None:
    mc.model(MODELS)
    outcome = mc.run("--modelcheck=mymodel:ToThread", *only(*NATIVE))
    assert outcome.of("mymodel:ToThread") == {"native-async": "failed", "native-async-stream": "passed"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]native-async[]] during ainvoke, work was sent to a thread pool (EchoLLM._call) via "
            "run_in_executor/to_thread: `_acall` is not natively async. Await the provider's async "
            "client instead. See modelcheck docs/native-async.md#native-async."
        ]
    )


def test_blocking_io_names_the_model_line_and_the_blocking_call(mc) -> None:
    mc.model(MODELS)
    outcome = mc.run("--modelcheck=mymodel:SyncIO", *only(*NATIVE))
    assert outcome.of("mymodel:SyncIO") == {"native-async": "failed", "native-async-stream": "passed"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]native-async[]] during ainvoke, the event loop was blocked for 0.* s in _agenerate "
            "(mymodel.py:*) (blocked in * (*.py:*)): `_agenerate` makes a blocking call (time.sleep, "
            "sync I/O). *See modelcheck docs/native-async.md#native-async."
        ]
    )


BLOCKS_PAST_TIMEOUT = '''
import time

from reference_models import EchoChatModel


class Slept(EchoChatModel):
    """Blocks the loop past the 1 s timeout, then answers (https://example.com/api)."""

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        time.sleep(1.5)
        return await super()._agenerate(messages, stop, run_manager, **kwargs)


class Stuck(EchoChatModel):
    """Blocks the loop past modelcheck's whole wait for the async calls (https://example.com/api)."""

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        time.sleep(6)
        return await super()._agenerate(messages, stop, run_manager, **kwargs)
'''


def test_a_block_that_outlasts_the_timeout_is_named_not_only_timed_out(mc) -> None:
    """The timeout is the symptom; the blocking line is what the author must change."""
    mc.model(BLOCKS_PAST_TIMEOUT)
    mc.config("""
        [tool.modelcheck."mymodel:Slept"]
        timeout = 1
        [tool.modelcheck."mymodel:Stuck"]
        timeout = 1
    """)
    outcome = mc.run("--modelcheck=mymodel:Slept", "--modelcheck=mymodel:Stuck", *only(*NATIVE))
    assert outcome.failing("mymodel:Slept") == {"native-async"}
    # The loop is still held when astream's turn comes, so that cannot run either.
    assert outcome.failing("mymodel:Stuck") == {"native-async", "native-async-stream"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]native-async[]] during ainvoke, the event loop was blocked for 1.* s in _agenerate "
            "(mymodel.py:10) (the call then timed out after 1 s): `_agenerate` makes a blocking call *",
            "[[]native-async[]] during ainvoke, the event loop was blocked for * s in _agenerate "
            "(mymodel.py:18) (the call then timed out after 1 s; the event loop was blocked, so the "
            "call could not be cancelled): `_agenerate` makes a blocking call *",
        ]
    )


HELPERS_IN_THREADS = '''
import asyncio
import json
import time

from reference_models import EchoChatModel


class ParsesInThread(EchoChatModel):
    """Awaits its (echo) client, then parses the answer in a thread, as ChatOpenAI does
    (https://example.com/api)."""

    def _parse(self, result):
        json.loads(json.dumps([str(result)] * 200))
        return result

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        result = await super()._agenerate(messages, stop, run_manager, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(None, self._parse, result)


class FetchesInThread(EchoChatModel):
    """Sends a sync request (a sleep stands for it) to a thread (https://example.com/api)."""

    def _fetch(self):
        time.sleep(0.2)

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        await asyncio.to_thread(self._fetch)
        return await super()._agenerate(messages, stop, run_manager, **kwargs)
'''


def test_cpu_work_in_a_thread_is_not_the_fallback_but_sync_io_in_a_thread_is(mc) -> None:
    mc.model(HELPERS_IN_THREADS)
    outcome = mc.run(
        "--modelcheck=mymodel:ParsesInThread", "--modelcheck=mymodel:FetchesInThread", *only(*NATIVE)
    )
    assert outcome.of("mymodel:ParsesInThread") == {"native-async": "passed", "native-async-stream": "passed"}
    assert outcome.failing("mymodel:FetchesInThread") == {"native-async"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]native-async[]] during ainvoke, work was sent to a thread pool (FetchesInThread._fetch, "
            "which blocked there for 0.* s) via run_in_executor/to_thread: `_agenerate` is not natively "
            "async. Await the provider's async client instead. "
            "See modelcheck docs/native-async.md#native-async."
        ]
    )
    report = mc.run("--modelcheck=mymodel:ParsesInThread", *only("native-async"), report=True)
    (target,) = report.report()["targets"]
    assert target["checks"][0]["message"] == (
        "during ainvoke, ParsesInThread._parse ran in a thread pool without blocking calls: CPU work "
        "kept off the event loop, not the thread-pool fallback."
    )


def test_simple_chat_models_thread_pool_agenerate_is_not_native(mc) -> None:
    mc.model(MODELS)
    outcome = mc.run("--modelcheck=mymodel:Simple", *only(*NATIVE), "-rs")
    assert outcome.of("mymodel:Simple") == {"native-async": "failed", "native-async-stream": "skipped"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]native-async[]] Simple does not override _agenerate, so ainvoke runs _generate in a thread "
            "pool. Implement `async def _agenerate` with the provider's async client. "
            "See modelcheck docs/native-async.md#native-async.",
            "SKIPPED * Simple does not stream (no `_stream` or `_astream`).",
        ]
    )


def test_a_text_model_without_async_or_streaming(mc) -> None:
    mc.model(MODELS)
    outcome = mc.run("--modelcheck=mymodel:CallOnly", *only(*NATIVE, *section("Streaming")), "-rs")
    assert outcome.of("mymodel:CallOnly") == {
        "native-async": "failed",
        "native-async-stream": "skipped",
        "stream-callbacks": "skipped",
        "stream-callback-order": "skipped",
    }
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]native-async[]] CallOnly does not override _acall or _agenerate, so ainvoke runs _call in "
            "a thread pool. *",
            *(
                f"SKIPPED [[]1[]] modelcheck::mymodel:CallOnly::{check}: CallOnly implements neither "
                "`_stream` nor `_astream`, so stream() returns the whole answer as one chunk and there "
                "are no stream callbacks to check."
                for check in ("stream-callbacks", "stream-callback-order")
            ),
            "SKIPPED * CallOnly does not stream (no `_stream` or `_astream`).",
        ]
    )


REPEATS = 10
FACTORIES = "\n".join(
    [
        "from reference_models import EchoChatModel, EchoLLM",
        *(f"def chat{i}():\n    return EchoChatModel(latency_s={i % 3} / 1000)" for i in range(REPEATS)),
        *(f"def llm{i}():\n    return EchoLLM(latency_s={i % 3} / 1000)" for i in range(REPEATS)),
    ]
)


@pytest.fixture
def busy_machine() -> Iterator[None]:
    """Keep both cores busy: a thread here fights the loop for the GIL, a process takes a core."""
    stop = threading.Event()

    def burn() -> None:
        while not stop.is_set():
            sum(i * i for i in range(10_000))

    burner = threading.Thread(target=burn, daemon=True)
    other = subprocess.Popen(
        [sys.executable, "-c", "import time\nend = time.time() + 60\nwhile time.time() < end: pass"]
    )
    burner.start()
    try:
        yield
    finally:
        stop.set()
        other.kill()
        other.wait()
        burner.join()


def test_reference_models_never_fail_native_async_on_a_busy_machine(mc, busy_machine: None) -> None:
    mc.model(FACTORIES, name="factories")
    targets = [f"factories:{kind}{i}" for kind in ("chat", "llm") for i in range(REPEATS)]
    outcome = mc.run(*(f"--modelcheck={t}" for t in targets), *only(*NATIVE))
    verdicts = outcome.verdicts
    assert len(verdicts) == len(targets) * len(NATIVE)
    assert outcomes(verdicts) == {"passed"}, outcome.text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the kernel's view in /proc")
def test_only_a_thread_asleep_in_a_call_other_than_a_lock_counts_as_blocked() -> None:
    """What the watchdog asks the kernel, on real threads: asleep in time.sleep counts; waiting for
    a lock (a futex, as for the interpreter lock) or running does not; no thread id cannot be asked."""
    from modelcheck.observe.loopwatch import in_blocking_call

    release = threading.Event()
    ids: dict[str, int] = {}

    def sleeper() -> None:
        ids["sleep"] = threading.get_native_id()
        time.sleep(2)

    def waiter() -> None:
        ids["lock"] = threading.get_native_id()
        release.wait(2)

    threads = [threading.Thread(target=f, daemon=True) for f in (sleeper, waiter)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    try:
        assert in_blocking_call(ids["sleep"]) is True
        assert in_blocking_call(ids["lock"]) is False
        assert in_blocking_call(threading.get_native_id()) is False
        assert in_blocking_call(None) is True
    finally:
        release.set()


LOOP_BOUND = '''
import asyncio

from reference_models import EchoChatModel

FIRST_LOOP = []


class LoopBound(EchoChatModel):
    """Like a client a package caches across instances (langchain-openai's httpx.AsyncClient per
    base URL): bound to the loop of its first async call, broken once that loop is closed."""

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        FIRST_LOOP.append(FIRST_LOOP[0] if FIRST_LOOP else asyncio.get_running_loop())
        if FIRST_LOOP[0].is_closed():
            raise RuntimeError("Event loop is closed")
        return self._generate(messages, stop=stop, **kwargs)


def first():
    return LoopBound()


def second():
    return LoopBound()
'''


def test_targets_share_one_loop_so_a_client_cached_across_instances_keeps_working(mc) -> None:
    """A second target of the same class is not failed for modelcheck closing the first one's loop."""
    mc.model(LOOP_BOUND)
    outcome = mc.run("--modelcheck=mymodel:first", "--modelcheck=mymodel:second", *only("ainvoke"))
    assert outcome.of("mymodel:first") == {"ainvoke": "passed"}
    assert outcome.of("mymodel:second") == {"ainvoke": "passed"}


def test_a_blocked_sample_counts_only_in_a_run_so_a_late_sample_cannot_make_up_time() -> None:
    """The watchdog's measure: a thread seen asleep once (a page fault) counts nothing, however long
    a loaded machine took to take the next sample; a run counts from its first sample to its last."""
    from modelcheck.observe.loopwatch import SAMPLE_S, Runs

    blip = Runs()
    for now, blocked in ((0.0, False), (0.2, True), (0.5, False), (0.9, True), (1.4, False)):
        blip.sample(now, blocked, "m.py:3")
    assert (blip.total, blip.samples, blip.spots) == (0.0, 0, {})

    sleeping = Runs()
    for now in (0.0, 0.005, 0.01, 0.3):  # asleep in four samples, the last one late
        sleeping.sample(now, True, "m.py:9")
    sleeping.sample(0.31, False)
    assert sleeping.total == pytest.approx(0.3 + SAMPLE_S)
    assert sleeping.samples == 4 and set(sleeping.spots) == {"m.py:9"}
