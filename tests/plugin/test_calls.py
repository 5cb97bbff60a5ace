"""The call budget: the whole catalog costs a model few calls, and `calls` reports them honestly.

Model authors point modelcheck at paid APIs, so this is a count, not a timing (timings live in
benchmarks/). The counting models below note each time the model's own code is entered, which is
what a provider bills, and a conftest writes the notes to a file when each pytest process (xdist
workers included) ends; the JSON report's `calls` must say the same number. The notes stay in
memory while the model runs: a file write in `_acall` is sync I/O in async code, which native-async
rightly fails on a busy machine.

The budgets. The reference chat model has every capability the catalog checks (usage metadata,
serialization, tool calling with tool_choice and parallel calls, structured output by every
method, image, PDF and audio input): its whole catalog may cost at most half the
model calls langchain-tests 1.1.9's two standard suites (ChatModelUnitTests +
ChatModelIntegrationTests) make on the same model with the same capabilities switched on in their
classes. That is 74: `benchmarks/compare.py --calls-only` counts the calls of each of their tests
on the reference, 66 in all, where 8 tests stop at their first failed assertion (test_tool_calling
twice and test_tool_calling_async: the echo fills `magic_function(3)`'s integer with the prompt's
word count, not 3; test_agent_loop twice: the echo calls no tool the prompt does not name;
test_json_mode: its prompt holds no JSON for the echo's JSON mode to answer; and test_serdes and
test_with_structured_output, which make no call), and those tests' source says they make 8 more
calls on a model that passes them (19 for invoke, streams, batches, conversations, usage and stop;
21 for tool calling; 24 for structured output and JSON mode; 10 for media). A test that stops early
saves a model author nothing once the model passes it, so half of 74 is 37; the catalog makes 33
(the call forced by tool_choice 'any' is the stream of the tool without arguments, one message
holds the image, the PDF and the audio, and the model's event stream is read inside the prompt |
model chain), and BUDGET holds it there. The text model has none of those
capabilities; its budget stays 20 (langchain-tests has no suite for text models).
The reference embeddings model's whole catalog, the batch split by its own batch size included,
stays within 12 calls (it makes 11).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.harness import Modelcheck, outcomes, undeclared

from modelcheck.checks.catalog import checks_for

BUDGET = 33  # the reference chat model with every capability: under half of langchain-tests' 74 calls
TEXT_BUDGET = 20
EMBEDDINGS_BUDGET = 12
BUDGETS = {"llm": TEXT_BUDGET, "chat": BUDGET, "embeddings": EMBEDDINGS_BUDGET}
REFERENCE = {
    "modelcheck.reference_models:EchoLLM": "llm",
    "modelcheck.reference_models:EchoChatModel": "chat",
    "modelcheck.reference_models:EchoEmbeddings": "embeddings",
}

COUNTING = '''
from reference_models import EchoChatModel, EchoEmbeddings, EchoLLM

CALLS = []


def count(kind):
    CALLS.append(kind)


class CountingLLM(EchoLLM):
    """The reference text model, counting every model call (https://example.com/api)."""

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        count("llm")
        return super()._call(prompt, stop, run_manager, **kwargs)

    async def _acall(self, prompt, stop=None, run_manager=None, **kwargs):
        count("llm")
        return await super()._acall(prompt, stop, run_manager, **kwargs)

    def _stream(self, prompt, stop=None, run_manager=None, **kwargs):
        count("llm")
        yield from super()._stream(prompt, stop, run_manager, **kwargs)

    async def _astream(self, prompt, stop=None, run_manager=None, **kwargs):
        count("llm")
        async for chunk in super()._astream(prompt, stop, run_manager, **kwargs):
            yield chunk


class CountingChat(EchoChatModel):
    """The reference chat model, counting every model call (https://example.com/api)."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        count("chat")
        return super()._generate(messages, stop, run_manager, **kwargs)

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        count("chat")
        return await super()._agenerate(messages, stop, run_manager, **kwargs)

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        count("chat")
        yield from super()._stream(messages, stop, run_manager, **kwargs)

    async def _astream(self, messages, stop=None, run_manager=None, **kwargs):
        count("chat")
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            yield chunk


class CountingEmbeddings(EchoEmbeddings):
    """The reference embeddings model, counting every call (https://example.com/api)."""

    def embed_documents(self, texts):
        count("embeddings")
        return super().embed_documents(texts)

    async def aembed_documents(self, texts):
        count("embeddings")
        return await super().aembed_documents(texts)
'''
COUNTED = {
    "mymodel:CountingLLM": "llm",
    "mymodel:CountingChat": "chat",
    "mymodel:CountingEmbeddings": "embeddings",
}
WRITE_COUNTS = """
import os
import sys


def pytest_sessionfinish(session):
    model = sys.modules.get("mymodel")
    if model is not None and model.CALLS:
        with open(os.environ["MODELCHECK_COUNT_FILE"], "a", encoding="utf-8") as handle:
            handle.write("".join(f"{kind}\\t{os.getpid()}\\n" for kind in model.CALLS))
"""


def counting_project(mc: Modelcheck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The counting models and the conftest that writes their notes; the file the notes go to."""
    counts = tmp_path / "counts.txt"
    monkeypatch.setenv("MODELCHECK_COUNT_FILE", str(counts))
    mc.model(COUNTING)
    mc.pytester.makeconftest(WRITE_COUNTS)
    return counts


def seen_calls(counts: Path) -> list[tuple[str, str]]:
    """(model kind, process id) for each call the counting models noted."""
    if not counts.exists():
        return []
    lines = counts.read_text(encoding="utf-8").splitlines()
    return [(kind, pid) for kind, _, pid in (line.partition("\t") for line in lines)]


def reported_calls(outcome: object) -> dict[str, int]:
    return {t["target"]: t["calls"] for t in outcome.report()["targets"]}  # type: ignore[attr-defined]


def test_reference_models_run_the_whole_catalog_within_the_budget(mc: Modelcheck) -> None:
    outcome = mc.run("--modelcheck", report=True)

    calls = reported_calls(outcome)
    assert set(calls) == set(REFERENCE)
    for target, kind in REFERENCE.items():
        # Every check ran and passed: the budget is not met by skipping checks.
        expected = {c.id: "passed" for c in checks_for(kind)}  # type: ignore[arg-type]
        declared = {k: v for k, v in undeclared(kind).items() if k in expected}
        assert outcome.of(target) == {**expected, **declared}
        assert 0 < calls[target] <= BUDGETS[kind], f"{target}: {calls[target]} model calls"
        skipped = ", 1 skipped" if "skipped" in declared.values() else ""
        outcome.result.stdout.fnmatch_lines([f"*{target} *: * passed{skipped}; {calls[target]} model calls"])


def test_the_reference_embeddings_model_runs_its_catalog_within_the_budget(mc: Modelcheck) -> None:
    target = "modelcheck.reference_models:EchoEmbeddings"
    outcome = mc.run(f"--modelcheck={target}", report=True)

    calls = reported_calls(outcome)[target]
    assert outcome.of(target) == {c.id: "passed" for c in checks_for("embeddings")}
    assert 0 < calls <= EMBEDDINGS_BUDGET, f"{target}: {calls} model calls"


@pytest.mark.parametrize(
    "xdist",
    # Under xdist each worker observes the targets whose checks it runs. modelcheck hands all checks
    # of a target to one worker under `-n`'s default `--dist load`, as `--dist loadscope` does.
    [(), ("-n", "2"), ("-n", "2", "--dist", "loadscope")],
    ids=["serial", "xdist", "xdist-loadscope"],
)
def test_reported_calls_are_the_calls_the_model_saw(
    mc: Modelcheck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdist: tuple[str, ...]
) -> None:
    counts = counting_project(mc, tmp_path, monkeypatch)

    outcome = mc.run(*(f"--modelcheck={t}" for t in COUNTED), *xdist, report=True)

    seen = [kind for kind, _ in seen_calls(counts)]
    calls = reported_calls(outcome)
    verdicts = {
        t["target"]: {c["id"]: c["outcome"] for c in t["checks"]} for t in outcome.report()["targets"]
    }
    for target, kind in COUNTED.items():
        assert outcomes(verdicts[target]) == {"passed"}, outcome.text()
        assert calls[target] == seen.count(kind) <= BUDGETS[kind], (target, calls[target], seen.count(kind))


def test_checks_handed_out_one_by_one_report_every_workers_calls(
    mc: Modelcheck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the grouping off, both workers observe the target; the report adds up their calls."""
    counts = counting_project(mc, tmp_path, monkeypatch)

    outcome = mc.run(
        "--modelcheck=mymodel:CountingChat", "-n", "2", "-p", "no:modelcheck-xdist", "-v", report=True
    )

    workers = {line.split()[0] for line in outcome.result.outlines if line.startswith("[gw")}
    seen = seen_calls(counts)
    per_process = [[k for k, p in seen if p == pid] for pid in {p for _, p in seen}]
    assert workers == {"[gw0]", "[gw1]"}, workers
    # Each worker observed the target in full (the same calls), and the report adds both up.
    assert len(per_process) == 2 and per_process[0] and len(per_process[0]) == len(per_process[1])
    assert reported_calls(outcome)["mymodel:CountingChat"] == len(seen), outcome.text()


def test_a_run_with_the_projects_own_tests_keeps_each_target_on_one_worker(
    mc: Modelcheck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = counting_project(mc, tmp_path, monkeypatch)
    mc.pytester.makepyfile(test_own="\n".join(f"def test_{i}():\n    pass\n" for i in range(6)))

    outcome = mc.run("--modelcheck=mymodel:CountingChat", "test_own.py", "-n", "2", report=True)

    outcome.result.assert_outcomes(passed=6 + len(checks_for("chat")))  # its profile claims its media
    seen = seen_calls(counts)
    assert reported_calls(outcome)["mymodel:CountingChat"] == len(seen) <= BUDGET


def test_a_subset_of_checks_makes_fewer_calls(
    mc: Modelcheck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Observe once, for the selected checks only: `-k invoke` does not pay for streams and events."""
    counts = counting_project(mc, tmp_path, monkeypatch)

    outcome = mc.run(
        "--modelcheck=mymodel:CountingChat", "-k", "secret-fields or identifying-params", report=True
    )

    assert outcome.of("mymodel:CountingChat") == {"secret-fields": "passed", "identifying-params": "passed"}
    seen = seen_calls(counts)
    assert reported_calls(outcome)["mymodel:CountingChat"] == len(seen) == 0
