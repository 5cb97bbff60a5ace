"""An integration repository of our own making walks the author's daily loop, as a subprocess.

`langchain_acme` ships `ChatAcme` (an OpenAI-style chat model) and `AcmeLLM`; its conftest starts a
loopback server of the API. The author runs modelcheck's init, a first run against that server,
a fix, a snapshot update of one target (the other's files untouched), a recording, a `CI=true`
replay with no key and no server, and a single test by node id that does not run the catalog.
Each step asserts on what the author sees.
"""

from __future__ import annotations

import os
import sys
import textwrap
from importlib.util import find_spec
from pathlib import Path

import pytest
from support.harness import finish, start_subprocess

pytestmark = pytest.mark.skipif(find_spec("langchain_openai") is None, reason="needs the integrations extra")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - pytest brings tomli on Python 3.10
    import tomli as tomllib

CHAT = "langchain_acme.chat_models:ChatAcme"
LLM = "langchain_acme.llms:AcmeLLM"
TESTS = str(Path(__file__).resolve().parents[1])  # for support.openai_server, the API's stand-in

CHAT_MODELS = '''
from langchain_openai import ChatOpenAI


class ChatAcme(ChatOpenAI):
    """Acme's chat models, through Acme's OpenAI-style API (https://acme.example/api)."""
'''
LLMS = '''
from reference_models import EchoLLM


class AcmeLLM(EchoLLM):
    """Acme's text model (https://acme.example/api)."""
'''
CONFTEST = """
import os

import pytest


@pytest.fixture(scope="session")
def acme_base_url():
    if os.environ.get("ACME_NO_SERVER"):  # replay: the cassette answers, whatever the host
        yield "http://127.0.0.1:9/v1"
        return
    from support.openai_server import OpenAIServer

    server = OpenAIServer(api_key=os.environ["ACME_API_KEY"]).start()
    yield server.base_url
    server.stop()


@pytest.fixture
def chat_acme(acme_base_url):
    from langchain_acme.chat_models import ChatAcme

    key = os.environ.get("ACME_API_KEY", "no-key-in-replay")
    return ChatAcme(model="mc-echo", base_url=acme_base_url, api_key=key, max_retries=0, timeout=10)
"""
OWN_TEST = """
def test_one():
    assert 1 + 1 == 2
"""
KEY = "mc-acme-key-0123456789abcdef"


def pytest_run(project: Path, *args: str, **env: str) -> str:
    """Run pytest in the project as the author does; what it printed."""
    base = {"PYTHONPATH": os.pathsep.join([str(project), TESTS]), **env}
    _code, output = finish(start_subprocess(project, *args, env=base), timeout=300)
    assert "Traceback" not in output and "INTERNALERROR" not in output, output
    return output


def verdict(output: str, target: str, check: str) -> str:
    """A check's outcome in a `-v` run (a fixture target's items are `test_check[<id>]`)."""
    names = (f"modelcheck::{target}::{check} ", f"modelcheck::{target}::test_check[{check}] ")
    # On a slow observation the progress lines come between an item's id and its outcome, and
    # pytest writes the id again before the outcome.
    outcomes = ("PASSED", "FAILED", "SKIPPED", "ERROR")
    found = [x.split() for x in output.splitlines() if x.startswith(names)]
    return next(words[1] for words in found if len(words) > 1 and words[1] in outcomes)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    package = tmp_path / "langchain_acme"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "chat_models.py").write_text(textwrap.dedent(CHAT_MODELS), encoding="utf-8")
    (package / "llms.py").write_text(textwrap.dedent(LLMS), encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(textwrap.dedent(OWN_TEST), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "langchain-acme"\n', encoding="utf-8")
    return tmp_path


def test_the_author_walks_the_whole_loop(project: Path) -> None:
    # 1. init: the table, the fixture skeleton and the workflow, from the class alone.
    out = pytest_run(project, f"--modelcheck-init={CHAT}")
    assert f'appended to pyproject.toml: [tool.modelcheck."{CHAT}"]' in out
    assert "wrote conftest.py" in out and "wrote .github/workflows/modelcheck.yml" in out
    table = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["modelcheck"]
    assert table[CHAT]["capabilities"]["tool_calling"] is True
    assert "def chat_acme():" in (project / "conftest.py").read_text(encoding="utf-8")

    # The author fills in the fixture: the model against a loopback server of the API.
    (project / "conftest.py").write_text(textwrap.dedent(CONFTEST), encoding="utf-8")
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('\n[tool.pytest.ini_options]\nmodelcheck_targets = ["fixture:chat_acme"]\n')

    # 2. First run against the fixture's server: the API leaves the stop string out.
    out = pytest_run(project, "--modelcheck=fixture:chat_acme", "--snapshot-update", ACME_API_KEY=KEY)
    assert verdict(out, "fixture:chat_acme", "stop-included") == "FAILED"
    assert 'stop_policy = "exclude"' in out
    assert KEY not in out

    # 3. The fix, in the table init wrote for the class: it applies to the fixture's model too.
    pyproject = project / "pyproject.toml"
    header = f'[tool.modelcheck."{CHAT}"]\n'
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace(header, header + 'stop_policy = "exclude"\n'),
        encoding="utf-8",
    )
    out = pytest_run(project, "--modelcheck=fixture:chat_acme", ACME_API_KEY=KEY)
    assert verdict(out, "fixture:chat_acme", "stop-included") == "PASSED"
    assert verdict(out, "fixture:chat_acme", "event-snapshot") == "PASSED"

    # 4. A snapshot update of one target leaves the other's files as they were.
    pytest_run(project, f"--modelcheck={LLM}", "--snapshot-update")
    snapshots = project / "__snapshots__" / "modelcheck"
    theirs = {p.name: p.read_bytes() for p in snapshots.iterdir() if "AcmeLLM" in p.name}
    assert theirs, sorted(p.name for p in snapshots.iterdir())
    out = pytest_run(project, "--modelcheck=fixture:chat_acme", "--snapshot-update", ACME_API_KEY=KEY)
    assert "deleted" not in out.lower(), out
    assert {p.name: p.read_bytes() for p in snapshots.iterdir() if "AcmeLLM" in p.name} == theirs

    # 5. Record: the cassette holds no form of the key.
    out = pytest_run(project, "--modelcheck=fixture:chat_acme", "--modelcheck-record", ACME_API_KEY=KEY)
    cassettes = sorted(snapshots.glob("*.cassette.yaml"))
    assert [c.name for c in cassettes] == ["fixture.chat_acme.cassette.yaml"], out
    assert KEY not in cassettes[0].read_text(encoding="utf-8")

    # 6. CI replays it with no key and no server, to the same verdicts.
    out = pytest_run(project, "--modelcheck=fixture:chat_acme", CI="true", ACME_NO_SERVER="1")
    assert "replay" in out
    assert verdict(out, "fixture:chat_acme", "stop-included") == "PASSED"
    assert verdict(out, "fixture:chat_acme", "invoke") == "PASSED"

    # 7. One test by node id runs that test alone, not the ini targets' catalog.
    out = pytest_run(project, "tests/test_x.py::test_one")
    assert "1 passed" in out and "modelcheck::" not in out
