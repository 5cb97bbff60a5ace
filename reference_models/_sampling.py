"""Sampling behaviour shared by the sampling reference models: a fresh random answer on every call.

A model sampled at a temperature above 0 answers differently on every call. The sampling reference
models stand in for one: each call draws a run of words from its own random generator, seeded
from the model's `seed` and the call's number (or from the system's entropy when `seed` is None),
so one call's answer never depends on which call ran first.
"""

from __future__ import annotations

import itertools
import random
import secrets
import threading

WORDS = (
    "a", "about", "after", "again", "all", "an", "and", "any", "are", "as", "at", "back", "be",
    "because", "but", "by", "can", "come", "could", "day", "do", "even", "first", "for", "from",
    "get", "give", "go", "good", "have", "he", "her", "him", "his", "how", "i", "if", "in", "into",
    "it", "its", "just", "know", "like", "look", "make", "me", "most", "my", "new", "no", "not",
    "now", "of", "on", "one", "only", "or", "our", "out", "over", "say", "see", "she", "so", "some",
    "take", "than", "that", "the", "their", "them", "then", "there", "they", "think", "this",
    "time", "to", "two", "up", "us", "use", "very", "want", "way", "we", "well", "what", "when",
    "which", "who", "will", "with", "work", "would", "year", "you", "your", "fox", "dog", "quick",
    "brown", "lazy", "jumps", "probe",
)  # fmt: skip
SHORTEST, LONGEST = 6, 18


class Draws:
    """A random generator per call: `Random(f"{seed}:{n}")` for the n-th call, thread-safely."""

    def __init__(self, seed: int | None) -> None:
        self.seed = seed
        self._count = itertools.count()
        self._lock = threading.Lock()

    def rng(self) -> random.Random:
        with self._lock:
            n = next(self._count)
        return random.Random(f"{self.seed}:{n}" if self.seed is not None else secrets.randbits(64))


def sampled(rng: random.Random) -> str:
    """A run of words, as a sampling model might answer: 6 to 18 words and a full stop."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(SHORTEST, LONGEST))]
    return " ".join(words).capitalize() + "."
