"""The model calls modelcheck makes. Each probe fills one `Call` record; none of them judges."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage

from modelcheck.core.probe_ids import PROMPT, PROMPT_2, REDRIVES, REPEATS, again
from modelcheck.core.records import Call, Chunk, Kind, SecretSurface, StopProbe
from modelcheck.observe.convert import dump, to_output
from modelcheck.observe.recorder import Recorder, Sequencer


@dataclass
class ProbeContext:
    """What every probe needs: the model, the shared clock, where to put what it saw."""

    model: Any
    kind: Kind
    seq: Sequencer
    surfaces: list[SecretSurface]
    stop: StopProbe | None = None
    keep: list[Any] = field(default_factory=list)
    # The public streaming methods ("stream", "astream") through which core yields the whole answer
    # as one value, because the model does not stream there (see facts.streaming_paths).
    whole: frozenset[str] = frozenset()
    # The capabilities the checks will judge the model on (declared, or detected): a probe that
    # serves a capability's sub-features (image URLs, media in tool messages, tool_choice) adds them
    # by these, or prompts for them where the model lacks them.
    has: frozenset[str] = frozenset()
    # The image URL to send (the target's `image_url` setting); None: modelcheck serves its own.
    image_url: str | None = None
    # What each probe's calls returned or yielded, as given: a later probe sends the model's own
    # messages back (the tool round trip answers the tool calls the forced calls gave).
    given: dict[str, list[Any]] = field(default_factory=dict)

    def config(self, call: Call) -> dict[str, Any]:
        recorder = Recorder(self.seq, call.probe, self.surfaces)
        call.extra["recorder"] = recorder
        return {"callbacks": [recorder]}

    def returned(self, call: Call, value: Any) -> None:
        call.outputs.append(to_output(value, self.kind, streamed=False))
        self.given.setdefault(call.probe, []).append(value)
        self.surfaces.append(SecretSurface("output", dump(value), call.probe))

    def received(self, call: Call, value: Any) -> None:
        self.keep.append(value)
        self.given.setdefault(call.probe, []).append(getattr(value, "message", value))
        message = getattr(value, "message", value)
        whole = PUBLIC_STREAM.get(call.probe) in self.whole
        output = to_output(message, self.kind, streamed=not whole)
        call.chunks.append(Chunk(self.seq.next(), output, id(message)))
        self.surfaces.append(SecretSurface("streamed chunk", dump(message), call.probe))


PUBLIC_STREAM = {
    "stream": "stream",
    "stop_stream": "stream",
    "astream": "astream",
    "stop_astream": "astream",
    **{again(p, i): p for p in ("stream", "astream") for i in range(1, REPEATS + 1)},
}
SyncProbe = Callable[[ProbeContext, Call], None]
AsyncProbe = Callable[[ProbeContext, Call], Awaitable[None]]


def invoke(ctx: ProbeContext, call: Call) -> None:
    ctx.returned(call, ctx.model.invoke(PROMPT, ctx.config(call)))


def invoke_messages(ctx: ProbeContext, call: Call) -> None:
    ctx.returned(call, ctx.model.invoke([HumanMessage(content=PROMPT)], ctx.config(call)))


async def ainvoke(ctx: ProbeContext, call: Call) -> None:
    ctx.returned(call, await ctx.model.ainvoke(PROMPT, ctx.config(call)))


def batch(ctx: ProbeContext, call: Call) -> None:
    for value in ctx.model.batch([PROMPT, PROMPT_2], ctx.config(call)):
        ctx.returned(call, value)


async def abatch(ctx: ProbeContext, call: Call) -> None:
    for value in await ctx.model.abatch([PROMPT, PROMPT_2], ctx.config(call)):
        ctx.returned(call, value)


def stream(ctx: ProbeContext, call: Call) -> None:
    _consume(ctx, call, ctx.model.stream(PROMPT, ctx.config(call)))


async def astream(ctx: ProbeContext, call: Call) -> None:
    await _aconsume(ctx, call, ctx.model.astream(PROMPT, ctx.config(call)))


def _consume(ctx: ProbeContext, call: Call, chunks: Iterator[Any]) -> None:
    for chunk in chunks:
        ctx.received(call, chunk)


async def _aconsume(ctx: ProbeContext, call: Call, chunks: AsyncIterator[Any]) -> None:
    async for chunk in chunks:
        ctx.received(call, chunk)


def stops_for(ctx: ProbeContext, probe: str) -> list[str] | None:
    """The stop list each path gets: one stop string, or it with an absent or a later one.

    Spreading the variants over the four paths keeps the stop probes at four calls: `ainvoke` also
    shows that a stop string that never occurs is ignored, `stream` that the earliest one wins.
    """
    chosen = ctx.stop
    if chosen is None or probe in REDRIVES.values():
        return None
    if probe == "stop_ainvoke":
        return [chosen.absent_stop, chosen.stop]
    if probe in ("stop_stream", "drive_stream") and chosen.later_stop:
        return [chosen.later_stop, chosen.stop]
    return [chosen.stop]


def _stops(ctx: ProbeContext, call: Call) -> list[str] | None:
    stops = stops_for(ctx, call.probe)
    if stops is not None:
        call.extra["stops"] = stops
    return stops


def stop_invoke(ctx: ProbeContext, call: Call) -> None:
    ctx.returned(call, ctx.model.invoke(PROMPT, ctx.config(call), stop=_stops(ctx, call)))


async def stop_ainvoke(ctx: ProbeContext, call: Call) -> None:
    ctx.returned(call, await ctx.model.ainvoke(PROMPT, ctx.config(call), stop=_stops(ctx, call)))


def stop_stream(ctx: ProbeContext, call: Call) -> None:
    _consume(ctx, call, ctx.model.stream(PROMPT, ctx.config(call), stop=_stops(ctx, call)))


async def stop_astream(ctx: ProbeContext, call: Call) -> None:
    await _aconsume(ctx, call, ctx.model.astream(PROMPT, ctx.config(call), stop=_stops(ctx, call)))


def drive_stream(ctx: ProbeContext, call: Call) -> None:
    """Call the chat model's `_stream` with a recording run manager, as core's v3 path does."""
    from langchain_core.callbacks import CallbackManager

    recorder = ctx.config(call)["callbacks"][0]
    manager = CallbackManager(handlers=[recorder], inheritable_handlers=[recorder])
    messages: list[BaseMessage] = [HumanMessage(content=PROMPT)]
    (run,) = manager.on_chat_model_start({}, [messages], batch_size=1)
    try:
        _consume(ctx, call, ctx.model._stream(messages, stop=_stops(ctx, call), run_manager=run))
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
        await _aconsume(ctx, call, ctx.model._astream(messages, stop=_stops(ctx, call), run_manager=run))
    except BaseException as exc:
        await run.on_llm_error(exc)
        raise
    await run.on_llm_end(_empty_result())


def _empty_result() -> Any:
    from langchain_core.outputs import LLMResult

    return LLMResult(generations=[])


SYNC_PROBES: dict[str, SyncProbe] = {
    "invoke": invoke,
    "invoke_messages": invoke_messages,
    "batch": batch,
    "stream": stream,
    "stop_invoke": stop_invoke,
    "stop_stream": stop_stream,
    "drive_stream": drive_stream,
}
ASYNC_PROBES: dict[str, AsyncProbe] = {
    "ainvoke": ainvoke,
    "abatch": abatch,
    "astream": astream,
    "stop_ainvoke": stop_ainvoke,
    "stop_astream": stop_astream,
    "drive_astream": drive_astream,
}
for _i in range(1, REPEATS + 1):  # a path asked again, to tell a drifting method from sampling
    SYNC_PROBES.update({again("invoke", _i): invoke, again("stream", _i): stream})
    ASYNC_PROBES.update({again("ainvoke", _i): ainvoke, again("astream", _i): astream})
SYNC_PROBES["redrive_stream"] = drive_stream
ASYNC_PROBES["redrive_astream"] = drive_astream
WATCHED = ("ainvoke", "astream")


def register(probes: dict[str, Any]) -> None:
    """Add a family's probes: coroutine functions run on the loop, the others on threads."""
    import inspect

    for name, probe in probes.items():
        (ASYNC_PROBES if inspect.iscoroutinefunction(probe) else SYNC_PROBES)[name] = probe


