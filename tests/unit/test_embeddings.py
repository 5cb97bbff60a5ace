"""The embeddings judges on records built by hand: each verdict and what its message says."""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from typing import Any

import pytest

from modelcheck.checks import embeddings
from modelcheck.checks.catalog import by_id, checks_for
from modelcheck.core.embedding_plan import BATCH, BATCH_SIZE, LONG, ODD, PLAN, A
from modelcheck.core.records import (
    Call,
    Embedded,
    EmbeddingFacts,
    ExecutorCall,
    Facts,
    Failure,
    LoopStall,
    Observation,
    Vector,
)

SIZE = 8
NATIVE = {"aembed_query": "m.Model", "aembed_documents": "m.Model"}


# --- a small factory of records -------------------------------------------------------------


def values(text: str, size: int = SIZE) -> tuple[float, ...]:
    """A unit vector made from the text's hash: the same text, the same vector."""
    digest = hashlib.shake_256(text.encode()).digest(size)
    raw = [digest[i] / 255 - 0.5 for i in range(size)]
    scale = math.sqrt(sum(x * x for x in raw))
    return tuple(x / scale for x in raw)


def vec(text: str, size: int = SIZE) -> Vector:
    return Vector(values(text, size))


def embedded_call(probe: str, vectors: list[Vector] | None = None, **fields: Any) -> Call:
    """The call of `probe` as a correct model answers it: one vector per text of the plan."""
    method, texts = PLAN[probe]
    if vectors is None:
        vectors = [vec(t) for t in texts]
    if method.endswith("query"):
        return Call(
            probe, embedded=Embedded(method, texts, returned="list", vectors=tuple(vectors), **fields)
        )
    return Call(probe, embedded=Embedded(method, texts, vectors=tuple(vectors), **fields))


def raised(probe: str, type_name: str = "ValueError", message: str = "boom") -> Call:
    method, texts = PLAN[probe]
    return Call(probe, failure=Failure("raised", type_name, message), embedded=Embedded(method, texts))


def reference(**facts: Any) -> Observation:
    """What a correct embeddings model with a batch size gives for every probe."""
    calls = {probe: embedded_call(probe) for probe in PLAN}
    calls["embed_batch"] = embedded_call(
        "embed_batch", settings={"chunk_size": BATCH_SIZE}, requests=(2, 2, 1)
    )
    calls["embed_empty"] = embedded_call("embed_empty", requests=())
    info = EmbeddingFacts(batch=("chunk_size", 1000), **facts)
    return Observation(
        "m:Model",
        "chat",
        Facts("Model", "m", native=dict(NATIVE), embedding=info, model_name="echo-embed-1"),
        calls=calls,
    )


def with_call(obs: Observation, call: Call) -> Observation:
    return replace(obs, calls={**obs.calls, call.probe: call})


def judge(check: str, obs: Observation) -> tuple[str, str]:
    verdict = by_id(check).judge(obs)
    return verdict.outcome, verdict.message


JUDGES = tuple(c.id for c in checks_for("embeddings") if c.section == "Embeddings")


@pytest.mark.parametrize("name", JUDGES)
def test_a_correct_model_passes_every_judge(name: str) -> None:
    assert judge(name, reference())[0] == "passed"


# --- agreement ----------------------------------------------------------------------------------


def test_float32_noise_agrees_and_another_text_or_a_multiple_does_not() -> None:
    u = vec(A, 1024)
    noisy = Vector(tuple(float(f"{x:.7g}") * (1 + 1e-4 * ((i % 3) - 1)) for i, x in enumerate(u.values)))
    assert embeddings.agree(u, noisy)
    assert not embeddings.agree(u, vec("another text", 1024))
    assert not embeddings.agree(u, Vector(tuple(2 * x for x in u.values)))
    assert not embeddings.agree(u, vec(A, 512))
    assert embeddings.agree(Vector((0.0, 0.0)), Vector((0.0, 0.0)))


