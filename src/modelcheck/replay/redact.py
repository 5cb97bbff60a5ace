"""What of an HTTP exchange may be kept in a cassette, and the form in which requests are matched.

Secrets go first: every header but `content-type` is dropped (auth headers, cookies, session
headers, client versions that vary between machines), query parameters and JSON or form body
fields named like credentials read `***`, and so do JWT-shaped strings and every known
secret (canaries and real keys) in every form the scrubber masks, wherever it appears: in the raw
bytes, in each decoded value, and in each value decoded again as a reader might.
Then requests are normalized for matching: JSON keys sorted, values that differ from run to run
(ids, timestamps, random tool-call ids) replaced by numbered placeholders, so a request matches its
recording whichever key made it and whatever ids it carries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from modelcheck.secrets.fields import looks_secret
from modelcheck.secrets.scrub import MASK, Scrubber

REDACTED = MASK  # what modelcheck shows for a secret everywhere, so replayed echoes match snapshots
KEPT_HEADERS = ("content-type",)
CREDENTIAL_NAMES = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "set-cookie", "session"}
)
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
ID_KEYS = re.compile(r"^(?!model)(id|.*_id|.*Id)$")  # a model id names what is asked: it must match
TIME_KEYS = re.compile(r"^(created|timestamp|date|time|.*_at)$")
VOLATILE_VALUES = (
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "id"),
    (re.compile(r"\b(call|toolu|run|chatcmpl|msg|req)[_-][A-Za-z0-9]{8,}\b"), "id"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?\b"), "time"),
)


class Redactor:
    """Removes secrets from what the model sent and received, and normalizes requests for matching.

    Secrets are the scrubber's: every form it masks, case ignored, in the raw bytes of a body (also
    read as UTF-16), in each decoded value, and in each value as a reader may decode it again (a
    query value holding `AKIA%2F...+...` is the key to a server that keeps `+`)."""

    def __init__(self, secrets: Iterable[str], pattern: str) -> None:
        self.scrub = Scrubber(secrets)
        self.pattern = pattern

    def is_credential(self, name: str) -> bool:
        lowered = name.lower()
        return lowered in CREDENTIAL_NAMES or looks_secret(lowered.replace("-", "_"), self.pattern)

    def text(self, value: str) -> str:
        """The text with every secret masked; a text that shows one only once decoded reads `***`."""
        value = self.scrub(value)
        return REDACTED if self.scrub.found_decoded(value) else JWT.sub(REDACTED, value)

    def raw(self, body: bytes) -> bytes:
        """A body's bytes with every secret masked, in each text they decode as."""
        return self.scrub.mask_bytes(body)

    def data(self, value: Any, *, names: bool) -> Any:
        """A JSON value with secrets removed; with `names`, string fields named like credentials too
        (an object under such a name is walked: a tool schema's `api_key` property is no secret)."""
        if isinstance(value, dict):
            return {
                self.text(str(k)): REDACTED
                if names and self.is_credential(str(k)) and isinstance(value[k], str) and value[k]
                else self.data(value[k], names=names)
                for k in value
            }
        if isinstance(value, list):
            return [self.data(v, names=names) for v in value]
        return self.text(value) if isinstance(value, str) else value

    def uri(self, uri: str) -> str:
        """The URI without credential query parameters' values, and with no secret left in it; each
        piece is judged as sent (a hand-built query may hold the key unencoded) and decoded."""
        parts = urlsplit(uri)
        query = "&".join(self._param(raw) for raw in parts.query.split("&")) if parts.query else ""
        path = "/".join(self.text(segment) for segment in parts.path.split("/"))
        return self.text(urlunsplit((parts.scheme, self.text(parts.netloc), path, query, "")))

    def _param(self, raw: str) -> str:
        name, eq, value = raw.partition("=")
        if value and self.is_credential(unquote_plus(name)):
            return f"{self.text(name)}={REDACTED}"
        return f"{self.text(name)}{eq}{self.text(value)}"

    def request_body(self, body: bytes | None, content_type: str) -> bytes:
        """The body as it is stored and matched: JSON sorted and normalized, forms sorted, secrets out."""
        if not body:
            return b""
        text = self.raw(body).decode("utf-8", errors="replace")
        if "json" in content_type or text.lstrip()[:1] in ("{", "["):
            try:
                parsed = json.loads(text)
            except ValueError:
                return self.text(text).encode()
            clean = normalize(self.data(parsed, names=True))
            return json.dumps(clean, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        if "x-www-form-urlencoded" in content_type:
            kept = sorted(self._field(raw) for raw in text.split("&") if raw)
            return urlencode(kept, safe="*<>").encode()
        return self.text(text).encode()

    def _field(self, raw: str) -> tuple[str, str]:
        """A form field, decoded; its value `***` when named like a credential or when it shows a
        secret read either way (`+` kept, or `+` as a space)."""
        name, _, value = raw.partition("=")
        key, decoded = unquote_plus(name), unquote_plus(value)
        secret = self.is_credential(key) or self.scrub.found_decoded(value)
        return self.text(key), REDACTED if secret and decoded else self.text(decoded)


def normalize(value: Any) -> Any:
    """Values that differ from run to run, replaced by `<id-N>`/`<time>`; the same id keeps one number."""
    ids: dict[str, str] = {}

    def placeholder(kind: str, original: str) -> str:
        if kind == "time":
            return "<time>"
        return ids.setdefault(original, f"<id-{len(ids)}>")

    def walk(item: Any, key: str = "") -> Any:
        if isinstance(item, dict):
            return {k: walk(item[k], str(k)) for k in sorted(item, key=str)}
        if isinstance(item, list):
            return [walk(v, key) for v in item]
        if isinstance(item, str) and not (item.startswith("<") and item.endswith(">")):
            if ID_KEYS.match(key) and item:
                return placeholder("id", item)
            if TIME_KEYS.match(key) and item:
                return "<time>"
            for pattern, kind in VOLATILE_VALUES:
                item = pattern.sub(_replacer(placeholder, kind), item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool) and TIME_KEYS.match(key):
            return "<time>"
        return item

    return walk(value)


def _replacer(placeholder: Callable[[str, str], str], kind: str) -> Callable[[re.Match[str]], str]:
    return lambda match: placeholder(kind, match.group(0))
