"""Remove secrets from anything modelcheck is about to show: messages, reports, snapshots.

One list of forms serves both masking (`Scrubber.__call__`) and detection (`Scrubber.found`), so
`secret-masking` can never pass a leak that the scrubber later hides from the report.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
SHORTEST = 4  # a shorter "secret" would mask ordinary words


def encodings(secret: str) -> list[str]:
    """The forms a secret leaks in, matched without regard to case.

    As is; URL-encoded (an HTTP client's error shows `?key=AKIA%2F...`); hex (a dump of the bytes);
    reversed; and base64 (a Basic auth header). Case does not count (`scrub` and `found` ignore it),
    so the upper- and lower-cased key and hex in either case are covered too. Inside a longer base64
    text (`base64("user:" + key)`) the secret's characters depend on where it starts in a 3-byte
    group: each of the three alignments is kept, cut to the characters that depend on the secret
    alone.
    """
    raw = secret.encode("utf-8")
    forms = [secret, quote(secret, safe=""), quote(secret), quote_plus(secret), raw.hex(), secret[::-1]]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.append(encode(raw).decode("ascii").rstrip("="))
        for shift in range(3):
            n = shift + len(raw)
            text = encode(b"\0" * shift + raw).decode("ascii")
            forms.append(text[4 if shift else 0 : 4 * (n // 3) + n % 3])
    return list(dict.fromkeys(f for f in forms if len(f) >= min(8, len(secret)) and f))


def lowered_forms(secrets: Iterable[str]) -> list[str]:
    """Every form of every secret, lower-cased, longest first."""
    forms = {f.lower() for s in secrets if s and len(s) >= SHORTEST for f in encodings(s)}
    return sorted(forms, key=lambda f: (-len(f), f))


class Scrubber:
    """Replaces every known secret, in every form it can leak in, with a mask.

    Matching ignores case: the text is lower-cased once and searched with `str.find` for each
    lower-cased form, which stays fast on a 200 MB answer (a case-insensitive regular expression
    of the same forms took seconds a megabyte). Where lower-casing changes a text's length (a few
    non-ASCII letters do), positions are found with a regular expression instead.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self._forms: list[str] = []
        self._regex: re.Pattern[str] | None = None
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        new = [s for s in secrets if isinstance(s, str) and len(s) >= SHORTEST and s not in self._secrets]
        if new:
            self._secrets.extend(new)
            self._forms = lowered_forms(self._secrets)
            self._regex = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(self._secrets)

    def found(self, text: str) -> bool:
        """Whether `text` holds a known secret in any form this scrubber masks."""
        if not self._forms:
            return False
        lowered = text.lower()
        return any(form in lowered for form in self._forms)

    def __call__(self, text: str) -> str:
        if not self._forms:
            return text
        lowered = text.lower()
        if not any(form in lowered for form in self._forms):
            return text
        if len(lowered) != len(text):
            return self._pattern().sub(MASK, text)
        return _mask_spans(text, _spans(lowered, self._forms))

    def _pattern(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = re.compile("|".join(re.escape(f) for f in self._forms), re.IGNORECASE)
        return self._regex


def _spans(lowered: str, forms: list[str]) -> list[tuple[int, int]]:
    """Where each form occurs (longest forms first, so a longer match wins an overlap)."""
    spans: list[tuple[int, int]] = []
    for form in forms:
        start = lowered.find(form)
        while start != -1:
            spans.append((start, start + len(form)))
            start = lowered.find(form, start + len(form))
    return spans


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each run of overlapping spans replaced by one mask."""
    out: list[str] = []
    end = 0
    for start, stop in sorted(spans):
        if start >= end:
            out.append(text[end:start])
            out.append(MASK)
            end = stop
        elif stop > end:
            end = stop
    out.append(text[end:])
    return "".join(out)
