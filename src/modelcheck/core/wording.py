"""Small helpers for the English of messages: articles and plurals."""

from __future__ import annotations


def article(noun: str) -> str:
    """'a str', 'an AIMessage', 'an int'."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def plural(n: int, noun: str) -> str:
    """'1 result', '3 results'."""
    return f"{n} {noun}" + ("" if n == 1 else "s")
