"""A cassette read with limits, and checked for the shape modelcheck writes, before it is used.

A cassette is a file anyone can edit, and YAML can say a lot in a few bytes: aliases (`*name`)
repeat a node without copying it, so 651 bytes of nested aliases expand to a body of megabytes,
and an alias inside its own anchor makes a loop. The file is refused when it is larger than
`MAX_BYTES`, nests deeper than `MAX_DEPTH`, expands to more than `MAX_NODES` nodes or loops; then
every part is checked against the shape `render` writes. Each problem is a `Malformed` naming
the place (`interactions[3].response.body.sse[2]`) and the line.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import yaml

VERSION = 1
MAX_BYTES = 20 * 2**20  # twenty times the largest cassette of a real provider we recorded
MAX_DEPTH = 64
MAX_NODES = 1_000_000
BODY_KINDS = ("json", "sse", "ndjson", "text", "base64")
SSE_FIELDS = {"event", "id", "retry", "data", "text"}


class Malformed(Exception):
    """What is wrong with a cassette and where: `place` (a path into it), `line` (1-based, or 0)."""

    def __init__(self, place: str, problem: str, line: int = 0) -> None:
        self.place, self.problem, self.line = place, problem, line
        super().__init__(f"{place}: {problem}")

    def describe(self) -> str:
        if self.place == "the file":
            return f"at line {self.line}, {self.problem}" if self.line else self.problem
        where = f"{self.place} (line {self.line})" if self.line else self.place
        return f"at {where}, {self.problem}"


def load(text: str) -> tuple[Any, yaml.Node]:
    """The YAML document and its node graph (for `line_of`), within the limits; raises Malformed."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_BYTES:
        raise Malformed("the file", f"it is {size:,} bytes, more than the {MAX_BYTES:,} a cassette may hold")
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise Malformed(
            "the file", f"it is not valid YAML ({problem})", mark.line + 1 if mark else 0
        ) from None
    if root is None:
        raise Malformed("the file", "it is empty")
    _bounded(root)
    return yaml.SafeLoader("").construct_document(root), root


def line_of(root: yaml.Node, place: str) -> int:
    """The line (1-based) of the part of the file `place` names (`interactions[3].response.body`),
    or of the nearest part above it that exists."""
    node, line = root, _line(root)
    for step in re.findall(r"\[(\d+)\]|\.?([^.\[]+)", place):
        index, key = step
        if index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            node = node.value[int(index)]
        elif key and isinstance(node, yaml.MappingNode):
            found = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key]
            if not found:
                return line
            node = found[0]
        else:
            return line
        line = _line(node)
    return line


def _bounded(root: yaml.Node) -> None:
    """Refuse a node graph that loops, nests too deep or expands (aliases counted each time) too far."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int, open_: set[int]) -> int:
        if id(node) in open_:
            raise Malformed("the file", "an alias refers to a node that contains it (a loop)", _line(node))
        if depth > MAX_DEPTH:
            raise Malformed("the file", f"it nests deeper than {MAX_DEPTH} levels", _line(node))
        if id(node) not in sizes:
            children = _children(node)
            open_.add(id(node))
            sizes[id(node)] = 1 + sum(size(child, depth + 1, open_) for child in children)
            open_.discard(id(node))
        if sizes[id(node)] > MAX_NODES:
            raise Malformed("the file", f"its aliases expand to more than {MAX_NODES:,} values", _line(node))
        return sizes[id(node)]

    size(root, 0, set())


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def check(document: Any) -> None:
    """Raise Malformed at the first part of the document that is not what `render` writes."""
    top = _mapping(document, "the file")
    if "version" in top and top["version"] != VERSION:
        raise Malformed("version", f"it is {top['version']!r}; this modelcheck reads version {VERSION}")
    items = top.get("interactions")
    if not isinstance(items, list):
        raise Malformed("interactions", "a list of interactions is expected")
    for n, item in enumerate(items):
        _interaction(item, f"interactions[{n}]")
    observed = top.get("observed")
    if observed is not None:
        _observed(observed)


def _interaction(item: Any, place: str) -> None:
    item = _mapping(item, place)
    request = _mapping(item.get("request"), f"{place}.request")
    for key in ("method", "uri"):
        _string(request.get(key), f"{place}.request.{key}")
    _optional_string(request, "content-type", f"{place}.request")
    if "body" in request:
        _body(request["body"], f"{place}.request.body")
    response = _mapping(item.get("response"), f"{place}.response")
    status = response.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise Malformed(f"{place}.response.status", f"it is {status!r}; an HTTP status (100-599) is expected")
    _optional_string(response, "reason", f"{place}.response")
    _optional_string(response, "content-type", f"{place}.response")
    _body(response.get("body"), f"{place}.response.body")


def _body(body: Any, place: str) -> None:
    body = _mapping(body, place)
    kinds = [k for k in BODY_KINDS if k in body]
    if len(kinds) != 1 or len(body) != 1:
        raise Malformed(place, f"one of {', '.join(BODY_KINDS)} is expected, found {sorted(map(str, body))}")
    kind, value = kinds[0], body[kinds[0]]
    if kind in ("text", "base64"):
        _string(value, f"{place}.{kind}")
    if kind == "base64":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise Malformed(f"{place}.base64", "it is not valid base64") from None
    if kind in ("sse", "ndjson") and not isinstance(value, list):
        raise Malformed(f"{place}.{kind}", "a list is expected")
    if kind == "sse":
        for n, event in enumerate(value):
            event = _mapping(event, f"{place}.sse[{n}]")
            unknown = sorted(set(map(str, event)) - SSE_FIELDS)
            if unknown:
                raise Malformed(
                    f"{place}.sse[{n}]", f"unknown fields {unknown}; an event has {sorted(SSE_FIELDS)}"
                )


def _observed(observed: Any) -> None:
    probes = _mapping(_mapping(observed, "observed").get("native-async", {}), "observed.native-async")
    for name, seen in probes.items():
        place = f"observed.native-async.{name}"
        seen = _mapping(seen, place)
        for key, fields in (
            ("thread_pool", {"function": str}),
            ("loop_stalls", {"where": str, "seconds": float}),
        ):
            entries = seen.get(key) or []
            if not isinstance(entries, list):
                raise Malformed(f"{place}.{key}", "a list is expected")
            for n, entry in enumerate(entries):
                entry = _mapping(entry, f"{place}.{key}[{n}]")
                for field, kind in fields.items():
                    value = entry.get(field)
                    if not isinstance(value, (int, float) if kind is float else str) or isinstance(
                        value, bool
                    ):
                        raise Malformed(
                            f"{place}.{key}[{n}].{field}", f"it is {value!r}; a {kind.__name__} is expected"
                        )
            if key == "thread_pool":
                for n, entry in enumerate(entries):
                    blocked = entry.get("blocked_s", 0)
                    if not isinstance(blocked, (int, float)) or isinstance(blocked, bool):
                        raise Malformed(
                            f"{place}.{key}[{n}].blocked_s", f"it is {blocked!r}; a number is expected"
                        )


def _mapping(value: Any, place: str) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise Malformed(place, f"a mapping is expected, found {_kind(value)}")
    return value


def _string(value: Any, place: str) -> None:
    if not isinstance(value, str):
        raise Malformed(place, f"a string is expected, found {_kind(value)}")


def _optional_string(mapping: dict[Any, Any], key: str, place: str) -> None:
    if key in mapping:
        _string(mapping[key], f"{place}.{key}")


def _kind(value: Any) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {str(value)[:40]!r}"
