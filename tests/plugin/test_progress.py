"""What a user sees while a slow model is observed: progress lines in a log, one status line
rewritten on a terminal, nothing for a fast run, under `-q` or on xdist workers."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import textwrap
import time

import pytest
from support.harness import only

import modelcheck.pytest.progress as progress

SLOW = '''
import asyncio
import time

from modelcheck.reference_models import EchoChatModel


class SlowChat(EchoChatModel):
    """The reference chat model, answering after a pause, as a model behind a service does."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        time.sleep(0.6)
        return super()._generate(messages, stop, run_manager, **kwargs)

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        await asyncio.sleep(0.6)
        return await super()._agenerate(messages, stop, run_manager, **kwargs)
'''

SUITE = """
import modelcheck
from slow import SlowChat
from modelcheck.reference_models import EchoChatModel

TestSlow = modelcheck.suite(SlowChat)
TestFast = modelcheck.suite(EchoChatModel)
"""

QUIET_S = progress.QUIET_S
"""The seconds of observing after which a log gets progress lines, before the tests shorten it."""
ARGS = ("-p", "no:cacheprovider")
INVOKES = only("invoke", "ainvoke")[1]
SLOW_ONLY = ("-k", f"TestSlow and {INVOKES}")
"""SlowChat's invoke and ainvoke checks: a few calls, each slow."""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makepyfile(slow=SLOW, test_models=SUITE)
    pytester.syspathinsert()
    monkeypatch.setattr(progress, "QUIET_S", 0.2)  # a log's first line, then one every 0.4 s
    monkeypatch.setattr(progress, "EVERY_S", 0.4)
    return pytester


def test_a_slow_observation_writes_progress_lines_to_a_log(project: pytest.Pytester) -> None:
    result = project.runpytest(*ARGS, *SLOW_ONLY)

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "test_models.py ",
            "modelcheck: observing test_models.py::TestSlow (? s): ?/? probes done; waiting on *invoke*",
            "modelcheck: observed test_models.py::TestSlow in *.* s (? probes)",
            "test_models.py ..*",  # the results go on where they would have
        ],
        consecutive=False,
    )


def test_a_slow_observation_under_v_takes_up_the_test_id_again(project: pytest.Pytester) -> None:
    result = project.runpytest(*ARGS, *SLOW_ONLY, "-v")

    result.stdout.fnmatch_lines(
        [
            "modelcheck: observed test_models.py::TestSlow in *",
            "test_models.py::TestSlow::test_check[[]invoke[]] PASSED*",
        ],
        consecutive=True,
    )


@pytest.mark.parametrize(
    "args", [("-k", f"TestFast and {INVOKES}"), (*SLOW_ONLY, "-q")], ids=["fast", "quiet"]
)
def test_a_fast_run_and_a_quiet_one_show_no_progress(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    if "-q" not in args:  # a fast run: the log's own threshold, as users get it
        monkeypatch.setattr(progress, "QUIET_S", QUIET_S)
    result = project.runpytest(*ARGS, *args)

    result.assert_outcomes(passed=2)
    assert "modelcheck: observ" not in result.stdout.str()


def test_xdist_workers_show_no_progress(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in [v for v in os.environ if v.startswith("PYTEST_XDIST_")]:
        monkeypatch.delenv(var)  # when this test itself runs in an xdist worker
    project.makeconftest("import modelcheck.pytest.progress as p\np.QUIET_S = 0.0\np.EVERY_S = 0.1\n")

    result = project.runpytest_subprocess(*ARGS, *SLOW_ONLY, "-n", "1")

    result.assert_outcomes(passed=2)
    assert "modelcheck: observ" not in result.stdout.str()


def test_a_terminal_gets_one_status_line_rewritten_in_place(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(slow=SLOW, test_models=SUITE)
    pytester.makeconftest("import modelcheck.pytest.progress as p\np.LIVE_S = 0.0\n")

    output = run_on_a_terminal(pytester, *ARGS, *SLOW_ONLY)

    lines = output.split("\r\n")
    status = next(line for line in lines if "modelcheck: observed" in line)
    # one terminal line: each report overwrote the one before it, the last says how long it took
    shown = status.split("\r")
    assert len(shown) > 2 and all(part.startswith("modelcheck: observ") for part in shown[1:]), status
    assert shown[-1].startswith("modelcheck: observed test_models.py::TestSlow in ")
    assert any("probes done" in part for part in shown), status
    assert any(line.startswith("test_models.py ") and ".." in line for line in lines), output


def run_on_a_terminal(pytester: pytest.Pytester, *args: str) -> str:
    """Run pytest in a fresh interpreter whose output is a terminal (a pseudo-terminal), 100 wide."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS") and "XDIST" not in k}
    env.update(COLUMNS="100", PYTHONPATH=os.pathsep.join([str(pytester.path), env.get("PYTHONPATH", "")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", *args],
        cwd=pytester.path,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    try:
        return _read_all(leader, time.monotonic() + 120)
    finally:
        os.close(leader)
        process.kill()
        process.wait()


def _read_all(fd: int, deadline: float) -> str:
    out = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # the run is over: the terminal's other side closed
            break
        if not data:
            break
        out += data
    return textwrap.dedent(out.decode("utf-8", "replace"))


SLOW_COPIES = '''
import time

from modelcheck.reference_models import EchoChatModel


class SlowToBuild(EchoChatModel):
    """The reference chat model, slow to build, as one that opens a client to its service."""

    def model_post_init(self, context):
        time.sleep(0.3)
        super().model_post_init(context)
'''


def test_a_slow_phase_without_calls_names_the_phase(project: pytest.Pytester) -> None:
    project.makepyfile(
        slow_copies=SLOW_COPIES,
        test_copies="import modelcheck\nfrom slow_copies import SlowToBuild\n\n"
        "TestCopies = modelcheck.suite(SlowToBuild)\n",
    )

    result = project.runpytest(*ARGS, "test_copies.py", "-k", "standard-params or serialization")

    result.stdout.fnmatch_lines(
        ["modelcheck: observing test_copies.py::TestCopies (? s): building copies of the model *"]
    )
    # told again while the phase lasts (each copy takes 0.3 s), not only when it began
    assert sum("building copies" in line for line in result.outlines) >= 2, result.stdout.str()
