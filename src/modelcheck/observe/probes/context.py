"""What every probe is given, and how it records what it saw: `ProbeContext` and the probe types.

A probe is a function `(ctx, call) -> None` (sync, run on a thread) or a coroutine function of
the same arguments (async, run on the shared loop). It calls the model through `ctx` and fills
`call`; it never judges.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from modelcheck.core import probe_ids as ids
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


_STREAMED = {
    ids.STREAM: "stream",
    ids.STOP_STREAM: "stream",
    ids.ASTREAM: "astream",
    ids.STOP_ASTREAM: "astream",
}
PUBLIC_STREAM = {
    **_STREAMED,
    **{again: _STREAMED[path] for again, path in ids.AGAIN.items() if path in _STREAMED},
}
"""The public streaming method ("stream", "astream", as facts.streams names them) each probe that
streams through one of them calls."""
SyncProbe = Callable[[ProbeContext, Call], None]
AsyncProbe = Callable[[ProbeContext, Call], Awaitable[None]]
Probe = SyncProbe | AsyncProbe


def consume(ctx: ProbeContext, call: Call, chunks: Iterator[Any]) -> None:
    """Record every chunk of a sync stream as the caller receives it."""
    for chunk in chunks:
        ctx.received(call, chunk)


async def aconsume(ctx: ProbeContext, call: Call, chunks: AsyncIterator[Any]) -> None:
    """Record every chunk of an async stream as the caller receives it."""
    async for chunk in chunks:
        ctx.received(call, chunk)
