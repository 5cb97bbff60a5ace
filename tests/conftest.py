"""Fixtures shared by every test folder; the helpers they use live in support/harness.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.harness import OUTER_VARIABLES, Modelcheck
from support.openai_server import OpenAIServer


@pytest.fixture(autouse=True)
def _outer_run_stays_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs must not see the outer run's xdist, GitHub or CI variables (or act on them):
    under CI=true every target replays (docs/replay.md), and tests that want that set it."""
    for name in OUTER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def mc(pytester: pytest.Pytester) -> Modelcheck:
    return Modelcheck(pytester)


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    """The tests' OpenAI-compatible loopback server (support/openai_server.py), echoing, for one
    test; a test that needs another mode starts its own."""
    running = OpenAIServer().start()
    try:
        yield running
    finally:
        running.stop()
