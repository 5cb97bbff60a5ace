"""Stop tokens: nothing after the first stop string, and the stop string kept (or not, by policy).

The stop strings come from the model's own answer (see observe/probes/stop.py), so any model can
be probed. Each path gets a stop list (`stops_for` there): one stop string, or it with
one that never occurs, or with a later one, so one call per path shows that the first occurrence
of the earliest stop string ends the answer and that an absent one is ignored. A deterministic
model must give the exact prefix; a nondeterministic one the weaker rule: if a stop string occurs,
the answer ends there.

A stop probe that fails as the same path without stop strings also fails is left to that path's
own check (a drive of `_stream` that raises without stop strings too, to stream-callbacks), so a
defect is reported once, under the check it belongs to.
"""

from __future__ import annotations

from modelcheck.checks.common import expected_type, outcome, show
from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import consensus
from modelcheck.core.probe_ids import REDRIVES, STOP_AGAIN
from modelcheck.core.records import Call, Observation, Output, StopProbe
from modelcheck.core.stops import cut_before, told
from modelcheck.core.verdict import Verdict, failed, passed, skipped
from modelcheck.core.wording import article

PATHS = {
    ids.STOP_INVOKE: "invoke",
    ids.STOP_AINVOKE: "ainvoke",
    ids.STOP_STREAM: "stream",
    ids.STOP_ASTREAM: "astream",
    ids.DRIVE_STREAM: "_stream (as core's v3 stream_events drives it)",
    ids.DRIVE_ASTREAM: "_astream (as core's v3 astream_events drives it)",
    **dict.fromkeys(STOP_AGAIN, "invoke (asked again)"),
}
# The call each stop path is compared with: the same path without stop strings.
WITHOUT_STOP = {
    **dict.fromkeys(STOP_AGAIN, ids.INVOKE),
    ids.STOP_INVOKE: ids.INVOKE,
    ids.STOP_AINVOKE: ids.AINVOKE,
    ids.STOP_STREAM: ids.STREAM,
    ids.STOP_ASTREAM: ids.ASTREAM,
    ids.DRIVE_STREAM: ids.STREAM,
    ids.DRIVE_ASTREAM: ids.ASTREAM,
}
NONDET = (
    "The model is nondeterministic, so the weaker rule was applied: "
    "if a stop string occurs, the answer ends there."
)


def _text(call: Call) -> str:
    if call.chunks or call.probe in (ids.STOP_STREAM, ids.STOP_ASTREAM, *ids.DRIVES):
        return call.streamed_text
    return (call.output.text or "") if call.output else ""


def _stop_calls(obs: Observation, probe: StopProbe) -> list[tuple[str, Call, list[str]]]:
    """Every path probed with stop; one that never started (a blocked loop) is judged as failed."""
    found = []
    for name, path in PATHS.items():
        call = obs.calls.get(name)
        if call is not None:
            found.append((path, call, list(call.extra.get("stops") or [probe.stop])))
    return found


def _judged(obs: Observation, probe: StopProbe) -> tuple[list[tuple[str, Call, list[str]]], list[str]]:
    """The stop probes to judge here, and the paths whose failure another check reports."""
    judged, left = [], []
    for path, call, stops in _stop_calls(obs, probe):
        owner = _owner(obs, call)
        if owner is None:
            judged.append((path, call, stops))
        else:
            left.append(f"{path} (it fails without stop strings too; see {owner})")
    return judged, left


def _owner(obs: Observation, call: Call) -> str | None:
    """The check that reports a failed stop probe's failure, when stop strings are not its cause: the
    same path without stop strings fails too. So does a value of a wrong type that carries no text
    (a number): there is no text to judge, and the path's own check names the type. So does an empty
    answer on a path that fails without stop strings (a `_astream` that yields nothing makes core's
    astream() raise): there is no text to judge either."""
    public = WITHOUT_STOP[call.probe]
    without = obs.calls.get(public)
    public_fails = without is not None and without.failure is not None
    if call.failure is None:
        if public_fails and not call.chunks and not _text(call):
            return public
        wrong = _first_wrong(call)
        bad = without is not None and (public_fails or _first_wrong(without) is not None)
        return public if bad and wrong is not None and wrong.text is None else None
    again = obs.calls.get(REDRIVES.get(call.probe, ""))
    if again is not None:
        return None if again.ok else (public if public_fails else "stream-callbacks")
    return public if public_fails else None


def _without_stop_works(obs: Observation, call: Call) -> bool:
    again = obs.calls.get(REDRIVES.get(call.probe, ""))
    without = again if again is not None else obs.calls.get(WITHOUT_STOP[call.probe])
    return without is not None and without.ok


