"""How a field is documented besides its attribute docstring, and whether it is a user argument.

A class docstring documents fields in an `Attributes:`/`Args:` section (Google style: the entries
indented under the title; NumPy style: the title underlined, entries at its level; LangChain's
"Key init args — ...:" sections are Google style). A field marked `:meta private:` (in a `#:`
comment or its docstring) is left out of the API reference; with `exclude=True` it is not an
argument a user passes either (an SDK client handle), so the docs check does not ask for it.
"""

from __future__ import annotations

import ast
import re

SECTION = re.compile(
    r"^(?P<indent>\s*)(?:Attributes|Args|Arguments|Parameters|Params|Key init args\b[^:\n]*)\s*:?\s*$",
    re.IGNORECASE,
)
UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
ENTRY = re.compile(r"^\*{0,2}(?P<name>[A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*(?::|$)")
PRIVATE = ":meta private:"


def documented_in(doc: str) -> set[str]:
    """The names documented in the Attributes/Args sections of a (cleaned) docstring."""
    lines = doc.expandtabs().splitlines()
    names: set[str] = set()
    i = 0
    while i < len(lines):
        found = SECTION.match(lines[i])
        i += 1
        if not found:
            continue
        numpy = i < len(lines) and bool(UNDERLINE.match(lines[i]))
        i += 1 if numpy else 0
        entries, i = _section(lines, i, len(found["indent"]), numpy)
        names |= entries
    return names


def _section(lines: list[str], i: int, base: int, numpy: bool) -> tuple[set[str], int]:
    """The entry names of one section starting at line `i`, and the line after it."""
    names: set[str] = set()
    level: int | None = None
    while i < len(lines):
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        if line.strip():
            if indent < base or (not numpy and indent == base):
                break
            if numpy and indent == base and i + 1 < len(lines) and UNDERLINE.match(lines[i + 1]):
                break
            level = indent if level is None else level
            entry = ENTRY.match(line.strip()) if indent == level else None
            if entry:
                names.add(entry["name"])
        i += 1
    return names, i


def private_fields(body: list[ast.stmt], lines: list[str]) -> set[str]:
    """Class-body fields marked `:meta private:` in a `#:` comment (on or above the line) or in their
    docstring. `lines` are the source lines the statement's line numbers count in."""
    names: set[str] = set()
    for node, following in zip(body, [*body[1:], None], strict=True):
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        name = node.target.id
        if PRIVATE in _docstring(following) or PRIVATE in _comments(lines, node.lineno, name):
            names.add(name)
    return names


def _docstring(node: ast.stmt | None) -> str:
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return node.value.value if isinstance(node.value.value, str) else ""
    return ""


def _comments(lines: list[str], lineno: int, name: str) -> str:
    """The comment at the end of the field's line and the `#:` lines right above it."""
    at = lineno - 1
    if not 0 <= at < len(lines) or name not in lines[at]:
        return ""
    found = [lines[at].partition("#")[2]]
    above = at - 1
    while above >= 0 and lines[above].strip().startswith("#:"):
        found.append(lines[above])
        above -= 1
    return "\n".join(found)
