"""The embeddings judges on the reference `EchoEmbeddings` and its broken variants, observed for real.

The probes of observe/embedding_probes.py are run one after the other on each model (the async ones
with a LoopWatch recording thread-pool hand-offs), and every embeddings check is judged: the
reference passes them all, each broken variant fails the one check its docstring names.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding, FakeEmbeddings
from support.harness import broken_variants

from modelcheck.checks import embeddings, secrets
from modelcheck.core.embedding_plan import BATCH, PLAN
from modelcheck.core.records import Call, Facts, Failure, Observation
from modelcheck.core.settings import DEFAULT_SECRET_PATTERN
from modelcheck.observe import embedding_probes
from modelcheck.observe.embedding_probes import embedding_facts
from modelcheck.observe.facts import field_infos, owner_of, shown_docstring
from modelcheck.observe.loopwatch import LoopWatch
from modelcheck.observe.probes import ProbeContext
from modelcheck.observe.recorder import Sequencer
from reference_models import EchoEmbeddings, broken_embeddings

JUDGES = {
    "embed-shape": embeddings.judge_shape,
    "embed-order": embeddings.judge_order,
    "embed-agreement": embeddings.judge_agreement,
    "embed-empty": embeddings.judge_empty,
    "embed-odd-input": embeddings.judge_odd_input,
    "embed-native-async": embeddings.judge_native_async,
    "embed-model-name": embeddings.judge_model_name,
    "secret-fields": secrets.judge_fields,
}


def _raised(call: Call, exc: Exception) -> None:
    call.failure = Failure("raised", type(exc).__name__, str(exc))


async def _run_async(ctx: ProbeContext, call: Call) -> None:
    watch = LoopWatch(asyncio.get_running_loop(), (type(ctx.model).__module__,))
    watch.install()
    try:
        with watch.probe(call.probe):
            await embedding_probes.ASYNC_PROBES[call.probe](ctx, call)
    except Exception as exc:
        _raised(call, exc)
    finally:
        watch.uninstall()
    call.executor_calls = watch.executor_calls(call.probe)


def observe(model: Any) -> Observation:
    """Every probe of the plan on `model`, one after the other, and the facts the judges read."""
    cls = type(model)
    ctx = ProbeContext(model, "chat", Sequencer(), [])
    calls = {}
    for probe in PLAN:
        call = calls[probe] = Call(probe)
        if probe in embedding_probes.ASYNC_PROBES:
            asyncio.run(_run_async(ctx, call))
            continue
        try:
            embedding_probes.SYNC_PROBES[probe](ctx, call)
        except Exception as exc:
            _raised(call, exc)
    facts = Facts(
        cls.__qualname__,
        cls.__module__,
        shown_docstring(cls),
        fields=list(field_infos(cls)),
        model_name=getattr(model, "model", None) or None,
        native={m: owner_of(cls, m) for m in ("aembed_documents", "aembed_query")},
        embedding=embedding_facts(model),
    )
    return Observation("t", "chat", facts, calls, settings={"secret_pattern": DEFAULT_SECRET_PATTERN})


def verdicts(model: Any) -> dict[str, tuple[str, str]]:
    obs = observe(model)
    return {check: (v.outcome, v.message) for check, judge in JUDGES.items() if (v := judge(obs))}


def test_the_reference_passes_every_embeddings_check() -> None:
    found = verdicts(EchoEmbeddings())
    assert {c: o for c, (o, _) in found.items()} == dict.fromkeys(JUDGES, "passed")
    assert found["embed-order"][1] == "5 texts with chunk_size=2 went out and came back in order."
    assert found["embed-shape"][1] == "every vector is a list of plain, finite Python floats, 32 numbers long"


def test_the_reference_honours_a_declared_dimension() -> None:
    obs = observe(EchoEmbeddings(dimensions=12))
    assert obs.facts.embedding is not None and obs.facts.embedding.dimension == ("dimensions", 12)
    assert embeddings.judge_shape(obs).message.endswith("12 numbers long")


def test_the_batch_probe_splits_with_the_models_own_batch_size() -> None:
    call = observe(EchoEmbeddings()).calls["embed_batch"]
    assert call.embedded is not None
    assert (call.embedded.texts, call.embedded.settings) == (BATCH, {"chunk_size": 2})


BROKEN = sorted((name, check) for name, (_, check) in broken_variants(broken_embeddings).items())


@pytest.mark.parametrize(("name", "check"), BROKEN)
def test_each_broken_variant_fails_its_one_check(name: str, check: str) -> None:
    found = verdicts(getattr(broken_embeddings, name)())
    wrong = {c: o for c, (o, _) in found.items() if o != "passed"}
    assert wrong == {check: "failed"}, found


def test_core_fakes_verdicts() -> None:
    """langchain-core's fakes: numpy scalars, no native async, no model name; FakeEmbeddings samples."""
    fake = verdicts(FakeEmbeddings(size=8))
    deterministic = verdicts(DeterministicFakeEmbedding(size=8))
    failing = {"embed-shape", "embed-native-async", "embed-model-name"}
    assert {c for c, (o, _) in fake.items() if o == "failed"} == failing
    assert {c for c, (o, _) in deterministic.items() if o == "failed"} == failing
    assert fake["embed-agreement"][0] == fake["embed-order"][0] == "skipped"
    assert "it samples" in fake["embed-agreement"][1]
    assert deterministic["embed-agreement"] == ("passed", "compared 6 pairs of vectors of the same text.")
    assert "every vector is a list of float64 (numpy scalars)" in deterministic["embed-shape"][1]
