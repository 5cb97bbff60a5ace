"""modelcheck beside langchain-tests on the same echo chat model: wall time, model calls, latency.

Run by hand, not in CI (it installs langchain-tests from the package index and takes minutes):

    python benchmarks/compare.py                 # N = 5 runs of each, medians
    python benchmarks/compare.py --runs 9 --startup-runs 60
    python benchmarks/compare.py --profile       # also profile one modelcheck run (pyinstrument)
    python benchmarks/compare.py --calls-only    # one run each: model calls, per langchain-tests test

langchain-tests 1.1.9 pins syrupy<6, so both tools run from one virtual environment the script
creates (benchmarks/.venv-lt, gitignored) with langchain-tests==1.1.9 and this checkout of
modelcheck installed: same interpreter, same langchain-core, same pytest plugins for both. The
"modelcheck alone" row runs modelcheck from a second venv (benchmarks/.venv-mc) holding only
modelcheck and its dependencies, as a project that uses modelcheck instead of langchain-tests has
it: without the pytest plugins langchain-tests brings (benchmark, codspeed, recording, asyncio,
socket).

The "floor" rows run one test that only imports the model, in each venv: pytest, its plugins and
langchain-core (with the LangSmith client it imports) cost that much before any check runs, so no
pytest-based tool can go below it. Ratios are given twice: the ratio of the medians, and the median
of the run-by-run ratios (runs are interleaved, so each pair saw the same machine), which holds up
better when the machine's speed drifts during the benchmark.

The model is `reference_models.EchoChatModel` with a thin subclass that appends one line to a file
each time `_generate`, `_agenerate`, `_stream` or `_astream` is entered, so model calls are
counted the same way for both tools (modelcheck's JSON report `calls` is printed beside it).
Wall time is the whole `pytest` process, start to exit, as a user's CI pays it.

langchain-tests runs with every capability the reference model has switched on in its test
classes (tool calling and tool_choice, structured output with json_schema and JSON mode, image,
PDF and audio inputs, image URLs, images and PDFs in tool messages, usage metadata), so both tools
test the same features. Read from langchain-tests 1.1.9's source, its two suites then make 74 model
calls on a model that passes each of its tests (19 for invoke, streams, batches, conversations,
usage and stop; 21 for tool calling; 24 for structured output and JSON mode; 10 for media); a
test that fails stops at its first failed assertion and makes fewer. `--calls-only` prints the
calls of one run of each, per langchain-tests test, with the tests that failed.

The last table is the cost of having modelcheck installed in a pytest run that does not use it:
`pytest --co -q` on a one-test file with the plugin and with `-p no:modelcheck`, interleaved,
median of many runs; plus `-X importtime` of the plugin module and a check that the run did not
import langchain_core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "benchmarks" / ".venv-lt"
VENV_ALONE = ROOT / "benchmarks" / ".venv-mc"  # modelcheck and its dependencies only
LANGCHAIN_TESTS = "langchain-tests==1.1.9"
LATENCY = 0.1

MODEL = '''
"""The reference echo chat model, counting its model calls into $BENCH_CALLS_FILE at exit.

