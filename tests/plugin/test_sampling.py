"""Models that sample: every check holds on a model that never answers the same twice, run after
run, and the checks whose rule changes under nondeterminism say so. A deterministic model declared
nondeterministic (`nondeterministic = true`) is judged as one."""

from __future__ import annotations

import json
from typing import Any

SAMPLING = {
    "reference_models.sampling:SamplingChatModel": "reference_models:EchoChatModel",
    "reference_models.sampling:SamplingLLM": "reference_models:EchoLLM",
}
# The checks whose rule changes under nondeterminism, and what their message says of it.
SAYS = {
    "invoke": "so it was taken as nondeterministic and only the shapes were checked",
    "stream": "so it was taken as nondeterministic and only the shapes were checked",
    "stop-respected": "The model is nondeterministic, so the weaker rule was applied",
    "stop-included": "The model is nondeterministic, so the weaker rule was applied",
    "event-stream": "The model was taken as nondeterministic",
}
CHAT_SAYS = {
    "tool-calls": "streamed and returned calls compared for validity only (the model is not deterministic)"
}


def messages(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {t["target"]: {c["id"]: c["message"] for c in t["checks"]} for t in report["targets"]}


def test_the_sampling_models_get_the_echo_models_verdicts_run_after_run(mc) -> None:
    """Two runs: the first writes the event snapshots, the second matches them (no "updated")."""
    targets = [f"--modelcheck={t}" for pair in SAMPLING.items() for t in pair]
    for run in range(2):
        outcome = mc.run(*targets, report=True)
        said = messages(outcome.report())
        for sampling, echo in SAMPLING.items():
            assert outcome.of(sampling) == outcome.of(echo), outcome.text()
            expected = {**SAYS, **(CHAT_SAYS if "Chat" in sampling else {})}
            for check, phrase in expected.items():
                assert phrase in said[sampling][check], (check, said[sampling][check])
            if run == 1:
                assert said[sampling]["event-snapshot"] == ""  # matched the first run's snapshot


def test_a_sampling_models_snapshot_keeps_the_shape_and_says_so(mc) -> None:
    target = "reference_models.sampling:SamplingChatModel"
    mc.run(f"--modelcheck={target}", "-k", "event-snapshot")
    path = (
        mc.pytester.path / "__snapshots__" / "modelcheck" / "reference_models.sampling.SamplingChatModel.json"
    )
    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(document) == ["modelcheck_snapshot", "target", "nondeterministic", "chain"]
    assert "only what is stable is kept" in document["nondeterministic"]
    model = [e for e in document["chain"] if e["event"].startswith("on_chat_model")]
    assert [e["event"] for e in model] == [
        "on_chat_model_start",
        "on_chat_model_stream",
        "on_chat_model_stream",
        "on_chat_model_end",
    ]
    assert model[-1]["data"]["output"]["content"] == "<text>"


def test_a_model_declared_nondeterministic_is_judged_as_one(mc) -> None:
    """The echo answers the same on every path; declared nondeterministic, it gets the weaker rules,
    the sampling stop strings and the stable snapshot, and the messages say it was declared."""
    target = "reference_models:EchoChatModel"
    mc.config(f'[tool.modelcheck."{target}"]\nnondeterministic = true\n')
    outcome = mc.run(f"--modelcheck={target}", report=True)
    assert set(outcome.of(target).values()) == {"passed"}, outcome.text()
    said = messages(outcome.report())[target]
    assert (
        said["invoke"] == "The target declares the model nondeterministic, so only the shapes were checked."
    )
    assert "weaker rule" in said["stop-respected"]
    path = mc.pytester.path / "__snapshots__" / "modelcheck" / "reference_models.EchoChatModel.json"
    assert "nondeterministic" in json.loads(path.read_text(encoding="utf-8"))
