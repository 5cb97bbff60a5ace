"""Under pytest-xdist, modelcheck says exactly what a serial run says, and writes its files once.

`pytest -n 2 --modelcheck=A --modelcheck=B` must give the same verdicts, the same terminal
checklist (with the same `::error` lines), and byte-identical JSON (but for durations) and Markdown
reports: the controller aggregates the workers' reports and is the only one to write the files.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

import pytest

# Imported once here, so in-process runs (pytester drops the modules a run imported) reuse them.
import modelcheck.observe.observation  # noqa: F401
import reference_models.broken_checklist  # noqa: F401
from modelcheck.checks.catalog import checks_for

LLM = "reference_models:EchoLLM"
BROKEN = "reference_models.broken_checklist:ChatIgnoresStop"
ARGS = (
    "-p", "no:cacheprovider", "-rA",
    # Plugins these runs do not use; without them each xdist worker starts seconds sooner.
    "-p", "no:langsmith_plugin", "-p", "no:hypothesispytest",
    f"--modelcheck={LLM}", f"--modelcheck={BROKEN}",
)  # fmt: skip
# Which processes loaded this conftest, and which of them called json_report.write.
WRITES_LOG = """
from pathlib import Path

import modelcheck.report.json_report

LOG = Path(__file__).with_name("writes.log")


def pytest_configure(config):
    original = modelcheck.report.json_report.write
    who = config.workerinput["workerid"] if hasattr(config, "workerinput") else "controller"
    with LOG.open("a") as log:
        log.write(f"configured-{who}\\n")

    def write(run, path):
        with LOG.open("a") as log:
            log.write(f"wrote-{who}\\n")
        original(run, path)

    modelcheck.report.json_report.write = write
    config.add_cleanup(lambda: setattr(modelcheck.report.json_report, "write", original))
"""
RESULT_LINE = re.compile(r"^(PASSED|FAILED|SKIPPED|ERROR) (modelcheck::\S+)")
SEPARATOR = re.compile(r"^[=_-]{3,} .* [=_-]{3,}$")


@dataclass
class Run:
    result: pytest.RunResult
    json: str
    markdown: str
    summary: str
    writes: list[str]

    def verdicts(self) -> list[str]:
        return sorted(" ".join(m.groups()) for line in self.result.outlines if (m := RESULT_LINE.match(line)))

    def checklist(self) -> list[str]:
        """The terminal block, from its header to the next section of pytest's summary."""
        lines = self.result.outlines
        start = next(i for i, line in enumerate(lines) if re.match(r"^=+ modelcheck checklist =+$", line))
        end = next(i for i in range(start + 1, len(lines)) if SEPARATOR.match(lines[i]))
        return lines[start:end]


def without_durations(text: str) -> str:
    return re.sub(r'\n *"duration_s": [0-9.e-]+,?', "", text)


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, name: str, *args: str) -> Run:
    path = pytester.path
    (path / "writes.log").write_text("")
    for var in [v for v in os.environ if v.startswith("PYTEST_XDIST_")]:
        monkeypatch.delenv(var)  # when this test itself runs in an xdist worker
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path / f"{name}-summary.md"))
    result = pytester.runpytest(
        *ARGS, f"--modelcheck-report={name}.json", f"--modelcheck-markdown={name}.md", *args
    )
    return Run(
        result,
        (path / f"{name}.json").read_text(encoding="utf-8"),
        (path / f"{name}.md").read_text(encoding="utf-8"),
        (path / f"{name}-summary.md").read_text(encoding="utf-8"),
        sorted((path / "writes.log").read_text().split()),
    )


def test_two_workers_report_what_a_serial_run_reports(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(WRITES_LOG)
    # store the event snapshots and the serialized forms
    pytester.runpytest(*ARGS, "-k", "event-snapshot or serialization", "--snapshot-update")

    serial = run(pytester, monkeypatch, "serial")
    xdist = run(pytester, monkeypatch, "xdist", "-n", "2")

    checks = len(checks_for("llm")) + len(checks_for("chat"))
    # One failure, the one skip of the broken model, and `capabilities` skipped on the text model
    # (the chat model's profile claims its media inputs, which `capabilities` holds it to).
    serial.result.assert_outcomes(passed=checks - 3, failed=1, skipped=2)
    xdist.result.assert_outcomes(passed=checks - 3, failed=1, skipped=2)
    xdist.result.stdout.fnmatch_lines(["created: 2/2 workers"])
    assert xdist.verdicts() == serial.verdicts()
    assert f"FAILED modelcheck::{BROKEN}::stop-respected" in serial.verdicts()

    assert xdist.checklist() == serial.checklist()
    assert serial.checklist()[1].startswith(
        f"{LLM} (text model): {len(checks_for('llm')) - 1} passed, 1 skipped;"
    )
    assert serial.checklist()[-1].startswith(f"::error title=stop-respected ({BROKEN.replace(':', '%3A')})::")

    assert without_durations(xdist.json) == without_durations(serial.json)
    report = json.loads(serial.json)
    assert [t["target"] for t in report["targets"]] == [LLM, BROKEN]
    assert "duration_s" not in without_durations(serial.json)

    assert xdist.markdown == serial.markdown
    assert f"### `{BROKEN}` (chat model)" in serial.markdown
    # Written once, by the controller: a worker writing too would append to the summary again.
    assert (serial.summary, xdist.summary) == (serial.markdown, xdist.markdown)
    assert serial.writes == ["configured-controller", "wrote-controller"]
    assert xdist.writes == ["configured-controller", "configured-gw0", "configured-gw1", "wrote-controller"]
