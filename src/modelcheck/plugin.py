"""The pytest hooks of modelcheck; all the work is in the modules they call.

Nothing here imports LangChain: a pytest run that does not ask for modelcheck pays only for
adding the options. So this module imports the rest of modelcheck inside the hooks, once a hook
knows modelcheck has work to do (a target, a suite, a report); at the top it imports only what
every run needs and what costs nothing (the run's stash key, the exit guard).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from modelcheck.core.settings import DEFAULT_TARGETS
from modelcheck.core.version import VERSION
from modelcheck.pytest.session import RUN_KEY, current_run
from modelcheck.targets.exit_guard import record_status


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("modelcheck", "modelcheck: check LangChain models")
    group.addoption(
        "--modelcheck",
        action="append",
        nargs="?",
        const=None,  # the bare flag; `--modelcheck=` (an empty value) is a usage error
        default=None,
        metavar="TARGET",
        help="check the model module.path:Name (a class, an instance or a factory); repeatable. "
        f"With no value, check the bundled reference models ({', '.join(DEFAULT_TARGETS)}).",
    )
    group.addoption(
        "--modelcheck-params",
        default=None,
        metavar="JSON",
        help="constructor keyword arguments for class targets given on the command line",
    )
    group.addoption(
        "--modelcheck-report",
        default=None,
        metavar="PATH",
        help="write the JSON report of every target's verdicts to PATH",
    )
    group.addoption(
        "--modelcheck-record",
        action="store_true",
        default=False,
        help="observe live and write each target's HTTP to a cassette next to its event snapshot "
        "(__snapshots__/modelcheck/<target>.cassette.yaml); later runs replay it",
    )
    group.addoption(
        "--modelcheck-replay-only",
        action="store_true",
        default=False,
        help="replay cassettes and never record or go out (the default under CI=true): a missing "
        "cassette or a request it does not hold fails the checks that need it",
    )
    group.addoption(
        "--modelcheck-init",
        default=None,
        metavar="TARGET",
        help="set up modelcheck for the model module.path:Name and exit: append its "
        "[tool.modelcheck] table (the capabilities detected) to pyproject.toml, and write a conftest "
        "fixture and a GitHub workflow where none is; nothing is overwritten",
    )
    parser.addini(
        "modelcheck_targets",
        "models to check (module.path:Name), one a line",
        type="linelist",
        default=[],
    )
    group.addoption(
        "--modelcheck-markdown", default=None, metavar="PATH", help="write the checklist as Markdown to PATH"
    )
    parser.addini("modelcheck_report", "path of the JSON report", default="")
    parser.addini("modelcheck_markdown", "path of the Markdown checklist", default="")


def _asked_for(config: pytest.Config) -> bool:
    """Whether a target was named at all: decided before importing anything, so that a pytest run
    that does not use modelcheck pays nothing for it (importing modelcheck.pytest.run alone costs ~15 ms)."""
    ini: list[str] = config.getini("modelcheck_targets")
    return bool(config.getoption("modelcheck")) or any(n.strip() for n in ini)


def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if config.getoption("modelcheck_init") is None:
        return None
    from modelcheck.pytest.scaffold import main  # lazy: only under --modelcheck-init

    return main(config)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(RunHooks(config), "modelcheck-run")
    names: list[str] = []
    from_cli = False
    if _asked_for(config):
        # lazy: only when modelcheck is asked for
        from modelcheck.pytest.run import target_names
        from modelcheck.pytest.selection import catalog_selected, take_selectors

        names, from_cli = target_names(config)
        take_selectors(config)
        if not catalog_selected(config, from_cli):
            names = []  # the run names test paths of its own: the ini's targets are not asked for
    if not names:
        if config.getoption("modelcheck_params") is not None:
            raise pytest.UsageError(
                "modelcheck: --modelcheck-params was given without a target. "
                "Add --modelcheck=module.path:Name."
            )
        return
    from modelcheck.pytest.run import all_broken, start_run  # lazy: only when a target is named

    run = start_run(config, names, from_cli)
    config.stash[RUN_KEY] = run
    if config.pluginmanager.hasplugin("xdist"):
        from modelcheck.pytest.xdist_grouping import register  # lazy: imports xdist, when it is there

        register(config)
    error = all_broken(run)
    if error is not None:
        _write_report(config, run)
        raise error


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    run = current_run(config)
    if run is None:
        return None
    from importlib.metadata import version

    names = ", ".join([*(t.target for t in run.targets), *run.fixtures])
    header = [
        f"modelcheck {VERSION} (langchain-core {version('langchain-core')}, "
        f"syrupy {version('syrupy')}): {names}"
    ]
    if run.replay is not None:
        header.append(f"modelcheck {run.replay.describe()}")
    return header


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    run = current_run(config)
    return True if run is not None and run.only_checks else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    run = current_run(config)
    if run is not None:
        # lazy: only when a run started
        from modelcheck.pytest.items import make_items
        from modelcheck.pytest.selection import select

        items.extend(select(make_items(session, run), config))
    # Suite tests (modelcheck.suite) carry their spec; looking for it imports nothing.
    suite_items = [
        i for i in items if isinstance(i, pytest.Function) and getattr(i.obj, "modelcheck_suite", None)
    ]
    if suite_items:
        # lazy: only when the session holds suites (modelcheck.suite)
        from modelcheck.pytest.run import ensure_run
        from modelcheck.pytest.suites import declare, describe, is_suite_item

        run = ensure_run(config)
        declared: set[int] = set()
        for item in suite_items:
            if is_suite_item(item):
                item.user_properties.append(("modelcheck", describe(item)))
                declare(item, run, declared)


class RunHooks:
    """Hooks that need the config but get none (reports arrive here from xdist workers too)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        """Scrub every report of the run once it knows the declared secrets: what pytest captured
        (the model's prints and log lines) and the failure text (a fixture's traceback and locals),
        which the terminal, junit XML and the reports show."""
        outcome = yield
        report = outcome.get_result()
        suite = getattr(getattr(item, "obj", None), "modelcheck_suite", None)
        if report.failed and call.excinfo is not None and suite is not None:
            from modelcheck.pytest.suites import missing_fixture  # lazy: only for a failed suite item

            report.longrepr = missing_fixture(item, call.excinfo.value) or report.longrepr
        if report.skipped:
            from modelcheck.pytest.items import CheckItem, locate_skip  # lazy: only for a skip

            locate_skip(report, isinstance(item, CheckItem) or suite is not None)
        run = current_run(self.config)
        if run is not None:
            from modelcheck.pytest.scrub_reports import scrub_report  # lazy: only when a run started

            scrub_report(outcome.get_result(), run.scrub)

    @pytest.hookimpl(tryfirst=True)
    def pytest_warning_recorded(self, warning_message: Any, when: str, nodeid: str, location: Any) -> None:
        """A warning's text (and the source line pytest prints with it) is scrubbed too."""
        run = current_run(self.config)
        if run is not None:
            from modelcheck.pytest.scrub_reports import scrub_warning  # lazy: only when a run started

            scrub_warning(warning_message, run.scrub)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Any:
        """A collection error's text is scrubbed too (a test module's params, a conftest's key)."""
        outcome = yield
        run = current_run(self.config)
        if run is not None:
            from modelcheck.pytest.scrub_reports import scrub_report  # lazy: only when a run started

            scrub_report(outcome.get_result(), run.scrub)

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: pytest.FixtureRequest) -> Any:
        """A fixture that builds a target's model runs as model code (see pytest/fixture_guard)."""
        __tracebackhide__ = True  # its locals hold the run, with every report so far
        run = current_run(self.config)
        timeout = run.fixture_timeouts.get(fixturedef.argname) if run is not None else None
        in_class = "." in getattr(fixturedef.func, "__qualname__", ".").replace("<locals>.", "")
        if timeout is None or in_class:
            return (yield)
        from modelcheck.pytest.fixture_guard import guarded  # lazy: only for a target's fixture

        with guarded(fixturedef, timeout, run.scrub):
            return (yield)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if any(name == "modelcheck" for name, _ in report.user_properties):
            # lazy: only for the reports of modelcheck's own items
            from modelcheck.pytest.run import ensure_run
            from modelcheck.report.json_report import record

            record(ensure_run(self.config), report)


