"""langchain-tests beside modelcheck on the broken reference variants: which defects each lets through.

For every class in modelcheck.reference_models' broken variants of the wider contract
(broken_contract for conversation, usage, params and serialization; broken_tools, broken_tool_loop,
broken_structured, broken_media for tool calling, structured output and multimodal input)
and EchoChatModel as the baseline, this runs langchain-tests' ChatModelUnitTests +
ChatModelIntegrationTests, configured with the capabilities the reference model has, and
modelcheck's catalog, and prints one row per variant: what each failed beyond what it fails on the
baseline (a failure there says nothing about the variant's defect).

langchain-tests is configured as its documentation says: `has_tool_calling`, `has_tool_choice` and
`has_structured_output` are left to its own detection from the class (an overridden `bind_tools`
with a `tool_choice` parameter, an overridden `with_structured_output`); the flags it cannot
detect are switched on, for every capability the reference declares (JSON mode; image, image-URL,
PDF and audio input; images and PDFs in tool messages; usage metadata), and the key is read from
ECHO_API_KEY (`init_from_env_params`). langchain-tests tests one structured-output method per
class, so its structured-output tests run once per method the reference has (the default
function calling, json_schema, json_mode): a defect in any one method is caught if any run
catches it. Its media tests download files from third-party sites with httpx.get; here they get
small files made in memory instead.

It installs langchain-tests and this checkout into a fresh venv (benchmarks/.venv-lct, kept between
runs), so it needs the package index once.

    python benchmarks/contract_vs_langchain_tests.py                  # every module: Markdown rows
    python benchmarks/contract_vs_langchain_tests.py broken_tools     # one module
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
MODULES = ("broken_contract", "broken_tools", "broken_tool_loop", "broken_structured", "broken_media")

STANDARD = '''
import io
import struct
import wave
import zlib

import httpx
import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from {module} import {name} as Model

PDF = (
    b"%PDF-1.4\\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\\ntrailer<</Root 1 0 R>>\\n%%EOF\\n"
)


def _png():
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixel = chunk(b"IDAT", zlib.compress(b"\\x00\\x00"))
    return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + pixel + chunk(b"IEND", b"")


def _wav():
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(8000)
        handle.writeframes(b"\\x00\\x00" * 80)
    return out.getvalue()


FILES = {{".png": _png(), ".pdf": PDF, ".wav": _wav()}}


class _Response:
    def __init__(self, content):
        self.content = content


@pytest.fixture(autouse=True)
def _local_media(monkeypatch):
    def get(url, *args, **kwargs):
        return _Response(next(data for suffix, data in FILES.items() if url.endswith(suffix)))

    monkeypatch.setattr(httpx, "get", get)
    monkeypatch.setenv("LANGCHAIN_TESTS_USER_AGENT", "modelcheck-benchmark")


class Same:
    """The capabilities the reference model has, as langchain-tests' properties (the ones it
    detects from the class are left to it)."""

    @property
    def chat_model_class(self):
        return Model

    @property
    def chat_model_params(self):
        return {{}}

    supports_json_mode = True
    supports_image_inputs = True
    supports_image_urls = True
    supports_pdf_inputs = True
    supports_audio_inputs = True
    supports_image_tool_message = True
    supports_pdf_tool_message = True
    returns_usage_metadata = True

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


class TestJsonSchema(Same, ChatModelIntegrationTests):
    structured_output_kwargs = {{"method": "json_schema"}}


class TestJsonMode(Same, ChatModelIntegrationTests):
    structured_output_kwargs = {{"method": "json_mode"}}
'''
# The second and third structured-output classes run only langchain-tests' structured-output tests.
SELECT = "TestUnit or TestIntegration or structured_output"
PYPROJECT = """
[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
"""
FAILED = re.compile(r"^FAILED \S+::(\w+)::(\w+(?:\[[^\]]*\])?)", re.MULTILINE)
METHOD = {"TestJsonSchema": " (json_schema)", "TestJsonMode": " (json_mode)"}


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
import importlib, inspect, json, re, sys
found = [["modelcheck.reference_models", "EchoChatModel", ""]]
for short in sys.argv[1:]:
    try:
        module = importlib.import_module("modelcheck.reference_models." + short)
    except ImportError:
        continue
    for name, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ == module.__name__:
            match = re.match(r"Fails `([\\w-]+)`", inspect.getdoc(cls) or "")
            found.append([module.__name__, name, match[1] if match else "?"])
print(json.dumps(found))
"""


def variants(modules: list[str]) -> list[tuple[str, str, str]]:
    """(module, class, the check its docstring says it fails) for each broken variant there is."""
    done = subprocess.run(
        [str(python()), "-c", LIST_VARIANTS, *modules], capture_output=True, text=True, check=True
    )
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
            "-k",
            SELECT,
            "test_standard.py",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return sorted({f"{test}{METHOD.get(cls, '')}" for cls, test in FAILED.findall(done.stdout)})


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(MODULES), help="broken_* modules to run")
    opts = parser.parse_args()
    ensure_venv()
    rows = [
        "| variant | breaks | langchain-tests failed (beyond the baseline) | modelcheck failed |",
        "|---|---|---|---|",
    ]
    baseline: set[str] = set()
    for module, name, breaks in variants(opts.modules):
        with tempfile.TemporaryDirectory() as lct, tempfile.TemporaryDirectory() as mc:
            lct_failed = run_langchain_tests(module, name, Path(lct))
            mc_failed = run_modelcheck(module, name, Path(mc))
        if not breaks:
            baseline = set(lct_failed)
            shown = ", ".join(f"`{t}`" for t in lct_failed) or "nothing"
            rows.append(f"| `{name}` (baseline) | - | {shown} | {_ids(mc_failed)} |")
        else:
            extra = [t for t in lct_failed if t not in baseline]
            shown = ", ".join(f"`{t}`" for t in extra) or "nothing (lets it through)"
            rows.append(f"| `{name}` | {breaks} | {shown} | {_ids(mc_failed)} |")
        print(rows[-1], flush=True)
    print("\n".join(rows))


def _ids(found: list[str]) -> str:
    return ", ".join(f"`{c}`" for c in found) or "-"


if __name__ == "__main__":
    main()
