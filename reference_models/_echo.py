"""Echo behaviour shared by the reference models: the answer is the prompt, cut at a stop string."""

from __future__ import annotations

from collections.abc import Iterator

CHUNK_CHARS = 8


def apply_stop(text: str, stop: list[str] | None) -> str:
    """Cut `text` after the earliest stop string, keeping the stop string (the guides' rule)."""
    ends = [text.find(s) + len(s) for s in stop or [] if s and s in text]
    return text[: min(ends)] if ends else text


def pieces(text: str, size: int = CHUNK_CHARS) -> Iterator[str]:
    """The answer in chunks of `size` characters (at least one chunk, even for empty text)."""
    if not text:
        yield ""
        return
    for start in range(0, len(text), size):
        yield text[start : start + size]
