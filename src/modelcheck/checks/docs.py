"""Documentation: every declared field is documented; a service-backed model links its API."""

from __future__ import annotations

import re

from modelcheck.records import Observation
from modelcheck.secretfields import secret_fields
from modelcheck.verdict import Verdict, failed, passed, skipped

URL_FIELD = re.compile(r"(url|endpoint|base_uri|host)$", re.IGNORECASE)
LINK = re.compile(r"https?://\S+")


def judge_docs(obs: Observation) -> Verdict:
    facts = obs.facts
    missing = [f for f in facts.fields if not f.documented]
    if missing and facts.docs_error:
        return skipped(f"{facts.docs_error}, so attribute docstrings cannot be read.")
    if missing:
        names = ", ".join(f"{f.owner}.{f.name}" for f in missing)
        return failed(
            f"these init fields are undocumented: {names}. Add a docstring on the line after each "
            'field (`model_name: str = "x"` then `"""What it is."""`) or `Field(description=...)`.'
        )
    backed = _service_fields(obs)
    if backed and not LINK.search(facts.docstring):
        return failed(
            f"{facts.class_name} is service-backed (it has {', '.join(backed)}) but its class docstring "
            "has no http(s) link. Link the provider's API reference in the class docstring."
        )
    if not facts.fields:
        return skipped(f"{facts.class_name} declares no init fields of its own and is not service-backed.")
    return passed()


def _service_fields(obs: Observation) -> list[str]:
    secrets = [f.name for f in secret_fields(obs.facts.fields, str(obs.settings["secret_pattern"]))]
    urls = [f.name for f in obs.facts.fields if URL_FIELD.search(f.name)]
    return list(dict.fromkeys(secrets + urls))
