"""The pytest nodes: one collector per target (it observes the model once), one item per check."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest

from modelcheck.checks.catalog import Check, checks_for
from modelcheck.core.capabilities import plain
from modelcheck.core.records import Observation
from modelcheck.core.settings import FIXTURE
from modelcheck.core.verdict import Verdict
from modelcheck.pytest.calls import call_log, own_calls
from modelcheck.pytest.judging import judge, needs_of, observe_target, service_blocked, service_report
from modelcheck.pytest.run import BrokenTarget, ModelcheckRun, observer
from modelcheck.pytest.suites import fixture_hint, make_module_test
from modelcheck.targets.loading import LoadedTarget

ROOT = "modelcheck"


class CheckFailed(Exception):
    """A check's verdict was 'failed'; the message is the whole report."""


class TargetNode(pytest.Collector):
    """One target. Its setup observes the model once, for every selected check."""

    def __init__(self, *, loaded: LoadedTarget | BrokenTarget, run: ModelcheckRun, **kw: Any) -> None:
        super().__init__(**kw)
        self.loaded = loaded
        self.run = run
        self.observation: Observation | None = None
        self.calls: list[dict[str, Any]] = []
        self.logged = False
        self.service_first: str | None = None
        """The check item that reported the service's failure for this target, once."""

    def collect(self) -> list[pytest.Item]:
        if isinstance(self.loaded, BrokenTarget):
            return [
                LoadItem.from_parent(self, name="load", nodeid=f"{self.nodeid}::load", broken=self.loaded)
            ]
        items: list[pytest.Item] = []
        for check in checks_for(self.loaded.kind):
            item = CheckItem.from_parent(
                self, name=check.id, nodeid=f"{self.nodeid}::{check.id}", check=check
            )
            if item.skipped_by_config:
                item.add_marker(
                    pytest.mark.skip(reason=f"skipped by `skip` in [tool.modelcheck] for {self.name}")
                )
            items.append(item)
        return items

    def setup(self) -> None:
        if not isinstance(self.loaded, LoadedTarget):
            return
        checks = [
            item.check
            for item in self.session.items
            if isinstance(item, CheckItem) and item.parent is self and not item.skipped_by_config
        ]
        self.observation = observe_target(
            self.loaded, needs_of(checks), self.run.scrub, self.config, self.run.replay, checks
        )
        self.calls = call_log(self.observation, self.run.scrub)


class CheckItem(pytest.Item):
    """One check of the catalog on one target."""

    def __init__(self, *, check: Check, **kw: Any) -> None:
        super().__init__(**kw)
        self.check = check
        self.info: dict[str, Any] = {
            "target": self.target_node.name,
            "id": check.id,
            "section": check.section,
        }
        self.user_properties.append(("modelcheck", self.info))

    @property
    def target_node(self) -> TargetNode:
        assert isinstance(self.parent, TargetNode)
        return self.parent

    @property
    def skipped_by_config(self) -> bool:
        loaded = self.target_node.loaded
        return isinstance(loaded, LoadedTarget) and self.check.id in loaded.settings.skip

    def setup(self) -> None:
        """A check whose calls the service did not answer is not judged: the target's first such
        check errors with the one paragraph that says why, the others are skipped, pointing at it."""
        node = self.target_node
        if node.observation is None or not service_blocked(self.check, node.observation):
            return
        node.service_first = node.service_first or self.nodeid
        message = service_report(node.service_first, self.nodeid, node.observation, node.run.scrub)
        self.info["message"] = message
        if node.service_first == self.nodeid:
            pytest.fail(self.info["message"], pytrace=False)
        pytest.skip(self.info["message"])

    def runtest(self) -> None:
        observation = self.target_node.observation
        assert observation is not None
        # Before judging, so that the report counts the calls even if a judge fails internally.
        self.info["calls"] = observation.call_count
        self.info["observer"] = observer(self.config)
        self.info["capabilities"] = plain(observation.capabilities)
        if not self.target_node.logged:  # once per target and process: the list is long
            self.info["model_calls"] = self.target_node.calls
            self.target_node.logged = True
        conclude(judge(self.check, observation, self.target_node.run.scrub), self.info)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        scrub = self.target_node.run.scrub
        if isinstance(excinfo.value, CheckFailed):
            own = own_calls(self.check.id, self.target_node.calls) if self.config.get_verbosity() > 0 else []
            return "\n".join([f"[{self.check.id}] {excinfo.value}", *own])
        text = scrub(str(super().repr_failure(excinfo, style="short")))
        message = f"modelcheck hit an internal error while judging this check: {text}"
        self.info["message"] = scrub(f"{type(excinfo.value).__name__}: {excinfo.value}")
        return message

    def reportinfo(self) -> tuple[Any, int | None, str]:
        # A line number, not None: pytest reports a skip mark at the item's location and needs one.
        # A check skipped in [tool.modelcheck] is located there, so `-rs` names the file to edit.
        path = self.config.rootpath / "pyproject.toml" if self.skipped_by_config else self.path
        return path, 0, f"modelcheck {self.info['target']} {self.check.id}"


