"""The calls made to an `Embeddings` model (core/embedding_plan.py), and how their answers are read.

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
from typing import Any

from modelcheck.core.embedding_plan import BATCH_FIELDS, BATCH_SIZE, DIMENSION_FIELDS, PLAN
from modelcheck.core.records import Call, Embedded, EmbeddingFacts, Vector
from modelcheck.observe.probes import ProbeContext

# Fields whose presence says queries are embedded otherwise than documents (an instruction or
# prefix for one side, or an input type set per call).
ASYMMETRIC_FIELDS = ("query_instruction", "query_prefix", "query_task_type", "query_input_type")


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


def embedding_facts(model: Any) -> EmbeddingFacts:
    """The declared output size, the batch-size field, and whether queries are embedded otherwise."""
    asymmetric = next((f"it has {name}" for name in ASYMMETRIC_FIELDS if getattr(model, name, None)), None)
    return EmbeddingFacts(_setting(model, DIMENSION_FIELDS), _setting(model, BATCH_FIELDS), asymmetric)


def _setting(model: Any, names: tuple[str, ...]) -> tuple[str, int] | None:
    """The first of `names` the model sets to a positive int, with its value."""
    for name in names:
        value = getattr(model, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return name, value
    return None


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
    if call.probe != "embed_batch":
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
    value = getattr(model, method)(given)
    call.embedded = read_embedded(method, texts, value, settings)


async def aembed(ctx: ProbeContext, call: Call) -> None:
    """An async probe: `aembed_query`/`aembed_documents` with the plan's texts."""
    method, texts, given = _args(call)
    call.embedded = Embedded(method, texts, "", ())
    value = await getattr(ctx.model, method)(given)
    call.embedded = read_embedded(method, texts, value, {})


SYNC_PROBES = {name: embed for name, (method, _) in PLAN.items() if not method.startswith("a")}
ASYNC_PROBES = {name: aembed for name, (method, _) in PLAN.items() if method.startswith("a")}
