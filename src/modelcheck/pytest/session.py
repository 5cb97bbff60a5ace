"""Where a pytest session keeps its modelcheck run.

It imports pytest alone, so that every hook of the plugin can ask whether modelcheck runs in
this session without loading the rest of modelcheck (see `modelcheck.pytest.run` for the run).
"""

from __future__ import annotations

from typing import Any

import pytest

RUN_KEY = pytest.StashKey["Any"]()
"""The session's `ModelcheckRun`, once it started."""


def current_run(config: pytest.Config) -> Any:
    """The session's run, or None when modelcheck was not asked for (yet)."""
    return config.stash.get(RUN_KEY, None)
