"""`pytest --modelcheck-init=T`: a new user's set-up written for them, and nothing overwritten."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support.harness import CHECK_ARGS

from modelcheck.checks.catalog import checks_for
from modelcheck.pytest import scaffold

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - pytest brings tomli on Python 3.10
    import tomli as tomllib

MODEL = '''
from pydantic import Field

from reference_models import EchoChatModel, EchoLLM


class ChatMyModel(EchoChatModel):
    """My chat model (https://example.com/api)."""


class NeedsModelName(EchoLLM):
    """A text model that must be told its model (https://example.com/api)."""

    model_id: str = Field(description="the model to call")


NOT_A_MODEL = 3
'''
TARGET = "mymodels:ChatMyModel"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(mymodels=textwrap.dedent(MODEL))
    pytester.makepyprojecttoml('[project]\nname = "acme"\n')
    return pytester


def files(path: Path) -> dict[str, str]:
    names = ("pyproject.toml", "conftest.py", ".github/workflows/modelcheck.yml")
    return {n: (path / n).read_text(encoding="utf-8") for n in names if (path / n).exists()}


def test_init_writes_the_table_the_fixture_and_the_workflow(project: pytest.Pytester) -> None:
    result = project.runpytest(f"--modelcheck-init={TARGET}")

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            f"modelcheck init {TARGET}:",
            f'  appended to pyproject.toml: [tool.modelcheck."{TARGET}"]',
            "  wrote conftest.py",
            "  wrote .github/workflows/modelcheck.yml",
            "next:",
            f"  pytest --modelcheck={TARGET}",
        ]
    )
    written = files(project.path)
    data = tomllib.loads(written["pyproject.toml"])
    assert data["project"] == {"name": "acme"}  # what was there stays
    table = data["tool"]["modelcheck"][TARGET]
    assert table["capabilities"]["streaming"] is table["capabilities"]["tool_calling"] is True
    assert "usage_metadata" not in table["capabilities"]  # only a call shows it: left to the user
    assert "declare those it has: usage_metadata" in written["pyproject.toml"]
    assert table["secret_env"] == ["ECHO_API_KEY"]
    assert "def chat_my_model():" in written["conftest.py"]
    assert f"            {TARGET}\n" in written[".github/workflows/modelcheck.yml"]


def test_the_written_table_holds_the_model_to_what_it_has(project: pytest.Pytester) -> None:
    project.runpytest(f"--modelcheck-init={TARGET}")

    result = project.runpytest(f"--modelcheck={TARGET}", *CHECK_ARGS, "-q")

    every = len(checks_for("chat"))
    result.stdout.fnmatch_lines([f"modelcheck {TARGET}: {every} passed; * model calls"])
    result = project.runpytest("--modelcheck=fixture:chat_my_model", *CHECK_ARGS, "-q")
    result.stdout.fnmatch_lines(["modelcheck fixture:chat_my_model: 3? passed*; * model calls"])
    assert result.ret == 0


def test_a_second_init_overwrites_nothing_and_says_so(project: pytest.Pytester) -> None:
    project.runpytest(f"--modelcheck-init={TARGET}")
    conftest = project.path / "conftest.py"
    conftest.write_text("# the author's own fixtures\n", encoding="utf-8")
    before = files(project.path)

    result = project.runpytest(f"--modelcheck-init={TARGET}")

    assert files(project.path) == before
    result.stdout.fnmatch_lines(
        [
            f'  left as it is: pyproject.toml already has [tool.modelcheck."{TARGET}"]',
            "  left as it is: conftest.py exists",
            "    it has no such fixture; add this one to it:",
            "      @pytest.fixture",
            "      def chat_my_model():",
            "*",
            "  left as it is: .github/workflows/modelcheck.yml exists",
        ]
    )


def test_required_constructor_arguments_are_named_for_the_author(project: pytest.Pytester) -> None:
    result = project.runpytest("--modelcheck-init=mymodels:NeedsModelName")

    assert result.ret == 0
    text = (project.path / "pyproject.toml").read_text(encoding="utf-8")
    assert '# params = { model_id = "..." }' in text
    result.stdout.fnmatch_lines(["  give model_id in params, in pyproject.toml's new table"])


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("mymodels", "*--modelcheck-init='mymodels' is not module.path:Name. Name your model's class.*"),
        (
            "mymodels:NOT_A_MODEL",
            "*'mymodels:NOT_A_MODEL' names an object of type int, not a LangChain model.*",
        ),
        ("nosuchmodule:X", "*nosuchmodule*"),
    ],
)
def test_a_bad_target_is_one_paragraph_and_writes_nothing(
    project: pytest.Pytester, target: str, says: str
) -> None:
    before = files(project.path)

    result = project.runpytest(f"--modelcheck-init={target}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([says])
    assert "Traceback" not in result.stderr.str()
    assert files(project.path) == before


class Dist:
    def __init__(self, direct_url: str | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        return self.direct_url


@pytest.mark.parametrize(
    ("direct_url", "ref"),
    [
        (
            '{"url": "https://github.com/acme/modelcheck.git", '
            '"vcs_info": {"vcs": "git", "commit_id": "abc123"}}',
            "acme/modelcheck@abc123",
        ),
        (
            '{"url": "file:///home/me/modelcheck", "dir_info": {"editable": true}}',
            scaffold.ACTION_PLACEHOLDER,
        ),
        (None, scaffold.ACTION_PLACEHOLDER),
    ],
)
def test_the_action_is_pinned_to_the_commit_pip_installed(
    monkeypatch: pytest.MonkeyPatch, direct_url: str | None, ref: str
) -> None:
    def distribution(name: str) -> Any:
        return Dist(direct_url)

    monkeypatch.setattr(scaffold.metadata, "distribution", distribution)
    assert scaffold.action_ref() == ref
