"""The event-stream checks' calls (checks/events.py): `astream_events` on the model in a chain.

`events_v2_chain` asks a prompt template piped into the model, as the guides show it; the template
holds only the input, so the model gets exactly what `astream` gets for the probe prompt and its run
is judged against astream's answer. The model's run inside the chain is its own `astream`, with the
events' callbacks: a second call on the model alone would show nothing more. `events_v3` asks the
content-block protocol stream where langchain-core has it. Each records the events as plain data in
`call.extra["events"]`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from modelcheck.core import probe_ids as ids
from modelcheck.core.events import to_plain
from modelcheck.core.probe_ids import PROMPT
from modelcheck.core.records import Call, SecretSurface
from modelcheck.observe.probes.context import Probe, ProbeContext

# The event probes pass no Recorder: a sync run_inline callback handler in the config makes core's
# astream_events lose every event of a text model (langchain-core 0.3 and 1.x alike).


def events_chain(model: Any, kind: str) -> Any:
    """A prompt template piped into the model: a chat template of one human message for a chat
    model, a string template for a text model, so the model gets the prompt as it is."""
    from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

    if kind == "chat":
        return ChatPromptTemplate.from_messages([("human", "{input}")]) | model
    return PromptTemplate.from_template("{input}") | model


async def events_v2_chain(ctx: ProbeContext, call: Call) -> None:
    chain = events_chain(ctx.model, ctx.kind)
    events = chain.astream_events({"input": PROMPT}, version="v2")
    await record_events(ctx, call, events)


async def events_v3(ctx: ProbeContext, call: Call) -> None:
    """The content-block protocol stream (`astream_events(version="v3")`), where core has it."""
    reason = v3_unsupported(ctx)
    if reason:
        call.extra["unsupported"] = reason
        return
    # v3 is beta: its warning, raised for modelcheck's call, is not shown (observe/warned.py).
    stream = await ctx.model.astream_events(PROMPT, version="v3")
    await record_events(ctx, call, stream)


def v3_unsupported(ctx: ProbeContext) -> str | None:
    """Why the v3 event stream cannot be asked of this model on this core, or None."""
    from importlib.metadata import version

    from langchain_core.language_models import BaseChatModel

    if ctx.kind != "chat":
        return "text models have no v3 event stream"
    if "stream_events" not in vars(BaseChatModel):
        return f"langchain-core {version('langchain-core')} has no astream_events(version='v3')"
    cls = type(ctx.model)
    if cls._stream is BaseChatModel._stream and cls._astream is BaseChatModel._astream:
        return (
            f"{cls.__qualname__} has neither `_stream` nor `_astream`, which langchain-core's "
            "astream_events(version='v3') calls"
        )
    return None


async def record_events(ctx: ProbeContext, call: Call, events: AsyncIterator[Any]) -> None:
    """Keep every event as plain data, and the stream as a place a secret can surface."""
    recorded: list[Any] = call.extra.setdefault("events", [])
    try:
        async for event in events:
            recorded.append(to_plain(event))
    finally:
        text = json.dumps(recorded, ensure_ascii=False, default=repr)
        ctx.surfaces.append(SecretSurface("event stream", text, call.probe))


PROBES: dict[str, Probe] = {
    ids.EVENTS_V2_CHAIN: events_v2_chain,
    ids.EVENTS_V3: events_v3,
}
