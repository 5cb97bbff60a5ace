"""Which structured-output calls are made: per method, the schema kinds rotated over the paths.

Each method the model has gets two calls, invoke (with include_raw=True) and stream, and the three
schema kinds rotate over them, so every kind meets both paths across the methods and one call
serves several assertions (the value's type and shape, include_raw, the start callback's
`ls_structured_output_format`):

| method | invoke (include_raw=True) | stream |
|---|---|---|
| function_calling (or the model's default) | pydantic | TypedDict |
| json_schema | TypedDict | JSON schema |
| json_mode | JSON schema | pydantic |

No astream call: the budget for the whole catalog is half the calls langchain-tests makes
(tests/plugin/test_calls.py), and the model's `_astream` is held by the plain `astream` check, by
tool-calls' forced astream (the call function_calling makes) and by tool-events; what
with_structured_output adds on top of it (binding the schema, parsing) is the same on every path.

Plain data, imported by the observer and the judge alike (nothing here imports LangChain).
"""

from __future__ import annotations

from typing import Literal

SchemaKind = Literal["pydantic", "typeddict", "json_schema"]
Path = Literal["invoke", "stream"]
SLOTS = {"fc": "function_calling", "js": "json_schema", "jm": "json_mode"}
"""probe slot -> the method it asks for ("fc" asks for the model's default method when its
`with_structured_output` does not name function_calling)."""
PART_CAPABILITY = {"fc": None, "js": "json_schema", "jm": "json_mode"}
"""probe slot -> the capability its calls need beyond structured_output (None: none)."""
PATHS: tuple[Path, Path] = ("invoke", "stream")
ROTATION: dict[str, tuple[SchemaKind, ...]] = {
    "fc": ("pydantic", "typeddict"),
    "js": ("typeddict", "json_schema"),
    "jm": ("json_schema", "pydantic"),
}
"""slot -> the schema kind of each path, in PATHS' order."""
KIND_NAMES: dict[str, str] = {
    "pydantic": "pydantic Pet",
    "typeddict": "TypedDict PetDict",
    "json_schema": "JSON schema pet_record",
}


def probe_name(slot: str, path: str) -> str:
    return f"so_{slot}_{path}"


PLAN: dict[str, tuple[str, Path, SchemaKind]] = {
    probe_name(slot, path): (slot, path, kind)
    for slot, kinds in ROTATION.items()
    for path, kind in zip(PATHS, kinds, strict=False)
}
"""probe -> (slot, path, schema kind)."""


def slot_probes(slot: str) -> frozenset[str]:
    return frozenset(name for name, (s, _, _) in PLAN.items() if s == slot)
