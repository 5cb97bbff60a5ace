"""Embeddings: the family of checks for a LangChain `Embeddings` model, judged on its calls' records.

An `Embeddings` class has four public methods (`embed_query`, `embed_documents` and their async
twins); modelcheck makes eleven calls of them (core/embedding_plan.py) and judges:

- `embed-shape`: `embed_query` gives a `list` of plain, finite Python `float`s (not numpy scalars,
  not ints, no NaN or infinity); `embed_documents` a list of such lists, one per text; every vector
  of one length, for queries and documents, sync and async; a declared dimension is honoured.
- `embed-order`: a batch larger than the model's own batch size comes back in the order of its
  texts, each vector the one its text gets alone, a repeated text the same vector each time; a
  vector found at another index than its text's is named with both indices.
- `embed-agreement`: a text gets the same vector alone and inside a larger batch, sync and async,
  and as a query and as a document (unless the model declares queries are embedded differently).
- `embed-empty`: `embed_documents([])` returns `[]`, without a request to the service.
- `embed-odd-input`: the empty string, a long text and non-ASCII text each embed like any text or
  raise a clear error; never a vector of another length, or none.
- `embed-native-async`: `aembed_query`/`aembed_documents` are the model's own coroutines, not
  langchain-core's thread-pool fallback, and hold no blocking call.
- `embed-model-name`: the model it embeds with is named by a non-empty string field.

Of the contribution checklist, secret-fields, secret-masking, init-from-env, docs and
standard-params (`model`, `timeout`, `max_retries`, `base_url`, `api_key`) apply as they do to a
chat model; the chat and text model families (runnable surface, streaming, tools...) do not.

"Agree" is a relative distance: |u - v| / max(|u|, |v|) <= AGREE (0.02; for unit vectors, cosine >=
0.9998), between vectors of one length. A float32 round trip (the base64 encoding OpenAI's client
asks for) changes a vector by about 1e-7 of its norm, and a batch-dependent kernel (padding, other
matrix shapes on a GPU) by 1e-4 to 1e-3; two different sentences are 0.3 or more apart even on
models whose vectors crowd together. The tolerance sits orders of magnitude from both, and it also
tells a vector from a multiple of it (an unnormalized twin), which a cosine alone would not.

A model that gives different vectors for the same texts in two identical calls (`embed_again`), or
whose target declares `nondeterministic = true`, samples: as for a sampling chat model, only what
holds for any answer is judged (shapes, counts, empty and odd input, native async), and the
comparisons across calls skip with that reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from modelcheck.checks.common import call_failed
from modelcheck.checks.native_async import SYNC_METHODS, fallbacks, handed_off, recurring, replay_note
from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import declared
from modelcheck.core.embedding_plan import ODD
from modelcheck.core.records import Call, Embedded, Observation, Vector
from modelcheck.core.verdict import Verdict, failed, passed, skipped
from modelcheck.core.wording import plural

AGREE = 0.02
SHAPE_PROBES = ids.EMBED_SHAPE
# langchain-core's fallback for a missing async method runs one of these in a thread pool.
EMBED_SYNC = SYNC_METHODS | {"embed_query", "embed_documents"}
ASYNC_FALLBACK = {"aembed_documents": "embed_documents", "aembed_query": "embed_query"}
# Errors that come from a bug in the model's own code, not from a refusal that names the problem.
UNCLEAR = frozenset(
    {
        "IndexError",
        "KeyError",
        "AttributeError",
        "TypeError",
        "ZeroDivisionError",
        "UnboundLocalError",
        "NameError",
        "AssertionError",
        "RecursionError",
        "StopIteration",
    }
)
PLAIN = "a list of plain, finite Python floats"


# ------------------------------------------------------------------ vectors and agreement


def norm(values: Sequence[float]) -> float:
    return math.sqrt(math.fsum(x * x for x in values))


def distance(u: Vector, v: Vector) -> float:
    """|u - v| / max(|u|, |v|): 0 for equal vectors, inf for vectors of different lengths."""
    if len(u.values) != len(v.values):
        return math.inf
    scale = max(norm(u.values), norm(v.values))
    if scale == 0:
        return 0.0
    return norm([a - b for a, b in zip(u.values, v.values, strict=True)]) / scale


def agree(u: Vector, v: Vector) -> bool:
    return distance(u, v) <= AGREE


def cosine(u: Vector, v: Vector) -> float | None:
    nu, nv = norm(u.values), norm(v.values)
    if len(u.values) != len(v.values) or not nu or not nv:
        return None
    return math.fsum(a * b for a, b in zip(u.values, v.values, strict=True)) / (nu * nv)


def apart(u: Vector, v: Vector) -> str:
    """'0.83 apart (cosine 0.31)': how far two vectors are, as the messages say it."""
    cos = cosine(u, v)
    return f"{distance(u, v):.3g} apart" + (f" (cosine {cos:.4f})" if cos is not None else "")


def vector_problem(vector: Vector) -> str | None:
    """What keeps `vector` from being a list of plain, finite Python floats, or None."""
    return type_problem(vector) or value_problem(vector)


def type_problem(vector: Vector) -> str | None:
    """A vector that is not a `list`, or holds other things than Python floats (embed-shape's)."""
    if vector.container != "list":
        return f"a {vector.container}, not a list"
    others = [t for t in vector.types if t != "float"]
    if others:
        numpy = any(t.startswith(("float", "int", "uint")) and t[-1].isdigit() for t in others)
        return f"a list of {', '.join(others)}{' (numpy scalars)' if numpy else ''}, not of Python floats"
    return None


def value_problem(vector: Vector) -> str | None:
    """A vector with no numbers, or one that is not finite: no use whatever its type."""
    if not vector.values:
        return "an empty list"
    bad = next((i for i, x in enumerate(vector.values) if not math.isfinite(x)), None)
    if bad is not None:
        return f"a list holding {vector.values[bad]} at index {bad}"
    return None


def short(text: str, chars: int = 40) -> str:
    """A text as the messages name it: quoted, cut after `chars` characters."""
    return repr(text) if len(text) <= chars else repr(text[:chars]) + f" (+{len(text) - chars} characters)"


def asked(embedded: Embedded) -> str:
    """'embed_documents([3 texts])', 'embed_query('...')': the call as the messages name it."""
    if embedded.method.endswith("query"):
        return f"{embedded.method}({short(embedded.texts[0]) if embedded.texts else ''})"
    texts = embedded.texts
    given = "[]" if not texts else (f"[{short(texts[0])}]" if len(texts) == 1 else f"[{len(texts)} texts]")
    return f"{embedded.method}({given})"


def answered(call: Call | None) -> Embedded | None:
    """The record of a call that completed, else None."""
    return call.embedded if call is not None and call.ok else None


def well_formed(call: Call | None) -> tuple[Vector, ...] | None:
    """The vectors of a completed call with one vector per text, else None."""
    embedded = answered(call)
    if embedded is None or embedded.vectors is None or len(embedded.vectors) != len(embedded.texts):
        return None
    return embedded.vectors


def same_texts(obs: Observation, first: str, second: str) -> tuple[bool, str] | None:
    """Whether two calls with the same texts gave agreeing vectors, and the first pair that did not;
    None when either did not give one well-formed vector per text."""
    one, two = well_formed(obs.calls.get(first)), well_formed(obs.calls.get(second))
    if one is None or two is None or len(one) != len(two):
        return None
    for i, (u, v) in enumerate(zip(one, two, strict=True)):
        if not agree(u, v):
            return False, f"text {i} came back {apart(u, v)}"
    return True, ""


def sampling(obs: Observation) -> str | None:
    """Why the comparisons across calls cannot be judged (the model samples, is declared to, or
    whether it does is unknown)."""
    if declared(obs):
        return (
            "the target declares the model nondeterministic (nondeterministic = true), so vectors "
            "from different calls are not compared"
        )
    repeat = same_texts(obs, ids.EMBED_DOCUMENTS, ids.EMBED_AGAIN)
    if repeat is None:
        return (
            "embed_documents did not give one vector per text twice for the same texts, so whether "
            "the model answers the same texts the same way is unknown (embed-shape says why)"
        )
    if not repeat[0]:
        return (
            f"the model gave other vectors for the same texts in two identical embed_documents calls "
            f"({repeat[1]}): it samples, so vectors from different calls cannot be compared"
        )
    return None


# ------------------------------------------------------------------ embed-shape


def judge_shape(obs: Observation) -> Verdict:
    problems: list[str] = []
    lengths: dict[str, set[int]] = {}
    for probe in SHAPE_PROBES:
        call = obs.calls.get(probe)
        fail = call_failed(call, probe)
        if fail is not None:
            problems.append(fail.message)
            continue
        assert call is not None and call.embedded is not None
        problem = _shape_problem(call.embedded)
        if problem:
            problems.append(problem)
        for vector in call.embedded.vectors or ():
            if vector_problem(vector) is None:
                lengths.setdefault(call.embedded.method, set()).add(len(vector.values))
    problems += _length_problems(obs, lengths)
    if problems:
        return failed(
            " ".join(problems) + f" Expected: embed_query gives {PLAIN}, embed_documents one such "
            "list per text, all of one length. Fix: return `[float(x) for x in vector]` (numpy's "
            "`.tolist()` also gives Python floats), one vector per text in the order given."
        )
    size = next(iter(next(iter(lengths.values())))) if lengths else 0
    return passed(f"every vector is {PLAIN}, {plural(size, 'number')} long")


def _shape_problem(embedded: Embedded) -> str | None:
    call = asked(embedded)
    if embedded.vectors is None:
        wanted = "a vector" if embedded.method.endswith("query") else "a list of vectors"
        return f"{call} returned {embedded.returned}, not {wanted}."
    if not embedded.method.endswith("query") and embedded.returned != "list":
        return f"{call} returned a {embedded.returned}, not a list of vectors."
    if len(embedded.vectors) != len(embedded.texts):
        n = len(embedded.vectors)
        return f"{call} returned {plural(n, 'vector')} for {plural(len(embedded.texts), 'text')}."
    found = [(i, p) for i, v in enumerate(embedded.vectors) if (p := vector_problem(v))]
    if not found:
        return None
    if embedded.method.endswith("query"):
        return f"{call} returned {found[0][1]}."
    if len(found) == len(embedded.vectors) and len({p for _, p in found}) == 1:
        return f"{call} returned vectors that are not {PLAIN}: every vector is {found[0][1]}."
    where = ", ".join(f"vector {i} is {p}" for i, p in found[:3])
    return f"{call} returned vectors that are not {PLAIN}: {where}."


def _length_problems(obs: Observation, lengths: dict[str, set[int]]) -> list[str]:
    problems = []
    seen = sorted({n for sizes in lengths.values() for n in sizes})
    if len(seen) > 1:
        by_method = "; ".join(f"{m}: {', '.join(map(str, sorted(s)))}" for m, s in lengths.items())
        problems.append(f"The vectors are not all of one length ({by_method}).")
    facts = obs.facts.embedding
    if facts is not None and facts.dimension is not None and seen:
        name, size = facts.dimension
        if seen != [size]:
            problems.append(
                f"The model declares {name}={size}, but its vectors have {' or '.join(map(str, seen))} "
                f"numbers: send {name} to the service (or cut the vectors to it), or leave it unset."
            )
    return problems


# ------------------------------------------------------------------ embed-agreement

# (probe, index) pairs that must agree, and what to change when they do not.
ALONE = (
    "a text's vector must not depend on the other texts of its batch (look for pooling or "
    "normalization over the whole batch, or vectors mapped back to the wrong texts)"
)
ASYNC = (
    "the async methods must send the request the sync ones send (model, dimensions, input type) and "
    "read the answer the same way"
)
QUERY = (
    "embed_query(t) should return embed_documents([t])[0]; if the model embeds queries differently on "
    "purpose (a query instruction or input_type), declare it: `asymmetric = true` in the target's "
    "capabilities in [tool.modelcheck]"
)


def judge_agreement(obs: Observation) -> Verdict:
    why = sampling(obs)
    if why is not None:
        return skipped(f"{why}.")
    pairs = _pairs(obs)
    compared, problems, fixes = 0, [], []
    for (first, i), (second, j), fix in pairs:
        u, v = _vector(obs, first, i), _vector(obs, second, j)
        if u is None or v is None or len(u.values) != len(v.values):
            continue  # a call that failed, or a vector of the wrong shape: embed-shape's to report
        compared += 1
        if not agree(u, v):
            problems.append(f"{_named(obs, first, i)} and {_named(obs, second, j)} are {apart(u, v)}")
            fixes.append(fix)
    if not compared:
        return skipped("no two vectors of the same text could be compared (embed-shape says why).")
    asym = obs.facts.embedding.asymmetric if obs.facts.embedding else None
    note = f" Queries were not compared with documents: {asym}." if asym else ""
    if problems:
        return failed(
            f"the same text got different vectors: {'; '.join(problems)}. Expected: vectors within a "
            f"relative distance of {AGREE} (cosine >= 0.9998 for unit vectors), far above float noise. "
            f"Fix: {'; '.join(dict.fromkeys(fixes))}.{note}"
        )
    return passed(f"compared {plural(compared, 'pair')} of vectors of the same text.{note}")


def _pairs(obs: Observation) -> list[tuple[tuple[str, int], tuple[str, int], str]]:
    pairs = [
        ((ids.EMBED_SINGLE, 0), (ids.EMBED_DOCUMENTS, 0), ALONE),
        ((ids.AEMBED_QUERY, 0), (ids.EMBED_QUERY, 0), ASYNC),
    ]
    docs = well_formed(obs.calls.get(ids.EMBED_DOCUMENTS)) or ()
    pairs += [((ids.AEMBED_DOCUMENTS, i), (ids.EMBED_DOCUMENTS, i), ASYNC) for i in range(len(docs))]
    asymmetric = obs.facts.embedding is not None and obs.facts.embedding.asymmetric is not None
    if not asymmetric:
        pairs.append(((ids.EMBED_QUERY, 0), (ids.EMBED_SINGLE, 0), QUERY))
    return pairs


def _vector(obs: Observation, probe: str, i: int) -> Vector | None:
    vectors = well_formed(obs.calls.get(probe))
    if vectors is None or i >= len(vectors) or value_problem(vectors[i]) is not None:
        return None
    return vectors[i]


def _named(obs: Observation, probe: str, i: int) -> str:
    embedded = obs.calls[probe].embedded
    assert embedded is not None
    if embedded.method.endswith("query"):
        return asked(embedded)
    return f"{asked(embedded)}[{i}]" + (f" ({short(embedded.texts[i])})" if len(embedded.texts) > 1 else "")


# ------------------------------------------------------------------ embed-order


def judge_order(obs: Observation) -> Verdict:
    call = obs.calls.get(ids.EMBED_BATCH)
    fail = call_failed(call, _batch_name(call))
    if fail is not None:
        return fail
    assert call is not None and call.embedded is not None
    embedded = call.embedded
    if well_formed(obs.calls.get(ids.EMBED_DOCUMENTS)) is None:
        return skipped("embed_documents itself did not give one vector per text; embed-shape reports it.")
    vectors = embedded.vectors
    if vectors is None or len(vectors) != len(embedded.texts):
        got = embedded.returned if vectors is None else plural(len(vectors), "vector")
        return failed(
            f"{_batch_name(call)} returned {got} for {plural(len(embedded.texts), 'text')}. Expected "
            f"one vector per text, in order. {BATCH_FIX}"
        )
    oversized = _oversized(embedded)
    if oversized:
        return failed(oversized)
    why = sampling(obs)
    if why is not None:
        return skipped(
            f"{why}; the batch came back with one vector per text, but their order cannot be judged."
        )
    problems = _misplaced(obs, embedded, vectors)
    if problems:
        return failed(
            f"{_batch_name(call)} returned vectors out of place: {'; '.join(problems)}. Expected the "
            f"vector of text i at index i, as each text gets alone. {BATCH_FIX}"
        )
    return passed(_sent(embedded))


BATCH_FIX = (
    "Fix: split the texts into batches in order, keep each batch's answers in the order of its "
    "inputs (sort by the API's `index` field where it has one), and join the batches in the order "
    "they were sent."
)


def _batch_name(call: Call | None) -> str:
    embedded = call.embedded if call is not None else None
    if embedded is None:
        return "embed_documents of a batch"
    setting = ", ".join(f"{k}={v}" for k, v in embedded.settings.items())
    return f"{asked(embedded)}" + (f" with {setting}" if setting else "")


def _oversized(embedded: Embedded) -> str | None:
    """A request larger than the batch size the model was set to, if one was seen."""
    setting = _setting(embedded)
    if embedded.requests is None or setting is None:
        return None
    name, size = setting
    big = [n for n in embedded.requests if n is not None and n > size]
    if not big:
        return None
    return (
        f"the model was set to {name}={size}, but a request carried {plural(big[0], 'text')}: it does not "
        f"split by its own batch size, so a large input goes over the service's limit. Fix: send at most "
        f"`self.{name}` texts per request."
    )


def _setting(embedded: Embedded) -> tuple[str, int] | None:
    """The batch-size field the probe set on its copy of the model, and the size."""
    found = next(iter(embedded.settings.items()), None)
    return (found[0], int(found[1])) if found else None


def _truth(obs: Observation) -> dict[str, Vector]:
    """The vector each text should get, as embed_documents gave it (a text it did not embed has none:
    only its difference from the others is judged)."""
    docs = obs.calls[ids.EMBED_DOCUMENTS].embedded
    assert docs is not None and docs.vectors is not None
    return dict(zip(docs.texts, docs.vectors, strict=True))


def _misplaced(obs: Observation, embedded: Embedded, vectors: tuple[Vector, ...]) -> list[str]:
    texts = embedded.texts
    truth = _truth(obs)
    problems = []
    for i, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
        own = truth.get(text)
        owner = next(
            (j for j, t in enumerate(texts) if t != text and t in truth and agree(vector, truth[t])), None
        )
        if (own is not None and agree(vector, own)) or (own is None and owner is None):
            continue
        holds = (
            f"the vector of index {owner} ({short(texts[owner])})"
            if owner is not None
            else "a vector that matches none of the batch's texts as they embed alone"
        )
        problems.append(f"index {i} ({short(text)}) holds {holds}")
    for i, j in _duplicates(texts, vectors):
        problems.append(f"indices {i} and {j} hold the same vector for different texts")
    return problems[:4]


def _duplicates(texts: tuple[str, ...], vectors: tuple[Vector, ...]) -> list[tuple[int, int]]:
    """Places holding agreeing vectors for different texts, each text's first place only."""
    firsts = [i for i, t in enumerate(texts) if texts.index(t) == i]
    return [(i, j) for n, i in enumerate(firsts) for j in firsts[n + 1 :] if agree(vectors[i], vectors[j])]


def _sent(embedded: Embedded) -> str:
    n = len(embedded.texts)
    setting = _setting(embedded)
    if setting is None:
        return (
            f"{plural(n, 'text')} came back in order. The model has no batch-size setting (chunk_size, "
            "batch_size, ...), so the batch was sent as it is, not split by modelcheck's doing."
        )
    name, size = setting
    sent = ""
    if embedded.requests:
        sizes = ", ".join("?" if r is None else str(r) for r in embedded.requests)
        sent = f" in {plural(len(embedded.requests), 'request')} ({sizes})"
    return f"{plural(n, 'text')} with {name}={size} went out{sent} and came back in order."


# ------------------------------------------------------------------ embed-empty

EMPTY_FIX = (
    "Fix: `if not texts: return []` at the start of embed_documents (and aembed_documents), before "
    "any request."
)


def judge_empty(obs: Observation) -> Verdict:
    call = obs.calls.get(ids.EMBED_EMPTY)
    if call is not None and call.failure is not None and call.failure.kind == "raised":
        where = f" in {call.failure.where}" if call.failure.where else ""
        return failed(
            f"embed_documents([]) raised{where}: {call.failure.describe()}; an empty list of texts must "
            f"give []. {EMPTY_FIX}"
        )
    fail = call_failed(call, "embed_documents([])")
    if fail is not None:
        return failed(f"{fail.message} An empty list of texts must give []. {EMPTY_FIX}")
    assert call is not None and call.embedded is not None
    embedded = call.embedded
    if embedded.vectors is None or embedded.returned != "list" or embedded.vectors:
        got = (
            embedded.returned
            if embedded.vectors is None
            else f"a {embedded.returned} of {plural(len(embedded.vectors), 'vector')}"
        )
        return failed(f"embed_documents([]) returned {got}; expected []. {EMPTY_FIX}")
    if embedded.requests:
        return failed(
            f"embed_documents([]) returned [], but sent {plural(len(embedded.requests), 'request')} to the "
            f"service for no texts (a wasted call; some services refuse an empty input). {EMPTY_FIX}"
        )
    if embedded.requests is None:
        return passed("returned []; whether it asked the service could not be observed")
    return passed("returned [] without a request")


# ------------------------------------------------------------------ embed-odd-input

ODD_NAMES = {
    ids.EMBED_BLANK: "the empty string",
    ids.EMBED_LONG: "a long text",
    ids.EMBED_UNICODE: "non-ASCII text",
}


def judge_odd_input(obs: Observation) -> Verdict:
    size = _size(obs)
    problems, seen = [], []
    for probe in ODD:
        problem, what = _odd(obs.calls.get(probe), ODD_NAMES[probe], size)
        if problem:
            problems.append(problem)
        else:
            seen.append(what)
    if problems:
        return failed(
            f"{' '.join(problems)} Expected: each text embeds like any other (one vector of the model's "
            "length) or raises an error that says what is wrong with it. Fix: validate the input and "
            "raise a ValueError naming the limit, or embed it; never answer with a vector of another "
            "length, or none."
        )
    return passed("; ".join(seen))


def _size(obs: Observation) -> int | None:
    vectors = well_formed(obs.calls.get(ids.EMBED_DOCUMENTS))
    usable = [v for v in vectors or () if value_problem(v) is None]
    return len(usable[0].values) if usable else None


def _odd(call: Call | None, name: str, size: int | None) -> tuple[str | None, str]:
    if call is None:
        return f"embed_documents of {name} was not observed.", ""
    failure = call.failure
    if failure is not None:
        if failure.kind == "raised" and failure.type_name not in UNCLEAR and failure.message.strip():
            return None, f"{name} raised {failure.describe().rstrip('.')}"
        fail = call_failed(call, f"embed_documents of {name}")
        assert fail is not None
        if failure.kind == "raised":
            return (
                f"embed_documents of {name} raised {failure.describe()}, an error from inside the code "
                "that does not say what is wrong with the input.",
                "",
            )
        return fail.message, ""
    embedded = call.embedded
    assert embedded is not None
    vectors = embedded.vectors
    if vectors is None or len(vectors) != 1:
        got = embedded.returned if vectors is None else plural(len(vectors), "vector")
        return f"embed_documents of {name} returned {got} for 1 text.", ""
    problem = value_problem(vectors[0])  # its type is embed-shape's to judge
    if problem:
        return f"embed_documents of {name} returned {problem}.", ""
    if size is not None and len(vectors[0].values) != size:
        return (
            f"embed_documents of {name} returned a vector of {len(vectors[0].values)} numbers, where other "
            f"texts get {size}: a silent wrong answer.",
            "",
        )
    return None, f"{name} embedded"


# ------------------------------------------------------------------ embed-native-async


def judge_native_async(obs: Observation) -> Verdict:
    missing = [m for m in ASYNC_FALLBACK if obs.facts.native.get(m) is None]
    if missing:
        runs = ", ".join(f"{m} runs {ASYNC_FALLBACK[m]}" for m in missing)
        return failed(
            f"{obs.facts.class_name} does not override {' or '.join(missing)}, so langchain-core's "
            f"default runs in a thread pool ({runs}). Implement `async def aembed_documents(self, texts)` "
            "with the provider's async client, and `async def aembed_query(self, text)` on top of it."
        )
    judged, notes = 0, []
    for probe in ASYNC_FALLBACK:
        call = obs.calls.get(probe)
        if call is None or (not call.ok and not call.stalls):
            continue  # a failed call is embed-shape's to report
        other = obs.calls.get(ids.AEMBED_QUERY if probe == ids.AEMBED_DOCUMENTS else ids.AEMBED_DOCUMENTS)
        verdict = _judge_async_run(call, probe, other)
        if verdict.outcome == "failed":
            return verdict
        judged += 1
        notes += [verdict.message] if verdict.message else []
    if not judged:
        return skipped("neither aembed_documents nor aembed_query completed; embed-shape reports why.")
    return replay_note(obs, passed(" ".join(notes)), "aembed_documents and aembed_query")


def _judge_async_run(call: Call, name: str, other: Call | None) -> Verdict:
    if call.stalls:
        worst = max(call.stalls, key=lambda s: s.duration_s)
        return failed(
            f"during {name}, the event loop was blocked for {worst.duration_s:.2f} s in {worst.where}: it "
            "makes a blocking call (time.sleep, sync I/O). Await the provider's async client instead."
        )
    handed = list(dict.fromkeys(e.function for e in call.executor_calls))
    kept = recurring(call, other)
    # A sync embed method sent to a thread is the fallback even if the other call did the same.
    kept += [f for f in handed if f not in kept and f.rsplit(".", 1)[-1] in EMBED_SYNC]
    fallback = fallbacks(call, kept, EMBED_SYNC)
    if fallback:
        return handed_off(name, name, fallback)
    if kept:
        return passed(
            f"during {name}, {', '.join(kept)} ran in a thread pool without blocking calls (CPU work)."
        )
    return passed()


# ------------------------------------------------------------------ embed-model-name


def judge_model_name(obs: Observation) -> Verdict:
    name = obs.facts.model_name
    if name:
        return passed(f"it embeds with {name!r}")
    return failed(
        f"{obs.facts.class_name} names no model: it has no `model` (or `model_name`) field holding a "
        "non-empty string, so traces, caches and users cannot tell which model made a vector (vectors "
        "of two models cannot be mixed in one index). Fix: declare `model: str` with the provider's "
        "default model name."
    )
