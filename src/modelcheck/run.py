"""The state of one modelcheck run: its targets, loaded or not, and every secret to scrub."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from modelcheck.loading import LoadedTarget, TargetError, load_target
from modelcheck.observe.canary import patched_env
from modelcheck.replay.plan import ReplayPlan, resolve
from modelcheck.scrub import Scrubber
from modelcheck.secretfields import looks_secret
from modelcheck.settings import (
    DEFAULT_TARGETS,
    FIXTURE,
    build_settings,
    parse_params_option,
    read_pyproject,
    split_table,
    usage_error,
)


@dataclass
class BrokenTarget:
    """A target that could not be loaded, and the paragraph that says why."""

    target: str
    message: str


@dataclass
class ModelcheckRun:
    targets: list[LoadedTarget | BrokenTarget]
    report_path: Path | None
    only_checks: bool
    scrub: Scrubber = field(default_factory=Scrubber)
    replay: ReplayPlan | None = None
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # target -> {observing process ("main" or an xdist worker id) -> model calls it made}
    observed: dict[str, dict[str, int]] = field(default_factory=dict)
    # target -> "llm" or "chat", for targets the run learns of from their checks' reports (suites)
    kinds: dict[str, str] = field(default_factory=dict)
    # `fixture:NAME` targets -> their own settings (from [tool.modelcheck."fixture:NAME"])
    fixtures: dict[str, dict[str, Any]] = field(default_factory=dict)

    def calls(self, target: str) -> int:
        """The model calls made for `target`, by every process that observed it."""
        return sum(self.observed.get(target, {}).values())


def target_names(config: pytest.Config) -> tuple[list[str], bool]:
    """The targets asked for, and whether they came from the command line."""
    cli: list[str] | None = config.getoption("modelcheck")
    if cli:
        names = [n for raw in cli for n in (DEFAULT_TARGETS if raw == "" else (raw,))]
        return list(dict.fromkeys(names)), True
    ini: list[str] = config.getini("modelcheck_targets")
    return list(dict.fromkeys(n.strip() for n in ini if n.strip())), False


def start_run(config: pytest.Config, names: list[str], from_cli: bool) -> ModelcheckRun:
    from modelcheck.catalog import IDS

    cli_params = parse_params_option(config.getoption("modelcheck_params"))
    if cli_params is not None and not from_cli:
        raise usage_error(
            "--modelcheck-params applies to targets given with --modelcheck, but the targets came "
            "from the modelcheck_targets ini option. Put the params in the target's "
            '[tool.modelcheck."module:Name"] table, or name the target with --modelcheck.'
        )
    defaults, per_target = split_table(read_pyproject(config.rootpath))
    params = cli_params if from_cli else None
    search = [Path.cwd(), config.rootpath, config.rootpath / "src"]
    targets: list[LoadedTarget | BrokenTarget] = []
    scrub = Scrubber()
    replay = resolve(config)
    fixtures: dict[str, dict[str, Any]] = {}
    for name in names:
        settings = build_settings(name, defaults, per_target.get(name, {}), IDS, params)
        if name.startswith(FIXTURE):
            fixtures[name] = {**per_target.get(name, {}), **({"params": params} if params else {})}
            continue
        scrub.add(
            str(v)
            for k, v in settings.params.items()
            if isinstance(v, str) and looks_secret(k, settings.secret_pattern)
        )
        try:
            with patched_env(replay.stand_in_env(name, settings.secret_env)):
                targets.append(load_target(settings, search))
        except TargetError as exc:
            targets.append(BrokenTarget(name, scrub(str(exc))))
    report = config.getoption("modelcheck_report") or config.getini("modelcheck_report") or None
    only = from_cli and not config.option.file_or_dir
    scrub.add(s for values in replay.standins.values() for s in values)
    run = ModelcheckRun(targets, Path(report) if report else None, only, scrub, replay=replay)
    run.fixtures = fixtures
    return run


def all_broken(run: ModelcheckRun) -> pytest.UsageError | None:
    broken = [t for t in run.targets if isinstance(t, BrokenTarget)]
    if broken and len(broken) == len(run.targets) and not run.fixtures:
        return pytest.UsageError("\n\n".join(t.message for t in broken))
    return None


__all__ = [
    "BrokenTarget",
    "ModelcheckRun",
    "all_broken",
    "start_run",
    "target_names",
    "usage_error",
]
