"""The runnable surface's calls (checks/runnable.py): the same prompt down every public path.

`invoke` (with a string, and with a message list: `invoke_messages`), `ainvoke`, `batch` and
`abatch` (two prompts), `stream` and `astream`. Their answers are the consensus (core/consensus.py)
most checks compare with; a path asked again (`again_<path>_<i>`) tells a drifting implementation
from sampling.
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from modelcheck.core import probe_ids as ids
from modelcheck.core.probe_ids import PROMPT, PROMPT_2
from modelcheck.core.records import Call
from modelcheck.observe.probes.context import Probe, ProbeContext, aconsume, consume


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
    consume(ctx, call, ctx.model.stream(PROMPT, ctx.config(call)))


async def astream(ctx: ProbeContext, call: Call) -> None:
    await aconsume(ctx, call, ctx.model.astream(PROMPT, ctx.config(call)))


_PATHS: dict[str, Probe] = {
    ids.INVOKE: invoke,
    ids.INVOKE_MESSAGES: invoke_messages,
    ids.AINVOKE: ainvoke,
    ids.BATCH: batch,
    ids.ABATCH: abatch,
    ids.STREAM: stream,
    ids.ASTREAM: astream,
}
PROBES: dict[str, Probe] = {**_PATHS, **{again: _PATHS[path] for again, path in ids.AGAIN.items()}}
WATCHED = (ids.AINVOKE, ids.ASTREAM)
"""The async calls native-async judges: each runs alone on the loop, watched for blocking."""