def _left_out(left: list[str]) -> str:
    return f"Not judged here: {'; '.join(left)}." if left else ""


def first_stop(text: str, stops: list[str]) -> tuple[int, str] | None:
    """Where the stop string that starts first starts in `text`, and which one it is."""
    hits = [(text.find(s), s) for s in stops if s and s in text]
    return min(hits, key=lambda h: (h[0], -len(h[1]))) if hits else None


def first_end(text: str, stops: list[str]) -> tuple[int, str] | None:
    """Where the stop string that is complete first starts (a generating model stops there)."""
    hits = [(text.find(s), s) for s in stops if s and s in text]
    return min(hits, key=lambda h: (h[0] + len(h[1]), h[0])) if hits else None


def cuts(base: str, stops: list[str]) -> tuple[str, str]:
    """The answer cut before and after the earliest stop string (both equal `base` if none occurs)."""
    hit = first_stop(base, stops)
    if hit is None:
        return base, base
    at, stop = hit
    return base[:at], base[: at + len(stop)]


def _all_cuts(base: str, stops: list[str]) -> set[str]:
    """Both readings of "the first occurrence" when stop strings overlap: starts first, ends first."""
    out = set(cuts(base, stops))
    hit = first_end(base, stops)
    if hit is not None:
        out |= {base[: hit[0]], base[: hit[0] + len(hit[1])]}
    return out


def respected(text: str, base: str, stops: list[str], deterministic: bool) -> bool:
    """Nothing follows the first occurrence of a stop string (under either reading of "first")."""
    if deterministic:
        return text in _all_cuts(base, stops)
    hits = [h for h in (first_stop(text, stops), first_end(text, stops)) if h is not None]
    return not hits or any(at + len(stop) == len(text) for at, stop in hits)


def _setup(obs: Observation) -> tuple[StopProbe, bool] | Verdict:
    invoke = obs.calls.get(ids.INVOKE)
    if obs.stop_probe is None:
        if invoke is not None and invoke.failure is not None:
            return failed(f"no stop string could be chosen: invoke {outcome(invoke.failure)}")
        return skipped(f"no stop string could be chosen: {obs.stop_probe_error}.")
    return obs.stop_probe, consensus(obs).deterministic


def _raised(call: Call, path: str, stops: list[str], works_without: bool) -> Verdict | None:
    if call.failure is None:
        return None
    if call.failure.type_name == "NotImplementedError":
        return failed(
            f"{path} with stop={stops!r} raised NotImplementedError. The guide allows that only for "
            "models that cannot stop at all; if your model or its API can, apply the stop strings "
            "(cut the answer after the first one)."
        )
    cause = (
        " Without stop strings the same call works, so the stop strings cause it: check how they are "
        "passed on (the keyword the provider's API expects)."
        if works_without and call.failure.kind == "raised"
        else ""
    )
    return failed(f"{path} with stop={stops!r} {outcome(call.failure)}{cause}")


def judge_respected(obs: Observation) -> Verdict:
    setup = _setup(obs)
    if isinstance(setup, Verdict):
        return setup
    probe, det = setup
    judged, left = _judged(obs, probe)
    if not judged:
        return skipped(f"no path could be probed with stop strings. {_left_out(left)}")
    for path, call, stops in judged:
        verdict = _raised(call, path, stops, _without_stop_works(obs, call)) or _wrong_type(
            obs, call, path, stops
        )
        if verdict:
            return verdict
        base = _base(obs, call, probe)
        if not respected(_text(call), base, stops, det):
            return failed(_ignored(path, _text(call), base, stops, det, _policy(obs)))
    if not det and not any(told(obs, call) for _, call, _ in judged):
        return skipped(_untold(judged))
    return passed(" ".join(n for n in ("" if det else NONDET, _left_out(left)) if n), left)


def _untold(judged: list[tuple[str, Call, list[str]]]) -> str:
    stops = judged[0][2]
    return (
        f"nothing was judged: the model is nondeterministic, and none of its {len(judged)} answers "
        f"given stop strings ({stops!r} and the like) held one, so none showed whether stop strings "
        "are applied."
    )


def _wrong_type(obs: Observation, call: Call, path: str, stops: list[str]) -> Verdict | None:
    """A value of the wrong type that only stop strings bring about (else the path's own check says it:
    a wrong type, or a failure, as `stream()` fails on a `_stream` that yields strings)."""
    wrong = _first_wrong(call)
    without = obs.calls.get(WITHOUT_STOP[call.probe])
    if wrong is None or without is None or not without.ok or _first_wrong(without) is not None:
        return None
    verb = "yielded" if call.chunks else "returned"
    want = expected_type(obs.kind, streamed=bool(call.chunks))
    return failed(
        f"{path} with stop={stops!r} {verb} {article(wrong.type_name)}; it should be {article(want)}, "
        "with or without stop strings. Apply the stop strings to the text and build the result as "
        "without them."
    )


