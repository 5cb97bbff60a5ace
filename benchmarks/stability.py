"""Run the whole catalog many times on a loaded machine: no verdict may flip on a correct model, and a
stop-ignoring API on a sampling model must be caught every time.

Run by hand from a checkout with the integrations extra installed (a round is two pytest runs of
eleven targets; on 2 cores with two CPU burners a round takes 20 to 50 s, so the default 200 runs
take about 45 minutes); the test suite runs one round without burners
(tests/real/test_stability.py), so the script is kept working between hand-runs:

    python benchmarks/stability.py      # 200 runs: 100 rounds, each serial and -n 2; 2 CPU burners
    python benchmarks/stability.py --rounds 30 --minutes 60

Every fifth round prints the flips and catches so far; Ctrl-C, or `kill <pid>` of a series run in
the background, ends the series and prints the summary of the rounds done.

The targets, in one pytest run:

- correct models: the reference models (`EchoLLM`, `EchoChatModel`), the sampling reference models
  (`SamplingChatModel`, `SamplingLLM`: a new random answer per call), langchain-openai's
  `ChatOpenAI` and `OpenAI` against the loopback OpenAI-compatible server of the tests in its
  sampling mode (tests/support/openai_server.py, `stop_policy = "exclude"` as that API does), and
  `ChatOpenAI` replaying a cassette recorded once against the echoing server;
- the seeded defect, a sampling model whose API drops `stop`: the same two langchain-openai models
  against a sampling server that ignores `stop`, and the sampling reference models with `stop`
  dropped.

Each round runs pytest once serially and once with `-n 2` (pytest-xdist), while `--burners` busy
loops compete for the CPU. Every check's outcome is read from the JSON report. A flip is an outcome
of a (target, check) that differs from its most frequent one over all runs (so a check that fails
the same way every time, as ChatOpenAI's `docs`, is no flip); the defect's `stop-respected` is not
counted as a flip but as caught (failed) or missed. The snapshots are written once, by a warm-up
run with `--snapshot-update`; no later run updates them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.openai_server import OpenAIServer  # noqa: E402

MODES = {"serial": (), "-n 2": ("-n", "2")}
MODULE = '''
"""The stability benchmark's targets (benchmarks/stability.py)."""

from langchain_openai import ChatOpenAI, OpenAI

from modelcheck.reference_models.sampling import SamplingChatModel, SamplingLLM

KEY = {key!r}


def _chat(url):
    return ChatOpenAI(model="mc-echo", base_url=url, api_key=KEY, max_retries=0, timeout=30)


def _text(url):
    return OpenAI(model="mc-echo", base_url=url, api_key=KEY, max_retries=0, timeout=30)


def sampling_chat():
    return _chat({sampling!r})


def sampling_text():
    return _text({sampling!r})


def dropping_chat():
    return _chat({dropping!r})


def dropping_text():
    return _text({dropping!r})


def replayed_chat():
    return ChatOpenAI(model="mc-echo", base_url={recorded!r}, max_retries=0, timeout=30)


class SamplingChatDropsStop(SamplingChatModel):
    """A sampling chat model whose API drops `stop`."""

    def _answer(self, messages, stop):
        return super()._answer(messages, None)


class SamplingLLMDropsStop(SamplingLLM):
    """A sampling text model whose API drops `stop`."""

    def _answer(self, prompt, stop):
        return super()._answer(prompt, None)