# --- embed-shape --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vector", "said"),
    [
        (Vector(values(A), types=("float64",)), "a list of float64 (numpy scalars), not of Python floats"),
        (Vector((1.0, 2.0), types=("float", "int")), "a list of int, not of Python floats"),
        (Vector(values(A), container="ndarray"), "a ndarray, not a list"),
        (Vector((0.5, math.nan)), "a list holding nan at index 1"),
        (Vector(()), "an empty list"),
    ],
)
def test_shape_fails_a_query_vector_that_is_not_plain_finite_floats(vector: Vector, said: str) -> None:
    outcome, message = judge("embed-shape", with_call(reference(), embedded_call("embed_query", [vector])))
    assert outcome == "failed"
    assert f"embed_query({A!r}) returned {said}." in message
    assert "Fix: return `[float(x) for x in vector]`" in message


def test_shape_fails_a_documents_call_with_a_vector_missing() -> None:
    call = embedded_call("aembed_documents", [vec(A), vec("b")])
    outcome, message = judge("embed-shape", with_call(reference(), call))
    assert outcome == "failed"
    assert "aembed_documents([3 texts]) returned 2 vectors for 3 texts." in message


def test_shape_fails_queries_and_documents_of_different_lengths() -> None:
    obs = with_call(reference(), embedded_call("embed_query", [vec(A, 4)]))
    outcome, message = judge("embed-shape", obs)
    assert outcome == "failed"
    assert "not all of one length (embed_query: 4; embed_documents: 8; aembed_query: 8;" in message


def test_shape_holds_a_declared_dimension() -> None:
    outcome, message = judge("embed-shape", reference(dimension=("dimensions", 16)))
    assert outcome == "failed"
    assert "declares dimensions=16, but its vectors have 8 numbers" in message
    assert judge("embed-shape", reference(dimension=("dimensions", SIZE)))[0] == "passed"


def test_shape_names_a_call_that_raised_and_what_it_returned_instead_of_vectors() -> None:
    obs = with_call(reference(), raised("embed_query", "RuntimeError", "no key"))
    docs = Call(
        "embed_documents", embedded=Embedded("embed_documents", PLAN["embed_documents"][1], "str", None)
    )
    outcome, message = judge("embed-shape", with_call(obs, docs))
    assert outcome == "failed"
    assert "embed_query raised RuntimeError: no key." in message
    assert "embed_documents([3 texts]) returned str, not a list of vectors." in message


# --- embed-agreement ----------------------------------------------------------------------------


def test_agreement_fails_an_async_path_that_embeds_another_way() -> None:
    obs = with_call(reference(), embedded_call("aembed_query", [vec("prefix: " + A)]))
    outcome, message = judge("embed-agreement", obs)
    assert outcome == "failed"
    assert f"aembed_query({A!r}) and embed_query({A!r}) are" in message
    assert "the async methods must send the request the sync ones send" in message
    assert "batch" not in message.split("Fix:")[1]


def test_agreement_fails_a_text_whose_vector_depends_on_its_batch() -> None:
    obs = with_call(reference(), embedded_call("embed_single", [vec("alone: " + A)]))
    outcome, message = judge("embed-agreement", obs)
    assert outcome == "failed"
    assert f"embed_documents([{A!r}])[0] and embed_documents([3 texts])[0]" in message
    assert "must not depend on the other texts of its batch" in message


def test_a_query_that_differs_from_its_document_fails_unless_declared_asymmetric() -> None:
    obs = with_call(reference(), embedded_call("embed_query", [vec("query: " + A)]))
    outcome, message = judge("embed-agreement", obs)
    assert outcome == "failed"
    assert "`asymmetric = true`" in message
    declared = replace(obs, facts=replace(obs.facts, embedding=EmbeddingFacts(asymmetric="declared")))
    declared = with_call(declared, embedded_call("aembed_query", [vec("query: " + A)]))
    outcome, message = judge("embed-agreement", declared)
    assert outcome == "passed"
    assert "Queries were not compared with documents: declared." in message