def _first_wrong(call: Call) -> Output | None:
    outputs = [c.output for c in call.chunks] or call.outputs
    return next((o for o in outputs if not o.expected_type), None)


def _base(obs: Observation, call: Call, probe: StopProbe) -> str:
    """The answer a stop path is cut from: the chosen answer, or, on the side of a model whose
    implementations drift apart (see consensus), that side's own answer."""
    text = consensus(obs).text_for(WITHOUT_STOP[call.probe])
    return text if text is not None else probe.base_text


def _policy(obs: Observation) -> str:
    return str(obs.settings.get("stop_policy", "include"))


def _ignored(path: str, text: str, base: str, stops: list[str], det: bool, policy: str) -> str:
    before, after = cuts(base, stops)
    want = f"; expected {show(before if policy == 'exclude' else after)}" if det else ""
    rules = []
    if len(stops) > 1 and det:  # a nondeterministic model's stop strings are alike: any one cuts
        rules.append(
            "when several stop strings are given, the one that occurs first wins and one that "
            "never occurs changes nothing"
        )
    rules.append("cut the answer at the first occurrence of any stop string")
    rule = "; ".join(rules)
    seen = (
        "text follows the stop string"
        if first_stop(text, stops)
        else "it is not the answer cut at a stop string"
    )
    return (
        f"{path} with stop={stops!r} gave {show(text)}: {seen}{want}. "
        f"{rule[0].upper() + rule[1:]}. {'' if det else NONDET}"
    ).strip()


def judge_included(obs: Observation) -> Verdict:
    policy = _policy(obs)
    if policy == "any":
        return skipped("stop_policy = 'any' for this target: whether the stop string is kept is not judged.")
    setup = _setup(obs)
    if isinstance(setup, Verdict):
        return (
            setup if setup.outcome == "skipped" else skipped("stop could not be probed (see stop-respected).")
        )
    probe, det = setup
    paths, left = _judged(obs, probe)
    if not paths:
        return skipped(f"no path could be probed with stop strings. {_left_out(left)}")
    judged, cut = 0, []
    for path, call, stops in paths:
        text = _text(call)
        base = _base(obs, call, probe)
        if not call.ok or not respected(text, base, stops, det):
            return skipped("stop is not respected (see stop-respected), so inclusion cannot be judged.")
        hit = first_stop(text if not det else base, stops)
        if hit is None:
            if not det and cut_before(obs, text, stops):
                cut.append((path, text, stops))
            continue
        judged += 1
        keeps = any(text.endswith(stop) for stop in stops if stop and stop in text)
        if keeps != (policy == "include"):
            return failed(_policy_message(path, text, hit[1], policy))
    return judged_by_cuts(judged, cut, len(paths), policy) or passed(
        " ".join(n for n in ("" if det else NONDET, _left_out(left)) if n)
    )


def judged_by_cuts(
    judged: int, cut: list[tuple[str, str, list[str]]], paths: int, policy: str
) -> Verdict | None:
    """A nondeterministic model none of whose answers held a stop string: an answer that held none
    while every answer without stop strings held one was cut before it, the stop string left out.
    That passes `exclude`; it fails `include` only when every path shows it (one answer may lack
    the stop strings by chance)."""
    if judged:
        return None
    never = skipped("the stop strings never occurred in the nondeterministic model's answers.")
    if not cut:
        return never
    if policy == "exclude":
        return passed(f"{NONDET} {CUT}, so the stop string is left out.")
    if len(cut) < max(2, paths):
        return never
    path, text, stops = cut[0]
    return failed(
        f"{path} with stop={stops!r} gave {show(text)}, which ends before the stop string. {INCLUDE_RULE} "
        f"(The model is nondeterministic: {CUT[0].lower() + CUT[1:]}.)"
    )


CUT = "No answer given stop strings held one, while every answer without them did"
INCLUDE_RULE = (
    "The guides' rule is to include the stop string in the output. Many provider APIs exclude it: "
    'if yours does, declare it with stop_policy = "exclude" in this target\'s [tool.modelcheck] table.'
)


def _policy_message(path: str, text: str, stop: str, policy: str) -> str:
    if policy == "include":
        return (
            f"{path} with stop {stop!r} gave {show(text)}, which ends before the stop string. {INCLUDE_RULE}"
        )
    return (
        f"{path} with stop {stop!r} gave {show(text)}, which keeps the stop string, but this target "
        'declares stop_policy = "exclude". Drop the stop string from the output, or set stop_policy = '
        '"include" (the guides\' rule).'
    )
