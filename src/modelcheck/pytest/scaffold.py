"""`pytest --modelcheck-init=module.path:Name`: write what a new user otherwise writes by hand.

Three files, each written only where none is: the target's `[tool.modelcheck."T"]` table appended
to `pyproject.toml` (the capabilities modelcheck detects in the class, the env var its key is read
from, the constructor arguments it could not guess), the rootdir's `conftest.py` with a fixture
that builds the model (for `--modelcheck=fixture:NAME`), and `.github/workflows/modelcheck.yml`
running the action. Nothing is ever overwritten: a file or table that exists is left as it is and
named in the output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from modelcheck.checks.catalog import IDS
from modelcheck.core.records import Kind
from modelcheck.core.settings import build_settings, read_pyproject, split_table, usage_error
from modelcheck.observe.contract import env_sources
from modelcheck.observe.detection import detect_class, profile_of
from modelcheck.targets.loading import TargetError, build_model, model_kind, resolve_target

ACTION_PLACEHOLDER = "<owner>/modelcheck@<commit sha>"


@dataclass
class Found:
    """What modelcheck learnt of the target's class without a model call."""

    target: str
    cls: type[Any]
    kind: Kind
    capabilities: list[str]
    undetectable: list[str]
    env: list[str]
    required: list[str] = field(default_factory=list)


def main(config: pytest.Config) -> int:
    """Inspect the target, write the three files where absent, and say what was done."""
    target = str(config.getoption("modelcheck_init")).strip()
    root = config.rootpath
    found = inspect_target(target, root)
    conftest = _conftest_path(root)
    lines = [
        _write_table(root / "pyproject.toml", found),
        _write_new(root, conftest, conftest_text(found)),
        *_missing_fixture(conftest, found),
        _write_new(root, root / ".github" / "workflows" / "modelcheck.yml", workflow_text(found)),
    ]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    write = reporter.write_line if reporter is not None else print
    for line in [f"modelcheck init {target}:", *lines, *next_steps(found)]:
        write(line)
    return 0


def inspect_target(target: str, root: Path) -> Found:
    """The target's class, kind and what its class shows, or a usage error that names the fix."""
    if ":" not in target:
        raise usage_error(f"--modelcheck-init={target!r} is not module.path:Name. Name your model's class.")
    defaults, tables = split_table(read_pyproject(root))
    settings = build_settings(target, defaults, tables.get(target, {}), IDS, None)
    try:
        obj = resolve_target(settings, [root])
    except TargetError as exc:
        raise pytest.UsageError(str(exc)) from None
    cls = obj if isinstance(obj, type) else type(obj)
    kind = model_kind(obj)
    if kind is None:
        what = (
            f"the class {cls.__qualname__}"
            if isinstance(obj, type)
            else f"an object of type {cls.__qualname__}"
        )
        raise usage_error(
            f"--modelcheck-init={target!r} names {what}, not a LangChain model. Name your model's class."
        )
    model, required = _try_build(obj, settings)
    capabilities, undetectable = _capabilities(model, cls, kind)
    return Found(target, cls, kind, capabilities, undetectable, _env_vars(cls), required)


def _try_build(obj: Any, settings: Any) -> tuple[Any, list[str]]:
    """An instance built with the table's params, if the class builds without more; else None and
    the required constructor fields it has no value for."""
    try:
        return build_model(obj, settings).model, []
    except TargetError:
        fields = getattr(obj if isinstance(obj, type) else type(obj), "model_fields", {})
        return None, [n for n, info in fields.items() if info.is_required() and n not in settings.params]


def _capabilities(model: Any, cls: type[Any], kind: Kind) -> tuple[list[str], list[str]]:
    states = detect_class(cls, kind, {}, profile_of(model) if model is not None else {})
    detected = [name for name, state in states.items() if state.detected]
    unknown = [name for name, state in states.items() if state.detected is None]
    return detected, unknown


def _env_vars(cls: type[Any]) -> list[str]:
    return [env for _field, env in env_sources(cls)]


