"""Stop tokens: the stop policy knob, models that cannot stop, nondeterministic models, and properties
of the pure rule (`checks.stop.respected`) and of the stop string chooser (`observe.probes.stop.pick`)."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import textwrap
from types import ModuleType
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.harness import only, section

import reference_models
from modelcheck.checks.stop import cuts, first_stop, respected
from modelcheck.core.records import StopProbe
from modelcheck.observe.probes.stop import pick
from reference_models._echo import apply_stop
from reference_models.sampling import SamplingChatModel, SamplingLLM

ECHO_CHAT = "reference_models:EchoChatModel"
EXCLUDES = "reference_models.broken_checklist:ChatExcludesStop"
STOP_CHECKS = section("Stop tokens")


def test_exclude_policy_passes_an_excluding_model_and_fails_the_echo(mc) -> None:
    mc.config(
        f"""
        [tool.modelcheck."{ECHO_CHAT}"]
        stop_policy = "exclude"

        [tool.modelcheck."{EXCLUDES}"]
        stop_policy = "exclude"
        """
    )
    outcome = mc.run(f"--modelcheck={ECHO_CHAT}", f"--modelcheck={EXCLUDES}", *only(*STOP_CHECKS))
    assert outcome.of(EXCLUDES) == dict.fromkeys(STOP_CHECKS, "passed")
    assert outcome.of(ECHO_CHAT) == {"stop-respected": "passed", "stop-included": "failed"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]stop-included[]] invoke with stop '*' gave '*', which keeps the stop string, but this "
            'target declares stop_policy = "exclude". Drop the stop string from the output, or set '
            'stop_policy = "include" (the guides\' rule). See modelcheck docs/stop.md#stop-included.'
        ]
    )


def test_any_policy_skips_stop_included(mc) -> None:
    mc.config('[tool.modelcheck]\nstop_policy = "any"\n')
    outcome = mc.run(f"--modelcheck={ECHO_CHAT}", f"--modelcheck={EXCLUDES}", *only(*STOP_CHECKS), "-rs")
    for target in (ECHO_CHAT, EXCLUDES):
        assert outcome.of(target) == {"stop-respected": "passed", "stop-included": "skipped"}
    outcome.result.stdout.fnmatch_lines(
        [
            f"SKIPPED [[]1[]] modelcheck::{target}::stop-included: stop_policy = 'any' for this target: "
            "whether the stop string is kept is not judged."
            for target in (ECHO_CHAT, EXCLUDES)
        ]
    )


CANNOT_STOP = '''
from reference_models import EchoLLM


class CannotStop(EchoLLM):
    """Raises NotImplementedError when given stop strings (https://example.com/api)."""

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        if stop:
            raise NotImplementedError("stop is not supported")
        return super()._call(prompt, None)

    async def _acall(self, prompt, stop=None, run_manager=None, **kwargs):
        return self._call(prompt, stop)

    def _stream(self, prompt, stop=None, run_manager=None, **kwargs):
        self._call(prompt, stop)
        yield from super()._stream(prompt, None, run_manager)

    async def _astream(self, prompt, stop=None, run_manager=None, **kwargs):
        self._call(prompt, stop)
        async for chunk in super()._astream(prompt, None, run_manager):
            yield chunk
'''


def test_a_model_raising_not_implemented_on_stop_fails_with_the_guides_rule(mc) -> None:
    mc.model(CANNOT_STOP)
    outcome = mc.run("--modelcheck=mymodel:CannotStop", "-rs")
    assert outcome.failing("mymodel:CannotStop") == {"stop-respected"}
    assert outcome.of("mymodel:CannotStop")["stop-included"] == "skipped"
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]stop-respected[]] invoke with stop=[[]'*'[]] raised NotImplementedError. The guide allows "
            "that only for models that cannot stop at all; if your model or its API can, apply the stop "
            "strings (cut the answer after the first one). See modelcheck docs/stop.md#stop-respected.",
            "SKIPPED * stop is not respected (see stop-respected), so inclusion cannot be judged.",
        ]
    )


WRONG_TYPE_ON_STOP = '''
from langchain_core.messages import HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from reference_models import EchoChatModel


class HumanOnStop(EchoChatModel):
    """Answers with a HumanMessage when given stop strings (https://example.com/api)."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        if stop:
            return ChatResult(generations=[ChatGeneration(message=HumanMessage(content="hi"))])
        return super()._generate(messages, stop, run_manager, **kwargs)
'''


def test_a_wrong_type_under_stop_is_named_as_such(mc) -> None:
    """Not "gave 'hi': it is not the answer cut at a stop string": the type is what is wrong."""
    mc.model(WRONG_TYPE_ON_STOP)
    outcome = mc.run("--modelcheck=mymodel:HumanOnStop", *only(*STOP_CHECKS))
    assert outcome.failing("mymodel:HumanOnStop") == {"stop-respected"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]stop-respected[]] invoke with stop=[[]'*'[]] returned a HumanMessage; it should be an "
            "AIMessage, with or without stop strings. Apply the stop strings to the text and build the "
            "result as without them. See modelcheck docs/stop.md#stop-respected."
        ]
    )


NONDETERMINISTIC = '''
import random

from reference_models import EchoChatModel
import reference_models
from reference_models._echo import apply_stop

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


class RandomChat(EchoChatModel):
    """Answers with random words, cut after the first stop string (https://example.com/api)."""

    def _answer(self, messages, stop):
        return apply_stop(" ".join(random.choice(WORDS) for _ in range(12)), stop)


class RandomTail(EchoChatModel):
    """Answers with the prompt and a random tail, cut after the first stop string (https://example.com/api)."""

    def _answer(self, messages, stop):
        return apply_stop(super()._answer(messages, None) + f" {random.getrandbits(32):08x}", stop)


class RandomTailIgnoresStop(RandomTail):
    """Answers with the prompt and a random tail, whatever `stop` says."""

    def _answer(self, messages, stop):
        return super()._answer(messages, None)
'''


def test_a_nondeterministic_model_gets_the_weaker_rule_and_no_false_failure(mc) -> None:
    mc.model(NONDETERMINISTIC)
    targets = ("mymodel:RandomChat", "mymodel:RandomTail", "mymodel:RandomTailIgnoresStop")
    outcome = mc.run(*(f"--modelcheck={t}" for t in targets), *only(*STOP_CHECKS), report=True)
    for target in targets[:2]:
        assert outcome.of(target)["stop-respected"] == "passed", outcome.text()
        assert outcome.of(target)["stop-included"] in ("passed", "skipped")
    assert outcome.failing("mymodel:RandomTailIgnoresStop") == {"stop-respected"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]stop-respected[]] invoke with stop=[[]'*'[]] gave '*': text follows the stop string. "
            "Cut the answer at the first occurrence of any stop string. The model is nondeterministic, "
            "so the weaker rule was applied: if a stop string occurs, the answer ends there. "
            "See modelcheck docs/stop.md#stop-respected."
        ]
    )
    report = {t["target"]: {c["id"]: c for c in t["checks"]} for t in outcome.report()["targets"]}
    assert "weaker rule" in report["mymodel:RandomTail"]["stop-respected"]["message"]
    assert "weaker rule" in report["mymodel:RandomTail"]["stop-included"]["message"]


def test_a_nondeterministic_model_never_fails_any_check(mc) -> None:
    mc.model(NONDETERMINISTIC)
    targets = ("mymodel:RandomChat", "mymodel:RandomTail")
    for _ in range(3):
        outcome = mc.run(*(f"--modelcheck={t}" for t in targets))
        for target in targets:
            assert not outcome.failing(target), outcome.text()


texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


def usable(text: str, stop: str, start: int) -> bool:
    return stop.strip() == stop and start > 0 and start + len(stop) < len(text) and text.find(stop) == start


@given(texts)
def test_pick_chooses_a_stop_string_first_seen_with_text_on_both_sides(text: str) -> None:
    probe, reason = pick(text)
    if probe is None:
        assert reason is not None and "too short to choose a stop string" in reason
        spots = [(s, n) for n in range(1, 5) for s in range(len(text) - n + 1)]
        assert not any(usable(text, text[s : s + n], s) for s, n in spots)
        return
    at = text.find(probe.stop)
    assert probe.base_text == text
    assert 1 <= len(probe.stop) <= 4
    assert usable(text, probe.stop, at)
    assert probe.absent_stop not in text
    if probe.later_stop is not None:
        assert text.find(probe.later_stop) > at + len(probe.stop) - 1


def stop_lists(probe: StopProbe) -> list[list[str]]:
    """The stop lists the probes give: the stop alone, after an absent one, after a later one."""
    lists = [[probe.stop], [probe.absent_stop, probe.stop]]
    return lists + ([[probe.later_stop, probe.stop]] if probe.later_stop else [])


@given(texts, st.text(min_size=1, max_size=10))
def test_respected_takes_the_prefix_up_to_the_stop_and_nothing_after(text: str, extra: str) -> None:
    probe, _ = pick(text)
    if probe is None:
        return
    cut = text.find(probe.stop)
    kept, dropped = text[: cut + len(probe.stop)], text[:cut]
    for stops in stop_lists(probe):
        assert cuts(text, stops) == (dropped, kept)
        for deterministic in (True, False):
            assert respected(kept, text, stops, deterministic)
            assert respected(dropped, text, stops, deterministic)
            assert not respected(text, text, stops, deterministic)
            assert not respected(kept + extra, text, stops, deterministic)
        assert respected(dropped + "!", text, stops, True) == (probe.stop == "!")


@given(st.text(max_size=30), st.text(min_size=1, max_size=5), st.text(min_size=1, max_size=10))
def test_weaker_rule_allows_any_answer_that_ends_at_the_stop(answer: str, stop: str, extra: str) -> None:
    def weak(text: str) -> bool:
        return respected(text, "unused", [stop], False)

    if stop not in answer:
        assert weak(answer)
        assert weak(answer + stop) == ((answer + stop).find(stop) == len(answer))
    else:
        at = answer.find(stop)
        assert weak(answer[: at + len(stop)])
        assert not weak(answer[: at + len(stop)] + extra + stop + "x")


@given(texts)
def test_the_echo_models_stop_rule_passes_the_judge(text: str) -> None:
    """What the reference echo models answer to each probe's stop list is respected and kept."""
    probe, _ = pick(text)
    if probe is None:
        return
    for stops in stop_lists(probe):
        answer = apply_stop(text, stops)
        assert respected(answer, text, stops, True)
        assert answer.endswith(probe.stop)
        assert first_stop(answer, stops) == (answer.find(probe.stop), probe.stop)


@pytest.mark.parametrize("policy", ["include", "exclude"])
def test_stop_policy_is_per_target(mc, policy: str) -> None:
    mc.config(
        textwrap.dedent(
            f"""
            [tool.modelcheck]
            stop_policy = "{policy}"

            [tool.modelcheck."{EXCLUDES}"]
            stop_policy = "exclude"
            """
        )
    )
    outcome = mc.run(f"--modelcheck={ECHO_CHAT}", f"--modelcheck={EXCLUDES}", "-k", "stop-included")
    assert outcome.of(EXCLUDES) == {"stop-included": "passed"}
    assert outcome.of(ECHO_CHAT) == {"stop-included": "passed" if policy == "include" else "failed"}


def _prompt_senders() -> list[ModuleType]:
    """Every probe family module that sends the probe prompt (it imports it as `PROMPT`)."""
    from modelcheck.core.probe_ids import PROMPT
    from modelcheck.observe import probes

    names = [f"{probes.__name__}.{m.name}" for m in pkgutil.iter_modules(probes.__path__)]
    found = [m for m in map(importlib.import_module, names) if getattr(m, "PROMPT", None) == PROMPT]
    assert {m.__name__.rsplit(".", 1)[1] for m in found} >= {"runnable", "stop", "streaming"}
    return found


@pytest.mark.parametrize("name", ["EchoLLM", "EchoChatModel"])
def test_the_echo_models_pass_the_stop_checks_for_any_prompt(name: str) -> None:
    """The whole observation (stop choice, the probes' stop lists, the judges) on random prompts."""
    from modelcheck.checks.catalog import by_id
    from modelcheck.core.settings import TargetSettings
    from modelcheck.observe.observation import observe
    from modelcheck.targets.loading import LoadedTarget, model_kind

    cls = getattr(reference_models, name)
    kind = model_kind(cls)
    assert kind is not None
    checks = [by_id("stop-respected"), by_id("stop-included")]
    needs = set().union(*(c.needs for c in checks))

    @settings(max_examples=25, deadline=None)
    @given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
    def judged(prompt: str) -> None:
        target = LoadedTarget(TargetSettings(f"reference_models:{name}"), kind, cls(), "class", cls)
        with contextlib.ExitStack() as patched:
            for module in _prompt_senders():
                patched.enter_context(mock.patch.object(module, "PROMPT", prompt))
            obs = observe(target, needs)
        verdicts = [c.judge(obs) for c in checks]
        if obs.stop_probe is None:
            assert {v.outcome for v in verdicts} == {"skipped"}
        else:
            assert [v.outcome for v in verdicts] == ["passed", "passed"], verdicts

    judged()


SAMPLED_STOP_CHECKS = ("stop-respected", "stop-included")


def observe_stop(model: object, kind: str, policy: str = "include") -> list[str]:
    """The stop checks' outcomes on one in-process observation of `model`."""
    from modelcheck.checks.catalog import by_id
    from modelcheck.core.settings import TargetSettings
    from modelcheck.observe.observation import observe
    from modelcheck.targets.loading import LoadedTarget

    checks = [by_id(c) for c in SAMPLED_STOP_CHECKS]
    settings = TargetSettings("sampled:Model", stop_policy=policy)
    obs = observe(
        LoadedTarget(settings, kind, model, "class", type(model)), set().union(*(c.needs for c in checks))
    )  # type: ignore[arg-type]
    return [c.judge(obs).outcome for c in checks]


class SamplingChatIgnoresStop(SamplingChatModel):
    """A sampling chat model whose API drops `stop`."""

    def _answer(self, messages, stop):  # type: ignore[no-untyped-def]
        return super()._answer(messages, None)


class SamplingLLMIgnoresStop(SamplingLLM):
    """A sampling text model whose API drops `stop`."""

    def _answer(self, prompt, stop):  # type: ignore[no-untyped-def]
        return super()._answer(prompt, None)


SEEDS = range(40)


@pytest.mark.parametrize(("cls", "kind"), [(SamplingChatModel, "chat"), (SamplingLLM, "llm")])
def test_a_sampling_model_passes_the_stop_checks_on_every_seed(cls: type, kind: str) -> None:
    """The stop strings come from what every answer held, so a new answer holds one and ends there."""
    outcomes = {seed: observe_stop(cls(seed=seed), kind) for seed in SEEDS}
    assert {seed: o for seed, o in outcomes.items() if o != ["passed", "passed"]} == {}


@pytest.mark.parametrize(
    ("cls", "kind"), [(SamplingChatIgnoresStop, "chat"), (SamplingLLMIgnoresStop, "llm")]
)
def test_a_sampling_model_that_ignores_stop_is_caught_on_every_seed(cls: type, kind: str) -> None:
    """Stop strings picked from an earlier answer let a random answer pass half the time; those every
    answer held catch it on every seed."""
    outcomes = {seed: observe_stop(cls(seed=seed), kind) for seed in SEEDS}
    assert {seed: o for seed, o in outcomes.items() if o != ["failed", "skipped"]} == {}


def test_a_deterministic_model_keeps_its_one_stop_string_from_the_middle() -> None:
    """The sampling rule is for nondeterministic models only: the echo's stop probe is unchanged."""
    from modelcheck.core.settings import TargetSettings
    from modelcheck.observe.observation import observe
    from modelcheck.targets.loading import LoadedTarget

    model = reference_models.EchoChatModel()
    target = LoadedTarget(TargetSettings("echo:Chat"), "chat", model, "class", type(model))
    obs = observe(target, {"invoke", "ainvoke", "batch", "abatch", "stream", "astream", "stop_invoke"})
    assert obs.stop_probe == pick("modelcheck probe: the quick brown fox jumps over the lazy dog")[0]
    assert obs.stop_probe is not None and obs.stop_probe.common == ()
    assert obs.calls["stop_invoke"].extra["stops"] == [obs.stop_probe.stop]
