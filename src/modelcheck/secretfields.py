"""Which fields of a model hold credentials: names matching a documented, overridable pattern."""

from __future__ import annotations

import re

from modelcheck.records import FieldInfo


def secret_fields(fields: list[FieldInfo], pattern: str) -> list[FieldInfo]:
    """Fields whose name or alias matches `pattern` and whose type can hold a string."""
    rx = re.compile(pattern, re.IGNORECASE)
    return [
        f
        for f in fields
        if (f.is_secret_type or f.is_str_type) and (rx.search(f.name) or (f.alias and rx.search(f.alias)))
    ]
