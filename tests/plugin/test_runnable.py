"""The Runnable checks on the reference models, their broken variants, and models that hang or raise."""

from __future__ import annotations

import pytest
from support.harness import MEDIA, Modelcheck, one_failure, undeclared

from modelcheck.checks.catalog import checks_for
from reference_models.broken_runnable import BROKEN

RUNNABLE = ("invoke", "ainvoke", "batch", "abatch", "stream", "astream")
REFERENCE = {
    "modelcheck.reference_models:EchoLLM": "llm",
    "modelcheck.reference_models:EchoChatModel": "chat",
}


def all_ids(kind: str) -> set[str]:
    return {c.id for c in checks_for(kind)}  # type: ignore[arg-type]


def test_reference_models_pass_every_check(mc: Modelcheck) -> None:
    outcome = mc.run("--modelcheck")

    assert outcome.result.ret == pytest.ExitCode.OK
    for target, kind in REFERENCE.items():
        assert outcome.of(target) == dict.fromkeys(all_ids(kind), "passed") | undeclared(kind)


@pytest.mark.parametrize("target", list(REFERENCE))
def test_reference_model_given_by_name_passes(mc: Modelcheck, target: str) -> None:
    outcome = mc.run(f"--modelcheck={target}")

    assert {t for t, _ in outcome.verdicts} == {target}
    kind = REFERENCE[target]
    assert outcome.of(target) == dict.fromkeys(all_ids(kind), "passed") | undeclared(kind)


MESSAGES = {
    "invoke": [
        "[[]invoke[]] invoke([[]HumanMessage('<probe prompt>')[]]) raised in invoke (broken_runnable.py:*): "
        "TypeError: this model only takes a string prompt. Fix the model so that it answers without "
        "raising. See modelcheck docs/runnable.md#invoke."
    ],
    "ainvoke": [
        "[[]ainvoke[]] ainvoke returned a {wrong}; it should return a* {right}. Build the result as the "
        "guide does (*). See modelcheck docs/runnable.md#ainvoke."
    ],
    "batch": [
        "[[]batch[]] batch returned its results out of order: item 0 is the answer to prompt 2. "
        "Return one result per input, in input order. See modelcheck docs/runnable.md#batch."
    ],
    "abatch": [
        "[[]abatch[]] abatch of 2 prompts returned 1 result*; it must return one result per input, "
        "in input order. See modelcheck docs/runnable.md#abatch."
    ],
    "stream": [
        "[[]stream[]] stream chunk 0 returned a {wrong}; it should return a* {right}. "
        "Build the result as the guide does (*). See modelcheck docs/runnable.md#stream."
    ],
    "astream": [
        "[[]astream[]] astream chunk 0 returned a {wrong}; it should return a* {right}. "
        "Build the result as the guide does (*). See modelcheck docs/runnable.md#astream."
    ],
}
TYPES = {
    ("ainvoke", "llm"): ("Generation", "str"),
    ("ainvoke", "chat"): ("HumanMessage", "AIMessage"),
    ("stream", "llm"): ("GenerationChunk", "str"),
    ("stream", "chat"): ("ChatMessageChunk", "AIMessageChunk"),
    ("astream", "llm"): ("GenerationChunk", "str"),
    ("astream", "chat"): ("ChatMessageChunk", "AIMessageChunk"),
}
VARIANTS = [
    pytest.param(check, kind, name, id=f"{check}-{kind}")
    for check, names in BROKEN.items()
    for kind, name in zip(("llm", "chat"), names, strict=True)
]


@pytest.mark.parametrize(("check", "kind", "name"), VARIANTS)
def test_broken_variant_fails_only_its_check(mc: Modelcheck, check: str, kind: str, name: str) -> None:
    target = f"reference_models.broken_runnable:{name}"

    outcome = mc.run(f"--modelcheck={target}", report=True)

    assert set(outcome.of(target)) == all_ids(kind)
    skipped = one_failure(outcome, target, check)
    if check == "invoke" and kind == "chat":  # a conversation is an invoke too: invoke's failure
        assert {"message-history", *MEDIA} <= set(skipped)
    wrong, right = TYPES.get((check, kind), ("", ""))
    lines = [line.format(wrong=wrong, right=right) for line in MESSAGES[check]]
    outcome.result.stdout.fnmatch_lines([f"*modelcheck {target} {check}*", *lines], consecutive=True)


def test_broken_variants_cover_every_runnable_check() -> None:
    assert set(BROKEN) == set(RUNNABLE)


HANGS = '''
import asyncio
import threading

from reference_models import EchoLLM


class Slow(EchoLLM):
    """Never answers `invoke`, and stalls `astream` after two chunks (https://example.com/api)."""

    def invoke(self, input, config=None, *, stop=None, **kwargs):
        if stop is None:
            threading.Event().wait(3)
        return super().invoke(input, config, stop=stop, **kwargs)

    async def astream(self, input, config=None, *, stop=None, **kwargs):
        count = 0
        async for chunk in super().astream(input, config, stop=stop, **kwargs):
            yield chunk
            count += 1
            if count == 2 and stop is None:
                await asyncio.sleep(3600)
'''


def test_hanging_model_times_out_and_the_run_goes_on(mc: Modelcheck) -> None:
    mc.model(HANGS)
    mc.config("[tool.modelcheck]\ntimeout = 1\n")

    outcome = mc.run("--modelcheck=mymodel:Slow", report=True)

    verdicts = outcome.of("mymodel:Slow")
    assert {c: verdicts[c] for c in RUNNABLE} == dict.fromkeys(RUNNABLE, "passed") | {
        "invoke": "failed",
        "astream": "failed",
    }
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]invoke[]] invoke('<probe prompt>') timed out after 1 s. Make sure the model answers, "
            "or raise the per-call `timeout` for this target. See modelcheck docs/runnable.md#invoke.",
            "[[]astream[]] astream('<probe prompt>') timed out after 1 s. "
            "*See modelcheck docs/runnable.md#astream.",
        ]
    )
    failures = [c for c in outcome.report()["targets"][0]["checks"] if c["outcome"] == "failed"]
    assert all("timed out after 1 s" in c["message"] for c in failures), failures


RAISES = '''
from reference_models import EchoChatModel


class Flaky(EchoChatModel):
    """Fails every `invoke` without a stop list (https://example.com/api)."""

    def invoke(self, input, config=None, *, stop=None, **kwargs):
        if stop is None:
            raise ConnectionError("backend said 503\\nretry later")
        return super().invoke(input, config, stop=stop, **kwargs)

    def batch(self, inputs, config=None, **kwargs):
        return [super(Flaky, self).invoke(i, stop=[]) for i in inputs]
'''


def test_model_that_raises_fails_its_check_and_the_others_run(mc: Modelcheck) -> None:
    mc.model(RAISES)

    outcome = mc.run("--modelcheck=mymodel:Flaky", report=True)

    assert set(outcome.of("mymodel:Flaky")) == all_ids("chat")
    skipped = one_failure(outcome, "mymodel:Flaky", "invoke")  # the rest that call invoke skip
    assert {"message-history", *MEDIA} <= set(skipped)  # a conversation is an invoke too
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]invoke[]] invoke('<probe prompt>') raised in invoke (mymodel.py:*): ConnectionError: "
            "backend said 503 retry later. Fix the model so that it answers without raising. "
            "See modelcheck docs/runnable.md#invoke."
        ]
    )
