"""Per-target settings: `--modelcheck*` options, the `modelcheck_*` ini keys and `[tool.modelcheck]`.

Everything here is validated before any model is touched; a bad value is a `pytest.UsageError`
whose one paragraph names the key, the value and the fix.
"""

from __future__ import annotations

import difflib
import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - pytest depends on tomli on Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

DEFAULT_TARGETS = (
    "modelcheck.reference_models:EchoLLM",
    "modelcheck.reference_models:EchoChatModel",
    "modelcheck.reference_models:EchoEmbeddings",
)
# A target named `fixture:NAME` is the model the pytest fixture NAME returns.
FIXTURE = "fixture:"
STOP_POLICIES = ("include", "exclude", "any")
DEFAULT_SECRET_PATTERN = r"(^|_)(api_?key|key|token|secret|password|passwd|credentials?|auth)$"
SETTING_KEYS = (
    "params",
    "stop_policy",
    "skip",
    "timeout",
    "secret_env",
    "secret_pattern",
    "snapshot_exclude",
    "capabilities",
    "image_url",
    "nondeterministic",
)
README = "modelcheck README.md#configuring-a-target"


@dataclass(frozen=True)
class TargetSettings:
    """How one target is built and judged."""

    target: str
    params: dict[str, Any] = field(default_factory=dict)
    stop_policy: str = "include"
    skip: tuple[str, ...] = ()
    timeout: float = 30.0
    secret_env: tuple[str, ...] = ()
    secret_pattern: str = DEFAULT_SECRET_PATTERN
    snapshot_exclude: tuple[str, ...] = ()
    capabilities: dict[str, bool] = field(default_factory=dict)
    image_url: str | None = None
    nondeterministic: bool = False
    params_given: bool = False


def usage_error(text: str) -> pytest.UsageError:
    return pytest.UsageError(f"modelcheck: {text} See {README}.")


def parse_params_option(raw: str | None) -> dict[str, Any] | None:
    """Parse `--modelcheck-params`: a JSON object of constructor keyword arguments."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise usage_error(
            f"--modelcheck-params is not valid JSON ({exc.msg} at character {exc.pos}). "
            'Give a JSON object of constructor arguments, e.g. --modelcheck-params=\'{"model_name": "x"}\'.'
        ) from None
    if not isinstance(value, dict):
        raise usage_error(
            f"--modelcheck-params must be a JSON object of constructor arguments, "
            f"got a JSON {type(value).__name__}. Write it as '{{\"name\": value, ...}}'."
        )
    return value


def read_pyproject(rootpath: Path) -> dict[str, Any]:
    """Return the `[tool.modelcheck]` table of the rootdir's pyproject.toml, or {}."""
    path = rootpath / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise usage_error(f"{path} is not valid TOML ({exc}). Fix the file.") from None
    table = data.get("tool", {}).get("modelcheck", {})
    if not isinstance(table, dict):
        raise usage_error("[tool.modelcheck] in pyproject.toml must be a table.")
    return table


