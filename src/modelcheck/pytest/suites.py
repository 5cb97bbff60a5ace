"""`modelcheck.suite(...)`: the catalog as ordinary parametrized tests in the author's test module.

`TestChatX = modelcheck.suite(ChatX, params={...})` makes a test class with one method,
`test_check`, parametrized by check id. Its items are plain pytest functions: `-k`, marks,
`parametrize` over model variants, fixtures and `--lf` work as for any test. The first item of a
target to run loads the model (from the class, instance or factory given, or from the fixture
named), observes it once for every selected check of that target, and keeps the observation;
each item then judges its check on it (see `observed`), and reports to the run's checklist.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import pytest

from modelcheck.checks.catalog import IDS, Check, by_id, checks_for
from modelcheck.core.capabilities import plain
from modelcheck.core.records import Kind, Observation
from modelcheck.core.settings import (
    TargetSettings,
    build_settings,
    class_keys,
    own_table,
    read_pyproject,
    split_table,
    usage_error,
)
from modelcheck.pytest.calls import call_log, own_calls
from modelcheck.pytest.judging import judge, needs_of, observe_target, service_blocked, service_report
from modelcheck.pytest.run import ensure_run, observer
from modelcheck.secrets.fields import looks_secret
from modelcheck.secrets.known import configured_secrets
from modelcheck.targets.langchain_tests import is_embeddings_tests, is_standard_tests
from modelcheck.targets.loading import (
    LoadedTarget,
    TargetError,
    build_model,
    model_class,
    model_kind,
    resolve_target,
    split_target,
)

ARG = "check_id"
SETTINGS = ("params", "stop_policy", "skip", "timeout", "secret_env", "secret_pattern", "snapshot_exclude")
KINDS = {"llm": "text models", "chat": "chat models", "embeddings": "embeddings models"}


@dataclass(frozen=True)
class SuiteSpec:
    """What a suite checks (a model, or the fixture that returns one) and its own settings."""

    source: Any
    fixture: str | None
    settings: dict[str, Any]
    kind: Kind | None
    marks: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    """The target's name in the reports; by default the test class's node id."""

    @property
    def where(self) -> str:
        """Where the target's own settings were given, for messages."""
        if self.label:  # a fixture:NAME target, configured in pyproject.toml
            return f'[tool.modelcheck."{self.label}"]'
        return f"modelcheck.suite(fixture={self.fixture!r})" if self.fixture else "modelcheck.suite(...)"


@dataclass
class SuiteTarget:
    """One target of a suite (a class, or one variant of it) once its first item has run."""

    label: str
    settings: TargetSettings | None = None
    loaded: LoadedTarget | None = None
    observation: Observation | None = None
    error: str | None = None
    first: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    """The calls the observation made (pytest/calls.py), given to the first item's report."""
    logged: bool = False
    service_first: str | None = None
    """The item that reported the service's failure for this target, once."""
    skip_where: str = "[tool.modelcheck]"
    """Where the `skip` in force was given, for the skip's reason."""


@dataclass
class SuiteStore:
    targets: dict[tuple[str, str], SuiteTarget] = field(default_factory=dict)


STORE = pytest.StashKey[SuiteStore]()


def make_suite(
    source: Any,
    fixture: str | None,
    settings: dict[str, Any],
    marks: dict[str, Any] | None = None,
) -> type[Any]:
    """The test class for `modelcheck.suite`; bad arguments raise at once, naming the fix."""
    __tracebackhide__ = True
    try:
        spec = _spec(source, fixture, settings, marks or {})
    except pytest.UsageError as exc:
        raise suite_error(str(exc)) from None

    def test_check(self: Any, check_id: str, request: pytest.FixtureRequest) -> None:
        """One check of modelcheck's catalog on this class's model."""
        run_check(request, spec, check_id)

    namespace: dict[str, Any] = {"modelcheck_suite": spec, "test_check": _decorate(test_check, spec)}
    namespace["__annotations__"] = {"modelcheck_suite": ClassVar[SuiteSpec]}
    return type("ModelcheckSuite", (), namespace)


