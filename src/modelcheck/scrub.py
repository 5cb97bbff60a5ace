"""Remove secrets from anything modelcheck is about to show: messages, reports, snapshots."""

from __future__ import annotations

import base64
from collections.abc import Iterable

MASK = "***"


def encodings(secret: str) -> list[str]:
    """The forms a secret can leak in: as is, and base64 (as in a Basic auth header)."""
    raw = secret.encode("utf-8")
    forms = [
        secret,
        base64.b64encode(raw).decode("ascii"),
        base64.urlsafe_b64encode(raw).decode("ascii"),
    ]
    return list(dict.fromkeys(f.rstrip("=") for f in forms if f))


class Scrubber:
    """Replaces every known secret, in every form it can leak in, with a mask."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        for secret in secrets:
            if secret and len(secret) >= 4:
                self._forms.extend(encodings(secret))
        self._forms = sorted(set(self._forms), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text
