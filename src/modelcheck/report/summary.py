"""The checklist as people read it: a terminal block, a Markdown table, GitHub annotations.

All three are pure functions of the report data that `report_json.build` makes, so the terminal,
the Markdown file and the JSON file always say the same thing, serial or under xdist.
"""

from __future__ import annotations

import re
from typing import Any

from modelcheck.pytest.calls import arguments, calls_of

MARKS = {
    "passed": "\u2713",
    "failed": "\u2717",
    "error": "\u2717",
    "skipped": "\u2013",
    "consequence": "\u21b3",
    "partial": "\u25d0",
}
ASCII_MARKS = {
    "passed": "ok",
    "failed": "FAIL",
    "error": "ERROR",
    "skipped": "skip",
    "consequence": "then",
    "partial": "part",
}
STATES = ("passed", "failed", "consequence", "error", "skipped")
NAMES = {"consequence": "consequences"}


def state(check: dict[str, Any]) -> str:
    """A check's outcome as the checklist marks it: a failure another check's failure causes is a
    consequence (it still fails the run; its message names the cause); a pass that left some of
    what it would judge is partial (it still passes)."""
    if check.get("consequence_of"):
        return "consequence"
    return "partial" if check.get("partial") else str(check["outcome"])


def _shown(check: dict[str, Any]) -> bool:
    """Whether the check gets a line of its own: a failure, a skip or a partial pass."""
    return bool(check["message"]) and (check["outcome"] != "passed" or bool(check.get("partial")))


REASON_CHARS = 110


def can_encode(text: str, encoding: str | None) -> bool:
    try:
        text.encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _one_line(message: str, limit: int = REASON_CHARS, ascii_only: bool = False) -> str:
    text = " ".join(message.split())
    cut = "..." if ascii_only else "\u2026"
    return text if len(text) <= limit else text[: limit - len(cut)] + cut


def _counts(checks: list[dict[str, Any]]) -> str:
    tally = {k: sum(1 for c in checks if c["outcome"] == k and state(c) != "consequence") for k in STATES}
    tally["consequence"] = sum(1 for c in checks if state(c) == "consequence")
    counted = [f"{n} {NAMES.get(k, k) if n != 1 else k}" for k, n in tally.items() if n]
    partly = sum(1 for c in checks if state(c) == "partial")
    if partly:
        counted[0] += f" ({partly} partly)"
    return ", ".join(counted) or "no checks run"


def _kind(target: dict[str, Any]) -> str:
    kinds = {"llm": "text model", "chat": "chat model", "embeddings": "embeddings model"}
    return kinds.get(target.get("kind", ""), "not loaded")


def checklist_lines(report: dict[str, Any], *, ascii_only: bool = False, quiet: bool = False) -> list[str]:
    """One block per target (one line each when quiet), grouped by checklist section."""
    lines: list[str] = []
    for target in report["targets"]:
        lines.extend(_quiet_line(target) if quiet else _block(target, ascii_only))
    return lines


def _quiet_line(target: dict[str, Any]) -> list[str]:
    if "error" in target:
        return [f"modelcheck {target['target']}: not loaded: {_one_line(target['error'])}"]
    failed = [c["id"] for c in target["checks"] if state(c) in ("failed", "error")]
    which = f" ({', '.join(failed)})" if failed else ""
    return [
        f"modelcheck {target['target']}: {_counts(target['checks'])}{which}; {target['calls']} model calls"
    ]


def _block(target: dict[str, Any], ascii_only: bool) -> list[str]:
    """A header line, one line per section with every check's mark, then a line per failure or skip."""
    if "error" in target:
        return [f"{target['target']} (not loaded)", f"  {_one_line(target['error'], 300)}", ""]
    marks = ASCII_MARKS if ascii_only else MARKS
    checks = target["checks"]
    lines = [f"{target['target']} ({_kind(target)}): {_counts(checks)}; {target['calls']} model calls"]
    sections = list(dict.fromkeys(c["section"] for c in checks))
    width = max((len(s) for s in sections), default=0)
    for section in sections:
        row = "  ".join(f"{marks[state(c)]} {c['id']}" for c in checks if c["section"] == section)
        lines.append(f"  {section:<{width}}  {row}")
    for c in checks:
        if _shown(c):
            lines.append(f"    {marks[state(c)]} {c['id']}: {_one_line(c['message'], ascii_only=ascii_only)}")
    lines.extend(capability_lines(target.get("capabilities", [])))
    lines.append("")
    return lines


def _yes_no(value: object) -> str:
    return {True: "yes", False: "no", "yes": "yes", "no": "no"}.get(value, "-")


CAPABILITY_HEAD = ("capability", "declared", "detected", "verified", "how detected")