def suite_error(message: str) -> pytest.Collector.CollectError:
    """A bad `modelcheck.suite(...)` call as one paragraph that names the author's file and line:
    pytest shows a collection error of this type as its text alone, without the source line or
    the module's globals (which hold the params, and a key written into them)."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith("modelcheck"):
        frame = frame.f_back
    where = f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
    return pytest.Collector.CollectError(f"{where}: {message.removeprefix('modelcheck: ')}")


def make_module_test(fixture: str, settings: dict[str, Any], label: str) -> Any:
    """The test function of a `fixture:NAME` target (a module-level test in a made-up module)."""
    spec = replace(_spec(None, fixture, settings, {}), label=label)

    def test_check(check_id: str, request: pytest.FixtureRequest) -> None:
        run_check(request, spec, check_id)

    return _decorate(test_check, spec)


def _decorate(test: Any, spec: SuiteSpec) -> Any:
    """Parametrize by check id (with the marks given per check), use the fixture, carry the spec."""
    ids = [c.id for c in checks_for(spec.kind)] if spec.kind else list(IDS)
    values = [pytest.param(cid, marks=spec.marks.get(cid, ()), id=cid) for cid in ids]
    test = pytest.mark.parametrize(ARG, values)(test)
    if spec.fixture:
        test = pytest.mark.usefixtures(spec.fixture)(test)
    test.modelcheck_suite = spec
    return test


def _spec(source: Any, fixture: str | None, settings: dict[str, Any], marks: dict[str, Any]) -> SuiteSpec:
    if (source is None) == (fixture is None):
        raise usage_error(
            "modelcheck.suite() takes either a model (a class, an instance or a function that "
            "returns one) or fixture='name' of a fixture that returns one, not both and not neither."
        )
    if fixture is not None and (not isinstance(fixture, str) or not fixture.isidentifier()):
        raise usage_error(f"modelcheck.suite(fixture={fixture!r}): give the fixture's name as a string.")
    build_settings("suite", {}, settings, IDS, None, where="modelcheck.suite(...)")
    kind: Kind | None = None
    if isinstance(source, str):  # a dotted name, imported when the first check runs
        try:
            split_target(source)
        except TargetError as exc:
            raise usage_error(
                f"modelcheck.suite({source!r}): {str(exc).removeprefix('modelcheck: ')}"
            ) from None
    elif is_standard_tests(source):
        kind = "embeddings" if is_embeddings_tests(source) else "chat"
    elif source is not None and (isinstance(source, type) or model_kind(source) is not None):
        kind = model_kind(source)
        if kind is None:
            raise usage_error(
                f"modelcheck.suite({source.__qualname__}): {source.__qualname__} is not a LangChain "
                "language model (a subclass of LLM/BaseLLM or BaseChatModel) nor a langchain-tests "
                "ChatModelUnitTests/ChatModelIntegrationTests subclass."
            )
    unknown = sorted(set(marks) - set(IDS))
    if unknown:
        raise usage_error(
            f"modelcheck.suite(marks=...) names unknown check ids {unknown}; the check ids are: "
            f"{', '.join(IDS)}."
        )
    return SuiteSpec(source, fixture, dict(settings), kind, dict(marks))


def spec_of(item: pytest.Item) -> SuiteSpec | None:
    spec = getattr(getattr(item, "obj", None), "modelcheck_suite", None)
    return spec if isinstance(spec, SuiteSpec) else None


def is_suite_item(item: pytest.Item) -> bool:
    return spec_of(item) is not None


def target_key(item: pytest.Item) -> tuple[str, str]:
    """The class the item belongs to and its variant (its parameters other than the check id)."""
    callspec = getattr(item, "callspec", None)
    check_id = callspec.params.get(ARG, "") if callspec else ""
    variant = callspec.id if callspec else ""
    for cut in (f"{check_id}-", f"-{check_id}"):
        variant = variant.removeprefix(cut) if cut.endswith("-") else variant.removesuffix(cut)
    variant = "" if variant == check_id else variant
    parent = item.parent.nodeid if item.parent is not None else item.nodeid
    return parent, variant


def target_label(item: pytest.Item) -> str:
    parent, variant = target_key(item)
    spec = spec_of(item)
    name = spec.label if spec is not None and spec.label else parent
    return f"{name}[{variant}]" if variant else name


def describe(item: pytest.Item) -> dict[str, Any]:
    """The item's entry in the reports, filled in as it runs."""
    check = by_id(item.callspec.params[ARG])  # type: ignore[attr-defined]
    return {"target": target_label(item), "id": check.id, "section": check.section}


