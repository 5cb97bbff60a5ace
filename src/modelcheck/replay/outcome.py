"""After a target was observed through a tape: write the cassette, or turn replay misses into failures.

A miss fails the probe that made it (and so every check that needs that probe), naming the request;
when the cassette exists, the message shows the nearest recorded request against the new one as a
diff. `native-async` cannot see a blocking call that waits on the network in a replay, whose answers
arrive at once: the recording run's observation of the async probes is stored in the cassette and
added to the replay's, and the verdict's note says so.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from modelcheck.core import probe_ids as ids
from modelcheck.core.records import Call, ExecutorCall, Failure, LoopStall, Observation
from modelcheck.replay.cassette_file import (
    Interaction,
    parse,
    render,
    request_doc,
    write_checked,
)
from modelcheck.replay.plan import ReplayPlan, record_command
from modelcheck.replay.tape import Miss, Tape

EVIDENCE_PROBES = (ids.AINVOKE, ids.ASTREAM, ids.ABATCH)
MIN_BLOCKED_S = 0.01
RECORDED = "seen when the cassette was recorded"


Reader = Callable[[Callable[[], Any]], Any]
"""How a cassette file is read: given the reading, runs it (under the target's timeout)."""


def _now(read: Callable[[], Any]) -> Any:
    return read()


@contextmanager
def through_cassette(
    plan: ReplayPlan, obs: Observation, probe: Callable[[], str | None], read: Reader = _now
) -> Iterator[Tape]:
    """The tape around one target's observation, opened once the observation knows the secrets to
    keep out of the cassette, and finished after the model's calls (see `finish`)."""
    secrets = [*obs.canaries, *obs.real_secrets]
    tape, recorded = open_tape(plan, obs.target, secrets, str(obs.settings["secret_pattern"]), probe, read)
    yield tape
    finish(plan, tape, recorded, obs, secrets)


def open_tape(
    plan: ReplayPlan,
    target: str,
    secrets: list[str],
    pattern: str,
    probe: Callable[[], str | None],
    read: Reader = _now,
) -> tuple[Tape, dict[str, Any]]:
    """The tape for one target, with the cassette's recorded observations (raises CassetteError)."""
    path = plan.path(target)
    known = [*secrets, *plan.standins.get(target, [])]
    if plan.record or not path.is_file():
        return Tape(plan.record, [], known, pattern, probe, live_loopback=not plan.record), {}
    interactions, observed = read(lambda: parse(path, record_command(target)))
    return Tape(False, interactions, known, pattern, probe), observed


def finish(
    plan: ReplayPlan, tape: Tape, observed: dict[str, Any], obs: Observation, secrets: list[str]
) -> None:
    """Write the cassette (record) or apply misses and the recorded observations (replay)."""
    if tape.record:
        _finish_recording(plan, tape, obs, [*secrets, *plan.standins.get(obs.target, [])])
        return
    where = plan.relative(plan.path(obs.target))
    _keep_played(tape, obs)
    for probe, misses in _by_probe(tape.misses, obs).items():
        if probe in obs.calls:
            message = miss_message(plan, tape, misses, where, obs.target)
            obs.calls[probe].failure = Failure("replay", "CassetteMiss", message)
    merge_evidence(obs, observed.get("native-async") or {})
    if tape.loaded:
        obs.replayed = where


def _keep_played(tape: Tape, obs: Observation) -> None:
    """Each call's requests answered from the cassette (`GET /path?query`, the URI as the cassette
    keeps it, less its host: a loopback server's port changes from run to run), for the reports."""
    for probe, request in tape.played:
        call = obs.calls.get(probe) if probe else None
        if call is not None:
            parts = urlsplit(request.uri)
            shown = f"{request.method} {parts.path}" + (f"?{parts.query}" if parts.query else "")
            call.extra.setdefault("http", []).append(shown)
    for call in obs.calls.values():
        if "http" in call.extra:
            call.extra["http"].sort()  # concurrent requests of one call come in any order


def _finish_recording(plan: ReplayPlan, tape: Tape, obs: Observation, secrets: list[str]) -> None:
    for probe, misses in _by_probe(tape.misses, obs).items():
        if probe in obs.calls:
            obs.calls[probe].failure = Failure("replay", "CassetteMiss", _canary_miss(misses))
    path = plan.path(obs.target)
    recorded, observed = tape.recorded, evidence(obs)
    if obs.target in plan.partial and path.is_file():
        recorded, observed = _kept(path, recorded, observed)
    if recorded:
        write_checked(path, render(obs.target, record_command(obs.target), recorded, observed), secrets)
    elif path.is_file():
        path.unlink()  # the model makes no HTTP request now: an old cassette would only mislead


def _kept(
    path: Path, recorded: list[Interaction], observed: dict[str, Any]
) -> tuple[list[Interaction], dict[str, Any]]:
    """A recording of some of the checks (`-k`) keeps what the cassette held for the others: the
    requests this run did not make again, and the async evidence of the probes it did not run."""
    old, old_observed = parse(path)
    made = {(i.method, i.uri, i.body) for i in recorded}
    kept = [i for i in old if (i.method, i.uri, i.body) not in made]
    probes = {**(old_observed.get("native-async") or {}), **observed["native-async"]}
    return [*recorded, *kept], {"native-async": probes}


def _by_probe(misses: list[Miss], obs: Observation) -> dict[str, list[Miss]]:
    """Misses per probe; one made outside any probe goes to every call that failed."""
    out: dict[str, list[Miss]] = {}
    for miss in misses:
        names = [miss.probe] if miss.probe else [n for n, c in obs.calls.items() if not c.ok]
        for name in names:
            out.setdefault(name, []).append(miss)
    return out


def _canary_miss(misses: list[Miss]) -> str:
    request = misses[0].request
    return (
        f"sent {request.method} {request.path}, a request the real instance did not make, so it was "
        "not sent: while recording, the canary instance is answered from what the real calls recorded "
        "(a canary key must not reach the provider). Make the request depend only on the call, not "
        "on the key."
    )


def miss_message(plan: ReplayPlan, tape: Tape, misses: list[Miss], where: str, target: str) -> str:
    request = misses[0].request
    what = f"{request.method} {request.path}"
    distinct = {(m.request.method, m.request.uri, m.request.body) for m in misses}
    if len(distinct) > 1:
        what = f"{len(distinct)} requests (the first: {what})"
    command = record_command(target)
    if not tape.loaded:
        why = plan.replay_only or "replay"
        return (
            f"sent {what} to {_host(request)}, but this target has no cassette ({where}) and this run "
            f"can only replay ({why}): without a cassette only requests to this machine (a test "
            "server on 127.0.0.1 or localhost) go out, so nothing was sent. Record the cassette with "
            f"the key in the environment and commit it: `{command}`; or point the model at a local "
            "test double of the API from a `fixture:` target."
        )
    return (
        f"sent {what} that the cassette {where} does not hold, so nothing was sent: the model's "
        "request or modelcheck's probes changed since the cassette was recorded. The nearest "
        f"recorded request (- cassette, + this run):\n{request_diff(tape.loaded, request)}\n"
        f"If the change is intended, record again with the key in the environment: `{command}`."
    )


def _host(request: Any) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(str(request.uri))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _lines(method: str, path: str, body: bytes, content_type: str) -> list[str]:
    doc = request_doc(body, content_type)
    lines = flat(doc["json"]) if "json" in doc else str(doc.get("text", "")).splitlines()
    return [f"{method} {path}", *lines]


def flat(value: Any, path: str = "") -> list[str]:
    """A JSON value as one `path: value` line per leaf, so a diff shows the field that changed."""
    if isinstance(value, dict) and value:
        return [line for k in sorted(value) for line in flat(value[k], f"{path}.{k}" if path else str(k))]
    if isinstance(value, list) and value:
        return [line for i, v in enumerate(value) for line in flat(v, f"{path}[{i}]")]
    return [f"{path}: {json.dumps(value, ensure_ascii=False)}"]


def request_diff(recorded: list[Interaction], request: Any) -> str:
    from urllib.parse import urlsplit

    content_type = str(request.headers.get("content-type", ""))
    new = _lines(request.method, request.path, request.body or b"", content_type)

    def old(i: Interaction) -> list[str]:
        return _lines(i.method, urlsplit(i.uri).path, i.body, i.content_type)

    near = max(recorded, key=lambda i: difflib.SequenceMatcher(a=old(i), b=new, autojunk=False).ratio())
    diff = difflib.unified_diff(old(near), new, "cassette", "this run", n=1, lineterm="")
    return "\n".join(line for line in diff if not line.startswith(("---", "+++")))


def evidence(obs: Observation) -> dict[str, Any]:
    """What native-async needs of the async probes, in a form that is the same on every recording:
    which functions went to a thread pool and whether each blocked there, and where the loop was
    blocked; no time, which differs on every run."""
    probes: dict[str, Any] = {}
    for name in EVIDENCE_PROBES:
        call = obs.calls.get(name)
        if call is None:
            continue
        blocked: dict[str, float] = {}
        for e in call.executor_calls:
            blocked[e.function] = max(blocked.get(e.function, 0.0), e.blocked_s)
        probes[name] = {
            "thread_pool": [
                {"function": f, **({"blocked": True} if s >= MIN_BLOCKED_S else {})}
                for f, s in sorted(blocked.items())
            ],
            "loop_stalls": [{"where": s.where} for s in call.stalls],
        }
    return {"native-async": probes}


def merge_evidence(obs: Observation, recorded: dict[str, Any]) -> None:
    """Add what the recording saw to what the replay saw; a block seen then still counts now."""
    for name, seen in recorded.items():
        call: Call | None = obs.calls.get(name)
        if call is None or not isinstance(seen, dict):
            continue
        have = {e.function for e in call.executor_calls}
        for item in seen.get("thread_pool") or []:
            if item.get("function") not in have:
                blocked = MIN_BLOCKED_S if item.get("blocked") else float(item.get("blocked_s", 0))
                call.executor_calls.append(ExecutorCall(str(item["function"]), blocked))
        for stall in seen.get("loop_stalls") or []:  # no time: the recording saw it; `seconds` of old
            call.stalls.append(LoopStall(float(stall.get("seconds", 0.0)), f"{stall['where']} ({RECORDED})"))