def capability_table(rows: list[dict[str, Any]]) -> tuple[list[tuple[str, ...]], list[str]]:
    """The rows worth a line (declared, or detected), and the names neither declared nor detected."""
    shown = [r for r in rows if r["declared"] is not None or r["detected"]]
    cells: list[tuple[str, ...]] = [
        (
            str(r["name"]),
            _yes_no(r["declared"]),
            _yes_no(r["detected"]),
            _yes_no(r["verified"]),
            str(r["how"]),
        )
        for r in shown
    ]
    return cells, [r["name"] for r in rows if r not in shown]


def capability_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The capability table of one target: declared, detected, verified, as aligned columns."""
    if not rows:
        return []
    cells, rest = capability_table(rows)
    table = [CAPABILITY_HEAD, *cells]
    widths = [max(len(row[i]) for row in table) for i in range(len(CAPABILITY_HEAD) - 1)]
    lines = [
        "  " + "  ".join(f"{c:<{w}}" for c, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in table
    ]
    if rest:
        lines.append(f"  neither declared nor detected: {', '.join(rest)}")
    return [line.rstrip() for line in lines]


def markdown(report: dict[str, Any]) -> str:
    """The checklist as Markdown: a table per target, failure messages in collapsible details."""
    parts = [f"## modelcheck {report['modelcheck']} (langchain-core {report['langchain_core']})", ""]
    for target in report["targets"]:
        parts.extend(_markdown_target(target))
    return "\n".join(parts).rstrip() + "\n"


def _markdown_target(target: dict[str, Any]) -> list[str]:
    head = f"### `{target['target']}` ({_kind(target)})"
    if "error" in target:
        return [head, "", f"Not loaded: {_md_cell(target['error'])}", ""]
    rows = [
        head,
        "",
        f"{_counts(target['checks'])}; {target['calls']} model calls",
        "",
        "| | check | section | note |",
        "|---|---|---|---|",
    ]
    for c in target["checks"]:
        note = _md_cell(_one_line(c["message"])) if _shown(c) else ""
        rows.append(f"| {MARKS[state(c)]} | `{c['id']}` | {c['section']} | {note} |")
    rows.append("")
    rows.extend(_markdown_capabilities(target.get("capabilities", [])))
    log = target.get("model_calls", [])
    for c in target["checks"]:
        if c["outcome"] in ("failed", "error"):
            rows += [
                f"<details><summary>{MARKS[state(c)]} <code>{c['id']}</code></summary>",
                "",
                _md_text(c["message"]),
                "",
                *_md_call_links(target["target"], calls_of(c["id"], log)),
                "</details>",
                "",
            ]
    return rows + _markdown_calls(target["target"], log)


def _call_anchor(target: str, probe: str) -> str:
    return "modelcheck-call-" + re.sub(r"[^a-z0-9]+", "-", f"{target} {probe}".lower()).strip("-")


def _md_call_links(target: str, calls: list[dict[str, Any]]) -> list[str]:
    if not calls:
        return []
    links = ", ".join(f"[`{c['probe']}`](#{_call_anchor(target, c['probe'])})" for c in calls)
    return [f"Its model calls: {links}.", ""]


def _markdown_calls(target: str, log: list[dict[str, Any]]) -> list[str]:
    """Every call made for the target (no durations: the Markdown is the same on every run)."""
    if not log:
        return []
    rows = [
        f"<details><summary>{len(log)} model calls</summary>",
        "",
        "| call | method | for | input | outcome |",
        "|---|---|---|---|---|",
    ]
    for c in log:
        anchor = f'<a id="{_call_anchor(target, c["probe"])}"></a>'
        inputs = "; ".join(arguments(i) for i in c["inputs"][:2])
        rows.append(
            f"| {anchor}`{c['probe']}` | `{c['method']}` | `{c['for']}` | {_md_cell(inputs)} "
            f"| {_md_cell(_one_line(c['outcome']))} |"
        )
    return [*rows, "", "</details>", ""]


def _markdown_capabilities(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    cells, rest = capability_table(rows)
    out = ["| " + " | ".join(CAPABILITY_HEAD) + " |", "|---|---|---|---|---|"]
    out += [f"| `{c[0]}` | " + " | ".join(_md_cell(x) for x in c[1:]) + " |" for c in cells]
    if rest:
        out += ["", f"Neither declared nor detected: {', '.join(f'`{n}`' for n in rest)}."]
    return [*out, ""]


def _md_cell(text: str) -> str:
    return _md_text(text).replace("|", "\\|").replace("\n", " ")


def _md_text(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def workflow_commands(report: dict[str, Any]) -> list[str]:
    """GitHub workflow commands (`::error`) for each failed check and each target not loaded."""
    lines = []
    for target in report["targets"]:
        if "error" in target:
            lines.append(_command("error", f"{target['target']} load", target["error"]))
        for c in target.get("checks", []):
            if c["outcome"] in ("failed", "error"):
                level = "warning" if state(c) == "consequence" else "error"
                lines.append(_command(level, f"{c['id']} ({target['target']})", c["message"]))
    return lines


def _command(level: str, title: str, message: str) -> str:
    return f"::{level} title={_escape_property(title)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
