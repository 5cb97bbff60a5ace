"""The state of one modelcheck run: its targets, loaded or not, and every secret to scrub."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from modelcheck.checks.catalog import IDS
from modelcheck.core.paths import snapshot_name
from modelcheck.core.settings import (
    DEFAULT_TARGETS,
    FIXTURE,
    TargetSettings,
    build_settings,
    class_keys,
    own_table,
    parse_params_option,
    read_pyproject,
    split_table,
    usage_error,
)
from modelcheck.observe.canary import patched_env
from modelcheck.observe.warned import Caught, catching, raise_again, unique
from modelcheck.pytest.session import RUN_KEY, current_run
from modelcheck.replay.plan import ReplayPlan, resolve
from modelcheck.secrets.known import configured_secrets, instance_secrets
from modelcheck.secrets.scrub import Scrubber
from modelcheck.targets.containment import keep_alive, model_code_window
from modelcheck.targets.loading import LoadedTarget, TargetError, build_model, model_class, resolve_target


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
    # target -> the capability states its observation found (capabilities.plain)
    capabilities: dict[str, dict[str, Any]] = field(default_factory=dict)
    # target -> observing process -> the calls it made (pytest/calls.py)
    call_logs: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    # the fixtures that build a target's model -> the timeout they run under (see fixture_guard)
    fixture_timeouts: dict[str, float] = field(default_factory=dict)

    def calls(self, target: str) -> int:
        """The model calls made for `target`, by every process that observed it."""
        return sum(self.observed.get(target, {}).values())


def target_names(config: pytest.Config) -> tuple[list[str], bool]:
    """The targets asked for (stripped, each once), and whether they came from the command line.

    The bare flag (None) means the reference models; an empty value is refused: it is what
    `--modelcheck=$UNSET` gives in a CI script, and checking the reference models instead would
    pass a job that checked nothing of the author's.
    """
    cli: list[str | None] | None = config.getoption("modelcheck")
    if cli:
        if any(raw is not None and not raw.strip() for raw in cli):
            raise usage_error(
                "--modelcheck was given an empty value (an unset variable in a CI script, as in "
                "--modelcheck=$TARGET?). Name the model: --modelcheck=module.path:Name; the bare "
                "flag --modelcheck, with no '=', checks the bundled reference models."
            )
        names = [n for raw in cli for n in (DEFAULT_TARGETS if raw is None else (raw.strip(),))]
        return list(dict.fromkeys(names)), True
    ini: list[str] = config.getini("modelcheck_targets")
    return list(dict.fromkeys(n.strip() for n in ini if n.strip())), False


def ensure_run(config: pytest.Config) -> ModelcheckRun:
    """The run, started with no targets of its own when only suites (`modelcheck.suite`) report."""
    run: ModelcheckRun | None = current_run(config)
    if run is None:
        run = config.stash[RUN_KEY] = start_run(config, [], False)
    return run


def observer(config: pytest.Config) -> str:
    """Which process observed: each xdist worker that runs a target's checks observes it itself."""
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    return str(workerinput.get("workerid", "main"))


def start_run(config: pytest.Config, names: list[str], from_cli: bool) -> ModelcheckRun:
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
    report = config.getoption("modelcheck_report") or config.getini("modelcheck_report") or None
    markdown = config.getoption("modelcheck_markdown") or config.getini("modelcheck_markdown") or None
    check_output_path("--modelcheck-report", report, config.invocation_params.dir)
    check_output_path("--modelcheck-markdown", markdown, config.invocation_params.dir)
    all_settings = [build_settings(n, defaults, per_target.get(n, {}), IDS, params) for n in names]
    scrub = Scrubber()
    for settings in all_settings:
        scrub.add(configured_secrets(settings))
    # `fixture:NAME` targets are built by their fixture, in the test run, not here.
    fixtures = {
        n: {**per_target.get(n, {}), **({"params": params} if params else {})}
        for n in names
        if n.startswith(FIXTURE)
    }
    replay = resolve(config)
    warned: list[Caught] = []

    def settle(settings: TargetSettings, obj: Any) -> TargetSettings:
        """Under the target's own table, the table of its model's class (`pkg:ChatX` for a target
        named otherwise, e.g. by a factory module or a re-export)."""
        cls = model_class(obj)
        if not class_keys(per_target, cls):
            return settings
        own = own_table(per_target, cls, settings.target, IDS)
        return build_settings(settings.target, defaults, own, IDS, params)

    with model_code_window(), catching(warned):
        chosen = [s for s in all_settings if s.target not in fixtures]
        targets = _load_all(chosen, search, scrub, replay, settle)
    only = from_cli and not config.option.file_or_dir
    scrub.add(s for values in replay.standins.values() for s in values)
    raise_again(unique(warned, lambda c: 0), scrub)  # once the scrubber knows every secret the builds read
    run = ModelcheckRun(targets, Path(report) if report else None, only, scrub, replay=replay)
    run.fixtures = fixtures
    return run


