"""Under pytest-xdist's `--dist load` (what `-n` uses by default), keep a target's checks together.

Each process that runs any check of a target observes that target once. `load` hands tests out one
by one, so with N workers a model could be called up to N times for one catalog, and a paid API
billed as much. The scheduler here hands out all checks of a target as one unit (the unit
`--dist loadscope` would make of them, `modelcheck::<target>`) and every other test alone, as
`load` does. When modelcheck has targets of its own in the run, a `modelcheck.suite` class's checks
(`path::TestX::test_check[...]`) travel together too; in a run of suites alone the scheduler is
xdist's own (the controller learns of suites only from the workers), so use `--dist loadscope`
there. Other `--dist` modes are left as they are (`loadscope` and `loadfile` group a target's checks
by themselves). `-p no:modelcheck-xdist` turns the grouping off.
"""

from __future__ import annotations

from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

PLUGIN_NAME = "modelcheck-xdist"
SUITE_TEST = "::test_check["


class TargetScheduling(LoadScopeScheduling):  # type: ignore[misc]
    """`load`, except that the checks of one target travel to one worker together."""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith("modelcheck::"):
            return nodeid.rsplit("::", 1)[0]
        head, sep, _ = nodeid.partition(SUITE_TEST)
        return head if sep else nodeid  # a modelcheck.suite class: its checks travel together


class TargetGrouping:
    """The xdist hook, registered on the controller only when xdist is active."""

    @pytest.hookimpl
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "load":
            return None
        return TargetScheduling(config, log)


def register(config: pytest.Config) -> None:
    """Group targets' checks if this process hands out tests to xdist workers."""
    uses_xdist = config.pluginmanager.hasplugin("xdist") and config.getoption("dist", "no") != "no"
    if uses_xdist and not hasattr(config, "workerinput"):
        config.pluginmanager.register(TargetGrouping(), PLUGIN_NAME)
