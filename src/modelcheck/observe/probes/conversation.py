"""The conversation check's calls (checks/conversation.py): a whole conversation, then its parts.

`history` sends one conversation with everything users send (two system messages, a named human
message, human/AI pairs, the last human message); the `history_*` parts are sent only when it
raises, to name the part the model cannot take.
"""

from __future__ import annotations

from typing import Any

from modelcheck.core import probe_ids as ids
from modelcheck.core.probe_ids import HISTORY_LAST
from modelcheck.core.records import Call
from modelcheck.observe.probes.context import Probe, ProbeContext


def conversation(part: str) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    systems = [SystemMessage("You are the modelcheck probe."), SystemMessage("Answer the last message.")]
    pairs = [
        HumanMessage("modelcheck history: the first question"),
        AIMessage("the first answer"),
        HumanMessage("modelcheck history: the second question"),
        AIMessage("the second answer"),
    ]
    last = HumanMessage(HISTORY_LAST)
    if part == ids.HISTORY_TURNS:
        return [pairs[0], pairs[1], last]
    if part == ids.HISTORY_SYSTEMS:
        return [*systems, *pairs, last]
    if part == ids.HISTORY_NAMED:
        return [HumanMessage(HISTORY_LAST, name="modelcheck_user")]
    named = HumanMessage("modelcheck history: the first question", name="modelcheck_user")
    return [*systems, named, *pairs[1:], last]


def history(ctx: ProbeContext, call: Call) -> None:
    if call.probe == ids.HISTORY:
        call.extra["parts"] = ids.HISTORY_PARTS  # sent only when the whole raises
    ctx.returned(call, ctx.model.invoke(conversation(call.probe), ctx.config(call)))


PROBES: dict[str, Probe] = {ids.HISTORY: history, **dict.fromkeys(ids.HISTORY_PARTS, history)}
