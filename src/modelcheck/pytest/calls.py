"""Every model call an observation made, as the reports list it: the probe, the model method it
called, the checks that read it, its inputs summarised, how it ended and how long it took.

The list goes with a target's first reported check (so it reaches an xdist controller) and into
the JSON report (`targets[].model_calls`; `runs` is how many model runs a call started, two
for a batch of two); under `-v` a failing check shows its own calls.
Everything is scrubbed of secrets here, before it leaves the observing process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from modelcheck.checks.catalog import PROBE_CHECK, checks_for
from modelcheck.core import probe_ids as ids
from modelcheck.core.records import Call, Observation
from modelcheck.secrets.scrub import Scrubber

MESSAGE = 200
"""Characters of a failure's message kept in the list (the check's own message has it whole)."""


def call_log(observation: Observation, scrub: Scrubber) -> list[dict[str, Any]]:
    """The observation's calls, each one a plain, scrubbed entry, in the order the probes are
    declared (a follow-up after the call it follows): concurrent calls end in an order that load
    decides, and the list must read the same in every run, serial or under xdist."""
    # lazy: the probes import LangChain, which collecting a module that defines a suite does not
    from modelcheck.observe.probes import REGISTRY, method_of

    served = _served(observation)
    order = {name: i for i, name in enumerate(REGISTRY)}

    def place(name: str) -> tuple[int, int, str]:
        base = _base(name)
        return (order.get(base, len(order)), base != name, name)

    calls = sorted(observation.calls.items(), key=lambda item: place(item[0]))
    return [_entry(name, call, served.get(_base(name), []), method_of, scrub) for name, call in calls]


def own_calls(check_id: str, log: list[dict[str, Any]]) -> list[str]:
    """The lines `-v` adds under a failing check: its own calls (else the calls it read), one a line."""
    mine = calls_of(check_id, log)
    if not mine:
        return []
    return ["Its model calls:", *(f"  {line(entry)}" for entry in mine)]


def calls_of(check_id: str, log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A check's own model calls in a target's call list, else the calls it reads."""
    own = [entry for entry in log if entry.get("for") == check_id]
    return own or [entry for entry in log if check_id in entry.get("checks", ())]


def arguments(summary: dict[str, Any]) -> str:
    """One model run's input and options, as a call's arguments: `'text…', stop=['x']`."""
    options = ", ".join(f"{k}={v!r}" for k, v in summary.items() if k != "input")
    return ", ".join(part for part in (str(summary.get("input", "")), options) if part)


def line(entry: dict[str, Any]) -> str:
    """`stop_invoke: invoke('modelcheck probe…', stop=['wn f']) -> ok in 0.01 s`."""
    inputs = entry["inputs"]
    shown = ", ".join(arguments(i) for i in inputs[:2])
    if len(inputs) > 2:
        shown += f", … ({len(inputs)} runs)"
    return f"{entry['probe']}: {entry['method']}({shown}) -> {entry['outcome']} in {entry['duration_s']:g} s"


def _entry(
    name: str, call: Call, checks: list[str], method_of: Callable[[str], str], scrub: Scrubber
) -> dict[str, Any]:
    inputs = [{k: _scrubbed(v, scrub) for k, v in i.items()} for i in call.extra.get("inputs", [])]
    # The runs of a batch start on threads, in an order load decides: listed in a fixed order.
    inputs.sort(key=lambda i: json.dumps(i, sort_keys=True, default=str))
    own = PROBE_CHECK.get(ids.repeated(_base(name)), _base(name))
    return {
        "probe": name,
        "method": method_of(name.removeprefix("canary_")),
        "for": own if own in checks else (checks[0] if checks else None),
        "checks": checks,
        "runs": int(call.extra.get("model_calls", 0)),
        "inputs": inputs,
        "http": [scrub(request) for request in call.extra.get("http", [])],
        "outcome": scrub(_outcome(call)),
        "duration_s": round(call.duration_s, 4),
    }


def _scrubbed(value: Any, scrub: Scrubber) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrubbed(v, scrub) for v in value]
    return value


def _outcome(call: Call) -> str:
    failure = call.failure
    if failure is None:
        return "unsupported" if "unsupported" in call.extra else "ok"
    text = failure.message if len(failure.message) <= MESSAGE else failure.message[:MESSAGE] + "…"
    if failure.kind == "raised":
        return f"raised: {failure.type_name}: {text}"
    return f"{failure.kind}: {text}"


def _base(name: str) -> str:
    """The probe a call stands for: a repeat, a part or a re-drive counts as the call it follows."""
    if name.startswith("canary_"):
        return ids.CANARY
    return ids.FOLLOW_UPS.get(name, name)


def _served(observation: Observation) -> dict[str, list[str]]:
    """Probe -> the checks (of the model's kind, in catalog order) that read its call."""
    served: dict[str, list[str]] = {}
    for check in checks_for(observation.kind):
        probes = set(check.needs).union(*(p for _, p in check.gated))
        for probe in probes:
            served.setdefault(probe, []).append(check.id)
    return served
