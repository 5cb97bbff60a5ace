"""Run the whole catalog on the reference models many times, on a loaded machine: no verdict may flip.

Run by hand, not in CI (200 rounds take about an hour on 2 cores):

    python benchmarks/stability.py                      # 200 rounds, serial and -n 2, CPU burners on
    python benchmarks/stability.py --rounds 20 --no-load

Each round runs `pytest --modelcheck` (EchoLLM and EchoChatModel, every check) once serially and
once with `-n 2` (pytest-xdist, which must be installed in the interpreter running the script),
while one busy-loop process per core competes for the CPU. Every check's outcome is read from the
JSON report; the reference models pass every check, so any other outcome is a flipped verdict.
The event snapshots are written once before the first round.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODES = {"serial": (), "-n 2": ("-n", "2")}
PYPROJECT = "[tool.pytest.ini_options]\n"


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


def run_catalog(python: str, work: Path, extra: tuple[str, ...]) -> tuple[int, float, dict[str, str], str]:
    """One run: exit code, wall time, {target::check: outcome}, and the output's tail."""
    report = work / "report.json"
    report.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTHONDONTWRITEBYTECODE")}
    args = [
        python,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "--modelcheck",
        f"--modelcheck-report={report}",
    ]
    start = time.perf_counter()
    proc = subprocess.run([*args, *extra], cwd=work, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - start
    outcomes: dict[str, str] = {}
    messages: dict[str, str] = {}
    if report.exists():
        for target in json.loads(report.read_text(encoding="utf-8"))["targets"]:
            for check in target["checks"]:
                key = f"{target['target']}::{check['id']}"
                outcomes[key] = check["outcome"]
                messages[key] = check["message"]
    flipped = {k: messages[k] for k, v in outcomes.items() if v != "passed"}
    tail = (proc.stdout + proc.stderr)[-2000:] if proc.returncode or flipped else ""
    return proc.returncode, wall, outcomes, json.dumps(flipped) if flipped else tail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--python", default=sys.executable, help="interpreter with modelcheck and xdist")
    parser.add_argument("--no-load", action="store_true", help="do not start CPU burners")
    parser.add_argument("--burners", type=int, default=os.cpu_count() or 2)
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mc-stability-") as tmp:
        work = Path(tmp)
        (work / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        code, _, outcomes, tail = run_catalog(opts.python, work, ("--snapshot-update",))
        expected = len(outcomes)
        if code != 0 or expected == 0:
            raise SystemExit(f"the warm-up run did not pass (exit {code}):\n{tail}")
        burners = 0 if opts.no_load else opts.burners
        print(
            f"{expected} verdicts a run; {opts.rounds} rounds x {list(MODES)}; {burners} CPU burners",
            flush=True,
        )
        flips: Counter[str] = Counter()
        walls: dict[str, list[float]] = {mode: [] for mode in MODES}
        bad_runs: list[str] = []
        started = time.perf_counter()
        with cpu_burners(burners):
            for n in range(opts.rounds):
                for mode, extra in MODES.items():
                    code, wall, outcomes, tail = run_catalog(opts.python, work, extra)
                    walls[mode].append(wall)
                    changed = [k for k, v in outcomes.items() if v != "passed"]
                    if len(outcomes) != expected:
                        changed.append(f"<{expected - len(outcomes)} verdicts missing>")
                    flips.update(f"{mode}: {k}" for k in changed)
                    if code != 0 or changed:
                        bad_runs.append(f"round {n + 1} {mode}: exit {code}: {tail}")
                if (n + 1) % 10 == 0 or n + 1 == opts.rounds:
                    print(f"round {n + 1}: {sum(flips.values())} flipped verdicts so far", flush=True)
        total = time.perf_counter() - started

    runs = opts.rounds * len(MODES)
    print(f"\n{runs} runs ({opts.rounds} per mode), {runs * expected} verdicts, {total / 60:.1f} min")
    for mode, times in walls.items():
        times.sort()
        print(f"  {mode}: wall median {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s")
    print(f"flipped verdicts: {sum(flips.values())}")
    for key, count in flips.most_common():
        print(f"  {count} x {key}")
    for line in bad_runs[:20]:
        print(line)
    raise SystemExit(1 if flips or bad_runs else 0)


if __name__ == "__main__":
    main()
