"""Observe one target once: every probe the selected checks need, run once and shared."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from typing import Any, Protocol

from modelcheck.core import probe_ids as ids
from modelcheck.core.capabilities import gate, spec
from modelcheck.core.consensus import repeats_wanted
from modelcheck.core.probe_ids import EMBED_CANARY_PATHS, EMBEDDINGS, REDRIVES
from modelcheck.core.records import Call, Contract, Observation, SecretSurface
from modelcheck.observe import requests_seen
from modelcheck.observe.canary import patched_env, plan_canaries, read_surfaces
from modelcheck.observe.contract import gather
from modelcheck.observe.detection import detect, observed
from modelcheck.observe.facts import FRAMEWORK_PACKAGES, gather_facts, own_classes
from modelcheck.observe.loopthread import shared_loop
from modelcheck.observe.loopwatch import LoopWatch
from modelcheck.observe.output import model_output
from modelcheck.observe.probes import LATER, NEEDS_STOP, ProbeContext
from modelcheck.observe.probes.stop import choose_stop, stop_again
from modelcheck.observe.progress import Report, Tracker
from modelcheck.observe.recorder import Sequencer
from modelcheck.observe.runner import Batch, ProbeRunner
from modelcheck.targets.loading import LoadedTarget
from modelcheck.targets.timebox import ModelCodeError, run_model_code


def core_features() -> dict[str, bool]:
    from langchain_core.language_models import chat_models

    return {
        "chat_stream_run_manager": hasattr(chat_models.BaseChatModel, "_iter_v2_events"),
        # core passes a bound `ls_structured_output_format` on to the start callback's options
        "ls_structured_output_format": hasattr(chat_models, "_format_ls_structured_output"),
    }


def core_version() -> str:
    from importlib.metadata import version

    return version("langchain-core")


class Tape(Protocol):
    """Where the model's HTTP goes while it is observed: around its calls, then the canary's."""

    def main(self) -> AbstractContextManager[None]: ...

    def canary(self) -> AbstractContextManager[None]: ...


Through = Callable[[Observation], AbstractContextManager[Tape]]
"""Opens the tape for an observation that knows its secrets, and closes it after the calls."""


def observe(
    target: LoadedTarget,
    needs: set[str],
    through: Through | None = None,
    learn: Callable[[list[str]], None] = lambda secrets: None,
    mask: Callable[[str], str] = lambda text: text,
    gated: dict[str, set[str]] | None = None,
    standins: Sequence[str] = (),
    progress: Report | None = None,
) -> Observation:
    """Make every call in `needs` once (with the canary instance where possible) and record it.

    With `through`, the model's HTTP goes through the tape it opens (modelcheck.replay records or
    replays it); `standins` are the canaries a replay set in the target's unset secret variables.
    Every piece of model code runs under the target's timeout; `learn` is told each secret (the
    canaries, the real ones) before any model code runs with it. What the model prints and logs
    meanwhile is kept as places a secret can leak to, and passed on to pytest through `mask`.
    `gated` maps a capability to the calls only checks that need it make: they are made when the
    model has that capability ("a+b": when it has both). `progress` is told each phase and, while
    calls run, how many are done of those planned and which it waits on (observe/progress.py).
    """
    printed: list[SecretSurface] = []
    tracker = Tracker(target.settings.target, progress)
    with model_output(printed, mask):
        obs = _observe(target, needs, through, learn, gated, standins, tracker)
    obs.surfaces.extend(printed)
    return obs


def _observe(
    target: LoadedTarget,
    needs: set[str],
    through: Through | None,
    learn: Callable[[list[str]], None],
    gated: dict[str, set[str]] | None,
    standins: Sequence[str],
    tracker: Tracker,
) -> Observation:
    timeout = target.settings.timeout

    def guard(fn: Callable[[], Any], what: str) -> Any:
        return run_model_code(fn, timeout, what, tracker.wait)

    tracker.enter("reading the model's class and fields")
    facts = gather_facts(target.model, target.kind, guard)
    obs = Observation(
        target.settings.target,
        target.kind,
        facts,
        features=core_features(),
        core_version=core_version(),
        settings=_settings(target),
    )
    obs.capabilities = detect(target.model, target.kind, target.settings.capabilities)
    _asymmetric(obs)
    needs = needs | {
        p
        for names, probes in (gated or {}).items()
        if all(_has(obs, n) for n in names.split("+"))
        for p in probes
    }
    tracker.enter("planting canary secrets")
    plan = plan_canaries(target, facts.fields, standins, learn)
    obs.canaries, obs.canary_note = plan.canaries, plan.note
    if plan.hung:
        obs.unread.append(str(plan.note))
    obs.real_secrets, obs.planted, obs.given = plan.real_secrets, plan.planted, plan.given
    # The main instance's surfaces are searched when it holds the canaries or a traced real secret.
    watched = plan.main_is_canary or bool(plan.given)
    model = plan.model if plan.main_is_canary else target.model
    # One loop for the whole run: clients (e.g. a cached httpx.AsyncClient) bind to a loop.
    loop = shared_loop()
    watch = LoopWatch(loop.loop, model_modules(target))
    loop.loop.call_soon_threadsafe(watch.install)

    whole = frozenset(path for path, own in facts.streams.items() if not own)
    has = frozenset(name for name in obs.capabilities if gate(obs, name) is None)

    def runner(instance: Any) -> ProbeRunner:
        ctx = ProbeContext(
            instance, target.kind, Sequencer(), [], whole=whole, has=has, image_url=target.settings.image_url
        )
        return ProbeRunner(ctx, target.settings.timeout, loop, watch, tracker)

    counted = requests_seen.installed() if target.kind == "embeddings" else nullcontext()
    with counted, (through or _live)(obs) as tape:
        try:
            with patched_env(plan.env if plan.main_is_canary else {}), tape.main():
                _observe_model(obs, runner(model), needs, masked=watched)
            if not plan.main_is_canary and plan.model is not None and ids.CANARY in needs:
                with patched_env(plan.env), tape.canary():
                    tracker.enter("calling the copy that holds canary secrets")
                    _observe_canary(obs, runner(plan.model))
        finally:
            watch.uninstall()
    observed(obs)
    return obs


def _asymmetric(obs: Observation) -> None:
    """An embeddings model's declared (or detected) asymmetric queries, for embed-agreement."""
    state = obs.capabilities.get("asymmetric")
    if obs.facts.embedding is None or state is None or not state.effective:
        return
    why = f"declared in [tool.modelcheck] for {obs.target}" if state.declared else state.how
    obs.facts.embedding = replace(obs.facts.embedding, asymmetric=why)


