"""This repository's own pytest configuration: another plugin's warnings cannot crash its commands.

A venv that also holds langchain-tests has pytest-asyncio, which warns at configure time that
`asyncio_default_fixture_loop_scope` is unset; `filterwarnings = ["error"]` turned that into an
INTERNALERROR for the README's first command. These runs use the repository's own filter list.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from support.harness import CHECK_ARGS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - pytest brings tomli on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
FILTERS: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"][
    "ini_options"
]["filterwarnings"]

THIRD_PARTY = """
import warnings

import pytest


def pytest_configure(config):
    warnings.warn(pytest.PytestDeprecationWarning("the configuration option 'x_scope' is unset"))
"""
OWN_TEST = """
import warnings

import pytest


def test_a_pytest_warning_from_this_project_is_still_an_error():
    warnings.warn(pytest.PytestDeprecationWarning("deprecated use in this project"))
"""


def project(pytester: pytest.Pytester) -> None:
    filters = "".join(f"    {json.dumps(line)},\n" for line in FILTERS)  # a TOML basic string
    pytester.makepyprojecttoml(f"[tool.pytest.ini_options]\nfilterwarnings = [\n{filters}]\n")
    pytester.makepyfile(third_party_plugin=textwrap.dedent(THIRD_PARTY))


def test_a_third_party_plugins_configure_warning_is_shown_not_raised(pytester: pytest.Pytester) -> None:
    project(pytester)

    result = pytester.runpytest_subprocess(
        "-p", "third_party_plugin", "--modelcheck=reference_models:EchoLLM", *CHECK_ARGS
    )

    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stderr.fnmatch_lines(["*PytestDeprecationWarning: the configuration option 'x_scope' is unset"])


def test_the_projects_own_pytest_warnings_stay_errors(pytester: pytest.Pytester) -> None:
    """A pytest warning raised from this repository's test packages still fails the test."""
    project(pytester)
    pytester.mkpydir("unit")
    (pytester.path / "unit" / "test_own.py").write_text(textwrap.dedent(OWN_TEST), encoding="utf-8")

    result = pytester.runpytest_subprocess("-p", "third_party_plugin", "-p", "no:modelcheck", "unit")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*PytestDeprecationWarning: deprecated use in this project"])