class LoadItem(pytest.Item):
    """Stands for a target that could not be loaded, so the run shows why and goes on."""

    def __init__(self, *, broken: BrokenTarget, **kw: Any) -> None:
        super().__init__(**kw)
        self.broken = broken
        self.user_properties.append(("modelcheck", {"target": broken.target, "load_error": broken.message}))

    def runtest(self) -> None:
        raise CheckFailed(self.broken.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"modelcheck {self.broken.target} (not loaded)"


def conclude(verdict: Verdict, info: dict[str, Any]) -> None:
    """End a check item as its verdict says, keeping the message for the reports."""
    info["message"] = verdict.message
    if verdict.consequence_of is not None:
        info["consequence_of"] = verdict.consequence_of
    if verdict.partial:
        info["unjudged"] = list(verdict.unjudged)
    if verdict.outcome == "failed":
        raise CheckFailed(verdict.message)
    if verdict.outcome == "skipped":
        pytest.skip(verdict.message)


def make_items(session: pytest.Session, run: ModelcheckRun) -> list[pytest.Item]:
    """Collect every target's items through the session, so they count as collected."""
    items: list[pytest.Item] = []
    for loaded in run.targets:
        name = loaded.target
        node = TargetNode.from_parent(session, name=name, nodeid=f"{ROOT}::{name}", loaded=loaded, run=run)
        items.extend(session.genitems(node))
    for name, own in run.fixtures.items():
        items.extend(session.genitems(fixture_node(session, name, own, run)))
    return items


class FixtureTargetModule(pytest.Module):
    """A `fixture:NAME` target: a module made on the fly whose one test is `modelcheck.suite`'s
    `test_check` for that fixture, so pytest sets the fixture up (with its own dependencies and
    scope) as for any test, and the suite's code observes and judges it."""

    def __init__(self, *, fixture: str, own: dict[str, Any], **kw: Any) -> None:
        super().__init__(**kw)
        self.fixture = fixture
        self.own = own

    def _getobj(self) -> Any:
        module = types.ModuleType(f"modelcheck_{self.fixture}")
        module.test_check = make_module_test(self.fixture, self.own, self.name)  # type: ignore[attr-defined]
        return module


def fixture_node(
    session: pytest.Session, name: str, own: dict[str, Any], run: ModelcheckRun
) -> pytest.Collector:
    """The node of a `fixture:NAME` target, or a failed `load` item that says where to define NAME."""
    fixture = name.removeprefix(FIXTURE)
    node = FixtureTargetModule.from_parent(
        session,
        path=session.config.rootpath / "conftest.py",
        nodeid=f"{ROOT}::{name}",
        name=name,
        fixture=fixture,
        own=own,
    )
    if session._fixturemanager.getfixturedefs(fixture, node):
        return node
    broken = BrokenTarget(
        name,
        (
            f"modelcheck: target {name!r}: no fixture named {fixture!r} is visible from the rootdir "
            f"({session.config.rootpath}).{fixture_hint(fixture, node)} A fixture target's fixture "
            "must be defined in the rootdir's conftest.py or in a plugin; a fixture in a "
            "subdirectory's conftest.py is seen only by the "
            f"tests under it: there, write `TestModel = modelcheck.suite(fixture={fixture!r})` in a test "
            "module instead."
        ),
    )
    return TargetNode.from_parent(session, name=name, nodeid=f"{ROOT}::{name}", loaded=broken, run=run)


PACKAGE_DIR = Path(__file__).resolve().parents[1]


def locate_skip(report: pytest.TestReport, is_check: bool) -> None:
    """Name the check a skip belongs to where `-rs` shows a skip's place: pytest would show the
    line of modelcheck's own source that raised it, which tells the author nothing. A skip raised
    elsewhere (the author's fixture, a skip mark located in pyproject.toml) keeps its place."""
    if not (is_check and report.skipped and isinstance(report.longrepr, tuple)):
        return
    path, _, reason = report.longrepr
    if Path(path).resolve().is_relative_to(PACKAGE_DIR):
        # No line: the terminal then shows "SKIPPED [1] <node id>: <reason>" (its types say int).
        report.longrepr = (report.nodeid, None, reason)  # type: ignore[assignment]
