"""Every secret a run can know of, gathered before anything is printed.

The scrubber must know a secret before the first message that could hold it: a load error can
echo the params (pydantic's `input_value={...}`), a setup error the environment. So the run's
scrubber learns the params' secrets and the `secret_env` values before a target is built, and
the built instance's credentials (read from its fields, without running model code) right after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from modelcheck.core.settings import TargetSettings
from modelcheck.secrets.fields import looks_secret


def configured_secrets(settings: TargetSettings) -> list[str]:
    """The params' strings under a credential name (at any depth), and the `secret_env` values."""
    found = list(_strings_under_secret_names(settings.params, settings.secret_pattern, False))
    found += [os.environ[n] for n in settings.secret_env if os.environ.get(n)]
    return found


def _strings_under_secret_names(value: Any, pattern: str, secret: bool, depth: int = 0) -> Iterator[str]:
    if depth > 8:
        return
    if isinstance(value, str):
        if secret:
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            named = secret or (isinstance(key, str) and looks_secret(key, pattern))
            yield from _strings_under_secret_names(item, pattern, named, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings_under_secret_names(item, pattern, secret, depth + 1)


def instance_secrets(model: Any, pattern: str) -> list[str]:
    """Credentials a built model holds: every `SecretStr` field, and strings in credential fields.

    Read from the instance's `__dict__`, not through attributes, so no model code runs.
    """
    values: dict[str, Any] = dict(getattr(model, "__dict__", {}) or {})
    fields: dict[str, Any] = getattr(type(model), "model_fields", {}) or {}
    out: list[str] = []
    for name, value in values.items():
        info = fields.get(name)
        alias = getattr(info, "alias", None) if info is not None else None
        named = looks_secret(name, pattern) or (isinstance(alias, str) and looks_secret(alias, pattern))
        out.extend(_secret_values(value, named))
    return list(dict.fromkeys(out))


def _secret_values(value: Any, named: bool) -> list[str]:
    if hasattr(value, "get_secret_value") and not isinstance(value, type):
        try:
            inner = value.get_secret_value()
        except Exception:  # a custom secret type may refuse; then there is nothing to learn
            return []
        return [inner] if isinstance(inner, str) and inner else []
    if named and isinstance(value, str) and value:
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _secret_values(v, named)]
    return []