STOP_PROBES = ("stop_invoke", "stop_ainvoke", "stop_stream", "stop_astream")
# Probes that run after the stop string is chosen: the chat drives take it too (one call serves
# stream-callbacks and stop-respected), which keeps a chat model's catalog within 20 calls.
SECOND_PHASE = (*STOP_PROBES, "drive_stream", "drive_astream")


# Event streams (event-stream, event-snapshot): astream_events on the model and in a chain.

EVENTS_SYSTEM = "You are the modelcheck probe. Answer the user's message."
# The event probes pass no Recorder: a sync run_inline callback handler in the config makes core's
# astream_events lose every event of a text model (langchain-core 0.3 and 1.x alike).


def events_chain(model: Any) -> Any:
    """The chain the guides show: a chat prompt template piped into the model (text models too)."""
    from langchain_core.prompts import ChatPromptTemplate

    return ChatPromptTemplate.from_messages([("system", EVENTS_SYSTEM), ("human", "{input}")]) | model


async def events_v2(ctx: ProbeContext, call: Call) -> None:
    await _record_events(ctx, call, ctx.model.astream_events(PROMPT, version="v2"))


async def events_v2_chain(ctx: ProbeContext, call: Call) -> None:
    chain = events_chain(ctx.model)
    events = chain.astream_events({"input": PROMPT}, version="v2")
    await _record_events(ctx, call, events)


async def events_v3(ctx: ProbeContext, call: Call) -> None:
    """The content-block protocol stream (`astream_events(version="v3")`), where core has it."""
    import warnings

    from langchain_core._api import LangChainBetaWarning

    reason = _v3_unsupported(ctx)
    if reason:
        call.extra["unsupported"] = reason
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangChainBetaWarning)
        stream = await ctx.model.astream_events(PROMPT, version="v3")
    await _record_events(ctx, call, stream)


def _v3_unsupported(ctx: ProbeContext) -> str | None:
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


async def _record_events(ctx: ProbeContext, call: Call, events: AsyncIterator[Any]) -> None:
    import json

    from modelcheck.core.events import to_plain

    recorded: list[Any] = call.extra.setdefault("events", [])
    try:
        async for event in events:
            recorded.append(to_plain(event))
    finally:
        text = json.dumps(recorded, ensure_ascii=False, default=repr)
        ctx.surfaces.append(SecretSurface("event stream", text, call.probe))


ASYNC_PROBES.update({"events_v2": events_v2, "events_v2_chain": events_v2_chain, "events_v3": events_v3})
