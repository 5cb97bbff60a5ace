"""The README's table of real integrations says what the pinned verdicts say, row by row.

Each row names a class, how many checks it passes, the checks it fails and the checks it skips;
the pins in real/test_models.py, real/test_partners.py and real/test_embeddings_real.py are the
truth. The table shows the newest line of each package (langchain-core 1.x), so the comparison runs
on that line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.realpins import Pin, major

from modelcheck.checks.catalog import IDS
from real import test_embeddings_real
from real import test_models as test_real_models
from real import test_partners as test_real_partners

README = Path(__file__).parents[2] / "README.md"
HEADING = "## What modelcheck finds on models you know"
# README label -> the pins of that class.
ROWS: dict[str, dict[str, Pin]] = {
    "FakeListLLM": test_real_models.FAKES["fake_list_llm"],
    "FakeStreamingListLLM": test_real_models.FAKES["fake_streaming_list_llm"],
    "FakeListChatModel": test_real_models.FAKES["fake_list_chat"],
    "GenericFakeChatModel": test_real_models.FAKES["generic_fake_chat"],
    "ParrotFakeChatModel": test_real_models.FAKES["parrot_fake_chat"],
    "ChatOpenAI": test_real_models.OPENAI["chat"],
    "OpenAI": test_real_models.OPENAI["text"],
    **{p.cls: test_real_partners.PINS[name] for name, p in test_real_partners.PARTNERS.items()},
    **{t.cls: test_embeddings_real.PINS[name] for name, t in test_embeddings_real.TARGETS.items()},
}
NEWEST = {"langchain-core": 1, "langchain-mistralai": 1}


def table_rows() -> dict[str, list[str]]:
    section = README.read_text(encoding="utf-8").split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| `")]
    return {cells[0].strip("| `"): cells for cells in rows}


def ids_in(cell: str) -> set[str]:
    return {found for found in re.findall(r"`([a-z-]+)`", cell) if found in IDS}


def test_every_pinned_class_has_one_row() -> None:
    assert sorted(table_rows()) == sorted(ROWS)


@pytest.mark.parametrize("label", list(ROWS))
def test_the_row_gives_the_pinned_verdicts(label: str) -> None:
    older = [
        dist for dist, line in NEWEST.items() if (major(dist) if major(dist) is not None else line) < line
    ]
    if older:
        pytest.skip(f"the table shows the newest lines; installed here: an older {', '.join(older)}")
    pins = ROWS[label]
    _, _, _, passes, fails, skips = table_rows()[label][:6]
    assert int(passes) == sum(pin.outcome == "passed" for pin in pins.values())
    assert ids_in(fails) == {check for check, pin in pins.items() if pin.outcome == "failed"}
    assert ids_in(skips) == {check for check, pin in pins.items() if pin.outcome == "skipped"}