def _has(obs: Observation, capability: str) -> bool:
    """Whether the checks gated on `capability` will judge (so their calls are worth making)."""
    state = obs.capabilities.get(capability)
    # Usage shows only on a call: a capability a call can show, not yet known, is given its calls.
    unknown = state is not None and state.detected is None and spec(capability).by_call
    return state is not None and (unknown or gate(obs, capability) is None)


class _Live:
    """No cassette: the model's HTTP goes where it goes, as without modelcheck."""

    def main(self) -> AbstractContextManager[None]:
        return nullcontext()

    canary = main


@contextmanager
def _live(obs: Observation) -> Iterator[Tape]:
    yield _Live()


def _observe_model(obs: Observation, runner: ProbeRunner, needs: set[str], masked: bool) -> None:
    ctx = runner.ctx
    secret_env = tuple(obs.settings.get("secret_env", ()))
    try:
        what = "building copies of the model (standard params, env, serialization)"
        runner.tracker.enter(what)
        obs.contract = run_model_code(
            lambda: gather(ctx.model, needs, secret_env), runner.timeout, what, runner.tracker.wait
        )
    except ModelCodeError as exc:
        obs.contract = Contract(error=str(exc))
    wanted = [n for n in sorted(needs) if _applies(n, obs)]
    runner.tracker.enter("calling the model")
    first = runner.start([n for n in wanted if n not in LATER])
    # A slow stream of the first phase holds up none of the calls that wait for others: the stop
    # calls start once the consensus' calls have ended, the round trip once the forced tool calls have.
    obs.calls.update(runner.wait(first, ids.CONSENSUS))
    obs.calls.update(runner.run(repeats_wanted(obs)))
    if any(n in NEEDS_STOP for n in needs):
        runner.tracker.enter("calling the model with the stop string")
        ctx.stop, obs.stop_probe_error = choose_stop(obs)
        obs.stop_probe = ctx.stop
    later = [n for n in wanted if n in LATER and (ctx.stop is not None or n not in NEEDS_STOP)]
    batches = []
    for inputs in dict.fromkeys(LATER[n] for n in later):  # the consensus' first: it has ended
        obs.calls.update(runner.wait(first, inputs))
        batches.append(runner.start([n for n in later if LATER[n] == inputs]))
    follow_ups = [_follow_ups(obs, runner, batch) for batch in batches]
    made = runner.wait(first)
    obs.calls.update(made)
    # Only now, for a whole that raised (a conversation, a message with media): which part of it
    # the model cannot take, each sent alone. Not for one that timed out: its parts would only hang.
    for batch in [runner.start(_parts(made)), *follow_ups]:
        obs.calls.update(runner.wait(batch))
    # Only when it holds a traced secret: dumping a model can be costly (a field holding an endless
    # iterator, as GenericFakeChatModel's `messages`, makes model_dump() fill memory).
    if masked:
        runner.tracker.enter("reading where a secret can leak")
        _read_places(obs, runner)