@pytest.fixture
def modelcheck(request: pytest.FixtureRequest) -> Any:
    """`modelcheck.check(model, only=[...])` inside a test, with `[tool.modelcheck]`'s defaults and
    the table of the model's class."""
    from modelcheck.pytest.adhoc import Checker  # lazy: only in a test that uses the fixture

    return Checker(request.config)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Every session records its status, not only modelcheck's (the guard imports nothing but the
    # standard library): else a model checked in-process (pytester) whose call never returned
    # would end the enclosing session's process with the inner run's status.
    record_status(exitstatus)
    run = current_run(session.config)
    if run is None:
        return
    if not hasattr(session.config, "workerinput"):
        problems = _write_report(session.config, run)
        for problem in problems:
            sys.stderr.write(run.scrub(problem) + "\n")
        if problems and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR  # a green run with no report is not


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    run = current_run(config)
    if run is None or hasattr(config, "workerinput") or config.option.collectonly:
        return
    # lazy: only when a run started (as in the other report hooks)
    from modelcheck.report.json_report import build
    from modelcheck.report.summary import can_encode, checklist_lines, workflow_commands

    report = build(run)
    quiet = config.get_verbosity() < 0
    ascii_only = not can_encode("\u2713\u2717\u2013\u2026", getattr(sys.__stdout__, "encoding", None))
    if not quiet:
        terminalreporter.write_sep("=", "modelcheck checklist")
    lines = checklist_lines(report, ascii_only=ascii_only, quiet=quiet)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        lines += workflow_commands(report)
    for line in lines:
        terminalreporter.write_line(run.scrub(line))


def _write_report(config: pytest.Config, run: Any) -> list[str]:
    """Write the JSON and Markdown reports and the step summary; what could not be written (the
    path proved writable when the run started may have changed since), one paragraph each."""
    # lazy: only when a run started (as in the other report hooks)
    from modelcheck.report.json_report import build, write
    from modelcheck.report.summary import markdown

    def place(raw: str) -> Path:
        path = Path(raw)
        return path if path.is_absolute() else config.invocation_params.dir / path

    def append(path: Path, text: str) -> None:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)

    def markdown_file(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    writes: list[tuple[str, Path, Any]] = []
    if run.report_path is not None:
        writes.append(("the JSON report", place(str(run.report_path)), lambda p: write(run, p)))
    md_path = config.getoption("modelcheck_markdown") or config.getini("modelcheck_markdown")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if md_path or summary:
        text = run.scrub(markdown(build(run)))
        if md_path:
            writes.append(("the Markdown checklist", place(md_path), lambda p: markdown_file(p, text)))
        if summary:
            writes.append(("the step summary", Path(summary), lambda p: append(p, text)))
    problems = []
    for what, path, write_to in writes:
        try:
            write_to(path)
        except OSError as exc:
            problems.append(
                f"modelcheck: could not write {what} to {path} ({exc.strerror or type(exc).__name__}); "
                "the verdicts are in the output above. Give the path of a file this run can write."
            )
    return problems
