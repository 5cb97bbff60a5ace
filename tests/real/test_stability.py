"""The stability benchmark, one round: benchmarks/stability.py runs as a model author runs it by hand.

The hand-run makes 200 loaded runs and its figures live in docs/stability.md; this test runs one
round without CPU burners (a serial run and a `-n 2` run of its eleven targets, after the warm-up),
so the script cannot rot between hand-runs and one round already shows what the series measures:
no flip on the correct models, and the stop-ignoring API caught on each of its four targets in
both runs.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(find_spec("langchain_openai") is None, reason="langchain-openai is not installed")
def test_one_round_has_no_flip_and_catches_the_stop_ignoring_api() -> None:
    script = ROOT / "benchmarks" / "stability.py"
    command = [sys.executable, str(script), "--rounds", "1", "--burners", "0"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "1 rounds x ['serial', '-n 2']: 2 runs" in out
    assert "flips on correct models: 0" in out
    assert "stop-ignoring sampling API caught by stop-respected: 8 of 8" in out
    for target in ("dropping_chat", "dropping_text", "SamplingChatDropsStop", "SamplingLLMDropsStop"):
        assert f"bench_targets:{target}: {{'failed': 2}}" in out
