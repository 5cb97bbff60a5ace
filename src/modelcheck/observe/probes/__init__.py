"""The model calls modelcheck makes: one module per family of checks, composed into one registry.

A probe fills one `Call` record and never judges (observe/probes/context.py says what it is
given). Each family module mirrors its checks module (checks/<family>.py) and declares `PROBES`,
its probe id -> probe function; a family whose calls need what earlier calls gave (the chosen
stop string, the model's own tool calls) also declares `LATER`, each such probe -> the calls it
waits for. This module composes them, by
construction: `REGISTRY` is every family's probes (an id declared twice is an error at import),
`SYNC_PROBES` and `ASYNC_PROBES` split it by kind for the runner (coroutine functions run on the
shared loop, the others on threads).

To add a probe to a family: declare its id in core/probe_ids.py, write the function in the
family's module and add it to that module's `PROBES`, then name the id in the `needs` (or
`gated`) of the check that judges it. To add a family: a module here with its `PROBES`, and one
line in `FAMILIES` below. tests/unit/test_probes.py holds the checks and the registry together:
every id a check needs is registered, and every registered probe is needed.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import cast

from modelcheck.core import probe_ids as ids
from modelcheck.observe.probes import (
    conversation,
    embeddings,
    events,
    media,
    params,
    runnable,
    stop,
    streaming,
    structured,
    tool_loop,
    tools,
)
from modelcheck.observe.probes.context import AsyncProbe, Probe, ProbeContext, SyncProbe
from modelcheck.observe.probes.runnable import WATCHED as RUNNABLE_WATCHED

__all__ = [
    "ASYNC_PROBES",
    "FAMILIES",
    "LATER",
    "NEEDS_STOP",
    "REGISTRY",
    "SYNC_PROBES",
    "WATCHED",
    "AsyncProbe",
    "Probe",
    "ProbeContext",
    "SyncProbe",
    "compose",
    "method_of",
]

FAMILIES: tuple[Mapping[str, Probe], ...] = (
    runnable.PROBES,
    stop.PROBES,
    streaming.PROBES,
    events.PROBES,
    conversation.PROBES,
    params.PROBES,
    media.PROBES,
    tools.PROBES,
    tool_loop.PROBES,
    structured.PROBES,
    embeddings.PROBES,
)
"""Every family's registry, in the order of the catalog's sections."""


def compose(families: tuple[Mapping[str, Probe], ...]) -> dict[str, Probe]:
    """One registry of the families' probes; an id two families declare is a bug, raised at once."""
    registry: dict[str, Probe] = {}
    for family in families:
        twice = sorted(set(registry) & set(family))
        if twice:
            raise ValueError(f"probe ids declared by two families: {', '.join(twice)}")
        registry.update(family)
    return registry


REGISTRY: Mapping[str, Probe] = compose(FAMILIES)
WATCHED: tuple[str, ...] = (*RUNNABLE_WATCHED, *embeddings.WATCHED)
"""The async calls run one at a time under the loop watch, so a stall is named with its call."""
SYNC_PROBES: Mapping[str, SyncProbe] = {
    name: cast(SyncProbe, probe) for name, probe in REGISTRY.items() if not inspect.iscoroutinefunction(probe)
}
ASYNC_PROBES: Mapping[str, AsyncProbe] = {
    name: cast(AsyncProbe, probe) for name, probe in REGISTRY.items() if inspect.iscoroutinefunction(probe)
}
LATER: Mapping[str, frozenset[str]] = {**stop.LATER, **streaming.LATER, **params.LATER, **tool_loop.LATER}
"""Probes that need what earlier calls gave (the stop string chosen from the consensus' answers, the
model's own tool calls) -> those calls: each starts as soon as they have ended, while the rest of
the first phase runs on."""
NEEDS_STOP = frozenset({*ids.STOP_PROBES, ids.CTOR_STOP})
"""Probes made only when a stop string could be chosen from the model's answer."""

METHODS: dict[Probe, str] = {
    runnable.invoke_messages: "invoke",
    stop.stop_invoke: "invoke",
    stop.stop_ainvoke: "ainvoke",
    stop.stop_stream: "stream",
    stop.stop_astream: "astream",
    params.ctor_stop: "invoke",
    params.max_tokens: "invoke",
    conversation.history: "invoke",
    media._media: "invoke",
    streaming.drive_stream: "_stream",
    streaming.drive_astream: "_astream",
    events.events_v2_chain: "astream_events",
    events.events_v3: "astream_events",
    tool_loop.events_v3: "astream_events",
    structured.structured_invoke: "with_structured_output().invoke",
    structured.structured_stream: "with_structured_output().stream",
    tools.tools_bind: "bind_tools",
    tools._invoked: "bind_tools().invoke",
    tools._ainvoked: "bind_tools().ainvoke",
    tools._streamed: "bind_tools().stream",
    tools._astreamed: "bind_tools().astream",
    tool_loop.round_trip: "bind_tools().invoke",
}
"""A probe function -> the model method it calls, where its name is not that method's."""


def method_of(probe: str) -> str:
    """The model method a probe calls (`stop_invoke` -> `invoke`), for the reports' call lists."""
    function = REGISTRY.get(probe)
    if function is None:
        return probe
    return METHODS.get(function, function.__name__)