def test_a_sampling_model_is_not_compared_across_calls() -> None:
    again = embedded_call("embed_again", [vec("x"), vec("y"), vec("z")])
    outcome, message = judge("embed-agreement", with_call(reference(), again))
    assert outcome == "skipped"
    assert "it samples" in message and "text 0 came back" in message
    outcome, message = judge("embed-order", with_call(reference(), again))
    assert outcome == "skipped"
    assert "one vector per text" in message


# --- embed-order --------------------------------------------------------------------------------


def batch(vectors: list[Vector], **fields: Any) -> Call:
    return embedded_call("embed_batch", vectors, **{"settings": {"chunk_size": BATCH_SIZE}, **fields})


def test_order_names_the_index_that_moved() -> None:
    # The batches came back in reverse: [C, A], [D, B], [C] -> C | D, B | C, A
    given = [vec(t) for t in (BATCH[4], BATCH[2], BATCH[3], BATCH[0], BATCH[1])]
    outcome, message = judge("embed-order", with_call(reference(), batch(given)))
    assert outcome == "failed"
    assert "embed_documents([5 texts]) with chunk_size=2 returned vectors out of place" in message
    assert f"index 1 ({A!r}) holds a vector that matches none of the batch's texts" in message
    assert f"index 3 ({BATCH[3]!r}) holds the vector of index 0 ({BATCH[0]!r})" in message
    assert "sort by the API's `index` field" in message


def test_order_catches_a_batch_repeated_in_place_of_the_next() -> None:
    given = [vec(t) for t in (BATCH[0], BATCH[1], BATCH[0], BATCH[1], BATCH[4])]
    outcome, message = judge("embed-order", with_call(reference(), batch(given)))
    assert outcome == "failed"
    assert f"index 3 ({BATCH[3]!r}) holds the vector of index 1 ({A!r})" in message
    assert "indices 0 and 2 hold the same vector for different texts" in message


def test_order_fails_a_batch_that_lost_vectors_and_a_request_over_the_batch_size() -> None:
    outcome, message = judge("embed-order", with_call(reference(), batch([vec(t) for t in BATCH[:4]])))
    assert outcome == "failed"
    assert "returned 4 vectors for 5 texts" in message
    outcome, message = judge(
        "embed-order", with_call(reference(), batch([vec(t) for t in BATCH], requests=(5,)))
    )
    assert outcome == "failed"
    assert "set to chunk_size=2, but a request carried 5 texts" in message


def test_order_says_how_the_batch_went_out() -> None:
    assert (
        judge("embed-order", reference())[1]
        == "5 texts with chunk_size=2 went out in 3 requests (2, 2, 1) and came back in order."
    )
    whole = with_call(reference(), embedded_call("embed_batch"))
    assert "has no batch-size setting" in judge("embed-order", whole)[1]


def test_order_leaves_a_failing_embed_documents_to_shape() -> None:
    obs = with_call(reference(), raised("embed_documents"))
    assert judge("embed-order", obs)[0] == "skipped"


# --- embed-empty --------------------------------------------------------------------------------


def test_empty_fails_a_request_for_no_texts_a_raise_and_a_wrong_answer() -> None:
    outcome, message = judge(
        "embed-empty", with_call(reference(), embedded_call("embed_empty", requests=(0,)))
    )
    assert outcome == "failed"
    assert "returned [], but sent 1 request to the service for no texts" in message
    outcome, message = judge(
        "embed-empty", with_call(reference(), raised("embed_empty", "IndexError", "list index out of range"))
    )
    assert outcome == "failed"
    assert "embed_documents([]) raised: IndexError: list index out of range; an empty list" in message
    assert "`if not texts: return []`" in message
    outcome, message = judge("embed-empty", with_call(reference(), embedded_call("embed_empty", [vec("")])))
    assert (outcome, "returned a list of 1 vector; expected []" in message) == ("failed", True)
    unobserved = with_call(reference(), embedded_call("embed_empty"))
    assert judge("embed-empty", unobserved) == (
        "passed",
        "returned []; whether it asked the service could not be observed",
    )


