"""Which fields of a model hold credentials: names matching a documented, overridable pattern."""

from __future__ import annotations

import re

from modelcheck.core.records import FieldInfo


def looks_secret(name: str, pattern: str) -> bool:
    """Whether a field or parameter name says it holds a credential (case-insensitive)."""
    return re.search(pattern, name, re.IGNORECASE) is not None


def secret_fields(fields: list[FieldInfo], pattern: str) -> list[FieldInfo]:
    """Fields whose name or alias matches `pattern` and whose type can hold a string."""
    return [
        f
        for f in fields
        if (f.is_secret_type or f.is_str_type)
        and (looks_secret(f.name, pattern) or (f.alias is not None and looks_secret(f.alias, pattern)))
    ]
