"""The schema-fill rule the reference chat model answers by: a value made from a JSON schema.

Tool-call arguments and structured output share it. Given the last human message's text: a string
is that text; an integer its word count; a number that count as a float; a boolean true; an enum
its first value (a const its value); an array one item filled by its item schema; an object its
required properties, filled recursively. `$ref`s are followed within the schema's `$defs`
(`definitions`); `anyOf`/`oneOf` take their first non-null choice, `allOf` its first part.
"""

from __future__ import annotations

from typing import Any

from ._echo import words

SIMPLE = ("string", "integer", "number", "boolean", "array", "object")


def fill(schema: dict[str, Any], text: str) -> Any:
    """The value the rule makes from `schema` for a prompt whose text is `text`."""
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    return _fill(schema, text, defs, depth=0)


def _fill(schema: dict[str, Any], text: str, defs: dict[str, Any], depth: int) -> Any:
    schema = _resolve(schema, defs)
    if depth > 8:
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = _type(schema)
    if kind == "object":
        props = schema.get("properties", {})
        return {
            name: _fill(props.get(name, {}), text, defs, depth + 1) for name in schema.get("required", [])
        }
    if kind == "array":
        return [_fill(schema.get("items", {}), text, defs, depth + 1)]
    if kind == "integer":
        return words(text)
    if kind == "number":
        return float(words(text))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return text


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The schema itself: a `$ref` followed, the first non-null `anyOf`/`oneOf` choice taken."""
    for _ in range(8):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**defs.get(ref.rsplit("/", 1)[-1], {}), **rest}
            continue
        choices = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(choices, list) and choices:
            real = [c for c in choices if c.get("type") != "null"] or choices
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
            schema = {**rest, **real[0]}
            continue
        parts = schema.get("allOf")
        if isinstance(parts, list) and parts:
            schema = {**{k: v for k, v in schema.items() if k != "allOf"}, **parts[0]}
            continue
        break
    return schema


def _type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    return "object" if "properties" in schema else "string"