# --- embed-odd-input ----------------------------------------------------------------------------


def test_odd_input_takes_a_clear_error_but_not_a_bug_or_a_silent_wrong_vector() -> None:
    clear = with_call(reference(), raised("embed_blank", "BadRequestError", "'$.input' is invalid"))
    outcome, message = judge("embed-odd-input", clear)
    assert outcome == "passed"
    assert "the empty string raised BadRequestError: '$.input' is invalid" in message
    bug = with_call(reference(), raised("embed_blank", "IndexError", "list index out of range"))
    outcome, message = judge("embed-odd-input", bug)
    assert outcome == "failed"
    assert "does not say what is wrong with the input" in message
    short = with_call(reference(), embedded_call("embed_long", [vec(LONG, 4)]))
    outcome, message = judge("embed-odd-input", short)
    assert outcome == "failed"
    assert "a long text returned a vector of 4 numbers, where other texts get 8" in message
    skipped_text = with_call(reference(), embedded_call("embed_unicode", []))
    assert "non-ASCII text returned 0 vectors for 1 text" in judge("embed-odd-input", skipped_text)[1]
    hung = Call("embed_blank", failure=Failure("timeout", "TimeoutError", "did not answer within 5 s"))
    assert judge("embed-odd-input", with_call(reference(), hung))[0] == "failed"


def test_every_odd_probe_is_named() -> None:
    assert set(ODD) == set(embeddings.ODD_NAMES)


# --- embed-native-async -------------------------------------------------------------------------


def test_native_async_fails_core_fallbacks_and_threads_and_stalls() -> None:
    obs = reference()
    fallback = replace(obs, facts=replace(obs.facts, native={"aembed_documents": "m.Model"}))
    outcome, message = judge("embed-native-async", fallback)
    assert outcome == "failed"
    assert (
        "does not override aembed_query, so langchain-core's default runs in a thread pool "
        "(aembed_query runs embed_query)" in message
    )
    threaded = embedded_call("aembed_query")
    threaded.executor_calls.append(ExecutorCall("m.Model.embed_query"))
    outcome, message = judge("embed-native-async", with_call(obs, threaded))
    assert outcome == "failed"
    assert "during aembed_query, work was sent to a thread pool (m.Model.embed_query)" in message
    stalled = embedded_call("aembed_documents")
    stalled.stalls.append(LoopStall(0.4, "m.py:3 in aembed_documents"))
    outcome, message = judge("embed-native-async", with_call(obs, stalled))
    assert outcome == "failed"
    assert "blocked for 0.40 s in m.py:3 in aembed_documents" in message


def test_native_async_lets_cpu_work_and_one_time_set_up_through() -> None:
    obs = reference()
    first = embedded_call("aembed_documents")
    first.executor_calls += [
        ExecutorCall("openai._base_client.get_platform"),
        ExecutorCall("m.Model._tokenize"),
    ]
    second = embedded_call("aembed_query")
    second.executor_calls.append(ExecutorCall("m.Model._tokenize"))
    outcome, message = judge("embed-native-async", with_call(with_call(obs, first), second))
    assert outcome == "passed"
    assert "m.Model._tokenize ran in a thread pool without blocking calls" in message
    assert "get_platform" not in message


# --- embed-model-name ---------------------------------------------------------------------------


def test_model_name_fails_a_model_that_names_none() -> None:
    obs = reference()
    outcome, message = judge("embed-model-name", replace(obs, facts=replace(obs.facts, model_name=None)))
    assert outcome == "failed"
    assert "Model names no model" in message


def test_a_model_declared_nondeterministic_is_not_compared_across_calls() -> None:
    obs = replace(reference(), settings={"nondeterministic": True})
    for check in ("embed-agreement", "embed-order"):
        outcome, message = judge(check, obs)
        assert outcome == "skipped"
        assert "declares the model nondeterministic" in message
