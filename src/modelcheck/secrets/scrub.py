"""Remove secrets from anything modelcheck is about to show: messages, reports, snapshots.

One list of forms serves both masking (`Scrubber.__call__`) and detection (`Scrubber.found`), so
`secret-masking` can never pass a leak that the scrubber later hides from the report.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from urllib.parse import quote, quote_plus, unquote, unquote_plus

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


def folded_forms(secrets: Iterable[str]) -> list[str]:
    """Every form of every secret, case-folded, longest first."""
    forms = {f.casefold() for s in secrets if s and len(s) >= SHORTEST for f in encodings(s)}
    return sorted(forms, key=lambda f: (-len(f), f))


class Scrubber:
    """Replaces every known secret, in every form it can leak in, with a mask.

    Matching ignores case: the text is case-folded once and searched with `str.find` for each
    case-folded form, which stays fast on a 200 MB answer (a case-insensitive regular expression
    of the same forms took seconds a megabyte). Case folding, unlike lower-casing, also equates
    letters such as the micro sign and the Greek mu that upper-case alike; where it changes a
    text's length (`ß` folds to `ss`), each position is mapped back to its character.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self._forms: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        new = [s for s in secrets if isinstance(s, str) and len(s) >= SHORTEST and s not in self._secrets]
        if new:
            self._secrets.extend(new)
            self._forms = folded_forms(self._secrets)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(self._secrets)

    def found(self, text: str) -> bool:
        """Whether `text` holds a known secret in any form this scrubber masks."""
        if not self._forms:
            return False
        folded = text.casefold()
        return any(form in folded for form in self._forms)

    def found_decoded(self, text: str) -> bool:
        """Whether `text` holds a known secret in any form, read as is or as `decoded_views` reads it."""
        return any(self.found(view) for view in decoded_views(text))

    def mask_bytes(self, data: bytes) -> bytes:
        """`data` with every known secret masked in each text it decodes as (see `byte_views`)."""
        if not self._forms:
            return data
        done = 0
        while done < len(views := list(byte_views(data))):  # ranges of the bytes as masked so far
            codec, start, stop = views[done]
            done += 1
            text = data[start:stop].decode(codec, BYTE_ERRORS[codec])
            if self.found(text):
                data = data[:start] + self(text).encode(codec, BYTE_ERRORS[codec]) + data[stop:]
        return data

    def found_bytes(self, data: bytes) -> bool:
        """Whether `data` holds a known secret in any text it decodes as."""
        views = (data[a:b].decode(c, BYTE_ERRORS[c]) for c, a, b in byte_views(data))
        return any(self.found_decoded(view) for view in views)

    def __call__(self, text: str) -> str:
        if not self._forms:
            return text
        folded = text.casefold()
        if not any(form in folded for form in self._forms):
            return text
        spans = _spans(folded, self._forms)
        if len(folded) != len(text):
            origin = [i for i, c in enumerate(text) for _ in c.casefold()]
            spans = [(origin[a], origin[b - 1] + 1) for a, b in spans]
        return _mask_spans(text, spans)


def _spans(folded: str, forms: list[str]) -> list[tuple[int, int]]:
    """Where each form occurs (longest forms first, so a longer match wins an overlap)."""
    spans: list[tuple[int, int]] = []
    for form in forms:
        start = folded.find(form)
        while start != -1:
            spans.append((start, start + len(form)))
            start = folded.find(form, start + len(form))
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


# Every byte string decodes, and encodes back to the same bytes, under these error handlers.
BYTE_ERRORS = {"utf-8": "surrogateescape", "utf-16-le": "surrogatepass", "utf-16-be": "surrogatepass"}


def byte_views(data: bytes) -> Iterator[tuple[str, int, int]]:
    """The codecs and byte ranges a secret may be written in: UTF-8 (any byte string round-trips),
    and where the bytes hold a NUL, UTF-16 in both byte orders at both alignments (a server that
    answers in UTF-16 puts a NUL beside each ASCII character)."""
    yield "utf-8", 0, len(data)
    if b"\0" in data:
        for codec in ("utf-16-le", "utf-16-be"):
            for start in (0, 1):
                yield codec, start, start + (len(data) - start) // 2 * 2


def decoded_views(text: str) -> list[str]:
    """`text` as it may be read: as is, URL-decoded with `+` kept and with `+` as a space (a query
    re-encoded by a client or a redirect), and without NULs (UTF-16 read as UTF-8)."""
    views = [text]
    if "%" in text or "+" in text:
        views += [unquote(text), unquote_plus(text)]
    if "\0" in text:
        views.append(text.replace("\0", ""))
    return views