def declare(item: pytest.Item, run: Any, declared: set[int]) -> None:
    """What the run must know of a suite's target before any of its code runs: its declared
    secrets (params, `secret_env`), so every report is scrubbed of them even when its fixture
    fails, and, for a fixture, the timeout it runs under. Once per suite (`declared`: their ids)."""
    spec = spec_of(item)
    if spec is None or id(spec) in declared:
        return
    declared.add(id(spec))
    defaults, _ = split_table(read_pyproject(item.config.rootpath))
    try:
        settings = build_settings(target_label(item), defaults, spec.settings, IDS, None, where=spec.where)
    except pytest.UsageError:
        return  # the check's item says so when it runs
    run.scrub.add(configured_secrets(settings))
    if spec.fixture:
        known = run.fixture_timeouts.get(spec.fixture, settings.timeout)
        run.fixture_timeouts[spec.fixture] = min(known, settings.timeout)


def run_check(request: pytest.FixtureRequest, spec: SuiteSpec, check_id: str) -> None:
    """Judge one check on the item's target, observing the target first if no item has yet."""
    item = request.node
    if not request.config.pluginmanager.has_plugin("modelcheck"):
        skip("the modelcheck plugin is turned off in this run (-p no:modelcheck)")
    info = next(value for name, value in item.user_properties if name == "modelcheck")
    run = ensure_run(request.config)
    target = _target(request, spec, run)
    check = by_id(check_id)
    if target.error is not None:
        _not_loaded(target, item.nodeid)
    assert target.settings is not None and target.loaded is not None
    info["kind"] = target.loaded.kind
    if check_id in target.settings.skip:
        skip(f"skipped by `skip` in {target.skip_where} for {target.label}")
    if target.loaded.kind not in check.kinds:
        skip(f"{check_id} applies to {' and '.join(KINDS[k] for k in sorted(check.kinds))} only")
    observation = _observation(request, target, run)
    info["calls"] = observation.call_count
    info["observer"] = observer(request.config)
    info["capabilities"] = plain(observation.capabilities)
    if not target.logged:  # once per target and process: the list is long
        info["model_calls"], target.logged = target.calls, True
    if service_blocked(check, observation):
        target.service_first = target.service_first or item.nodeid
        info["message"] = service_report(target.service_first, item.nodeid, observation, run.scrub)
        if target.service_first == item.nodeid:
            pytest.fail(info["message"], pytrace=False)
        skip(info["message"])
    verdict = judge(check, observation, run.scrub)
    info["message"] = verdict.message
    if verdict.outcome == "failed":
        own = own_calls(check_id, target.calls) if request.config.get_verbosity() > 0 else []
        pytest.fail("\n".join([f"[{check_id}] {verdict.message}", *own]), pytrace=False)
    if verdict.outcome == "skipped":
        skip(verdict.message)


def skip(reason: str) -> NoReturn:
    """Skip the running check, reported (`-rs`) at the test's location rather than modelcheck's."""
    raise pytest.skip.Exception(reason, _use_item_location=True)


def _target(request: pytest.FixtureRequest, spec: SuiteSpec, run: Any) -> SuiteTarget:
    store = request.config.stash.setdefault(STORE, SuiteStore())
    key = target_key(request.node)
    target = store.targets.get(key)
    if target is None:
        target = store.targets[key] = SuiteTarget(target_label(request.node), first=request.node.nodeid)
        _load(request, spec, target, run)
    return target


