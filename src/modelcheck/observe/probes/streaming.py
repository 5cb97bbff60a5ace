"""The streaming checks' own calls (checks/streaming.py): a chat model's `_stream`/`_astream` driven
with a recording run manager, as core's v3 event stream drives them.

The drives run once the stop strings are chosen, and take them too (one call serves
stream-callbacks and stop-respected). A drive that raised with them is made once more without
(`redrive_*`), so that its failure is judged under its real cause.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage

from modelcheck.core import probe_ids as ids
from modelcheck.core.probe_ids import PROMPT
from modelcheck.core.records import Call
from modelcheck.observe.probes.context import Probe, ProbeContext, aconsume, consume
from modelcheck.observe.probes.stop import stops


def drive_stream(ctx: ProbeContext, call: Call) -> None:
    """Call the chat model's `_stream` with a recording run manager, as core's v3 path does."""
    from langchain_core.callbacks import CallbackManager

    recorder = ctx.config(call)["callbacks"][0]
    manager = CallbackManager(handlers=[recorder], inheritable_handlers=[recorder])
    messages: list[BaseMessage] = [HumanMessage(content=PROMPT)]
    (run,) = manager.on_chat_model_start({}, [messages], batch_size=1)
    try:
        consume(ctx, call, ctx.model._stream(messages, stop=stops(ctx, call), run_manager=run))
    except BaseException as exc:
        run.on_llm_error(exc)
        raise
    run.on_llm_end(_empty_result())


async def drive_astream(ctx: ProbeContext, call: Call) -> None:
    """Call the chat model's `_astream` with a recording run manager, as core's v3 path does."""
    from langchain_core.callbacks import AsyncCallbackManager

    recorder = ctx.config(call)["callbacks"][0]
    manager = AsyncCallbackManager(handlers=[recorder], inheritable_handlers=[recorder])
    messages: list[BaseMessage] = [HumanMessage(content=PROMPT)]
    (run,) = await manager.on_chat_model_start({}, [messages], batch_size=1)
    try:
        await aconsume(ctx, call, ctx.model._astream(messages, stop=stops(ctx, call), run_manager=run))
    except BaseException as exc:
        await run.on_llm_error(exc)
        raise
    await run.on_llm_end(_empty_result())


def _empty_result() -> Any:
    from langchain_core.outputs import LLMResult

    return LLMResult(generations=[])


PROBES: dict[str, Probe] = {
    ids.DRIVE_STREAM: drive_stream,
    ids.DRIVE_ASTREAM: drive_astream,
    ids.REDRIVE_STREAM: drive_stream,
    ids.REDRIVE_ASTREAM: drive_astream,
}
LATER = dict.fromkeys(ids.DRIVES, ids.CONSENSUS)
"""The drives take the stop strings chosen from the consensus' answers: they wait for those calls."""