def split_table(table: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Split `[tool.modelcheck]` into defaults for every target and per-target tables."""
    defaults: dict[str, Any] = {}
    per_target: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if ":" in key:
            if not isinstance(value, dict):
                raise usage_error(
                    f'[tool.modelcheck."{key}"] must be a table of settings, got {type(value).__name__}.'
                )
            per_target[key] = value
        else:
            defaults[key] = value
    return defaults, per_target


def build_settings(
    target: str,
    defaults: dict[str, Any],
    own: dict[str, Any],
    check_ids: tuple[str, ...],
    cli_params: dict[str, Any] | None,
    where: str | None = None,
) -> TargetSettings:
    """Merge defaults, the target's own table and the CLI params into validated settings.

    `where` names the place the target's own settings came from in error messages (its table in
    pyproject.toml unless said otherwise, e.g. the `modelcheck.suite(...)` call)."""
    merged = {**defaults, **own}
    if where is None or not own:
        where = f'[tool.modelcheck."{target}"]' if own else "[tool.modelcheck]"
    settings = TargetSettings(target=target)
    for key, value in merged.items():
        settings = _apply(settings, key, value, where, check_ids)
    if cli_params is not None:
        settings = replace(settings, params={**settings.params, **cli_params}, params_given=True)
    return settings


def _apply(
    settings: TargetSettings, key: str, value: Any, where: str, check_ids: tuple[str, ...]
) -> TargetSettings:
    if key not in SETTING_KEYS:
        close = difflib.get_close_matches(key, SETTING_KEYS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise usage_error(
            f"unknown key {key!r} in {where}.{hint} The keys a target takes are: "
            f"{', '.join(SETTING_KEYS)}; a target's own table is named by its "
            'module:Name, e.g. [tool.modelcheck."mypkg.models:ChatMyModel"].'
        )
    checker = _VALIDATORS[key]
    return replace(settings, **checker(value, where, check_ids))


def _params(value: Any, where: str, _ids: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise usage_error(f"{where} params must be a table of constructor arguments.")
    return {"params": dict(value), "params_given": True}


def _stop_policy(value: Any, where: str, _ids: tuple[str, ...]) -> dict[str, Any]:
    if value not in STOP_POLICIES:
        raise usage_error(
            f"{where} stop_policy is {value!r}; it must be one of "
            f"{', '.join(repr(p) for p in STOP_POLICIES)}."
        )
    return {"stop_policy": value}


def _skip(value: Any, where: str, ids: tuple[str, ...]) -> dict[str, Any]:
    names = _str_list(value, where, "skip")
    unknown = [n for n in names if n not in ids]
    if unknown:
        raise usage_error(
            f"{where} skip names unknown check ids {unknown}; the check ids are: {', '.join(ids)}."
        )
    return {"skip": tuple(names)}


MAX_TIMEOUT = 86400.0


def _timeout(value: Any, where: str, _ids: tuple[str, ...]) -> dict[str, Any]:
    # TOML has inf and nan; neither (nor a huge number) makes a deadline threads and loops accept.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_TIMEOUT:
        raise usage_error(
            f"{where} timeout is {value!r}; it must be a positive number of seconds per model call. "
            f"It can be at most {MAX_TIMEOUT:g} (a day)."
        )
    return {"timeout": float(value)}


def _secret_env(value: Any, where: str, _ids: tuple[str, ...]) -> dict[str, Any]:
    return {"secret_env": tuple(_str_list(value, where, "secret_env"))}


def _secret_pattern(value: Any, where: str, _ids: tuple[str, ...]) -> dict[str, Any]:
    import re

    if not isinstance(value, str):
        raise usage_error(f"{where} secret_pattern must be a regular expression string.")
    try:
        re.compile(value)
    except re.error as exc:
        raise usage_error(f"{where} secret_pattern is not a valid regular expression ({exc}).") from None
    return {"secret_pattern": value}


def _snapshot_exclude(value: Any, where: str, _ids: tuple[str, ...]) -> dict[str, Any]:
    return {"snapshot_exclude": tuple(_str_list(value, where, "snapshot_exclude"))}


def _capabilities(value: Any, where: str, _ids: tuple[str, ...]) -> dict[str, Any]:
    # lazy: plugin.py imports this module in every pytest run, and the capabilities (with the
    # records) cost more than the rest of the plugin's start-up; only a target's table needs them
    from modelcheck.core.capabilities import NAMES

    example = "capabilities = {tool_calling = true, image_inputs = false}"
    if not isinstance(value, dict):
        raise usage_error(f"{where} capabilities must be a table of names and true/false, e.g. {example}.")
    unknown = [k for k in value if k not in NAMES]
    if unknown:
        raise usage_error(
            f"{where} capabilities names unknown capabilities {unknown}; the capabilities are: "
            f"{', '.join(NAMES)}."
        )
    wrong = [k for k, v in value.items() if not isinstance(v, bool)]
    if wrong:
        raise usage_error(f"{where} capabilities: {', '.join(wrong)} must be true or false, e.g. {example}.")
    return {"capabilities": dict(value)}


MAX_URL = 2048  # what browsers and most servers accept; a longer one is not a URL to fetch


def _image_url(value: Any, where: str, _ids: tuple[str, ...]) -> dict[str, Any]:
    problem = _url_problem(value)
    if problem is not None:
        shown = repr(value) if len(repr(value)) <= 80 else f"{repr(value)[:60]}... ({len(value)} characters)"
        raise usage_error(
            f"{where} image_url is {shown}; it must be an http(s) URL of a small image the model's "
            f"service can fetch, and this one {problem}. For example: "
            'image_url = "https://example.com/modelcheck.png".'
        )
    return {"image_url": value}


def _url_problem(value: Any) -> str | None:
    """How `value` falls short of an http(s) URL a service can fetch, or None."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return "is not one"
    if len(value) > MAX_URL:
        return f"is longer than {MAX_URL} characters"
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "holds a space, tab, newline or other control character"
    try:
        host = urlsplit(value).hostname
    except ValueError:
        host = None
    return None if host else "names no host"


def _nondeterministic(value: Any, where: str, _ids: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, bool):
        raise usage_error(
            f"{where} nondeterministic is {value!r}; it must be true (the model samples: its answers "
            "vary from call to call) or false (judge by what the model is seen to do, the default)."
        )
    return {"nondeterministic": value}


def _str_list(value: Any, where: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise usage_error(f'{where} {key} must be a list of strings, e.g. {key} = ["..."].')
    return list(value)


_VALIDATORS = {
    "params": _params,
    "stop_policy": _stop_policy,
    "skip": _skip,
    "timeout": _timeout,
    "secret_env": _secret_env,
    "secret_pattern": _secret_pattern,
    "snapshot_exclude": _snapshot_exclude,
    "capabilities": _capabilities,
    "image_url": _image_url,
    "nondeterministic": _nondeterministic,
}


def class_keys(per_target: dict[str, dict[str, Any]], cls: type | None) -> list[str]:
    """The per-target tables that name the model's class: `module:Qualname` where it is defined, or
    any `module:Name` of an already imported module that holds that class (a package's re-export,
    `langchain_acme:ChatAcme`). No module is imported to find out."""
    if cls is None:
        return []
    found = []
    for key in per_target:
        if key.startswith(FIXTURE):
            continue
        module_name, _, attr = key.partition(":")
        obj: Any = sys.modules.get(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part, None) if obj is not None else None
        if obj is cls:
            found.append(key)
    defined = f"{cls.__module__}:{cls.__qualname__}"
    return sorted(found, key=lambda k: k == defined)  # the defining module's name wins a tie


def own_table(
    per_target: dict[str, dict[str, Any]], cls: type | None, entry: str | None, check_ids: tuple[str, ...]
) -> dict[str, Any]:
    """A target's own settings, most specific last: the tables of the model's class, then the entry
    point's own table (`fixture:NAME`, the `--modelcheck` name). Each table is validated by itself,
    so an error names the table that holds the bad value."""
    merged: dict[str, Any] = {}
    keys = class_keys(per_target, cls)
    for key in [*keys, *([entry] if entry in per_target and entry not in keys else [])]:
        table = per_target[key]
        build_settings(key, {}, table, check_ids, None)
        merged.update(table)
    return merged
