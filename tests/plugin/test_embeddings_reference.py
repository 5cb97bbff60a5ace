"""`pytest --modelcheck` on embeddings models: the reference passes every check that applies to an
`Embeddings` model, each broken variant fails the one check its docstring names, with its message,
and langchain-core's own fakes get the verdicts their code earns."""

from __future__ import annotations

import pytest
from support.harness import CHECK_ARGS, Modelcheck, broken_variants

from modelcheck.checks.catalog import checks_for
from reference_models import broken_embeddings

EMBEDDINGS = {c.id for c in checks_for("embeddings")}
BROKEN = broken_variants(broken_embeddings)
MESSAGES = {
    "EmbedIntVectors": "embed_query('the quick brown fox jumps over a dog') returned a list of int, not of "
    "Python floats.*Fix: return `[[]float(x) for x in vector[]]`*",
    "EmbedBatchesReversed": "embed_documents([[]5 texts[]]) with chunk_size=2 returned vectors out of place: "
    "*index 2 ('sphinx of black quartz, judge my vow') holds the vector of index 3*",
    "EmbedAsyncPrefixed": "the same text got different vectors: aembed_query(*) and embed_query(*) "
    "are * apart*",
    "EmbedRefusesNoTexts": "embed_documents([[][]]) raised in embed_documents (broken_embeddings.py:*): "
    "ValueError: texts must not be empty; an empty list of texts must give [[][]]. Fix: *",
    "EmbedSkipsBlank": "embed_documents of the empty string returned 0 vectors for 1 text.*",
    "EmbedThreadedAsync": "during aembed_documents, work was sent to a thread pool "
    "(EchoEmbeddings.embed_documents)*",
    "EmbedNoModelName": "EmbedNoModelName names no model*",
    "EmbedPlainKey": "these credential fields are plain strings: api_key (str | None)*",
}


def test_every_broken_variant_has_an_expected_message() -> None:
    assert set(MESSAGES) == set(BROKEN)


def test_the_reference_passes_every_check_for_embeddings(mc: Modelcheck) -> None:
    target = "modelcheck.reference_models:EchoEmbeddings"
    outcome = mc.run(f"--modelcheck={target}", report=True)
    assert outcome.of(target) == dict.fromkeys(EMBEDDINGS, "passed"), outcome.text()
    (entry,) = outcome.report()["targets"]
    assert (entry["kind"], entry["calls"]) == ("embeddings", 11)
    outcome.result.stdout.fnmatch_lines([f"{target} (embeddings model): 12 passed; 11 model calls"])


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_variant_fails_only_its_check(mc: Modelcheck, name: str) -> None:
    target = f"reference_models.broken_embeddings:{name}"
    check = BROKEN[name][1]
    outcome = mc.run(f"--modelcheck={target}", "-rfE")
    verdicts = outcome.of(target)
    assert set(verdicts) == EMBEDDINGS
    wrong = {c: v for c, v in verdicts.items() if v not in ("passed", "skipped")}
    assert wrong == {check: "failed"}, outcome.text()
    outcome.result.stdout.fnmatch_lines([f"[[]{check}[]] {MESSAGES[name]}"])


def test_langchain_cores_fakes(mc: Modelcheck) -> None:
    """FakeEmbeddings samples; both hand out numpy scalars, fall back to threads and name no model."""
    fakes = (
        "langchain_core.embeddings:FakeEmbeddings",
        "langchain_core.embeddings:DeterministicFakeEmbedding",
    )
    mc.config("\n".join(f'[tool.modelcheck."{t}"]\nparams = {{size = 8}}\n' for t in fakes))
    outcome = mc.run(*(f"--modelcheck={t}" for t in fakes), "-rfEs")
    failing = {"embed-shape", "embed-native-async", "embed-model-name"}
    for target in fakes:
        assert outcome.failing(target) == failing, outcome.text()
    assert outcome.of(fakes[0])["embed-agreement"] == "skipped"
    assert outcome.of(fakes[1])["embed-agreement"] == "passed"
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]embed-shape[]] embed_query(*) returned a list of float64 (numpy scalars), not of Python "
            "floats.*",
            "*the model gave other vectors for the same texts in two identical embed_documents calls*",
        ]
    )


def test_a_chat_model_and_an_embeddings_class_in_one_run(mc: Modelcheck) -> None:
    """A package's two classes: one run, one checklist, one report."""
    chat, embeddings = (
        "modelcheck.reference_models:EchoChatModel",
        "modelcheck.reference_models:EchoEmbeddings",
    )
    outcome = mc.run(
        f"--modelcheck={chat}", f"--modelcheck={embeddings}", "--modelcheck-markdown=c.md", report=True
    )

    kinds = {t["target"]: t["kind"] for t in outcome.report()["targets"]}
    assert kinds == {chat: "chat", embeddings: "embeddings"}
    assert set(outcome.of(embeddings)) == EMBEDDINGS
    assert "failed" not in outcome.of(chat).values() and set(outcome.of(embeddings).values()) == {"passed"}
    checklist = (mc.pytester.path / "c.md").read_text(encoding="utf-8")
    assert f"### `{chat}` (chat model)" in checklist and f"### `{embeddings}` (embeddings model)" in checklist


def test_check_judges_an_embeddings_model_in_process() -> None:
    from modelcheck import check
    from reference_models.broken_embeddings import EmbedBatchesReversed

    result = check(EmbedBatchesReversed(), only=["embed-order"])

    assert result.kind == "embeddings" and result.calls == 3  # embed_batch, embed_documents, embed_again
    assert list(result.failed) == ["embed-order"]
    assert (
        "index 2 ('sphinx of black quartz, judge my vow') holds the vector of index 3"
        in result.failed["embed-order"]
    )


def test_a_suite_and_a_fixture_target_check_an_embeddings_model(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from modelcheck.reference_models import EchoEmbeddings

        @pytest.fixture
        def embeddings_model():
            return EchoEmbeddings(model="echo-fixture-embed")
        """
    )
    pytester.makepyfile(
        test_suites="""
        import modelcheck
        from modelcheck.reference_models import EchoEmbeddings

        TestEcho = modelcheck.suite(EchoEmbeddings, params={"chunk_size": 3})
        """
    )
    pytester.makepyprojecttoml('[tool.modelcheck."fixture:embeddings_model"]\ntimeout = 20\n')

    result = pytester.runpytest(
        *CHECK_ARGS, "-p", "no:cacheprovider", "-v", "--modelcheck=fixture:embeddings_model", "test_suites.py"
    )

    passed = [line for line in result.outlines if line.endswith("PASSED") or " PASSED " in line]
    suite = [line for line in passed if "test_suites.py::TestEcho::test_check[" in line]
    fixture = [line for line in passed if "modelcheck::fixture:embeddings_model::test_check[" in line]
    assert len(suite) == len(EMBEDDINGS), result.stdout.str()
    # A fixture's kind is known once it has run: its target lists every check, the others skip.
    assert len(fixture) == len(EMBEDDINGS), result.stdout.str()
    assert result.ret == 0
