"""Stop tokens: nothing after the first stop string, and the stop string kept (or not, by policy).

The stop strings come from the model's own answer (see observe/stopchoice.py), so any model can be
probed. A deterministic model must give the exact prefix; a nondeterministic one the weaker rule:
if the stop string occurs, the answer ends there.
"""

from __future__ import annotations

from modelcheck.checks.common import show
from modelcheck.consensus import consensus
from modelcheck.records import Call, Observation, StopProbe
from modelcheck.verdict import Verdict, failed, passed, skipped

PATHS = {
    "stop_invoke": "invoke",
    "stop_ainvoke": "ainvoke",
    "stop_stream": "stream",
    "stop_astream": "astream",
    "stop_two": "invoke with two stop strings",
}
NONDET = (
    "The model is nondeterministic, so the weaker rule was applied: "
    "if the stop string occurs, the answer ends there."
)


def _text(call: Call) -> str:
    if call.probe in ("stop_stream", "stop_astream"):
        return call.streamed_text
    return (call.output.text or "") if call.output else ""


def _setup(obs: Observation) -> tuple[StopProbe, bool] | Verdict:
    invoke = obs.calls.get("invoke")
    if obs.stop_probe is None:
        if invoke is not None and not invoke.ok and invoke.failure is not None:
            return failed(f"no stop string could be chosen: invoke raised {invoke.failure.describe()}.")
        return skipped(f"no stop string could be chosen: {obs.stop_probe_error}.")
    return obs.stop_probe, consensus(obs).deterministic


def _raised(call: Call, path: str, stop: str) -> Verdict | None:
    if call.failure is None:
        return None
    if call.failure.type_name == "NotImplementedError":
        return failed(
            f"{path} with stop=[{stop!r}] raised NotImplementedError. The guide allows that only for "
            "models that cannot stop at all; if your model or its API can, apply the stop strings "
            "(cut the answer after the first one)."
        )
    return failed(f"{path} with stop=[{stop!r}] failed: {call.failure.describe()}.")


def respected(text: str, probe: StopProbe, deterministic: bool) -> bool:
    """Nothing follows the first occurrence of the stop string."""
    if deterministic:
        cut = probe.base_text.find(probe.stop)
        return text in (probe.base_text[:cut], probe.base_text[: cut + len(probe.stop)])
    at = text.find(probe.stop)
    return at == -1 or at + len(probe.stop) == len(text)


def judge_respected(obs: Observation) -> Verdict:
    setup = _setup(obs)
    if isinstance(setup, Verdict):
        return setup
    probe, det = setup
    for name, path in PATHS.items():
        call = obs.calls.get(name)
        if call is None:
            continue
        verdict = _raised(call, path, probe.stop)
        if verdict:
            return verdict
        if not respected(_text(call), probe, det):
            return failed(_ignored(path, _text(call), probe, det))
    return _judge_absent(obs, probe, det) or passed("" if det else NONDET)


def _ignored(path: str, text: str, probe: StopProbe, det: bool) -> str:
    cut = probe.base_text.find(probe.stop) + len(probe.stop)
    want = f"; expected {show(probe.base_text[:cut])}" if det else ""
    rule = "the earliest stop string in the answer wins; " if "two" in path else ""
    return (
        f"{path} with stop {probe.stop!r} gave {show(text)}: text follows the stop string{want}. "
        f"{rule}Cut the answer after the first occurrence of any stop string. {'' if det else NONDET}"
    ).strip()


def _judge_absent(obs: Observation, probe: StopProbe, det: bool) -> Verdict | None:
    call = obs.calls.get("stop_absent")
    if call is None:
        return None
    verdict = _raised(call, "invoke", probe.absent_stop)
    if verdict:
        return verdict
    if det and _text(call) != probe.base_text:
        return failed(
            f"invoke with a stop string that does not occur in the answer gave {show(_text(call))} "
            f"instead of the full answer {show(probe.base_text)}. A stop string that never occurs must "
            "leave the answer unchanged."
        )
    return None


def judge_included(obs: Observation) -> Verdict:
    policy = str(obs.settings.get("stop_policy", "include"))
    if policy == "any":
        return skipped("stop_policy = 'any' for this target: whether the stop string is kept is not judged.")
    setup = _setup(obs)
    if isinstance(setup, Verdict):
        return (
            setup if setup.outcome == "skipped" else skipped("stop could not be probed (see stop-respected).")
        )
    probe, det = setup
    judged = 0
    for name, path in PATHS.items():
        call = obs.calls.get(name)
        if call is None:
            continue
        text = _text(call)
        if not call.ok or not respected(text, probe, det):
            return skipped("stop is not respected (see stop-respected), so inclusion cannot be judged.")
        if not det and probe.stop not in text and policy == "include":
            continue
        judged += 1
        keeps = text.endswith(probe.stop)
        if keeps != (policy == "include"):
            return failed(_policy_message(path, text, probe, policy))
    if not judged:
        return skipped("the stop string never occurred in the nondeterministic model's answers.")
    return passed("" if det else NONDET)


def _policy_message(path: str, text: str, probe: StopProbe, policy: str) -> str:
    if policy == "include":
        return (
            f"{path} with stop {probe.stop!r} gave {show(text)}, which ends before the stop string. The "
            "guides' rule is to include the stop string in the output. Many provider APIs exclude it: "
            'if yours does, declare it with stop_policy = "exclude" in this target\'s '
            "[tool.modelcheck] table."
        )
    return (
        f"{path} with stop {probe.stop!r} gave {show(text)}, which keeps the stop string, but this target "
        'declares stop_policy = "exclude". Drop the stop string from the output, or set stop_policy = '
        '"include" (the guides\' rule).'
    )
