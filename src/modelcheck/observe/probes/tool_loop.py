"""The tool loop checks' calls (checks/tool_loop.py): a tool's result sent back, and tool events.

`tools_round_trip` runs as soon as the forced tool calls of observe/probes/tools.py have ended, and
sends back the messages those calls gave, as the model gave them (so the ids and formats are the
provider's own): one conversation of three rounds, each a call answered by a ToolMessage, with
`status="error"`, with list content, then with string content last; the tools of those calls are
bound, none forced. Only when it raises are the `tools_round_trip_*` parts sent, each one round
with one form, to name the form the model cannot take.

`tools_events_v3` binds the tools of the forced invoke of tools.py and forces the call the
same way (or prompts for it, for a model without `tool_choice`), then records
`astream_events(version="v3")` as plain events, where langchain-core has it. The v2 stream needs no
call: it carries the chunks of tools.py's forced streams (see checks/tool_loop.py).
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    ToolCall,
    ToolMessage,
    message_chunk_to_message,
)
from langchain_core.utils.function_calling import convert_to_openai_tool

from modelcheck.core import probe_ids as ids
from modelcheck.core.probe_ids import ROUND_TRIP, ROUND_TRIP_FORMS, ROUND_TRIP_PARTS, SENT_BACK
from modelcheck.core.records import Call
from modelcheck.observe.probes.context import Probe, ProbeContext
from modelcheck.observe.probes.events import record_events, v3_unsupported
from modelcheck.observe.probes.tools import PLAN_OF, PLANS

EVENTS_PLAN = "invoke"
RESULT = "modelcheck round trip: the tool answered 42."


def tool_result(form: str, call: ToolCall) -> ToolMessage:
    """The ToolMessage answering `call` in one form."""
    ids = {"tool_call_id": call["id"], "name": call["name"]}
    if form == "error":
        return ToolMessage(
            "Error: the service is unavailable (modelcheck round trip).", status="error", **ids
        )
    if form == "list":
        return ToolMessage([{"type": "text", "text": RESULT}], **ids)
    return ToolMessage(json.dumps({"result": RESULT}), **ids)


def own_message(ctx: ProbeContext, probe: str) -> AIMessage | None:
    """The message a forced call gave (its chunks added up, for a stream) when it holds exactly one
    well-formed tool call, else None."""
    values = [v for v in ctx.given.get(probe, []) if isinstance(v, BaseMessage)]
    try:
        message = message_chunk_to_message(sum(values[1:], values[0])) if values else None
    except Exception:  # chunks that do not add up: tool-calls' failure
        return None
    if not isinstance(message, AIMessage) or message.invalid_tool_calls or len(message.tool_calls) != 1:
        return None
    (call,) = message.tool_calls
    return message if isinstance(call.get("args"), dict) and call.get("id") else None


def rounds(ctx: ProbeContext, forms: tuple[str, ...]) -> tuple[list[tuple[str, AIMessage]], bool]:
    """(probe, own message) for each form, and whether a message had to serve twice."""
    own = [(p, m) for p in SENT_BACK if (m := own_message(ctx, p)) is not None]
    if not own:
        return [], False
    return [own[i % len(own)] for i in range(len(forms))], len(own) < len(forms)


def round_trip(ctx: ProbeContext, call: Call) -> None:
    forms = ROUND_TRIP_FORMS if call.probe == ROUND_TRIP else (call.probe.removeprefix(f"{ROUND_TRIP}_"),)
    chosen, reused = rounds(ctx, forms)
    if not chosen:
        call.extra["unsupported"] = (
            "none of the forced tool calls gave a message with one well-formed tool call to send "
            "back (see tool-calls)."
        )
        return
    plans = list(dict.fromkeys(PLAN_OF[p] for p, _ in chosen))
    tools = list({id(t): t for plan in plans for t in PLANS[plan][0]}.values())
    first_plan = PLANS[plans[0]]
    prompt = first_plan[1] if "tool_choice" in ctx.has and first_plan[3] else first_plan[2]
    messages: list[BaseMessage] = [HumanMessage(prompt)]
    for form, (_, message) in zip(forms, chosen, strict=True):
        messages += [message, tool_result(form, message.tool_calls[0])]
    names = list(dict.fromkeys(m.tool_calls[0]["name"] for _, m in chosen))
    call.extra.update(tool=" and ".join(names), forms=list(forms), rounds=len(forms), reused=reused)
    if call.probe == ROUND_TRIP:
        call.extra["parts"] = ROUND_TRIP_PARTS  # sent only when the whole raises
    try:
        bound = ctx.model.bind_tools(tools)
    except Exception as exc:
        call.extra["unsupported"] = f"bind_tools raised {_describe(exc)} (see bind-tools)."
        return
    ctx.returned(call, bound.invoke(messages, ctx.config(call)))


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def _forced(ctx: ProbeContext, call: Call) -> tuple[Any, str] | None:
    """The forced invoke's tools bound, its call forced (or prompted for), and the prompt."""
    tools, forced_prompt, prompted, choice = PLANS[EVENTS_PLAN]
    if "astream" in ctx.whole:
        call.extra["unsupported"] = "the model does not stream: core's astream yields its whole answer."
        return None
    forced = "tool_choice" in ctx.has and choice is not None
    call.extra["tools"] = [str(convert_to_openai_tool(t)["function"]["name"]) for t in tools]
    call.extra["tool"] = choice if choice not in (None, "any") else call.extra["tools"][0]
    try:
        bound = ctx.model.bind_tools(tools, tool_choice=choice) if forced else ctx.model.bind_tools(tools)
    except Exception as exc:
        call.extra["unsupported"] = f"bind_tools raised {_describe(exc)} (see bind-tools)."
        return None
    return bound, forced_prompt if forced else prompted


async def events_v3(ctx: ProbeContext, call: Call) -> None:
    reason = v3_unsupported(ctx)
    if reason:
        call.extra["unsupported"] = reason
        return
    forced = _forced(ctx, call)
    if forced is None:
        return
    bound, prompt = forced
    cls = type(ctx.model)
    # The async v3 path runs the model's own event hook when it has one, else core's bridge turns the
    # chunks of `_astream` into events.
    call.extra["native_events"] = getattr(cls, "_astream_chat_model_events", None) is not None
    # v3 is beta: its warning, raised for modelcheck's call, is not shown (observe/warned.py).
    stream = await bound.astream_events(prompt, version="v3")
    await record_events(ctx, call, stream)


PROBES: dict[str, Probe] = {
    ROUND_TRIP: round_trip,
    **dict.fromkeys(ROUND_TRIP_PARTS, round_trip),
    ids.TOOLS_EVENTS_V3: events_v3,
}
LATER = {ROUND_TRIP: frozenset(SENT_BACK)}
"""Probes that send back what earlier calls gave: each waits for those calls."""
