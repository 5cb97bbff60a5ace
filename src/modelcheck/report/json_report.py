"""The JSON report (`--modelcheck-report`): every target's verdicts, as tools read them."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from modelcheck.checks.catalog import IDS
from modelcheck.core.capabilities import rows
from modelcheck.core.version import VERSION
from modelcheck.pytest.run import BrokenTarget, ModelcheckRun

SCHEMA = 1


def record(run: ModelcheckRun, report: Any) -> None:
    """Keep one finished check's outcome (from a report, so it works under xdist too)."""
    info = dict(report.user_properties).get("modelcheck")
    if info is None or "id" not in info:
        return
    if report.when != "call" and not (report.failed or report.skipped):
        return
    outcome = "error" if report.when != "call" and report.failed else report.outcome
    message = info.get("message") or _longrepr_text(report)
    entries = run.results.setdefault(info["target"], [])
    entries.append(
        {
            "id": info["id"],
            "section": info["section"],
            "outcome": outcome,
            **(
                {"partial": True, "unjudged": info["unjudged"]}
                if info.get("unjudged") and outcome == "passed"
                else {}
            ),
            "message": run.scrub(message),
            "duration_s": round(report.duration, 4),
            **({"consequence_of": info["consequence_of"]} if info.get("consequence_of") else {}),
        }
    )
    if "calls" in info:
        run.observed.setdefault(info["target"], {})[info["observer"]] = info["calls"]
    if "kind" in info:
        run.kinds[info["target"]] = info["kind"]
    if "capabilities" in info:
        run.capabilities[info["target"]] = info["capabilities"]
    if "model_calls" in info:
        run.call_logs.setdefault(info["target"], {})[info["observer"]] = info["model_calls"]


def _longrepr_text(report: Any) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr or "")


def build(run: ModelcheckRun) -> dict[str, Any]:
    targets = []
    for loaded in run.targets:
        if isinstance(loaded, BrokenTarget):
            targets.append({"target": loaded.target, "error": loaded.message, "checks": []})
            continue
        targets.append(_target_entry(run, loaded.kind, loaded.target))
    named = {t.target for t in run.targets}
    for name in run.results:
        if name not in named:  # a suite's target (modelcheck.suite in a test module)
            targets.append(_target_entry(run, run.kinds.get(name), name))
    return {
        "schema": SCHEMA,
        "modelcheck": VERSION,
        "langchain_core": version("langchain-core"),
        "targets": targets,
    }


def _target_entry(run: ModelcheckRun, kind: str | None, name: str) -> dict[str, Any]:
    order = {cid: i for i, cid in enumerate(IDS)}
    checks = sorted(run.results.get(name, []), key=lambda c: order.get(c["id"], len(order)))
    return {
        "target": name,
        "kind": kind,
        "calls": run.calls(name),
        "capabilities": rows(run.capabilities.get(name, {}), checks),
        "checks": checks,
        "model_calls": _call_log(run, name),
    }


def _call_log(run: ModelcheckRun, name: str) -> list[dict[str, Any]]:
    """Every call made for the target, process by process (one, but where xdist spread its checks)."""
    logs = run.call_logs.get(name, {})
    return [entry for observer in sorted(logs) for entry in logs[observer]]


def write(run: ModelcheckRun, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(build(run), indent=2, ensure_ascii=False)
    path.write_text(run.scrub(text) + "\n", encoding="utf-8")
