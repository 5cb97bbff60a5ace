"""Echo behaviour shared by the reference models: the answer is the prompt, cut at a stop string."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from langchain_core.messages.ai import UsageMetadata

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


def words(content: object) -> int:
    """How many tokens the echo models count for a text: its words."""
    return len(content.split()) if isinstance(content, str) else len(str(content).split())


def cut_words(text: str, max_tokens: int | None) -> str:
    """The first `max_tokens` words of `text` (all of it when there is no limit)."""
    if max_tokens is None or words(text) <= max_tokens:
        return text
    return " ".join(text.split()[:max_tokens])


def usage(input_tokens: int, output_tokens: int) -> UsageMetadata:
    """Usage metadata in words, as LangChain's `UsageMetadata` holds it."""
    counts = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }
    return cast(UsageMetadata, counts)
