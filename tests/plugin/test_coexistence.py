"""modelcheck and langchain-tests in one environment: one resolver solution, both load in one run.

langchain-tests pins syrupy<6 and pytest-asyncio>=1.3; modelcheck must fit inside those pins, and
its hooks must not clash with the plugins langchain-tests brings (syrupy, pytest-benchmark,
pytest-socket, pytest-recording, pytest-codspeed). This installs both from the package index into
a fresh virtual environment, so it needs the network and takes about a minute: it runs only when
MODELCHECK_SLOW=1 (or `nox -s coexistence`), and is skipped, saying so, otherwise.

    MODELCHECK_SLOW=1 python -m pytest -p no:cacheprovider tests/plugin/test_coexistence.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LANGCHAIN_TESTS = "langchain-tests==1.1.9"

pytestmark = pytest.mark.skipif(
    os.environ.get("MODELCHECK_SLOW") != "1",
    reason="installs langchain-tests from the package index into a fresh venv (about a minute); "
    "run it with MODELCHECK_SLOW=1 or `nox -s coexistence`",
)

STANDARD_TESTS = '''
"""langchain-tests' standard unit tests on the reference chat model, as a partner package runs them."""

from importlib.metadata import version

import pytest
from langchain_tests.unit_tests import ChatModelUnitTests

from modelcheck.reference_models import EchoChatModel

CORE_1 = int(version("langchain-core").split(".")[0]) >= 1


class TestEchoChatModel(ChatModelUnitTests):
    @property
    def chat_model_class(self):
        return EchoChatModel

    @pytest.mark.xfail(
        CORE_1,
        strict=True,
        reason="test_serdes calls load() without allowed_objects, and langchain-core 1.x then "
        "refuses every class outside core (docs/langchain-tests.md)",
    )
    def test_serdes(self, model, snapshot):
        super().test_serdes(model, snapshot)

    @property
    def returns_usage_metadata(self):
        return False
'''
PYPROJECT = """
[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
filterwarnings = ["error::pytest.PytestWarning", "ignore::pytest.PytestUnraisableExceptionWarning"]
"""


def run(
    *args: str | Path, cwd: Path | None = None, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COVERAGE_"))}
    env.update(extra or {})
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with langchain-tests, langchain-openai and this checkout installed by one pip command."""
    home = tmp_path_factory.mktemp("coexist")
    venv.create(home / "venv", with_pip=True)
    python = home / "venv" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    installed = run(python, "-m", "pip", "install", "--quiet", LANGCHAIN_TESTS, "langchain-openai", str(ROOT))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python


def test_one_resolver_solution(both: Path) -> None:
    checked = run(both, "-m", "pip", "check")

    assert checked.returncode == 0, checked.stdout
    assert "No broken requirements found." in checked.stdout
    versions = run(both, "-c", "import syrupy, langchain_tests, modelcheck; print(modelcheck.__version__)")
    assert versions.returncode == 0, versions.stderr


def test_both_load_in_one_run_without_hook_clashes(both: Path, tmp_path: Path) -> None:
    (tmp_path / "test_standard.py").write_text(textwrap.dedent(STANDARD_TESTS).lstrip(), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.lstrip(), encoding="utf-8")
    args = (
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--modelcheck=modelcheck.reference_models:EchoChatModel",
    )

    collected = run(both, *args, "--co", "-q", "test_standard.py", cwd=tmp_path)
    ran = run(both, *args, "-v", "--snapshot-update", "-rs", "test_standard.py", cwd=tmp_path)

    for result in (collected, ran):
        output = result.stdout + result.stderr
        for bad in ("INTERNALERROR", "PluginValidationError", "Traceback", "unrecognized arguments"):
            assert bad not in output, output
    assert collected.returncode == 0, collected.stdout
    plugins = next(line for line in ran.stdout.splitlines() if line.startswith("plugins:"))
    for plugin in ("modelcheck-", "syrupy-5.", "benchmark-", "socket-", "asyncio-"):
        assert plugin in plugins, plugins
    assert "test_standard.py::TestEchoChatModel::test_init" in collected.stdout
    assert "modelcheck::modelcheck.reference_models:EchoChatModel::invoke" in collected.stdout

    assert ran.returncode == 0, ran.stdout
    lines = ran.stdout.splitlines()
    assert any(line.startswith("test_standard.py::TestEchoChatModel::test_init PASSED") for line in lines)
    checks = [
        line for line in lines if line.startswith("modelcheck::modelcheck.reference_models:EchoChatModel::")
    ]
    # `capabilities` skips: the reference model declares none, so no claim is held to account.
    assert checks and all(" PASSED" in line or "::capabilities SKIPPED" in line for line in checks), checks
    assert "modelcheck.reference_models:EchoChatModel (chat model): " in ran.stdout  # the checklist block


STANDARD_TARGETS = '''
"""A partner package's standard-tests subclasses, used by modelcheck as its targets."""

import os

from langchain_openai import ChatOpenAI
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from modelcheck.reference_models import EchoChatModel


class TestEchoStandard(ChatModelUnitTests):
    @property
    def chat_model_class(self):
        return EchoChatModel

    @property
    def chat_model_params(self):
        return {"model_name": "echo-standard"}

    @property
    def returns_usage_metadata(self):
        return False


class TestOpenAIStandard(ChatModelIntegrationTests):
    @property
    def chat_model_class(self):
        return ChatOpenAI

    @property
    def chat_model_params(self):
        return {
            "model": "mc-echo",
            "base_url": os.environ["MC_BASE_URL"],
            "api_key": os.environ["MC_API_KEY"],
            "max_retries": 0,
            "timeout": 10,
        }

    @property
    def has_tool_calling(self):
        return True
'''
STANDARD_CONFIG = """
[tool.modelcheck."standard_targets:TestOpenAIStandard"]
stop_policy = "exclude"
"""


def test_standard_tests_subclasses_are_targets(both: Path, tmp_path: Path) -> None:
    from support.openai_server import OpenAIServer

    (tmp_path / "standard_targets.py").write_text(STANDARD_TARGETS.lstrip(), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.lstrip() + STANDARD_CONFIG, encoding="utf-8")
    server = OpenAIServer().start()
    try:
        ran = run(
            both,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--snapshot-update",
            "--modelcheck=standard_targets:TestEchoStandard",
            "--modelcheck=standard_targets:TestOpenAIStandard",
            "--modelcheck-report=report.json",
            cwd=tmp_path,
            extra={"MC_BASE_URL": server.base_url, "MC_API_KEY": server.api_key},
        )
    finally:
        server.stop()

    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    targets = {t["target"].removeprefix("standard_targets:"): t for t in report["targets"]}
    failed = {name: {c["id"] for c in t["checks"] if c["outcome"] == "failed"} for name, t in targets.items()}
    # ChatOpenAI as pinned by name in real/test_models.py (stop_policy exclude): docs, and usage in streams.
    assert failed == {"TestEchoStandard": set(), "TestOpenAIStandard": {"docs", "usage-metadata"}}, ran.stdout
    declared = {
        name: {row["name"]: row["declared"] for row in t["capabilities"] if row["declared"] is not None}
        for name, t in targets.items()
    }
    assert declared == {
        "TestEchoStandard": {"usage_metadata": False},
        "TestOpenAIStandard": {"tool_calling": True},
    }
    assert server.api_key not in ran.stdout + ran.stderr
