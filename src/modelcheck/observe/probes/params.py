"""The calls the wider contract needs: a whole conversation, and a model built with stop or max tokens.

`history` sends one conversation with everything users send; the `history_*` parts are sent only
when it raises, to name the part the model cannot take. `ctor_stop` and `max_tokens` build a copy
of the model with a constructor `stop` (the chosen stop string) or a small max tokens, and invoke
it without per-call arguments.
"""

from __future__ import annotations

import contextlib
from typing import Any

from modelcheck.core.probe_ids import HISTORY_LAST, PROMPT
from modelcheck.core.records import Call
from modelcheck.observe.contract import MAX_TOKENS_PROBE, feature_fields, variant
from modelcheck.observe.probes import ProbeContext

# Probes that only run when `history` raised (one call in all for a model that answers it).
HISTORY_PARTS = ("history_turns", "history_systems", "history_named")
STATIC = frozenset({"ls_params", "std_params", "env_init", "serialize"})
"""Needs that make no model call: observe/contract.py gathers them."""


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
    if part == "history_turns":
        return [pairs[0], pairs[1], last]
    if part == "history_systems":
        return [*systems, *pairs, last]
    if part == "history_named":
        return [HumanMessage(HISTORY_LAST, name="modelcheck_user")]
    named = HumanMessage("modelcheck history: the first question", name="modelcheck_user")
    return [*systems, named, *pairs[1:], last]


def _history(ctx: ProbeContext, call: Call) -> None:
    if call.probe == "history":
        call.extra["parts"] = HISTORY_PARTS  # sent only when the whole raises
    ctx.returned(call, ctx.model.invoke(conversation(call.probe), ctx.config(call)))


def _built_with(model: Any, feature: str, value: Any) -> Any:
    """A copy of the model with the field that holds `feature` set to `value` (by name, else alias)."""
    field = feature_fields(model)[feature]
    try:
        return variant(model, {field: value})
    except Exception:
        alias = type(model).model_fields[field].alias
        if not alias:
            raise
        return variant(model, {alias: value})


def ctor_stop(ctx: ProbeContext, call: Call) -> None:
    assert ctx.stop is not None
    stops = [ctx.stop.stop]
    call.extra["stops"] = stops
    model = _built_with(ctx.model, "stop", stops)
    try:
        ctx.returned(call, model.invoke(PROMPT, ctx.config(call)))
    finally:
        close_new(model, ctx.model)


def max_tokens(ctx: ProbeContext, call: Call) -> None:
    model = _built_with(ctx.model, "max_tokens", MAX_TOKENS_PROBE)
    try:
        ctx.returned(call, model.invoke(PROMPT, ctx.config(call)))
    finally:
        close_new(model, ctx.model)


def close_new(copy: Any, original: Any) -> None:
    """Close the HTTP clients a copy built for itself (it made a call through them, and dropped
    unclosed they leave sockets open); clients carried over from the original stay open."""
    kept = {id(c) for c in _http_clients(original)}
    for client in _http_clients(copy):
        if id(client) not in kept:
            with contextlib.suppress(Exception):
                client.close()


def _http_clients(root: Any, depth: int = 3) -> list[Any]:
    """The sync httpx clients held by `root`, its fields, private attributes and their attributes."""
    found: list[Any] = []
    seen: set[int] = set()
    todo = [(root, 0)]
    while todo:
        value, level = todo.pop()
        if id(value) in seen or level > depth or isinstance(value, (str, bytes, int, float, type)):
            continue
        seen.add(id(value))
        if type(value).__module__.startswith("httpx") and type(value).__name__ == "Client":
            found.append(value)
            continue
        inner = dict(getattr(value, "__dict__", {}) or {})
        inner.update(getattr(value, "__pydantic_private__", None) or {})
        todo.extend((v, level + 1) for v in inner.values() if v is not None)
    return found


CONTRACT_PROBES = {
    "history": _history,
    **dict.fromkeys(HISTORY_PARTS, _history),
    "ctor_stop": ctor_stop,
    "max_tokens": max_tokens,
}
