"""A target module that patches langchain-core when imported: found, undone and named.

Every target in a run is checked against the one langchain-core loaded in the process. A model
module that replaces a function or method of core at import time (`BaseChatModel.stream = ...`)
changes what the other targets are checked against, and they fail checks they would pass. So the
functions, classes and methods of every loaded `langchain_core` module (and of the classes
defined there) are compared before and after each target's module is imported; whatever it
replaced is put back, and that target fails to load with a paragraph naming each replacement.
Attributes a module adds (lazy imports cache names) and dunder attributes of classes (pydantic
rebuilds them) are not compared.
"""

from __future__ import annotations

import sys
from typing import Any

_MISSING = object()
PACKAGE = "langchain_core"

Snapshot = dict[tuple[str, str], tuple[Any, Any]]
"""(owner's dotted name, attribute) -> (owner: a module or class, the value it held)."""


def snapshot() -> Snapshot:
    """Every function, class and method of the loaded langchain-core modules, by identity."""
    out: Snapshot = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == PACKAGE or name.startswith(PACKAGE + ".")):
            continue
        for attr, value in list(vars(module).items()):
            if callable(value) or isinstance(value, property):
                out[(name, attr)] = (module, value)
            if isinstance(value, type) and value.__module__ == name:
                _class_members(out, f"{name}.{value.__qualname__}", value)
    return out


def _class_members(out: Snapshot, dotted: str, cls: type[Any]) -> None:
    for attr, value in list(vars(cls).items()):
        if not attr.startswith("__") and (
            callable(value) or isinstance(value, (property, staticmethod, classmethod))
        ):
            out[(dotted, attr)] = (cls, value)


def replaced(before: Snapshot) -> list[str]:
    """The dotted names whose value is no longer the one `before` holds."""
    return [
        f"{owner_name}.{attr}"
        for (owner_name, attr), (owner, value) in before.items()
        if vars(owner).get(attr, _MISSING) is not value
    ]


def restore(before: Snapshot) -> None:
    """Put back every value `before` holds that was replaced or removed."""
    for (_name, attr), (owner, value) in before.items():
        if vars(owner).get(attr, _MISSING) is not value:
            setattr(owner, attr, value)


def tampering_message(target: str, module: str, names: list[str]) -> str:
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (
        f"modelcheck: importing {module!r} (target {target!r}) replaced {shown} in langchain-core. "
        "modelcheck checks every target against langchain-core as installed, so it put the "
        "originals back and did not check this target. Change the behaviour in your model class "
        "(override the method there) instead of patching langchain-core."
    )
