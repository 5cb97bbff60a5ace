"""Whether plain JSON data has the shape a JSON schema gives it, said the way a person reads it.

The subset LangChain's schema conversion writes: `type` (one or a list), `properties`, `required`,
`items`, `enum`, `anyOf`/`oneOf`/`allOf` and `$ref` into `$defs`. A property the schema does not
define is a problem; an optional property may be absent or null.
"""

from __future__ import annotations

from typing import Any

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
    "null": (type(None),),
}
MAX_DEPTH = 12
ROOT = "\x00root"


def json_type(value: Any) -> str:
    """The JSON type of a plain value: string, integer, number, boolean, array, object or null."""
    if isinstance(value, bool):
        return "boolean"
    return next((n for n, kinds in JSON_TYPES.items() if isinstance(value, kinds)), type(value).__name__)


def shape_problems(value: Any, schema: dict[str, Any], root: str = "the value") -> list[str]:
    """What is wrong with `value` against `schema`, each naming the key it is about (`root` for the
    value itself); [] if nothing."""
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    return [p.replace(ROOT, root) for p in _problems(value, schema, "", defs, 0)]


def _problems(value: Any, schema: dict[str, Any], where: str, defs: dict[str, Any], depth: int) -> list[str]:
    schema = _resolve(schema, defs)
    if depth > MAX_DEPTH:
        return []
    choices = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(choices, list) and choices:
        found = [_problems(value, c, where, defs, depth + 1) for c in choices if isinstance(c, dict)]
        return [] if any(not f for f in found) else min(found, key=len)
    wanted = _types(schema)
    if wanted and not any(_is(value, t) for t in wanted):
        return [f"{_name(where)} is {_described(value)}, not {' or '.join(_a(t) for t in wanted)}"]
    if "enum" in schema and isinstance(schema["enum"], list) and value not in schema["enum"]:
        return [f"{_name(where)} is {value!r}, not one of {schema['enum']!r}"]
    if isinstance(value, dict):
        return _object(value, schema, where, defs, depth)
    if isinstance(value, (list, tuple)) and isinstance(schema.get("items"), dict):
        return [
            p
            for i, item in enumerate(value)
            for p in _problems(item, schema["items"], f"{where}[{i}]", defs, depth + 1)
        ]
    return []


def _object(
    value: dict[str, Any], schema: dict[str, Any], where: str, defs: dict[str, Any], depth: int
) -> list[str]:
    props: dict[str, Any] = schema.get("properties") or {}
    required = [r for r in schema.get("required") or [] if isinstance(r, str)]
    problems = [f"{_name(where)} lacks the required key {r!r}" for r in required if r not in value]
    if props and schema.get("additionalProperties") is not True:
        problems += [
            f"{_name(where)} has the key {str(k)!r}, which the schema does not define"
            for k in value
            if k not in props
        ]
    for key, item in value.items():
        if key not in props or (item is None and key not in required):
            continue  # an optional property may be null
        problems += _problems(item, props[key], _key(where, str(key)), defs, depth + 1)
    return problems


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    for _ in range(MAX_DEPTH):
        ref = schema.get("$ref")
        parts = schema.get("allOf")
        if isinstance(ref, str):
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**defs.get(ref.rsplit("/", 1)[-1], {}), **rest}
        elif isinstance(parts, list) and len(parts) == 1 and isinstance(parts[0], dict):
            schema = {**{k: v for k, v in schema.items() if k != "allOf"}, **parts[0]}
        else:
            break
    return schema


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    return [k for k in kinds if k in JSON_TYPES]


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, JSON_TYPES[kind])


def _key(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _name(where: str) -> str:
    return f"'{where}'" if where else ROOT


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _described(value: Any) -> str:
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:40] + "..."
    return f"{_a(json_type(value))} ({shown})"
