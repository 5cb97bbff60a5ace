"""The snapshot file is byte-identical across runs, PYTHONHASHSEED values, pytest-xdist and syrupy majors.

Across syrupy majors: syrupy writes exactly the bytes of modelcheck's serializer (nothing added),
and the serializer is plain Python over plain data, so the file cannot depend on syrupy's version.
`noxfile.py` runs these tests under syrupy 4, 5, 6 and 7.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from support.harness import only, section

import modelcheck.pytest.snapshot  # noqa: F401 - imported once, reused by the in-process runs
from modelcheck.core.events import render

ARGS = ("-p", "no:cacheprovider")
WRITE = ("--modelcheck", "-k", "event-snapshot", "--snapshot-update")
SNAPSHOTS = Path("__snapshots__", "modelcheck")


def files(pytester: pytest.Pytester) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((pytester.path / SNAPSHOTS).glob("*.json"))}


def test_syrupy_writes_the_serializer_bytes_unchanged(pytester: pytest.Pytester) -> None:
    pytester.runpytest(*ARGS, *WRITE).assert_outcomes(passed=2)
    written = files(pytester)
    assert set(written) == {
        "modelcheck.reference_models.EchoLLM.json",
        "modelcheck.reference_models.EchoChatModel.json",
    }
    for data in written.values():
        text = data.decode("utf-8")
        assert render(json.loads(text)) == text


def test_the_same_bytes_across_runs_hash_seeds_and_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.runpytest(*ARGS, *WRITE).assert_outcomes(passed=2)
    first = files(pytester)
    shutil.rmtree(pytester.path / SNAPSHOTS)
    pytester.runpytest(*ARGS, *WRITE).assert_outcomes(passed=2)
    assert files(pytester) == first
    # Another hash seed, in two xdist workers: syrupy compares the bytes, so passing means equal bytes.
    monkeypatch.setenv("PYTHONHASHSEED", "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1")
    compared = pytester.runpytest_subprocess(
        *ARGS, "--modelcheck", *only(*section("Event streams")), "-n", "2"
    )
    compared.assert_outcomes(passed=4)  # syrupy 4 prints no summary under xdist, so none is read here
    assert compared.ret == 0 and files(pytester) == first
