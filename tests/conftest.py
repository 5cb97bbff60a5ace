"""Fixtures shared by every test folder; the helpers they use live in support/harness.py."""

from __future__ import annotations

import pytest
from support.harness import OUTER_VARIABLES, Modelcheck


@pytest.fixture(autouse=True)
def _outer_run_stays_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs must not see the outer run's xdist, GitHub or CI variables (or act on them):
    under CI=true every target replays (docs/replay.md), and tests that want that set it."""
    for name in OUTER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def mc(pytester: pytest.Pytester) -> Modelcheck:
    return Modelcheck(pytester)
