"""What replaying a cassette costs: ChatOpenAI's whole catalog, replayed, beside the same run live.

Run by hand from a checkout with the integrations extra installed (about a minute with 9 runs):

    python benchmarks/replay.py                 # 9 runs of each, interleaved
    python benchmarks/replay.py --runs 15

It starts the loopback OpenAI-compatible server of the tests (tests/support/openai_server.py), records the
cassette of `ChatOpenAI` pointed at it once, then times, run by run and interleaved, two pytest
processes that differ only in the cassette: `live` (no cassette: the model calls the server, with
its key) and `replay` (the cassette: no key, the server's request count must not move). Wall time
is the whole pytest process, as CI pays it; `session` is pytest's own "in N s". Both runs must give
the same verdict for every check. The target: replaying costs at most 0.3 s more than live.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.openai_server import OpenAIServer  # noqa: E402

TARGET = "openai_targets:chat"
MODULE = """
from langchain_openai import ChatOpenAI


def chat():
    return ChatOpenAI(model="mc-echo", base_url={base_url!r}, max_retries=0, timeout=10)
"""
CONFIG = '[tool.modelcheck."openai_targets:chat"]\nsecret_env = ["OPENAI_API_KEY"]\n'
SESSION = re.compile(r" in ([0-9.]+)s")
LIMIT_S = 0.3


def run(work: Path, key: str | None, *extra: str) -> tuple[float, float, dict[str, str]]:
    """Wall time, session time and {check: outcome} of one pytest run in `work`."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS", "OPENAI_API_KEY")}
    if key is not None:
        env["OPENAI_API_KEY"] = key
    report = work / "report.json"
    args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--modelcheck={TARGET}"]
    start = time.perf_counter()
    done = subprocess.run(
        [*args, f"--modelcheck-report={report}", *extra],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1) or not report.is_file():
        raise SystemExit(f"pytest failed in {work}:\n{done.stdout}\n{done.stderr}")
    (target,) = json.loads(report.read_text(encoding="utf-8"))["targets"]
    session = SESSION.findall(done.stdout)
    return (
        wall,
        float(session[-1]) if session else float("nan"),
        {c["id"]: c["outcome"] for c in target["checks"]},
    )


def prepare(base: Path, server: OpenAIServer) -> tuple[Path, Path]:
    """Two projects with the same snapshots: `live` without the cassette, `replay` with it."""
    live, replay = base / "live", base / "replay"
    for work in (live, replay):
        work.mkdir()
        (work / "openai_targets.py").write_text(MODULE.format(base_url=server.base_url), encoding="utf-8")
        (work / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    run(replay, server.api_key, "--modelcheck-record", "--snapshot-update")
    snapshots = Path("__snapshots__", "modelcheck")
    (live / snapshots).mkdir(parents=True)
    for snapshot in (replay / snapshots).glob("*.json"):  # events and serialized form, not the cassette
        shutil.copy(snapshot, live / snapshots)
    return live, replay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    server = OpenAIServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="mc-replay-bench-") as tmp:
            live, replay = prepare(Path(tmp), server)
            times: dict[str, list[tuple[float, float]]] = {"live": [], "replay": []}
            verdicts: dict[str, dict[str, str]] = {}
            for _ in range(runs):
                for name, work, key in (("live", live, server.api_key), ("replay", replay, None)):
                    before = len(server.requests)
                    wall, session, verdicts[name] = run(work, key)
                    if name == "replay" and len(server.requests) != before:
                        raise SystemExit("the replay run sent requests to the server")
                    times[name].append((wall, session))
    finally:
        server.stop()
    if verdicts["live"] != verdicts["replay"]:
        raise SystemExit(f"the verdicts differ:\nlive   {verdicts['live']}\nreplay {verdicts['replay']}")
    report(times, runs)


def report(times: dict[str, list[tuple[float, float]]], runs: int) -> None:
    median = {
        n: (statistics.median(w for w, _ in t), statistics.median(s for _, s in t)) for n, t in times.items()
    }
    pairs = [r[0] - w[0] for w, r in zip(times["live"], times["replay"], strict=True)]
    print(f"ChatOpenAI, whole catalog, {runs} runs each, interleaved (medians):")
    for name, (wall, session) in median.items():
        print(f"  {name:7} wall {wall:.3f} s   session {session:.3f} s")
    extra = median["replay"][0] - median["live"][0]
    print(
        f"  replay - live: wall {extra:+.3f} s (run by run: median {statistics.median(pairs):+.3f} s), "
        f"session {median['replay'][1] - median['live'][1]:+.3f} s"
    )
    for name, series in times.items():
        print(f"  {name:7} walls: {' '.join(f'{w:.2f}' for w, _ in series)}")
    print(f"  target: at most +{LIMIT_S} s: {'met' if extra <= LIMIT_S else 'NOT met'}; verdicts identical")


if __name__ == "__main__":
    main()
