"""The standard-params check's calls (checks/params.py): a model built with stop or max tokens.

`ctor_stop` and `max_tokens` build a copy of the model with a constructor `stop` (the chosen stop
string) or a small max tokens, and invoke it without per-call arguments. The params read without
a call (`ls_params`, `std_params`) and serialization's (`env_init`, `serialize`) are gathered by
observe/contract.py, not here.
"""

from __future__ import annotations

import contextlib
from typing import Any

from modelcheck.core import probe_ids as ids
from modelcheck.core.probe_ids import PROMPT
from modelcheck.core.records import Call
from modelcheck.observe.contract import MAX_TOKENS_PROBE, feature_fields, variant
from modelcheck.observe.probes.context import Probe, ProbeContext


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
    stops = ctx.stop.stops
    call.extra["stops"] = stops
    _invoke_built_with(ctx, call, "stop", stops)


def max_tokens(ctx: ProbeContext, call: Call) -> None:
    _invoke_built_with(ctx, call, "max_tokens", MAX_TOKENS_PROBE)


def _invoke_built_with(ctx: ProbeContext, call: Call, param: str, value: Any) -> None:
    """Invoke a copy of the model built with `param=value`, then close what the copy opened."""
    model = _built_with(ctx.model, param, value)
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


PROBES: dict[str, Probe] = {ids.CTOR_STOP: ctor_stop, ids.MAX_TOKENS: max_tokens}
LATER = {ids.CTOR_STOP: ids.CONSENSUS}
"""The constructor's stop is the stop string chosen from the consensus' answers: it waits for them."""
