"""The terminal checklist, the Markdown report and GitHub annotations, as users see them."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.harness import Modelcheck

from modelcheck.report.summary import checklist_lines, markdown, workflow_commands

BROKEN = "reference_models.broken_checklist:ChatIgnoresStop"


def synthetic_report() -> dict:
    checks = [
        {
            "id": "invoke",
            "section": "Runnable surface",
            "outcome": "passed",
            "message": "",
            "duration_s": 0.1,
        },
        {
            "id": "stream",
            "section": "Runnable surface",
            "outcome": "failed",
            "message": "50% of a|b <tag>\nsecond line",
            "duration_s": 0.1,
        },
        {
            "id": "docs",
            "section": "Documentation",
            "outcome": "skipped",
            "message": "no fields",
            "duration_s": 0,
        },
    ]
    return {
        "schema": 1,
        "modelcheck": "0.1.0",
        "langchain_core": "1.7.2",
        "targets": [
            {"target": "pkg.mod:Chat", "kind": "chat", "calls": 7, "checks": checks},
            {"target": "pkg.mod:Bad", "error": "modelcheck: cannot import module 'pkg'", "checks": []},
        ],
    }


def test_checklist_block_groups_checks_by_section() -> None:
    lines = checklist_lines(synthetic_report())

    assert lines[:5] == [
        "pkg.mod:Chat (chat model): 1 passed, 1 failed, 1 skipped; 7 model calls",
        "  Runnable surface  \u2713 invoke  \u2717 stream",
        "  Documentation     \u2013 docs",
        "    \u2717 stream: 50% of a|b <tag> second line",
        "    \u2013 docs: no fields",
    ]
    assert lines[6:8] == ["pkg.mod:Bad (not loaded)", "  modelcheck: cannot import module 'pkg'"]


def test_ascii_fallback_and_quiet_lines() -> None:
    assert "  Runnable surface  ok invoke  FAIL stream" in checklist_lines(
        synthetic_report(), ascii_only=True
    )
    assert checklist_lines(synthetic_report(), quiet=True) == [
        "modelcheck pkg.mod:Chat: 1 passed, 1 failed, 1 skipped (stream); 7 model calls",
        "modelcheck pkg.mod:Bad: not loaded: modelcheck: cannot import module 'pkg'",
    ]


def test_markdown_table_escapes_cells_and_details_hold_failures() -> None:
    text = markdown(synthetic_report())

    assert "| \u2717 | `stream` | Runnable surface | 50% of a\\|b &lt;tag&gt; second line |" in text
    assert "<details><summary>\u2717 <code>stream</code></summary>" in text
    assert "Not loaded: modelcheck: cannot import module 'pkg'" in text


def test_workflow_commands_are_escaped() -> None:
    assert workflow_commands(synthetic_report()) == [
        "::error title=stream (pkg.mod%3AChat)::50%25 of a|b <tag>%0Asecond line",
        "::error title=pkg.mod%3ABad load::modelcheck: cannot import module 'pkg'",
    ]


def test_terminal_block_after_a_run(mc: Modelcheck) -> None:
    outcome = mc.run(f"--modelcheck={BROKEN}")

    outcome.result.stdout.fnmatch_lines(
        [
            "*= modelcheck checklist =*",
            f"{BROKEN} (chat model): * passed, 1 failed, 1 skipped; * model calls",
            "  Runnable surface * invoke * ainvoke * batch * abatch * stream * astream",
            "  Stop tokens * stop-respected * stop-included",
            "    * stop-respected: invoke with stop=* gave *",
            "    * stop-included: stop is not respected (see stop-respected), so inclusion cannot be judged.",
        ]
    )


def test_quiet_run_prints_one_line_per_target(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-q", "-p", "no:cacheprovider", "--modelcheck", "--snapshot-update")

    result.stdout.fnmatch_lines(
        [
            "modelcheck modelcheck.reference_models:EchoLLM: * passed, 1 skipped; * model calls",
            "modelcheck modelcheck.reference_models:EchoChatModel: * passed; * model calls",
        ]
    )
    assert "modelcheck checklist" not in result.stdout.str()


def test_no_block_without_targets(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_ok():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)
    assert [line for line in result.outlines if "modelcheck" in line and "plugins:" not in line] == []


def test_markdown_file_step_summary_and_annotations(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    outcome = mc.run(f"--modelcheck={BROKEN}", "--modelcheck-markdown=out/checklist.md")

    written = (outcome.path / "out" / "checklist.md").read_text(encoding="utf-8")
    assert f"### `{BROKEN}` (chat model)" in written
    assert "| \u2717 | `stop-respected` | Stop tokens |" in written
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + written
    outcome.result.stdout.fnmatch_lines(
        [
            f"::error title=stop-respected ({BROKEN.replace(':', '%3A')})::invoke with stop=*",
        ]
    )


def test_a_partial_pass_has_its_own_mark_line_and_count() -> None:
    report = synthetic_report()
    report["targets"][0]["checks"].append(
        {
            "id": "stream-callbacks",
            "section": "Streaming",
            "outcome": "passed",
            "partial": True,
            "unjudged": ["stream() (it failed; see stream)"],
            "message": "checked on astream(). Not judged here: stream() (it failed; see stream).",
            "duration_s": 0,
        }
    )

    lines = checklist_lines(report)
    assert lines[0] == "pkg.mod:Chat (chat model): 2 passed (1 partly), 1 failed, 1 skipped; 7 model calls"
    assert "  Streaming         \u25d0 stream-callbacks" in lines
    line = (
        "    \u25d0 stream-callbacks: checked on astream(). Not judged here: "
        "stream() (it failed; see stream)."
    )
    assert line in lines
    assert "  Streaming         part stream-callbacks" in checklist_lines(report, ascii_only=True)
    text = markdown(report)
    assert "| \u25d0 | `stream-callbacks` | Streaming | checked on astream(). Not judged here:" in text
    assert "| \u2713 | `invoke` | Runnable surface |  |" in text
