"""The canaries: unique values modelcheck plants where a secret goes, and finds again.

A canary stands in for a credential (in a secret field or an unset `secret_env` variable, see
observe/canary.py and replay/plan.py), so secret-masking can look for it everywhere the
observation went, and no real key is needed to replay a cassette.
"""

from __future__ import annotations

import secrets

CANARY_PREFIX = "mc-canary-"


def new_canary(label: str) -> str:
    """A unique value, 16 random hex digits after a readable prefix.

    Mixed case on purpose (`...-Mc...`): an upper- or lower-cased copy then differs from the canary
    and is found only because detection ignores case, so the tests exercise that path. It holds no
    character that URL-encoding or JSON would change, so every form of it stays long enough to find.
    """
    return f"{CANARY_PREFIX}{label}-Mc{secrets.token_hex(8)}"


def is_canary(value: str) -> bool:
    """A value modelcheck made: a replay's stand-in for a missing key is not a real secret."""
    return value.startswith(CANARY_PREFIX)