The calls are noted in memory: a file write in `_agenerate` would be sync I/O in async code.
"""

import asyncio
import atexit
import os
import threading
import time

from reference_models import EchoChatModel

CALLS = []
START = time.perf_counter()


def _count(kind, messages):
    # The test that made the call (pytest sets PYTEST_CURRENT_TEST while a test runs), so the
    # benchmark can say how many calls each langchain-tests test makes; and when the call began,
    # on which thread, with what last message, so it can show the calls' timeline.
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    began = 1000 * (time.perf_counter() - START)
    last = messages[-1].content if messages else ""
    text = " ".join(str(last).split())[:48]
    CALLS.append(f"{kind}\\t{test}\\t{began:.0f}\\t{threading.current_thread().name}\\t{text}")


@atexit.register
def _write_calls():
    path = os.environ.get("BENCH_CALLS_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("".join(kind + "\\n" for kind in CALLS))


class CountingEcho(EchoChatModel):
    """The reference echo chat model, counting calls (API: https://example.com/echo)."""

    call_latency_s: float = 0.0
    """Seconds to wait once at the start of each model call (`latency_s` waits before each chunk)."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        _count("_generate", messages)
        time.sleep(self.call_latency_s)
        return super()._generate(messages, stop, run_manager, **kwargs)

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        _count("_agenerate", messages)
        await asyncio.sleep(self.call_latency_s)
        return await super()._agenerate(messages, stop, run_manager, **kwargs)

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        _count("_stream", messages)
        time.sleep(self.call_latency_s)
        yield from super()._stream(messages, stop, run_manager, **kwargs)

    async def _astream(self, messages, stop=None, run_manager=None, **kwargs):
        _count("_astream", messages)
        await asyncio.sleep(self.call_latency_s)
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            yield chunk
'''

LT_TESTS = '''
"""langchain-tests' standard unit and integration suites on the counting echo model.

Every capability modelcheck checks that the reference model has is switched on, so
langchain-tests runs every test it has for such a model (the model-override tests stay skipped:
the echo does not answer under a per-call model name; the Anthropic-input and VCR tests are for
other providers). Structured output is tested with one method per class, as langchain-tests
does: json_schema here (the tool tests use function calling, test_json_mode json_mode).
langchain-tests' media tests download an image, a PDF and a WAV file from third-party sites with
httpx.get; here they get small files made in memory instead (no network in the figures, no load
on those sites, the same model calls).
"""

import io
import json
import os
import struct
import wave
import zlib

import httpx
import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from bench_model import CountingEcho

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


FILES = {".png": _png(), ".pdf": PDF, ".wav": _wav()}


class _Response:
    def __init__(self, content):
        self.content = content


@pytest.fixture(autouse=True)
def _local_media(monkeypatch):
    def get(url, *args, **kwargs):
        return _Response(next(data for suffix, data in FILES.items() if url.endswith(suffix)))

    monkeypatch.setattr(httpx, "get", get)
    monkeypatch.setenv("LANGCHAIN_TESTS_USER_AGENT", "modelcheck-benchmark")


class _Echo:
    @property
    def chat_model_class(self):
        return CountingEcho

    @property
    def chat_model_params(self):
        return json.loads(os.environ.get("BENCH_PARAMS", "{}"))

    has_tool_calling = True
    has_tool_choice = True
    has_structured_output = True
    structured_output_kwargs = {"method": "json_schema"}
    supports_json_mode = True
    supports_image_inputs = True
    supports_image_urls = True
    supports_pdf_inputs = True
    supports_audio_inputs = True
    supports_image_tool_message = True
    supports_pdf_tool_message = True
    returns_usage_metadata = True


class TestEchoUnit(_Echo, ChatModelUnitTests):
    @property
    def init_from_env_params(self):
        return ({"ECHO_API_KEY": "bench-key"}, {}, {"api_key": "bench-key"})


class TestEchoIntegration(_Echo, ChatModelIntegrationTests):
    pass
'''

PYPROJECT = """
[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
"""
# The venv holding only modelcheck has no pytest-asyncio, so it gets a config without its options.
ALONE_INI = "[pytest]\n"

FLOOR_TEST = '''
"""The least any pytest run that checks the model pays: pytest, its plugins, importing the model."""

import bench_model


def test_floor():
    assert bench_model.CountingEcho
'''

TRIVIAL = """
import sys


def test_trivial():
    assert "langchain_core" not in sys.modules, "langchain_core was imported"
"""


@dataclass
class Runs:
    """The timed runs of one configuration."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    sessions: list[float] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    reported_calls: list[int] = field(default_factory=list)
    outcomes: set[str] = field(default_factory=set)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def session(self) -> float:
        return statistics.median(self.sessions) if self.sessions else float("nan")


def child_env(**extra: str) -> dict[str, str]:
    """The environment of every measured process: bytecode caching on (as in a user's CI, where
    installed packages have their .pyc files), no inherited pytest options."""
    env = {**os.environ, **extra}
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        env.pop(name, None)
    return env


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(venv: Path, packages: list[str], modules: str, recreate: bool) -> Path:
    """Create a benchmark venv with `packages` (pip arguments), unless `modules` import there already."""
    python = venv_python(venv)
    if recreate and venv.exists():
        import shutil

        shutil.rmtree(venv)
    if not python.exists():
        print(f"creating {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if subprocess.run([str(python), "-c", f"import {modules}"], capture_output=True).returncode != 0:
        print(f"installing {' '.join(packages)} into {venv} ...", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python


def versions(python: Path) -> str:
    code = (
        "from importlib.metadata import version, PackageNotFoundError\n"
        "def v(p):\n"
        "    try:\n"
        "        return f'{p} {version(p)}'\n"
        "    except PackageNotFoundError:\n"
        "        return None\n"
        "names = ('langchain-tests', 'langchain-core', 'pytest', 'syrupy', 'pydantic', 'modelcheck')\n"
        "print(', '.join(filter(None, map(v, names))))"
    )
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def write_project(work: Path) -> None:
    (work / "bench_model.py").write_text(textwrap.dedent(MODEL).lstrip(), encoding="utf-8")
    (work / "test_langchain_tests.py").write_text(textwrap.dedent(LT_TESTS).lstrip(), encoding="utf-8")
    (work / "pyproject.toml").write_text(PYPROJECT.lstrip(), encoding="utf-8")
    (work / "alone.ini").write_text(ALONE_INI, encoding="utf-8")
    (work / "floor_test.py").write_text(textwrap.dedent(FLOOR_TEST).lstrip(), encoding="utf-8")


SESSION = re.compile(r"^=*\s*(?P<summary>\d+ \w+.*) in (?P<secs>[\d.]+)s")
CONFIGS = {
    "no latency": {},
    "0.1 s per call": {"call_latency_s": LATENCY},
    "0.1 s per chunk": {"latency_s": LATENCY},
}
TOOLS = ("langchain-tests", "modelcheck")
ALONE = "modelcheck alone"  # modelcheck in a venv without langchain-tests and the plugins it brings
# One test that imports the model and checks nothing: what pytest, its plugins and importing the
# model (langchain-core with it) cost, in each venv. No tool that runs in pytest can go below it.
FLOOR = "floor"
FLOOR_ALONE = "floor, modelcheck's venv"
CHECKERS = ("modelcheck", ALONE)


def pytest_args(tool: str, params: dict[str, float]) -> list[str]:
    own_ini = ["-c", "alone.ini"] if tool in (ALONE, FLOOR_ALONE) else []
    if tool == "langchain-tests":
        return ["test_langchain_tests.py", "-q", "-p", "no:modelcheck"]
    if tool in (FLOOR, FLOOR_ALONE):
        return ["floor_test.py", "-q", "-p", "no:modelcheck", *own_ini]
    args = ["--modelcheck=bench_model:CountingEcho", "-q", "--modelcheck-report=report.json", *own_ini]
    return [*args, f"--modelcheck-params={json.dumps(params)}"] if params else args


def run_once(
    python: Path, work: Path, args: list[str], params: dict[str, float]
) -> tuple[float, float, float, str, list[str], list[str]]:
    """One pytest process: its wall time, CPU time, pytest's own session time, its summary, the
    model calls (one "kind<TAB>test id" line each) and the tests that failed."""
    fd, calls_name = tempfile.mkstemp(prefix="calls-", dir=work)
    os.close(fd)
    calls = Path(calls_name)
    env = child_env(BENCH_CALLS_FILE=str(calls), BENCH_PARAMS=json.dumps(params))
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-rf", *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    out = proc.stdout + proc.stderr
    found = next((m for m in map(SESSION.match, reversed(out.splitlines())) if m), None)
    if proc.returncode not in (0, 1) or not found:
        raise SystemExit(f"pytest {' '.join(args)} failed to run (exit {proc.returncode}):\n{out[-3000:]}")
    made = calls.read_text(encoding="utf-8").splitlines()
    calls.unlink()
    failed = [m[1] for m in re.finditer(r"^FAILED (\S+)", out, re.MULTILINE)]
    return wall, cpu, float(found["secs"]), found["summary"], made, failed


def _children_cpu() -> float:
    """User + system CPU seconds of every finished child process so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(pythons: dict[str, Path], work: Path, runs: int) -> dict[tuple[str, str], Runs]:
    """Every tool in every configuration, interleaved run by run so that load drifts hit all alike."""
    results = {(tool, name): Runs() for name in CONFIGS for tool in TOOLS}
    for extra in (ALONE, FLOOR, FLOOR_ALONE):
        results[extra, "no latency"] = Runs()
    for tool, name in results:
        print(f"warm-up: {tool}, {name}", flush=True)
        update = ["--snapshot-update"] if tool in CHECKERS else []
        run_once(pythons[tool], work, [*pytest_args(tool, CONFIGS[name]), *update], CONFIGS[name])
    for i in range(runs):
        print(f"run {i + 1}/{runs}", flush=True)
        for (tool, name), result in results.items():
            wall, cpu, session, summary, calls, _ = run_once(
                pythons[tool], work, pytest_args(tool, CONFIGS[name]), CONFIGS[name]
            )
            result.walls.append(wall)
            result.cpus.append(cpu)
            result.sessions.append(session)
            result.calls.append(len(calls))
            result.outcomes.add(summary)
            if tool in CHECKERS:
                report = json.loads((work / "report.json").read_text(encoding="utf-8"))
                result.reported_calls.append(sum(t["calls"] for t in report["targets"]))
    return results


def count_calls(python: Path, work: Path) -> None:
    """One run of each tool without latency: the model calls, and per langchain-tests test its
    calls and whether it passed (a failed test stops at its first failed assertion, so it makes
    fewer calls than it would on a model that passes it). Then modelcheck once more with 0.1 s per
    call: when each call began, which shows how its calls overlap (the phases of observation)."""
    for tool in TOOLS:
        update = ["--snapshot-update"] if tool in CHECKERS else []
        run_once(python, work, [*pytest_args(tool, {}), *update], {})  # snapshots, bytecode
        _, _, _, summary, calls, failed = run_once(python, work, pytest_args(tool, {}), {})
        print(f"\n{tool}: {len(calls)} model calls; {summary}")
        if tool == "modelcheck":
            report = json.loads((work / "report.json").read_text(encoding="utf-8"))
            print(f"  JSON report: {sum(t['calls'] for t in report['targets'])} calls")
            continue
        per_test: dict[str, int] = {}
        for line in calls:
            test = line.split("\t")[1].rpartition("::")[2] or "(outside a test)"
            per_test[test] = per_test.get(test, 0) + 1
        bare = {f.rpartition("::")[2] for f in failed}
        for test, made in per_test.items():
            print(f"  {made:3d}  {test}{'  FAILED' if test in bare else ''}")
        for test in sorted(bare - set(per_test)):
            print(f"    0  {test}  FAILED")
    slow = CONFIGS["0.1 s per call"]
    wall, _, session, _, calls, _ = run_once(python, work, pytest_args("modelcheck", slow), slow)
    print(f"\nmodelcheck, 0.1 s per call: wall {wall:.2f} s, session {session:.2f} s; each call's start:")
    rows = sorted((float(f[2]), f[0], f[3], f[4]) for f in (line.split("\t") for line in calls))
    first = rows[0][0] if rows else 0.0
    for began, kind, thread, text in rows:
        print(f"  {began - first:6.0f} ms  {kind:<11} {thread:<28} {text}")


def startup_cost(python: Path, work: Path, runs: int) -> dict[str, float | str]:
    """The plugin's cost in a pytest run that does not use it."""
    (work / "test_trivial.py").write_text(TRIVIAL.lstrip(), encoding="utf-8")
    base = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    env = child_env()
    timings: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(runs):
        for plugin in (True, False):
            args = [*base, "--co", "test_trivial.py", *(() if plugin else ("-p", "no:modelcheck"))]
            start = time.perf_counter()
            subprocess.run(args, cwd=work, env=env, capture_output=True, check=True)
            timings[plugin].append(time.perf_counter() - start)
    ran = subprocess.run([*base, "test_trivial.py"], cwd=work, env=env, capture_output=True, text=True)
    return {
        "with plugin (median s)": statistics.median(timings[True]),
        "-p no:modelcheck (median s)": statistics.median(timings[False]),
        "added (ms)": 1000 * (statistics.median(timings[True]) - statistics.median(timings[False])),
        "import modelcheck.plugin after pytest, -X importtime (median ms)": _import_ms(python, env, runs),
        "langchain_core imported": "no" if ran.returncode == 0 else "YES:\n" + ran.stdout[-800:],
    }


def _import_ms(python: Path, env: dict[str, str], runs: int) -> float:
    """What importing the plugin module costs once pytest (and what it imports anyway) is loaded."""
    code = "import pytest, tomllib, json, dataclasses; import modelcheck.plugin"
    found = []
    for _ in range(runs):
        err = subprocess.run(
            [str(python), "-X", "importtime", "-c", code], env=env, capture_output=True, text=True
        )
        lines = [line for line in err.stderr.splitlines() if re.search(r"\|\s+modelcheck\.plugin$", line)]
        found.extend(int(line.split("|")[1]) / 1000 for line in lines)
    return statistics.median(found) if found else float("nan")


def profile(work: Path, python: Path) -> None:
    """One modelcheck run under pyinstrument, printed as text."""
    args = ["--modelcheck=bench_model:CountingEcho", "-q", "-p", "no:cacheprovider"]
    cmd = [str(python), "-m", "pyinstrument", "-m", "pytest", *args]
    print(subprocess.run(cmd, cwd=work, env=child_env(), capture_output=True, text=True).stdout[-12000:])


def table(rows: list[tuple[str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per configuration (median)")
    parser.add_argument("--startup-runs", type=int, default=40, help="runs for the plugin startup cost")
    parser.add_argument("--venv", type=Path, default=VENV)
    parser.add_argument("--recreate", action="store_true", help="build the benchmark venv afresh")
    parser.add_argument("--profile", action="store_true", help="profile one modelcheck run (pyinstrument)")
    parser.add_argument("--startup-only", action="store_true", help="only the cost of the plugin installed")
    parser.add_argument(
        "--calls-only", action="store_true", help="only the model calls: one run of each, per test"
    )
    opts = parser.parse_args()

    extra = ["pyinstrument"] if opts.profile else []
    python = ensure_venv(
        opts.venv, [LANGCHAIN_TESTS, "-e", str(ROOT), *extra], "langchain_tests, modelcheck", opts.recreate
    )
    alone = ensure_venv(VENV_ALONE, ["-e", str(ROOT)], "modelcheck, reference_models", opts.recreate)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, load {load:.2f}; "
        f"python {platform.python_version()}"
    )
    print(f"versions: {versions(python)}")
    print(f"modelcheck alone: {versions(alone)}")
    with tempfile.TemporaryDirectory(prefix="mc-bench-") as tmp:
        work = Path(tmp)
        write_project(work)
        if opts.calls_only:
            count_calls(python, work)
            return
        if opts.startup_only:
            print_startup(startup_cost(python, work, opts.startup_runs), opts)
            return
        pythons = {**dict.fromkeys((*TOOLS, FLOOR), python), ALONE: alone, FLOOR_ALONE: alone}
        results = measure(pythons, work, opts.runs)
        startup = startup_cost(python, work, opts.startup_runs)
        if opts.profile:
            profile(work, python)
    report(results, startup, opts)


def report(
    results: dict[tuple[str, str], Runs], startup: dict[str, float | str], opts: argparse.Namespace
) -> None:
    base = {tool: results[tool, "no latency"] for tool in TOOLS}
    lt, mc = base["langchain-tests"], base["modelcheck"]
    print(f"\nmedian of {opts.runs} runs each (wall = whole pytest process; session = pytest's own 'in Xs')")
    rows = [
        ("", "langchain-tests 1.1.9", "modelcheck"),
        ("wall time (s)", f"{lt.wall:.2f}", f"{mc.wall:.2f} ({ratios(mc, lt)})"),
        ("CPU time, user+sys (s)", f"{lt.cpu:.2f}", f"{mc.cpu:.2f} ({mc.cpu / lt.cpu:.2f}x)"),
        ("pytest session (s)", f"{lt.session:.2f}", f"{mc.session:.2f} ({mc.session / lt.session:.2f}x)"),
        (
            "model calls",
            f"{statistics.median(lt.calls):g}",
            f"{statistics.median(mc.calls):g} (JSON report: {statistics.median(mc.reported_calls):g})",
        ),
    ]
    for name in list(CONFIGS)[1:]:
        slow = {tool: results[tool, name] for tool in TOOLS}
        rows.append((f"wall, {name} (s)", *(f"{slow[t].wall:.2f}" for t in TOOLS)))
        rows.append(("  added to wall (s)", *(f"{slow[t].wall - base[t].wall:+.2f}" for t in TOOLS)))
        rows.append(("  added to session (s)", *(f"{slow[t].session - base[t].session:+.2f}" for t in TOOLS)))
    rows.append(("outcomes", *(" | ".join(sorted(base[t].outcomes)) for t in TOOLS)))
    own, floor, own_floor = (results[t, "no latency"] for t in (ALONE, FLOOR, FLOOR_ALONE))
    rows.append(("wall, modelcheck alone (s)", "", f"{own.wall:.2f} ({ratios(own, lt)})"))
    rows.append(("CPU, modelcheck alone (s)", "", f"{own.cpu:.2f} ({own.cpu / lt.cpu:.2f}x)"))
    rows.append(("floor: one test importing the model (s)", "", f"{floor.wall:.2f} ({ratios(floor, lt)})"))
    rows.append(("  above the floor (s)", f"{lt.wall - floor.wall:+.2f}", f"{mc.wall - floor.wall:+.2f}"))
    rows.append(("floor, modelcheck's venv (s)", "", f"{own_floor.wall:.2f} ({ratios(own_floor, lt)})"))
    rows.append(("  modelcheck alone above it (s)", "", f"{own.wall - own_floor.wall:+.2f}"))
    print(table(rows))
    print("\nall wall times (s):")
    for (tool, name), r in results.items():
        print(f"  {tool}, {name}: {', '.join(f'{w:.2f}' for w in r.walls)}")
    print_startup(startup, opts)


def ratios(runs: Runs, peer: Runs) -> str:
    """The ratio of medians, and the median of run-by-run ratios (each pair ran back to back)."""
    paired = statistics.median(a / b for a, b in zip(runs.walls, peer.walls, strict=True))
    return f"{runs.wall / peer.wall:.2f}x; run by run {paired:.2f}x"


def print_startup(startup: dict[str, float | str], opts: argparse.Namespace) -> None:
    print(f"\nplugin installed, not used ({opts.startup_runs} interleaved runs of pytest --co -q):")
    for key, value in startup.items():
        print(f"  {key}: {value:.4f}" if isinstance(value, float) else f"  {key}: {value}")


if __name__ == "__main__":
    main()
