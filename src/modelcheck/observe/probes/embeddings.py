"""Embeddings (checks/embeddings.py): the calls of core/embedding_plan.py, and how answers are read.

Each probe calls one public method with the plan's texts and keeps, in `Call.embedded`, the texts
and the vectors as plain records: every number as a float, with the type it came as, so that a
numpy scalar or an int is seen, not converted away. `embed_batch` runs on a copy of the model whose
own batch-size field is set to BATCH_SIZE (none: the model itself), so that the batch is split
into several requests by the model's own code.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from modelcheck.core import probe_ids as ids
from modelcheck.core.embedding_plan import BATCH_SIZE, PLAN
from modelcheck.core.records import Call, Embedded, EmbeddingFacts, Vector
from modelcheck.observe.facts import embedding_facts
from modelcheck.observe.probes.context import Probe, ProbeContext
from modelcheck.observe.requests_seen import active, counting


def read_vector(value: Any) -> Vector | None:
    """`value` as a Vector, or None when it is not a sequence of numbers (a str, a dict, None)."""
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        return None
    try:
        items = list(value)
    except Exception:
        return None
    types = tuple(dict.fromkeys(type(x).__name__ for x in items))
    return Vector(tuple(_number(x) for x in items), types, type(value).__name__)


def _number(x: Any) -> float:
    if isinstance(x, (str, bytes)):
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def read_embedded(method: str, texts: tuple[str, ...], value: Any, settings: dict[str, Any]) -> Embedded:
    """What a call of `method` on `texts` returned, as a record."""
    returned = type(value).__name__
    if method.endswith("query"):
        vector = read_vector(value)
        return Embedded(method, texts, returned, None if vector is None else (vector,), settings=settings)
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        return Embedded(method, texts, returned, None, settings=settings)
    vectors = [read_vector(v) for v in value]
    if any(v is None for v in vectors):
        return Embedded(method, texts, returned, None, settings=settings)
    return Embedded(method, texts, returned, tuple(v for v in vectors if v is not None), settings=settings)


def batch_model(model: Any, facts: EmbeddingFacts) -> tuple[Any, dict[str, Any]]:
    """A copy of the model with its own batch size set to BATCH_SIZE, and that setting; the model
    itself and no setting when it has no batch-size field."""
    if facts.batch is None:
        return model, {}
    name = facts.batch[0]
    update = {name: BATCH_SIZE}
    copier = getattr(model, "model_copy", None)
    if callable(copier):
        return copier(update=update), update
    twin = copy.copy(model)
    setattr(twin, name, BATCH_SIZE)
    return twin, update


def _target(ctx: ProbeContext, call: Call) -> tuple[Any, dict[str, Any]]:
    if call.probe != ids.EMBED_BATCH:
        return ctx.model, {}
    return batch_model(ctx.model, embedding_facts(ctx.model))


def _args(call: Call) -> tuple[str, tuple[str, ...], Any]:
    method, texts = PLAN[call.probe]
    return method, texts, texts[0] if method.endswith("query") else list(texts)


def embed(ctx: ProbeContext, call: Call) -> None:
    """A sync probe: `embed_query`/`embed_documents` with the plan's texts."""
    method, texts, given = _args(call)
    model, settings = _target(ctx, call)
    call.embedded = Embedded(method, texts, "", (), settings=settings)
    with counting() as seen:
        value = getattr(model, method)(given)
    call.embedded = _read(method, texts, value, settings, seen)


async def aembed(ctx: ProbeContext, call: Call) -> None:
    """An async probe: `aembed_query`/`aembed_documents` with the plan's texts."""
    method, texts, given = _args(call)
    call.embedded = Embedded(method, texts, "", ())
    with counting() as seen:
        value = await getattr(ctx.model, method)(given)
    call.embedded = _read(method, texts, value, {}, seen)


def _read(
    method: str, texts: tuple[str, ...], value: Any, settings: dict[str, Any], seen: list[int | None]
) -> Embedded:
    embedded = read_embedded(method, texts, value, settings)
    return replace(embedded, requests=tuple(seen)) if active() else embedded


PROBES: dict[str, Probe] = {
    name: aembed if method.startswith("a") else embed for name, (method, _) in PLAN.items()
}
WATCHED = (ids.AEMBED_DOCUMENTS, ids.AEMBED_QUERY)
"""The async calls run alone under the loop watch (stalls are named), as runnable's are."""