def _write_table(path: Path, found: Found) -> str:
    """Append the target's table to pyproject.toml (made if missing), unless it has one."""
    if found.target in split_table(read_pyproject(path.parent))[1]:
        return f'  left as it is: {path.name} already has [tool.modelcheck."{found.target}"]'
    before = path.read_text(encoding="utf-8") if path.is_file() else ""
    gap = "" if not before else ("\n" if before.endswith("\n") else "\n\n")
    path.write_text(before + gap + table_text(found), encoding="utf-8")
    return f'  {"appended to" if before else "wrote"} {path.name}: [tool.modelcheck."{found.target}"]'


def _write_new(root: Path, path: Path, text: str) -> str:
    shown = path.relative_to(root).as_posix()
    if path.exists():
        return f"  left as it is: {shown} exists"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return f"  wrote {shown}"


def _missing_fixture(conftest: Path, found: Found) -> list[str]:
    """The fixture to add by hand, when an existing conftest.py has none of that name."""
    text = conftest.read_text(encoding="utf-8", errors="replace")
    if f"def {fixture_name(found.cls)}(" in text:
        return []
    fixture = conftest_text(found).split("@pytest.fixture", 1)[1]
    return [
        "    it has no such fixture; add this one to it:",
        "      @pytest.fixture",
        *(f"      {line}" for line in fixture.strip("\n").splitlines()),
    ]


def _conftest_path(root: Path) -> Path:
    """The rootdir's conftest.py: a `fixture:` target sees only the fixtures defined there."""
    return root / "conftest.py"


def table_text(found: Found) -> str:
    """The `[tool.modelcheck."T"]` table, each line with a comment that says where it came from."""
    caps = ", ".join(f"{name} = true" for name in found.capabilities)
    lines = [
        f"# Written by `pytest --modelcheck-init={found.target}` from what the class shows;",
        "# a capability the model does not honour fails the `capabilities` check.",
        f'[tool.modelcheck."{found.target}"]',
        f"capabilities = {{ {caps} }}" if caps else "capabilities = {}",
    ]
    if found.undetectable:
        lines.append(f"# Not shown by the class; declare those it has: {', '.join(found.undetectable)}.")
    if found.env:
        lines += ["# Its key is read from these env vars: modelcheck plants a canary there.",
                  f"secret_env = {json.dumps(found.env)}"]  # fmt: skip
    if found.required:
        args = ", ".join(f'{name} = "..."' for name in found.required)
        lines += [
            "# Constructor arguments the class requires (give their values):",
            f"# params = {{ {args} }}",
        ]
    return "\n".join(lines) + "\n"


def fixture_name(cls: type[Any]) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", cls.__name__).lower()


def conftest_text(found: Found) -> str:
    module = found.target.split(":")[0]
    name, cls = fixture_name(found.cls), found.cls.__name__
    return f'''"""Fixtures for modelcheck: `pytest --modelcheck=fixture:{name}` checks what it returns."""

import pytest


@pytest.fixture
def {name}():
    # Build the model as your users would. A model that needs a service can point at a local test
    # server started here (base_url=...); modelcheck checks what this fixture returns.
    from {module} import {cls}

    return {cls}()
'''


def action_ref() -> str:
    """`owner/repo@commit` of the installed modelcheck when pip installed it from a GitHub checkout."""
    try:
        raw = metadata.distribution("modelcheck").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return ACTION_PLACEHOLDER
    info = json.loads(raw) if raw else {}
    url, commit = str(info.get("url", "")), info.get("vcs_info", {}).get("commit_id")
    match = re.match(r"(?:git\+)?https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?$", url)
    return f"{match[1]}@{commit}" if match and commit else ACTION_PLACEHOLDER


def workflow_text(found: Found) -> str:
    return f"""name: modelcheck

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

jobs:
  modelcheck:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - uses: {action_ref()}
        with:
          targets: |
            {found.target}
          install: "."
"""


def next_steps(found: Found) -> list[str]:
    steps = ["next:", f"  pytest --modelcheck={found.target}"]
    if found.required:
        steps.insert(1, f"  give {', '.join(found.required)} in params, in pyproject.toml's new table")
    if action_ref() == ACTION_PLACEHOLDER:
        steps.append(
            f"  pin the action in .github/workflows/modelcheck.yml: replace {ACTION_PLACEHOLDER} with the "
            "repository and full commit SHA of the modelcheck you use (see modelcheck docs/github-actions.md)"
        )
    return steps
