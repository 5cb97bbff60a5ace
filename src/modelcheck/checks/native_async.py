"""Native async: `_agenerate`/`_acall` and `_astream` are real coroutines, not thread-pool fallbacks.

A class must override the async method below LangChain's bases (`SimpleChatModel._agenerate` is a
thread-pool wrapper too), and while `ainvoke`/`astream` run, nothing may go to a thread pool and
the event loop may not be held by the model's code.
"""

from __future__ import annotations

from modelcheck.checks.common import call_failed
from modelcheck.core import probe_ids as ids
from modelcheck.core.records import Call, Observation
from modelcheck.core.verdict import Verdict, failed, passed, skipped

ASYNC_METHODS = {"chat": ("_agenerate",), "llm": ("_acall", "_agenerate")}
# The sync methods whose run in a thread pool is core's fallback for a missing async method.
SYNC_METHODS = frozenset(
    {
        "_call",
        "_generate",
        "_stream",
        "_generate_with_cache",
        "invoke",
        "stream",
        "batch",
        "generate",
        "__call__",
    }
)
# Time in blocking calls (two watchdog samples) that makes a function sent to a thread sync I/O.
MIN_BLOCKED_S = 0.01


def judge_native(obs: Observation) -> Verdict:
    methods = ASYNC_METHODS[obs.kind]
    owners = [obs.facts.native.get(m) for m in methods]
    if not any(owners):
        sync = "_generate" if obs.kind == "chat" else "_call"
        return failed(
            f"{obs.facts.class_name} does not override {' or '.join(methods)}, so ainvoke runs {sync} "
            f"in a thread pool. Implement `async def {methods[0]}` with the provider's async client."
        )
    verdict = _judge_run(obs.calls.get(ids.AINVOKE), "ainvoke", methods[0], later=obs.calls.get(ids.ABATCH))
    return replay_note(obs, verdict, "ainvoke")


def judge_native_stream(obs: Observation) -> Verdict:
    # An override of `astream` itself (not `_astream`) is judged by what it does while it runs.
    if obs.facts.native.get("_astream") is None and obs.facts.native.get("astream") is None:
        if obs.facts.native.get("_stream") is None:
            return skipped(f"{obs.facts.class_name} does not stream (no `_stream` or `_astream`).")
        return failed(
            f"{obs.facts.class_name} overrides `_stream` but not `_astream`, so astream runs `_stream` "
            "in a thread pool, one chunk at a time. Implement `async def _astream` with the provider's "
            "async client."
        )
    return replay_note(obs, _judge_run(obs.calls.get(ids.ASTREAM), "astream", "_astream"), "astream")


def replay_note(obs: Observation, verdict: Verdict, name: str) -> Verdict:
    """A pass on replayed answers says what it rests on: they arrive at once, so a call that blocks
    while it waits on the network shows only in the recording run, whose observation is included."""
    if obs.replayed is None or verdict.outcome != "passed":
        return verdict
    note = (
        f"{name} was replayed from {obs.replayed}, whose answers arrive at once, so this run cannot "
        "see a call that blocks while it waits on the network; the verdict also counts the thread-pool "
        f"hand-offs and loop stalls that the recording run observed during {name}, stored in the cassette."
    )
    return passed(f"{verdict.message} {note}" if verdict.message else note)


def recurring(call: Call, later: Call | None) -> list[str]:
    """The functions `call` sent to a thread pool, less one-time set-up that a later call did not repeat.

    An SDK may detect its platform in a thread on its first async request (openai does); that is
    not the model's async path. Without a later call to compare with, every hand-off counts.
    """
    handed = list(dict.fromkeys(e.function for e in call.executor_calls))
    if later is None or not later.ok:
        return handed
    again = {e.function for e in later.executor_calls}
    return [f for f in handed if f in again]


def handed_off(name: str, method: str, fallback: dict[str, float]) -> Verdict:
    """The failure for work `name` sent to a thread pool (`fallbacks`' functions), with the fix."""
    funcs = ", ".join(f"{f}, which blocked there for {s:.2f} s" if s else f for f, s in fallback.items())
    return failed(
        f"during {name}, work was sent to a thread pool ({funcs}) via run_in_executor/to_thread: "
        f"`{method}` is not natively async. Await the provider's async client instead."
    )


def fallbacks(call: Call, handed: list[str], sync: frozenset[str] = SYNC_METHODS) -> dict[str, float]:
    """Of the functions `handed` to a thread pool, those that are the thread-pool fallback, with the
    time each spent in blocking calls there: a sync model method (`sync`: `_generate`, `_call`, ...), or
    any function that blocked (sync I/O, sleeps) in its thread. CPU work sent to a thread keeps the
    loop free and is not a fallback (ChatOpenAI parses its response that way)."""
    blocked = dict.fromkeys(handed, 0.0)
    for e in call.executor_calls:
        if e.function in blocked:
            blocked[e.function] += e.blocked_s
    return {f: s for f, s in blocked.items() if f.rsplit(".", 1)[-1] in sync or s >= MIN_BLOCKED_S}


def _judge_run(call: Call | None, name: str, method: str, later: Call | None = None) -> Verdict:
    # A stall explains a timeout or an error that followed it, so it is named first.
    verdict = _blocked(call, name, method) or call_failed(call, name)
    if verdict:
        return verdict
    assert call is not None
    handed = recurring(call, later)
    fallback = fallbacks(call, handed)
    if fallback:
        return handed_off(name, method, fallback)
    if handed:
        return passed(
            f"during {name}, {', '.join(handed)} ran in a thread pool without blocking calls: CPU work "
            "kept off the event loop, not the thread-pool fallback."
        )
    return passed()


def _blocked(call: Call | None, name: str, method: str) -> Verdict | None:
    if call is None or not call.stalls:
        return None
    worst = max(call.stalls, key=lambda s: s.duration_s)
    failure = call.failure
    raised = "raised " if failure and failure.kind == "raised" else ""
    then = f" (the call then {raised}{failure.describe()})" if failure else ""
    how_long = f" for {worst.duration_s:.2f} s" if worst.duration_s else ""  # none: seen when recorded
    return failed(
        f"during {name}, the event loop was blocked{how_long} in {worst.where}{then}: "
        f"`{method}` makes a blocking call (time.sleep, sync I/O). Use `await asyncio.sleep(...)` "
        "and the provider's async client."
    )
