"""The docs stay in step with the catalog: every check has a README row and a section on its page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modelcheck.checks.catalog import CATALOG, DOC_PAGES, Check

ROOT = Path(__file__).resolve().parents[2]


def headings(page: Path) -> set[str]:
    """The GitHub anchors of a Markdown page's headings."""
    found = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in found}


@pytest.mark.parametrize("check", CATALOG, ids=lambda c: c.id)
def test_each_check_has_a_section_on_its_page(check: Check) -> None:
    page = ROOT / check.page
    assert page.is_file(), f"{check.page} does not exist"
    assert check.id in headings(page), f"{check.page} has no '## {check.id}' section"


@pytest.mark.parametrize("check", CATALOG, ids=lambda c: c.id)
def test_each_check_has_one_row_in_the_readme_table(check: Check) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = f"| [`{check.id}`]({check.page}#{check.id}) |"
    assert readme.count(row) == 1, f"README.md's table of checks has no row {row!r}"


def test_every_section_has_a_page() -> None:
    assert {c.section for c in CATALOG} <= set(DOC_PAGES)


def test_the_links_between_pages_resolve() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target, anchor in re.findall(r"\]\(((?:\.\./|docs/)?[\w\-./]*\.md)?#([\w\-]+)\)", text):
            linked = (page.parent / target).resolve() if target else page
            assert linked.is_file(), f"{page.name} links to {target}, which does not exist"
            assert anchor in headings(linked), f"{page.name} links to {target or page.name}#{anchor}"