def _follow_ups(obs: Observation, runner: ProbeRunner, batch: Batch) -> Batch:
    """Once a later batch has ended: a nondeterministic model's stop asked again, the drives that
    raised with stop strings made without them, and the parts of a whole that raised (the round
    trip's), started."""
    made = runner.wait(batch)
    obs.calls.update(made)
    while (name := stop_again(obs)) is not None:
        obs.calls.update(runner.run([name]))
    return runner.start(_redrives(made) + _parts(made))


def _parts(calls: dict[str, Call]) -> list[str]:
    return [part for c in calls.values() if _raised(c) for part in c.extra.get("parts", ())]


def _raised(call: Call) -> bool:
    return call.failure is not None and call.failure.kind == "raised"


def _redrives(calls: dict[str, Call]) -> list[str]:
    """The drives that raised when given stop strings: each is made again without them (one more
    call, only for a model that fails there), so its failure is judged under its real cause."""
    return [
        again
        for name, again in REDRIVES.items()
        if (call := calls.get(name)) is not None
        and call.failure is not None
        and call.failure.kind == "raised"
        and call.extra.get("stops")
    ]


def _observe_canary(obs: Observation, runner: ProbeRunner) -> None:
    calls = runner.run(list(EMBED_CANARY_PATHS if obs.kind == "embeddings" else ids.CANARY_PATHS))
    for name, call in calls.items():
        obs.calls[ids.canary_call(name)] = call
    _read_places(obs, runner)


def _read_places(obs: Observation, runner: ProbeRunner) -> None:
    """What the calls left in the secret places, and the places read without a call."""
    obs.surfaces.extend(runner.ctx.surfaces)
    read, unread = read_surfaces(runner.ctx.model, runner.timeout)
    obs.surfaces.extend(read)
    obs.unread.extend(unread)


def _applies(name: str, obs: Observation) -> bool:
    if name in ids.STATIC or (name in EMBEDDINGS) != (obs.kind == "embeddings"):
        return False  # an embeddings model gets the embeddings calls only, other models none of them
    if name == ids.HISTORY:
        return obs.kind == "chat"
    if name in (ids.CTOR_STOP, ids.MAX_TOKENS):
        return ("stop" if name == ids.CTOR_STOP else "max_tokens") in obs.contract.fields
    if name in DRIVES:
        return _drives(DRIVES[name], obs)
    if name in STOPPED_STREAMS:
        return not _drives(STOPPED_STREAMS[name], obs)
    return name != ids.CANARY


# The public stream each drive stands in for; a stopped stream is not made where its drive is.
DRIVES = {ids.DRIVE_STREAM: "stream", ids.DRIVE_ASTREAM: "astream"}
STOPPED_STREAMS = {ids.STOP_STREAM: "stream", ids.STOP_ASTREAM: "astream"}


def _drives(path: str, obs: Observation) -> bool:
    """Whether the chat model's `_stream`/`_astream` is driven the way core's v3 event stream drives
    it: on cores that hand it a run manager, and only when `path` runs the model's own `_stream`
    (`_astream` falls back to `_stream`) - one the model does not have is never called."""
    if obs.kind != "chat" or not obs.features["chat_stream_run_manager"] or not obs.facts.streams.get(path):
        return False
    native = obs.facts.native
    return bool(native.get("_stream") or (path == "astream" and native.get("_astream")))


def model_modules(target: LoadedTarget) -> tuple[str, ...]:
    """The modules whose frames count as the model's own code when the loop stalls."""
    names = {k.__module__ for k in own_classes(target.model_class)}
    packages = {_package(n) for n in names if n != "__main__"} - set(FRAMEWORK_PACKAGES)
    return tuple(sorted(names | packages))


def _package(module: str) -> str:
    """The package a model's module belongs to: its top-level package, except for the reference
    models modelcheck ships (modelcheck.reference_models), whose package is not modelcheck itself:
    the observer's own frames on the loop thread are never the model's code."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "modelcheck" else parts[0]


def _settings(target: LoadedTarget) -> dict[str, Any]:
    s = target.settings
    return {
        "stop_policy": s.stop_policy,
        "timeout": s.timeout,
        "secret_pattern": s.secret_pattern,
        "snapshot_exclude": list(s.snapshot_exclude),
        "capabilities": dict(s.capabilities),
        "secret_env": list(s.secret_env),
        "nondeterministic": s.nondeterministic,
    }