def _load_all(
    all_settings: list[TargetSettings],
    search: list[Path],
    scrub: Scrubber,
    replay: ReplayPlan,
    settle: Callable[[TargetSettings, Any], TargetSettings],
) -> list[LoadedTarget | BrokenTarget]:
    """Resolve every target first (so two names of one model are refused before any is built),
    then build each; the scrubber learns each built instance's credentials at once."""
    resolved: dict[str, Any] = {}
    envs = {s.target: replay.stand_in_env(s.target, s.secret_env) for s in all_settings}
    for settings in all_settings:
        try:
            with patched_env(envs[settings.target]):
                resolved[settings.target] = resolve_target(settings, search)
        except TargetError as exc:
            resolved[settings.target] = exc
    refuse_duplicates(resolved)
    targets: list[LoadedTarget | BrokenTarget] = []
    for settings in all_settings:
        obj = resolved[settings.target]
        try:
            if isinstance(obj, TargetError):
                raise obj
            settings = settle(settings, obj)
            scrub.add(configured_secrets(settings))
            with patched_env(envs[settings.target]):
                loaded = build_model(obj, settings)
            if model_class(obj) is None:  # a factory: its model's class is known now
                loaded = replace(loaded, settings=settle(settings, loaded.model))
                scrub.add(configured_secrets(loaded.settings))
        except TargetError as exc:
            targets.append(BrokenTarget(settings.target, scrub(str(exc))))
            continue
        scrub.add(instance_secrets(loaded.model, settings.secret_pattern))
        keep_alive(loaded.model)
        targets.append(loaded)
    return targets


def refuse_duplicates(resolved: dict[str, Any]) -> None:
    """Two names for one model (`pkg.mod:Name`, `pkg:mod.Name`), or two names sharing one snapshot
    file, would fight over that file: a usage error that names both."""
    by_key: dict[tuple[str, object], str] = {}
    for name, obj in resolved.items():
        if isinstance(obj, TargetError):
            continue
        for key, what in (
            (("object", id(obj)), "name the same model"),
            (("file", snapshot_name(name)), "would share one event snapshot file"),
        ):
            other = by_key.setdefault(key, name)
            if other != name:
                raise usage_error(
                    f"the targets {other!r} and {name!r} {what}. Give each model once, under "
                    "one name (the one its [tool.modelcheck] table and snapshot use)."
                )


def check_output_path(option: str, raw: str | None, base: Path) -> None:
    """A report path that names a directory or cannot be written is a usage error, found before any
    model is built (else the run would do all its work and then lose the report)."""
    if not raw:
        return
    path = Path(raw) if Path(raw).is_absolute() else base / raw
    problem = None
    if path.is_dir() or raw.endswith(("/", os.sep)):
        problem = "is a directory"
    else:
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is None or not parent.is_dir():
            problem = f"cannot be created: {parent} is not a directory"
        elif not os.access(parent, os.W_OK | os.X_OK):
            problem = f"cannot be written: {parent} is not writable"
        elif path.exists() and not os.access(path, os.W_OK):
            problem = "exists and is not writable"
        else:
            problem = _write_fails(path)
    if problem is not None:
        raise usage_error(
            f"{option}={raw} {problem}. Give the path of a file to write, e.g. {option}=report.json "
            f"(for --modelcheck-markdown: checklist.md)."
        )


def _write_fails(path: Path) -> str | None:
    """Why `path` cannot be written, found by opening it to append (permissions alone do not tell:
    root may write anywhere but /proc and read-only mounts); a file made for the test is removed."""
    if not path.parent.is_dir():
        return None  # the report's folders are made when it is written, under a writable one
    existed = path.exists()
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        return f"cannot be written ({exc.strerror or type(exc).__name__})"
    if not existed:
        path.unlink(missing_ok=True)
    return None


def all_broken(run: ModelcheckRun) -> pytest.UsageError | None:
    broken = [t for t in run.targets if isinstance(t, BrokenTarget)]
    if broken and len(broken) == len(run.targets) and not run.fixtures:
        return pytest.UsageError("\n\n".join(t.message for t in broken))
    return None


__all__ = [
    "BrokenTarget",
    "ModelcheckRun",
    "all_broken",
    "ensure_run",
    "observer",
    "start_run",
    "target_names",
    "usage_error",
]
