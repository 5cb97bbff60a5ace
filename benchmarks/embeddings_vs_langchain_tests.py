"""langchain-tests' two embeddings suites beside modelcheck: calls, wall time, and the defects each
lets through, on EchoEmbeddings and each of its broken variants (reference_models/broken_embeddings.py).

langchain-tests 1.1.9's `EmbeddingsUnitTests` + `EmbeddingsIntegrationTests` run configured as its
documentation says (`embeddings_class`, `embedding_model_params`, `init_from_env_params` naming
ECHO_API_KEY); modelcheck runs its catalog for embeddings models. Each model is a subclass of the
variant that counts, while each tool runs, the calls of the four public methods (a call made from
inside another, as `embed_query` calling `embed_documents`, is not counted again) and the requests
it would send (one per batch of `chunk_size` texts). Wall time is the extra time of the tests
themselves (the sum of every setup, call and teardown `--durations=0` reports: start-up and
collection left out) when each request takes LATENCY seconds, against the same run with none (the
fastest of three runs of each: other work on the machine only ever adds time).

langchain-tests runs in a venv that has it (benchmarks/.venv-lct, made as
contract_vs_langchain_tests.py makes it, or --lct-python); modelcheck with this interpreter.

    python benchmarks/embeddings_vs_langchain_tests.py
    python benchmarks/embeddings_vs_langchain_tests.py --lct-python /path/to/venv/bin/python
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LCT_VENV = ROOT / "benchmarks" / ".venv-lct"
LATENCY = 0.1
REPEAT = 3

COUNTED = '''
import contextvars
import json
import os

from reference_models.{module} import {name} as Model

_depth = contextvars.ContextVar("depth", default=0)
COUNTS = {{"calls": 0, "requests": 0}}


def _enter():
    if _depth.get() == 0:
        COUNTS["calls"] += 1
    return _depth.set(_depth.get() + 1)


class Counted(Model):
    """{name}, counting its calls and requests (https://example.com/api)."""

    def _request(self, batch):
        COUNTS["requests"] += 1
        return super()._request(batch)

    def embed_documents(self, texts):
        token = _enter()
        try:
            return super().embed_documents(texts)
        finally:
            _depth.reset(token)

    def embed_query(self, text):
        token = _enter()
        try:
            return super().embed_query(text)
        finally:
            _depth.reset(token)

    async def aembed_documents(self, texts):
        token = _enter()
        try:
            return await super().aembed_documents(texts)
        finally:
            _depth.reset(token)

    async def aembed_query(self, text):
        token = _enter()
        try:
            return await super().aembed_query(text)
        finally:
            _depth.reset(token)
'''
CONFTEST = """
import json
import os


def pytest_sessionfinish(session):
    import counted

    with open(os.environ["COUNT_FILE"], "w", encoding="utf-8") as handle:
        json.dump(counted.COUNTS, handle)
"""
STANDARD = """
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from counted import Counted


class Configured:
    @property
    def embeddings_class(self):
        return Counted

    @property
    def embedding_model_params(self):
        return {{"latency_s": {latency}}}

    @property
    def init_from_env_params(self):
        return {{"ECHO_API_KEY": "api-key"}}, {{}}, {{"api_key": "api-key"}}


class TestUnit(Configured, EmbeddingsUnitTests):
    pass


class TestIntegration(Configured, EmbeddingsIntegrationTests):
    pass
"""
PYPROJECT = """
[tool.pytest.ini_options]
asyncio_mode = "auto"

[tool.modelcheck."counted:Counted"]
params = {{latency_s = {latency}}}
"""
FAILED = re.compile(r"^FAILED \S+::(\w+)::(\w+)", re.MULTILINE)
PHASE = re.compile(r"^([\d.]+)s (?:setup|call|teardown) ", re.MULTILINE)
"""A line of `--durations=0`: the time of one phase of one test (collection and start-up left out)."""


def variants() -> list[tuple[str, str, str]]:
    """(module, class, the check its docstring says it fails): the reference first, then each variant."""
    sys.path.insert(0, str(ROOT))
    from reference_models import broken_embeddings

    found = [("echo_embeddings", "EchoEmbeddings", "")]
    for name, cls in inspect.getmembers(broken_embeddings, inspect.isclass):
        match = re.match(r"Fails `([\w-]+)`", inspect.getdoc(cls) or "")
        if cls.__module__ == broken_embeddings.__name__ and match:
            found.append(("broken_embeddings", name, match[1]))
    return found


def project(work: Path, module: str, name: str, latency: float) -> None:
    (work / "counted.py").write_text(COUNTED.format(module=module, name=name), encoding="utf-8")
    (work / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (work / "test_standard.py").write_text(STANDARD.format(latency=latency), encoding="utf-8")
    (work / "pyproject.toml").write_text(PYPROJECT.format(latency=latency), encoding="utf-8")


def run(python: str, work: Path, args: list[str]) -> tuple[str, dict[str, int], float]:
    counts = work / "counts.json"
    env = {**os.environ, "COUNT_FILE": str(counts), "PYTHONPATH": f"{work}{os.pathsep}{ROOT}"}
    env.pop("ECHO_API_KEY", None)
    start = time.perf_counter()
    done = subprocess.run(
        [
            python,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rf",
            "--durations=0",
            "--durations-min=0",
            *args,
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = done.stdout + done.stderr
    found = json.loads(counts.read_text(encoding="utf-8")) if counts.exists() else {"calls": 0, "requests": 0}
    phases = PHASE.findall(out)
    return out, found, sum(map(float, phases)) if phases else time.perf_counter() - start


def langchain_tests(
    python: str, module: str, name: str, latency: float
) -> tuple[list[str], dict[str, int], float]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        project(work, module, name, latency)
        out, counts, took = run(python, work, ["-p", "no:modelcheck", "test_standard.py"])
    return sorted({test for _, test in FAILED.findall(out)}), counts, took


def modelcheck(module: str, name: str, latency: float) -> tuple[list[str], dict[str, int], float]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        project(work, module, name, latency)
        (work / "test_standard.py").unlink()
        report = work / "mc.json"
        _, counts, took = run(
            sys.executable, work, ["--modelcheck=counted:Counted", f"--modelcheck-report={report}"]
        )
        data = json.loads(report.read_text(encoding="utf-8"))
    failed = [c["id"] for t in data["targets"] for c in t["checks"] if c["outcome"] in ("failed", "error")]
    return failed, counts, took


def lct_time(python: str, module: str, name: str, latency: float) -> float:
    return langchain_tests(python, module, name, latency)[2]


def mc_time(module: str, name: str, latency: float) -> float:
    return modelcheck(module, name, latency)[2]


def extra_time(timed: Callable[[float], float]) -> float:
    """The time LATENCY per request adds to a run: the fastest of REPEAT runs with it, less the
    fastest of REPEAT without (the fastest, as other work on the machine only ever adds time)."""
    slow = min(timed(LATENCY) for _ in range(REPEAT))
    fast = min(timed(0.0) for _ in range(REPEAT))
    return slow - fast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lct-python", default=str(LCT_VENV / "bin" / "python"), help="python with langchain-tests"
    )
    opts = parser.parse_args()
    if not Path(opts.lct_python).exists() and opts.lct_python == str(LCT_VENV / "bin" / "python"):
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from contract_vs_langchain_tests import ensure_venv

        ensure_venv()  # the venv the other langchain-tests benchmark makes (needs the package index once)
    rows = [
        "| model | breaks | langchain-tests failed | modelcheck failed |",
        "|---|---|---|---|",
    ]
    for module, name, breaks in variants():
        lct_failed, lct_counts, _ = langchain_tests(opts.lct_python, module, name, 0.0)
        mc_failed, mc_counts, _ = modelcheck(module, name, 0.0)
        if not breaks:
            lct = extra_time(partial(lct_time, opts.lct_python, module, name))
            mc = extra_time(partial(mc_time, module, name))
            print(
                f"{name}: langchain-tests {lct_counts['calls']} calls, {lct_counts['requests']} requests, "
                f"+{lct:.2f} s at {LATENCY * 1000:.0f} ms per request; modelcheck "
                f"{mc_counts['calls']} calls, {mc_counts['requests']} requests, +{mc:.2f} s",
                flush=True,
            )
        shown = ", ".join(f"`{t}`" for t in lct_failed) or (
            "nothing" if not breaks else "nothing (lets it through)"
        )
        mc_shown = ", ".join(f"`{c}`" for c in mc_failed) or "nothing"
        rows.append(f"| `{name}` | {f'`{breaks}`' if breaks else '-'} | {shown} | {mc_shown} |")
        print(rows[-1], flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
