"""langchain-tests beside modelcheck on the broken contract variants: which defects each lets through.

For every class in modelcheck.reference_models.broken_contract (and EchoChatModel as the baseline),
this runs langchain-tests' ChatModelUnitTests + ChatModelIntegrationTests, configured with the
same capabilities the model has (no tools, no structured output, no multimodal input; usage
metadata on; the key read from ECHO_API_KEY as init_from_env_params), and modelcheck's catalog, and
prints one row per variant: what each failed. It installs langchain-tests and this checkout into a
fresh venv (benchmarks/.venv-lct, kept between runs), so it needs the package index once.

    python benchmarks/contract_vs_langchain_tests.py            # the table, as Markdown
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "benchmarks" / ".venv-lct"
LANGCHAIN_TESTS = "langchain-tests==1.1.9"

STANDARD = '''
import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from {module} import {name} as Model


class Same:
    """The capabilities the model has, as langchain-tests' properties."""

    @property
    def chat_model_class(self):
        return Model

    @property
    def chat_model_params(self):
        return {{}}

    @property
    def has_tool_calling(self):
        return False

    @property
    def has_structured_output(self):
        return False

    @property
    def returns_usage_metadata(self):
        return True

    @property
    def supported_usage_metadata_details(self):
        return {{"invoke": [], "stream": []}}

    @property
    def init_from_env_params(self):
        return ({{"ECHO_API_KEY": "lct-env-key"}}, {{}}, {{"api_key": "lct-env-key"}})


class TestUnit(Same, ChatModelUnitTests):
    pass


class TestIntegration(Same, ChatModelIntegrationTests):
    pass
'''
PYPROJECT = """
[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
"""
FAILED = re.compile(r"^FAILED \S+::(\w+)::(\w+)", re.MULTILINE)


def python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> None:
    if python().exists():
        return
    venv.create(VENV, with_pip=True)
    subprocess.run(
        [str(python()), "-m", "pip", "install", "-q", "-e", str(ROOT), LANGCHAIN_TESTS], check=True
    )


LIST_VARIANTS = """
import inspect, json, re
from modelcheck.reference_models import broken_contract
found = [["modelcheck.reference_models", "EchoChatModel", ""]]
for name, cls in inspect.getmembers(broken_contract, inspect.isclass):
    if cls.__module__ == broken_contract.__name__:
        match = re.match(r"Fails `([\\w-]+)`", inspect.getdoc(cls) or "")
        found.append([broken_contract.__name__, name, match[1] if match else "?"])
print(json.dumps(found))
"""


def variants() -> list[tuple[str, str, str]]:
    """(module, class, the check its docstring says it fails) for each broken contract variant."""
    done = subprocess.run([str(python()), "-c", LIST_VARIANTS], capture_output=True, text=True, check=True)
    return [tuple(v) for v in json.loads(done.stdout)]  # type: ignore[misc]


def run_langchain_tests(module: str, name: str, work: Path) -> list[str]:
    (work / "test_standard.py").write_text(STANDARD.format(module=module, name=name), encoding="utf-8")
    (work / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    done = subprocess.run(
        [
            str(python()),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:modelcheck",
            "-q",
            "-rf",
            "--snapshot-update",
            "test_standard.py",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return sorted({f"{cls}::{test}" for cls, test in FAILED.findall(done.stdout)})


def run_modelcheck(module: str, name: str, work: Path) -> list[str]:
    report = work / "mc.json"
    subprocess.run(
        [
            str(python()),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--modelcheck={module}:{name}",
            "--snapshot-update",
            f"--modelcheck-report={report}",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    data = json.loads(report.read_text(encoding="utf-8"))
    return [c["id"] for t in data["targets"] for c in t["checks"] if c["outcome"] in ("failed", "error")]


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    ensure_venv()
    rows = ["| variant | breaks | langchain-tests failed | modelcheck failed |", "|---|---|---|---|"]
    for module, name, breaks in variants():
        with tempfile.TemporaryDirectory() as lct, tempfile.TemporaryDirectory() as mc:
            lct_failed = run_langchain_tests(module, name, Path(lct))
            mc_failed = run_modelcheck(module, name, Path(mc))
        shown = ", ".join(f"`{t.split('::')[1]}`" for t in lct_failed) or "nothing (lets it through)"
        rows.append(
            f"| `{name}` | {breaks or '-'} | {shown} | {', '.join(f'`{c}`' for c in mc_failed) or '-'} |"
        )
        print(rows[-1], flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
