"""The wheel as users install it: the reference models ship inside the package, as
modelcheck.reference_models, and `pytest --modelcheck` works in a fresh venv, beside a user's own
module named `reference_models`.

Building the wheel and installing its dependencies needs the package index and takes about a
minute: it runs only when MODELCHECK_SLOW=1 (or `nox -s wheel`), and is skipped, saying so, otherwise.

    MODELCHECK_SLOW=1 python -m pytest -p no:cacheprovider tests/plugin/test_packaging.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.environ.get("MODELCHECK_SLOW") != "1",
    reason="builds the wheel and installs it with its dependencies into a fresh venv (about a "
    "minute, needs the package index); run it with MODELCHECK_SLOW=1 or `nox -s wheel`",
)

USER_MODULE = '''
"""A user's own module that happens to be called reference_models."""

MINE = True
'''


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COVERAGE_"))}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, ROOT)
    assert built.returncode == 0, built.stdout + built.stderr
    return next(out.glob("modelcheck-*.whl"))


@pytest.fixture(scope="module")
def python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel (not the checkout) installed."""
    home = tmp_path_factory.mktemp("installed")
    venv.create(home / "venv", with_pip=True)
    python = home / "venv" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    installed = run(python, "-m", "pip", "install", "--quiet", wheel)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python


def test_the_reference_models_ship_inside_the_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}

    assert {top for top in tops if not top.endswith(".dist-info")} == {"modelcheck"}
    for module in ("__init__", "_echo", "echo_chat", "echo_llm"):
        assert f"modelcheck/reference_models/{module}.py" in names
    assert "modelcheck/py.typed" in names
    for media in ("image.png", "document.pdf", "audio.wav", "make.py"):  # sent to multimodal models
        assert f"modelcheck/media/{media}" in names


def test_pytest_modelcheck_works_after_pip_install(python: Path, tmp_path: Path) -> None:
    (tmp_path / "reference_models.py").write_text(USER_MODULE, encoding="utf-8")
    args = ("-m", "pytest", "-p", "no:cacheprovider", "--modelcheck")

    first = run(python, *args, "--snapshot-update", cwd=tmp_path)
    again = run(python, *args, "-v", cwd=tmp_path)
    mine = run(python, "-c", "import reference_models; print(reference_models.MINE)", cwd=tmp_path)

    assert first.returncode == 0, first.stdout + first.stderr
    assert again.returncode == 0, again.stdout + again.stderr
    assert "modelcheck::modelcheck.reference_models:EchoChatModel::invoke PASSED" in again.stdout
    summary = [line for line in again.stdout.splitlines() if " model): " in line]
    assert len(summary) == 2 and not any("failed" in line for line in summary), again.stdout
    assert (tmp_path / "__snapshots__/modelcheck/modelcheck.reference_models.EchoLLM.json").is_file()
    assert mine.stdout.strip() == "True"  # the user's module is theirs; nothing shadows it
