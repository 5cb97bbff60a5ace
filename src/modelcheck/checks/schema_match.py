"""Whether a plain value matches a JSON schema, as far as tool arguments and structured output need.

Types (`string`, `integer`, `number`, `boolean`, `array`, `object`, `null`, and lists of them),
`required` properties, `enum`/`const`, array `items`, object `properties`, `$ref` into
`$defs`/`definitions`, `anyOf`/`oneOf` (one choice matches) and `allOf` (every part matches).
Properties the schema does not name are allowed (JSON schema allows them unless
`additionalProperties` is false, which is checked). An integer given as 3.0 counts as an
integer, as JSON schema says; a bool never counts as a number.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 12


def mismatches(value: Any, schema: dict[str, Any]) -> list[str]:
    """What in `value` does not match `schema`, each as "<path>: <what>" ("" when none)."""
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    return _check(value, schema, defs, "args", 0)


def _check(value: Any, schema: dict[str, Any], defs: dict[str, Any], path: str, depth: int) -> list[str]:
    if depth > MAX_DEPTH or not isinstance(schema, dict):
        return []
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = defs.get(ref.rsplit("/", 1)[-1])
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return _check(value, {**(target or {}), **rest}, defs, path, depth + 1) if target else []
    for key in ("anyOf", "oneOf"):
        choices = schema.get(key)
        if isinstance(choices, list) and choices:
            found = [_check(value, c, defs, path, depth + 1) for c in choices]
            if all(found):
                return [f"{path}: {_show(value)} matches none of its {len(choices)} allowed forms"]
    for part in schema.get("allOf") or []:
        problems = _check(value, part, defs, path, depth + 1)
        if problems:
            return problems
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {_show(value)} is not one of {schema['enum']!r}"]
    if "const" in schema and value != schema["const"]:
        return [f"{path}: {_show(value)} is not {schema['const']!r}"]
    kinds = _kinds(schema)
    if kinds and not any(_is(value, k) for k in kinds):
        return [f"{path}: {_show(value)} is a {_json_type(value)}, not {' or '.join(kinds)}"]
    if isinstance(value, dict):
        return _object(value, schema, defs, path, depth)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [
            p
            for i, item in enumerate(value)
            for p in _check(item, schema["items"], defs, f"{path}[{i}]", depth + 1)
        ]
    return []


def _object(
    value: dict[str, Any], schema: dict[str, Any], defs: dict[str, Any], path: str, depth: int
) -> list[str]:
    props = schema.get("properties") or {}
    problems = [
        f"{path}: the required {k!r} is missing" for k in schema.get("required", []) if k not in value
    ]
    if schema.get("additionalProperties") is False:
        problems += [f"{path}: {k!r} is not a property the schema allows" for k in value if k not in props]
    for key, item in value.items():
        if isinstance(props.get(key), dict):
            problems += _check(item, props[key], defs, f"{path}[{key!r}]", depth + 1)
    return problems


def _kinds(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    return [k for k in kind if isinstance(k, str)] if isinstance(kind, list) else []


def _is(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return not isinstance(value, bool) and (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        )
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "null":
        return value is None
    return True


def _json_type(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
