"""Secrets: credential fields are `SecretStr`, and a canary secret never surfaces anywhere."""

from __future__ import annotations

from dataclasses import replace

from modelcheck.core.records import Observation, SecretSurface
from modelcheck.core.verdict import Verdict, failed, passed, skipped
from modelcheck.secrets.fields import looks_secret, secret_fields
from modelcheck.secrets.scrub import Scrubber


def _hidden(obs: Observation) -> str:
    parts = []
    if obs.planted:
        parts.append(f"a canary in {', '.join(dict.fromkeys(obs.planted.values()))} stayed hidden everywhere")
    if obs.given:
        real = f"the secret given for {', '.join(dict.fromkeys(obs.given.values()))}"
        parts.append(f"so did {real}" if parts else f"{real} stayed hidden everywhere")
    note = f" ({obs.canary_note}: the secrets it was given were traced instead)" if obs.canary_note else ""
    return ", and ".join(parts) + note


def _no_secret_field(obs: Observation, pattern: str) -> str:
    """Why secret-fields has nothing to judge; a credential-like name on a field of another type
    (an auth tuple or callable, as `requests` takes) is named, so the skip does not claim there is none."""
    named = [
        f
        for f in obs.facts.fields
        if looks_secret(f.name, pattern) or (f.alias is not None and looks_secret(f.alias, pattern))
    ]
    where = "(secret_pattern in [tool.modelcheck] sets which names do)"
    if not named:
        return f"{obs.facts.class_name} declares no field whose name looks like a credential {where}."
    others = ", ".join(f"{f.name} ({f.annotation})" for f in named)
    one = len(named) == 1
    return (
        f"{obs.facts.class_name} declares no string field whose name looks like a credential {where}; "
        f"{others} {'has' if one else 'have'} such a name but no string type, so "
        f"{'it is' if one else 'they are'} not judged."
    )


def judge_fields(obs: Observation) -> Verdict:
    pattern = str(obs.settings["secret_pattern"])
    found = secret_fields(obs.facts.fields, pattern)
    if not found:
        return skipped(_no_secret_field(obs, pattern))
    plain = [f for f in found if not f.is_secret_type]
    if plain:
        names = ", ".join(f"{f.name} ({f.annotation})" for f in plain)
        return failed(
            f"these credential fields are plain strings: {names}. Declare each as pydantic "
            "`SecretStr` (e.g. `api_key: SecretStr | None = None`) so that repr, dumps and traces "
            "show '**********' instead of the value. If a field is not a credential, narrow "
            "secret_pattern in [tool.modelcheck]."
        )
    return passed(f"checked {', '.join(f.name for f in found)}")


def leaks(obs: Observation) -> dict[str, list[str]]:
    """For each secret traced ("the canary put in api_key"), the places where it was found, in any
    form the scrubber masks (so a leak the reports would hide never passes)."""
    traced = {
        **{secret: f"the canary put in {where}" for secret, where in obs.planted.items()},
        **{secret: f"the secret given for {where}" for secret, where in obs.given.items()},
    }
    found: dict[str, list[str]] = {}
    for secret, what in traced.items():
        detect = Scrubber([secret])
        hits = [s for s in obs.surfaces if detect.found(s.text)]
        if hits:
            found[what] = group_places(hits)
    return found


def group_places(hits: list[SecretSurface]) -> list[str]:
    """One entry per place, naming the calls it was seen in, so a leak on every call reads as one line."""
    grouped: dict[str, list[str]] = {}
    for hit in hits:
        calls = grouped.setdefault(hit.place, [])
        if hit.probe and hit.probe not in calls:
            calls.append(hit.probe)
    return [f"{place} ({_calls(calls)})" if calls else place for place, calls in grouped.items()]


def _calls(calls: list[str]) -> str:
    more = f" and {len(calls) - 3} more calls" if len(calls) > 3 else ""
    return "in " + ", ".join(sorted(calls)[:3]) + more


def judge_masking(obs: Observation) -> Verdict:
    if obs.unread:
        return failed(
            f"model code that secret-masking reads did not return: {'; '.join(obs.unread)}. "
            "repr, dumps, the params and the constructor run in logs, traces and tracebacks: "
            "none of them may block (no network call, no lock held by a call)."
        )
    if not obs.planted and not obs.given:
        if obs.canary_note and obs.canaries:
            return skipped(f"{obs.canary_note}, and no real secret was given to trace instead.")
        return skipped(f"{obs.canary_note or 'no secret to plant'}, so there is no secret to track.")
    if not obs.surfaces:
        return skipped("nothing was observed with the model's secrets.")
    found = leaks(_without_serialized(obs))
    if not found:
        return passed(_hidden(obs))
    lines = "; ".join(f"{what} showed in {', '.join(places)}" for what, places in found.items())
    return failed(
        f"a secret leaked: {lines}. Keep credentials as `SecretStr`, call `.get_secret_value()` only "
        "where the request is built, and keep them out of `_identifying_params`, `_get_ls_params`, "
        "response metadata, exception messages, prints and log lines."
    )


# Where a serializable model's `dumpd` form goes: dumps, the `serialized` argument of the start
# callbacks (traces) and the cache key are all made from it.
SERIALIZED = ("dumpd()", "dumps()", "_get_llm_string() (the cache key)")


def _without_serialized(obs: Observation) -> Observation:
    """The serialized form of a serializable model is the `serialization` check's to judge."""
    serial = obs.contract.serial
    if serial is None or (serial.dumped or {}).get("type") != "constructor":
        return obs
    kept = [s for s in obs.surfaces if s.place not in SERIALIZED and not s.place.endswith(" serialized")]
    return replace(obs, surfaces=kept)