def _load(request: pytest.FixtureRequest, spec: SuiteSpec, target: SuiteTarget, run: Any) -> None:
    """Build the target; its settings are, most specific last: `[tool.modelcheck]`'s defaults, the
    tables of the model's class, the entry point's table (`fixture:NAME`), the suite's keywords."""
    defaults, per_target = split_table(read_pyproject(request.config.rootpath))
    try:
        model = _model(request, spec)
    except TargetError as exc:
        target.settings = build_settings(target.label, defaults, spec.settings, IDS, None, where=spec.where)
        target.error = run.scrub(str(exc))
        return
    entry = spec.label or (spec.source if isinstance(spec.source, str) else None)
    keys = class_keys(per_target, model_class(model)) + ([entry] if entry in per_target else [])
    tables = own_table(per_target, model_class(model), entry, IDS)
    inline = {k: v for k, v in spec.settings.items() if spec.label is None or k == "params"}
    given = [f'[tool.modelcheck."{k}"]' for k in keys if "skip" in per_target[k]]
    target.skip_where = spec.where if "skip" in inline else (given or ["[tool.modelcheck]"])[-1]
    target.settings = build_settings(
        target.label, defaults, {**tables, **inline}, IDS, None, where=spec.where if inline else None
    )
    run.scrub.add(_secret_params(target.settings))
    try:
        target.loaded = build_model(model, target.settings)
    except TargetError as exc:
        where = f"the fixture {spec.fixture!r}" if spec.fixture else spec.where
        target.error = run.scrub(f"{exc} (the model comes from {where})")


def fixture_hint(name: str, node: pytest.Item | pytest.Collector) -> str:
    """The ` Did you mean 'x'?` naming the fixtures visible from `node` whose names are near `name`."""
    manager = node.session._fixturemanager
    known: set[str] = set()  # pytest 8 keeps the fixtures by name in one table, pytest 9 in two
    for table in ("_arg2fixturedefs", "_arg2node2fixturedefs", "_arg2nodeid2fixturedefs"):
        known.update(getattr(manager, table, {}))
    visible = sorted(n for n in known if manager.getfixturedefs(n, node))
    close = difflib.get_close_matches(name, visible, n=3)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def missing_fixture(item: pytest.Item, error: BaseException | None) -> str | None:
    """The paragraph for a suite item whose `fixture=` names no fixture visible from it, else None
    (pytest's own message lists every fixture, but not the one the author meant)."""
    spec = spec_of(item)
    if spec is None or spec.fixture is None or not isinstance(error, pytest.FixtureLookupError):
        return None
    if error.argname != spec.fixture:
        return None
    return (
        f"{spec.where}: no fixture named {spec.fixture!r} is visible from {target_key(item)[0]}."
        f"{fixture_hint(spec.fixture, item)} Name a fixture defined in this test module, a "
        "conftest.py above it, or a plugin."
    )


def _model(request: pytest.FixtureRequest, spec: SuiteSpec) -> Any:
    """The suite's model: the fixture's value, the object given, or the one its dotted name names."""
    if spec.fixture:
        return request.getfixturevalue(spec.fixture)
    if isinstance(spec.source, str):
        rootpath = request.config.rootpath
        return resolve_target(TargetSettings(target=spec.source), [Path.cwd(), rootpath, rootpath / "src"])
    return spec.source


def _secret_params(settings: TargetSettings) -> list[str]:
    return [
        str(v)
        for k, v in settings.params.items()
        if isinstance(v, str) and looks_secret(k, settings.secret_pattern)
    ]


def _not_loaded(target: SuiteTarget, nodeid: str) -> None:
    if nodeid == target.first:
        pytest.fail(str(target.error), pytrace=False)
    skip(f"the model could not be loaded; {target.first} says why")


def _observation(request: pytest.FixtureRequest, target: SuiteTarget, run: Any) -> Observation:
    if target.observation is None:
        assert target.loaded is not None and target.settings is not None
        checks = _selected(request, target)
        target.observation = observe_target(
            target.loaded, needs_of(checks), run.scrub, request.config, run.replay, checks
        )
        target.calls = call_log(target.observation, run.scrub)
    return target.observation


def _selected(request: pytest.FixtureRequest, target: SuiteTarget) -> list[Check]:
    """The checks this run will judge on the target: its items left after -k and deselection."""
    assert target.loaded is not None and target.settings is not None
    key = target_key(request.node)
    ids = {
        item.callspec.params[ARG]  # type: ignore[attr-defined]
        for item in request.session.items
        if is_suite_item(item) and target_key(item) == key
    }
    skip = set(target.settings.skip)
    return [c for c in checks_for(target.loaded.kind) if c.id in ids and c.id not in skip]
