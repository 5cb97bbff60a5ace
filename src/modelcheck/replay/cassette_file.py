"""The cassette file: YAML with parsed bodies, written in one order whatever order the probes ran in,
and scanned for every known secret after it is written.

Interactions are sorted by request, then response, and exact repeats are kept once, so recording
twice against the same deterministic server gives the same bytes although the probes run
concurrently. A file that still holds a secret in any form is deleted, and the error names the
line and the interaction, never the value.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from modelcheck.replay.bodies import Doc
from modelcheck.replay.cassette_check import VERSION, Malformed, check, line_of, load
from modelcheck.secrets.scrub import Scrubber

HEADER = (
    "# modelcheck cassette for {target}: the HTTP the model made while it was observed.\n"
    "# Written by --modelcheck-record with secrets removed; review it like code. Record it again with:\n"
    "#   {command}\n"
)


@dataclass(frozen=True)
class Interaction:
    """One request (as stored and matched) and the response the server gave to it."""

    method: str
    uri: str
    body: bytes
    content_type: str
    status: int
    reason: str
    response_type: str
    response: Doc

    def key(self) -> tuple[str, str, bytes, str]:
        return (self.method, self.uri, self.body, json.dumps(self.response, sort_keys=True))


class CassetteError(Exception):
    """A cassette that cannot be read, or that still held a secret; the text names the file and line."""


def request_doc(body: bytes, content_type: str) -> Doc:
    if not body:
        return {}
    text = body.decode("utf-8", errors="replace")
    try:
        return {"json": json.loads(text)} if "json" in content_type or text[:1] in "{[" else {"text": text}
    except ValueError:
        return {"text": text}


def request_bytes(doc: Doc) -> bytes:
    if "json" in doc:
        return json.dumps(doc["json"], sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return str(doc.get("text", "")).encode()


def render(target: str, command: str, interactions: list[Interaction], observed: dict[str, Any]) -> str:
    unique = {i.key(): i for i in interactions}
    ordered = [unique[k] for k in sorted(unique)]
    document = {
        "version": VERSION,
        "target": target,
        "interactions": [_interaction_doc(i) for i in ordered],
        "observed": observed,
    }
    body: str = yaml.dump(document, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, width=10**9)
    return HEADER.format(target=target, command=command) + body


def _interaction_doc(i: Interaction) -> dict[str, Any]:
    request: dict[str, Any] = {"method": i.method, "uri": i.uri}
    if i.body:
        request["content-type"] = i.content_type
        request["body"] = request_doc(i.body, i.content_type)
    response: dict[str, Any] = {"status": i.status, "reason": i.reason}
    if i.response_type:
        response["content-type"] = i.response_type
    response["body"] = i.response
    return {"request": request, "response": response}


def parse(path: Path, command: str = "") -> tuple[list[Interaction], dict[str, Any]]:
    """The interactions and the recorded observations of a cassette file; a file that is not what
    `render` writes, or exceeds the limits of `cassette_check`, is one CassetteError paragraph."""
    root = None
    try:
        document, root = load(path.read_text(encoding="utf-8"))
        check(document)
    except (OSError, UnicodeDecodeError) as exc:
        raise CassetteError(f"the cassette {path} cannot be read ({type(exc).__name__}: {exc}).") from None
    except Malformed as exc:
        if root is not None and not exc.line:
            exc.line = line_of(root, exc.place)
        again = f"record it again: `{command}`" if command else "record it again"
        raise CassetteError(
            f"modelcheck cannot use the cassette {path}: {exc.describe()}. modelcheck writes every "
            f"cassette it reads with --modelcheck-record; a file edited by hand or cut short is not "
            f"used: {again}, or restore it from version control."
        ) from None
    interactions = [_interaction(item) for item in document["interactions"]]
    return interactions, document.get("observed") or {}


def _interaction(item: dict[str, Any]) -> Interaction:
    request, response = item["request"], item["response"]
    content_type = str(request.get("content-type", ""))
    return Interaction(
        method=str(request["method"]),
        uri=str(request["uri"]),
        body=request_bytes(request["body"]) if "body" in request else b"",
        content_type=content_type,
        status=int(response["status"]),
        reason=str(response.get("reason", "")),
        response_type=str(response.get("content-type", "")),
        response=dict(response["body"]),
    )


def write_checked(path: Path, text: str, secrets: list[str]) -> None:
    """Write the cassette, then read it back; a secret left in any form deletes it and raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    place = find_secret(path.read_text(encoding="utf-8"), secrets)
    if place is not None:
        path.unlink()
        raise CassetteError(
            f"modelcheck refused to keep the cassette {path}: a secret the run knows (a canary or a "
            f"real key, in one of the forms modelcheck masks) was still in it at {place}, so the file "
            "was deleted. Every known secret is masked in every part of an interaction before the "
            "file is written, so this is a modelcheck bug: please report it, with the place but not "
            "the file. Until then, check this target live (without --modelcheck-record)."
        )


def find_secret(text: str, secrets: list[str]) -> str | None:
    """Where in a cassette's text a secret is, as 'line N (interaction K, request body)', or None.

    Each line is searched as is and URL-decoded, then each YAML value as loaded (escapes undone),
    without NULs, and its bytes when it is base64: the forms and views the redaction masks."""
    scrub = Scrubber(secrets)
    lines = text.splitlines()
    parts = _parts(lines)
    hit = next((n for n, line in enumerate(lines) if scrub.found_decoded(line)), None)
    if hit is None:
        hit = next((n for n, value in _scalars(text) if _shows(scrub, value)), None)
    return None if hit is None else f"line {hit + 1} ({parts[min(hit, len(parts) - 1)]})"


def _shows(scrub: Scrubber, value: str) -> bool:
    if scrub.found_decoded(value):
        return True
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        return False
    return scrub.found_bytes(raw)


def _scalars(text: str) -> list[tuple[int, str]]:
    """Every scalar of the YAML document with its (0-based) line."""
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []
    out: list[tuple[int, str]] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            out.append((node.start_mark.line, str(node.value)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)
    return sorted(out)


def _parts(lines: list[str]) -> list[str]:
    """For each line, the part of the file it is in: 'the header', 'interaction K, response body'..."""
    out: list[str] = []
    interaction, part = 0, "the header"
    for line in lines:
        stripped = line.strip()
        if stripped == "- request:":
            interaction += 1
        if stripped in ("- request:", "response:", "observed:") or stripped.startswith("body:"):
            part = _part(stripped, part)
        out.append(f"interaction {interaction}, {part}" if interaction and "observ" not in part else part)
    return out or ["the header"]


def _part(line: str, current: str) -> str:
    if line == "- request:":
        return "request"
    if line == "response:":
        return "response"
    if line == "observed:":
        return "the recorded observations"
    return f"{current.split()[0]} body" if current in ("request", "response") else current