'''
CONFIG = """[tool.pytest.ini_options]

[tool.modelcheck]
timeout = 60

[tool.modelcheck."bench_targets:sampling_chat"]
stop_policy = "exclude"

[tool.modelcheck."bench_targets:sampling_text"]
stop_policy = "exclude"

[tool.modelcheck."bench_targets:dropping_chat"]
stop_policy = "exclude"

[tool.modelcheck."bench_targets:dropping_text"]
stop_policy = "exclude"

[tool.modelcheck."bench_targets:replayed_chat"]
secret_env = ["OPENAI_API_KEY"]
"""
REFERENCE = "modelcheck.reference_models"
CORRECT = (
    f"{REFERENCE}:EchoLLM",
    f"{REFERENCE}:EchoChatModel",
    f"{REFERENCE}.sampling:SamplingChatModel",
    f"{REFERENCE}.sampling:SamplingLLM",
    "bench_targets:sampling_chat",
    "bench_targets:sampling_text",
    "bench_targets:replayed_chat",
)
DEFECT = (
    "bench_targets:dropping_chat",
    "bench_targets:dropping_text",
    "bench_targets:SamplingChatDropsStop",
    "bench_targets:SamplingLLMDropsStop",
)
CAUGHT_BY = "stop-respected"
REPLAYED = "bench_targets:replayed_chat"
Outcomes = dict[str, dict[str, str]]


@contextmanager
def cpu_burners(count: int) -> Iterator[None]:
    """`count` processes that spin on a core each until the block ends."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL)
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def run_catalog(
    python: str, work: Path, targets: tuple[str, ...], *extra: str, key: str | None = None
) -> tuple[int, float, Outcomes, str]:
    """One pytest run: exit code, wall time, {target: {check: outcome}} and the output's tail."""
    report = work / "report.json"
    report.unlink(missing_ok=True)
    drop = ("PYTEST_ADDOPTS", "PYTHONDONTWRITEBYTECODE", "CI", "OPENAI_API_KEY")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = os.pathsep.join([str(work), env.get("PYTHONPATH", "")])
    if key is not None:
        env["OPENAI_API_KEY"] = key
    args = [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--modelcheck-report={report}"]
    args += [f"--modelcheck={t}" for t in targets]
    start = time.perf_counter()
    proc = subprocess.run([*args, *extra], cwd=work, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    outcomes: Outcomes = {}
    if report.exists():
        for target in json.loads(report.read_text(encoding="utf-8"))["targets"]:
            outcomes[target["target"]] = {c["id"]: c["outcome"] for c in target["checks"]}
    return proc.returncode, wall, outcomes, (proc.stdout + proc.stderr)[-3000:]


def prepare(work: Path, python: str, servers: dict[str, OpenAIServer]) -> Outcomes:
    """The targets' module and settings; the replay cassette, recorded once against the echoing server;
    every snapshot, written once. The warm-up's outcomes."""
    urls = {name: server.base_url for name, server in servers.items()}
    source = MODULE.format(key=servers["sampling"].api_key, **urls)
    (work / "bench_targets.py").write_text(source, encoding="utf-8")
    (work / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    recorder = ("--modelcheck-record", "--snapshot-update")
    code, _, _, tail = run_catalog(python, work, (REPLAYED,), *recorder, key=servers["recorded"].api_key)
    if code not in (0, 1):
        raise SystemExit(f"recording the cassette failed (exit {code}):\n{tail}")
    servers["recorded"].stop()  # replay needs no server: a request would now fail
    code, _, outcomes, tail = run_catalog(python, work, CORRECT + DEFECT, "--snapshot-update")
    if code not in (0, 1) or set(outcomes) != set(CORRECT + DEFECT):
        raise SystemExit(f"the warm-up run did not complete (exit {code}):\n{tail}")
    return outcomes


class Tally:
    """Every run's outcomes, and what they add up to."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self.caught: dict[str, Counter[str]] = defaultdict(Counter)
        self.walls: dict[str, list[float]] = defaultdict(list)
        self.broken: list[str] = []

    def add(self, mode: str, code: int, wall: float, outcomes: Outcomes, tail: str) -> None:
        self.walls[mode].append(wall)
        missing = set(CORRECT + DEFECT) - set(outcomes)
        if code not in (0, 1) or missing:
            self.broken.append(f"{mode}: exit {code}, no verdicts for {sorted(missing)}:\n{tail}")
        for target, checks in outcomes.items():
            for check, outcome in checks.items():
                if target in DEFECT and check == CAUGHT_BY:
                    self.caught[target][outcome] += 1
                else:
                    self.seen[(target, check)][f"{mode}: {outcome}"] += 1
                    self.seen[(target, check)][outcome] += 1

    def progress(self) -> str:
        """One line for the log while the series runs: flips and catches so far."""
        caught = sum(c["failed"] for c in self.caught.values())
        total = sum(sum(c.values()) for c in self.caught.values())
        return f"{sum(self.flips().values())} flips so far, stop-ignoring API caught {caught} of {total}"

    def flips(self) -> dict[tuple[str, str], int]:
        """Per (target, check): the runs whose outcome is not its most frequent one."""
        out = {}
        for key, counts in self.seen.items():
            plain = {k: v for k, v in counts.items() if ":" not in k}
            flipped = sum(plain.values()) - max(plain.values())
            if flipped:
                out[key] = flipped
        return out

    def summary(self, rounds: int) -> str:
        lines = [f"{rounds} rounds x {list(MODES)}: {sum(map(len, self.walls.values()))} runs"]
        for mode, walls in self.walls.items():
            lines.append(f"  {mode}: wall median {statistics.median(walls):.1f} s, max {max(walls):.1f} s")
        flips = self.flips()
        correct = sum(n for (t, _), n in flips.items() if t in CORRECT)
        defect_other = sum(n for (t, _), n in flips.items() if t in DEFECT)
        verdicts = sum(sum(v for k, v in c.items() if ":" not in k) for c in self.seen.values())
        lines.append(f"verdicts: {verdicts}; flips on correct models: {correct}")
        lines.append(f"flips on the defect's other checks: {defect_other}")
        for (target, check), n in sorted(flips.items()):
            lines.append(f"  {n} x {target} {check}: {dict(self.seen[(target, check)])}")
        lines.append("correct models' verdicts other than passed (the most frequent outcome):")
        for (target, check), counts in sorted(self.seen.items()):
            modal = max((k for k in counts if ":" not in k), key=lambda k: counts[k])
            if target in CORRECT and modal != "passed":
                lines.append(f"  {target} {check}: {modal}")
        caught = sum(c["failed"] for c in self.caught.values())
        total = sum(sum(c.values()) for c in self.caught.values())
        lines.append(f"stop-ignoring sampling API caught by {CAUGHT_BY}: {caught} of {total}")
        for target, counts in sorted(self.caught.items()):
            lines.append(f"  {target}: {dict(counts)}")
        lines.extend(self.broken[:5])
        return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100, help="rounds of one serial and one -n 2 run")
    parser.add_argument("--minutes", type=float, default=None, help="start no round after this long")
    parser.add_argument("--python", default=sys.executable, help="interpreter with modelcheck and xdist")
    parser.add_argument("--burners", type=int, default=2, help="CPU burners (0: none)")
    opts = parser.parse_args()
    # Ctrl-C, and `kill <pid>` of a series started in the background (where SIGINT is ignored),
    # end the series with the summary of the rounds done.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    servers = {
        "sampling": OpenAIServer(sampling=True),
        "dropping": OpenAIServer(sampling=True, drop_stop=True),
        "recorded": OpenAIServer(),
    }
    for server in servers.values():
        server.start()
    tally, rounds = Tally(), 0
    try:
        with tempfile.TemporaryDirectory(prefix="mc-stability-") as tmp:
            warm = prepare(Path(tmp), opts.python, servers)
            print(f"warm-up: {sum(map(len, warm.values()))} verdicts a run, {len(warm)} targets", flush=True)
            started = time.perf_counter()
            with cpu_burners(opts.burners):
                try:
                    while rounds < opts.rounds:
                        if opts.minutes is not None and time.perf_counter() - started > opts.minutes * 60:
                            break
                        runs = [
                            (m, run_catalog(opts.python, Path(tmp), CORRECT + DEFECT, *x))
                            for m, x in MODES.items()
                        ]
                        for mode, run in runs:
                            tally.add(mode, *run)
                        rounds += 1
                        if rounds % 5 == 0:
                            print(f"round {rounds}: {tally.progress()}", flush=True)
                except KeyboardInterrupt:  # Ctrl-C ends the series: the rounds done are summed up
                    print(f"\ninterrupted during round {rounds + 1}; its runs are not counted", flush=True)
    finally:
        for name, server in servers.items():
            if name != "recorded":
                server.stop()
    print(f"\n{opts.burners} CPU burners; {(time.perf_counter() - started) / 60:.1f} min")
    print(tally.summary(rounds))
    caught = sum(c["failed"] for c in tally.caught.values())
    missed = sum(sum(c.values()) for c in tally.caught.values()) - caught
    correct = sum(n for (t, _), n in tally.flips().items() if t in CORRECT)
    raise SystemExit(1 if correct or missed or tally.broken else 0)


if __name__ == "__main__":
    main()
