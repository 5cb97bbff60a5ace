"""Remove secrets from anything modelcheck is about to show: messages, reports, snapshots."""

from __future__ import annotations

import base64
from collections.abc import Iterable

MASK = "***"


def encodings(secret: str) -> list[str]:
    """The forms a secret can leak in: as is, and base64 (as in a Basic auth header).

    Inside a longer encoded text (`base64("user:" + key)`) the secret's characters depend on
    where it starts in a 3-byte group: each of the three alignments is kept, cut to the
    characters that depend on the secret alone.
    """
    raw = secret.encode("utf-8")
    forms = [secret]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.append(encode(raw).decode("ascii").rstrip("="))
        for shift in range(3):
            n = shift + len(raw)
            text = encode(b"\0" * shift + raw).decode("ascii")
            forms.append(text[4 if shift else 0 : 4 * (n // 3) + n % 3])
    return list(dict.fromkeys(f for f in forms if len(f) >= min(8, len(secret)) and f))


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
