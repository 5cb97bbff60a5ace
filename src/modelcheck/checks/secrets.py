"""Secrets: credential fields are `SecretStr`, and a canary secret never surfaces anywhere."""

from __future__ import annotations

from modelcheck.records import Observation, SecretSurface
from modelcheck.scrub import encodings
from modelcheck.secretfields import secret_fields
from modelcheck.verdict import Verdict, failed, passed, skipped


def judge_fields(obs: Observation) -> Verdict:
    pattern = str(obs.settings["secret_pattern"])
    found = secret_fields(obs.facts.fields, pattern)
    if not found:
        return skipped(
            f"{obs.facts.class_name} declares no field whose name looks like a credential "
            "(secret_pattern in [tool.modelcheck] sets which names do)."
        )
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
    """For each canary label, the places where the canary (or its base64) was found."""
    found: dict[str, list[str]] = {}
    for canary in obs.canaries:
        forms = encodings(canary)
        hits = [s for s in obs.surfaces if any(f in s.text for f in forms)]
        if hits:
            found[_label(canary)] = group_places(hits)
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


def _label(canary: str) -> str:
    parts = canary.split("-")
    return "-".join(parts[2:-1]) or "secret"


def judge_masking(obs: Observation) -> Verdict:
    if not obs.canaries:
        return skipped(f"{obs.canary_note or 'no secret to plant'}, so there is no secret to track.")
    if obs.canary_note:
        return skipped(obs.canary_note + ".")
    if not obs.surfaces:
        return skipped("nothing was observed with the canary instance.")
    found = leaks(obs)
    if not found:
        return passed(f"a canary in {', '.join(_label(c) for c in obs.canaries)} stayed hidden everywhere")
    lines = "; ".join(
        f"the canary put in {label} showed in {', '.join(places)}" for label, places in found.items()
    )
    return failed(
        f"a secret leaked: {lines}. Keep credentials as `SecretStr`, call `.get_secret_value()` only "
        "where the request is built, and keep them out of `_identifying_params`, `_get_ls_params`, "
        "response metadata and exception messages."
    )
