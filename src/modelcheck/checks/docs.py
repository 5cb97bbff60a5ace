"""Documentation: every declared field is documented; a service-backed model links its API.

A field counts as documented by an attribute docstring, `Field(description=...)`, or an entry in
the Attributes/Args section of a class docstring. The link must be in the docstring the API
reference shows for the class: its own (a base class's only when it has none). Fields that are not
arguments a user passes (excluded from serialization and `:meta private:`) are left out, and the
verdict says which. Every problem found is reported together.
"""

from __future__ import annotations

import re

from modelcheck.core.records import Observation
from modelcheck.core.verdict import Verdict, failed, passed, skipped
from modelcheck.secrets.fields import secret_fields

URL_FIELD = re.compile(r"(url|endpoint|base_uri|host)$", re.IGNORECASE)
LINK = re.compile(r"https?://\S+")


def judge_docs(obs: Observation) -> Verdict:
    facts = obs.facts
    missing = [f for f in facts.fields if not f.documented and not f.private]
    if missing and facts.docs_error:
        return skipped(f"{facts.docs_error}, so attribute docstrings cannot be read.")
    problems = []
    if missing:
        names = ", ".join(f"{f.owner}.{f.name}" for f in missing)
        problems.append(
            f"these init fields are undocumented: {names}. Add a docstring on the line after each "
            'field (`model_name: str = "x"` then `"""What it is."""`), `Field(description=...)`, or an '
            "entry in the class docstring's `Attributes:` section."
        )
    backed = _service_fields(obs)
    if backed and not LINK.search(facts.docstring):
        problems.append(
            f"{facts.class_name} is service-backed (it has {', '.join(backed)}) but its class docstring "
            "has no http(s) link. Link the provider's API reference in the class's own docstring (the "
            "one the API reference shows; a base class's counts only when the class has none)."
        )
    note = _left_out(obs)
    if problems:
        return failed(" ".join([*problems, note]).strip())
    if not facts.fields:
        return skipped(f"{facts.class_name} declares no init fields of its own and is not service-backed.")
    return passed(note)


def _left_out(obs: Observation) -> str:
    internal = [f"{f.owner}.{f.name}" for f in obs.facts.fields if f.private and not f.documented]
    if not internal:
        return ""
    return (
        f"Left out, as not arguments a user passes (excluded from serialization and `:meta private:`): "
        f"{', '.join(internal)}."
    )


def _service_fields(obs: Observation) -> list[str]:
    secrets = [f.name for f in secret_fields(obs.facts.fields, str(obs.settings["secret_pattern"]))]
    urls = [f.name for f in obs.facts.fields if URL_FIELD.search(f.name)]
    return list(dict.fromkeys(secrets + urls))
