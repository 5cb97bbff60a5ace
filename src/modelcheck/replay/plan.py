"""Which targets record, replay or run live: decided once per run, from the command line and CI.

`--modelcheck-record` records (on CI only when it is on the command line itself, never from
`addopts` or `PYTEST_ADDOPTS`). A target whose cassette exists replays it. Under `CI=true` or
`--modelcheck-replay-only` every target replays, with an empty cassette when it has none: a request
to a loopback address (a test double a fixture starts) goes out unrecorded, any other fails and
names the command that records it. No configuration can turn recording on there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from modelcheck.core.paths import target_file
from modelcheck.core.settings import usage_error
from modelcheck.secrets.canary import new_canary

RECORD = "--modelcheck-record"
REPLAY_ONLY = "--modelcheck-replay-only"


@dataclass(frozen=True)
class ReplayPlan:
    """The run's record/replay mode and where each target's cassette lives."""

    record: bool
    replay_only: str | None
    """Why nothing can record ("CI=true", "--modelcheck-replay-only"), or None."""
    rootdir: Path
    standins: dict[str, list[str]] = field(default_factory=dict)
    """target -> the canaries set in its unset `secret_env` variables while it was loaded."""
    partial: set[str] = field(default_factory=set)
    """Targets observed for only some of their checks (`-k`): a recording adds to their cassette."""

    def path(self, target: str) -> Path:
        return target_file(self.rootdir, target, ".cassette.yaml")

    def active(self, target: str) -> bool:
        """Whether the target's HTTP goes through a cassette (recorded or replayed)."""
        return self.record or self.replay_only is not None or self.path(target).is_file()

    def stand_in_env(self, target: str, names: tuple[str, ...]) -> dict[str, str]:
        """Canaries for the target's unset secret variables when it replays: no key is needed."""
        if self.record or not self.active(target):
            return {}
        env = {n: new_canary(n.lower()) for n in names if not os.environ.get(n)}
        self.standins[target] = list(env.values())
        return env

    def describe(self) -> str:
        """The mode in force, for the report header."""
        if self.record:
            return "cassettes: record (--modelcheck-record)"
        if self.replay_only:
            return f"cassettes: replay only ({self.replay_only})"
        return "cassettes: replay where present, else live"

    def relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.rootdir))
        except ValueError:
            return str(path)


def record_command(target: str) -> str:
    return f"pytest --modelcheck={target} {RECORD}"


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def resolve(config: pytest.Config) -> ReplayPlan:
    record = bool(config.getoption("modelcheck_record"))
    flag = bool(config.getoption("modelcheck_replay_only"))
    if record and flag:
        raise usage_error(f"{RECORD} and {REPLAY_ONLY} were both given: choose one.")
    typed = RECORD in config.invocation_params.args
    if record and on_ci() and not typed:
        raise usage_error(
            f"{RECORD} came from the configuration (addopts or PYTEST_ADDOPTS), and under CI=true "
            f"only a {RECORD} typed on the command line itself records. Remove it from the "
            "configuration; to record in CI, run the job that passes it explicitly."
        )
    why = REPLAY_ONLY if flag else ("CI=true" if on_ci() and not record else None)
    return ReplayPlan(record, why, config.rootpath)
