"""Every check of the catalog has what CONTRIBUTING.md's "Adding a check" lists, and the docs hold.

For each catalog row: a README row, a `## <id>` section on its page, a broken variant whose
docstring names it, that variant's module run through the plugin in tests/plugin/, and a unit test
that mentions the check (its id or its judge). The links between pages resolve, and docs/README.md
lists every page.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from functools import cache
from pathlib import Path

import pytest

import reference_models
from modelcheck.checks.catalog import CATALOG, DOC_PAGES, Check

ROOT = Path(__file__).resolve().parents[2]
# A check with no broken variant, and why none can exist.
NO_BROKEN_VARIANT = {
    "event-snapshot": "it compares a run with the target's own reviewed snapshot, not with a rule: "
    "tests/plugin/test_events.py changes a model after its snapshot is written",
}


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


@cache
def broken_variants() -> dict[str, list[str]]:
    """check id -> the `module:Class` of every reference_models.broken_* class whose docstring
    starts "Fails `<check id>`"."""
    found: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(reference_models.__path__):
        if not info.name.startswith("broken_"):
            continue
        module = importlib.import_module(f"reference_models.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            match = re.match(r"Fails `([\w-]+)`", inspect.getdoc(cls) or "")
            if cls.__module__ == module.__name__ and match:
                found.setdefault(match[1], []).append(f"{info.name}:{name}")
    return found


def sources_of(folder: str) -> str:
    """Every test module of tests/<folder>/, as one text."""
    paths = sorted((ROOT / "tests" / folder).glob("test_*.py"))
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


@pytest.mark.parametrize("check", CATALOG, ids=lambda c: c.id)
def test_each_check_has_a_broken_variant_that_fails_it(check: Check) -> None:
    if check.id in NO_BROKEN_VARIANT:
        assert check.id not in broken_variants()
        return
    assert broken_variants().get(check.id), (
        f"no class in reference_models/broken_*.py has a docstring starting 'Fails `{check.id}`'"
    )


def test_each_broken_module_is_run_by_the_plugin_tests() -> None:
    plugin = sources_of("plugin")
    modules = {variant.split(":")[0] for found in broken_variants().values() for variant in found}
    assert {m for m in modules if m not in plugin} == set()


@pytest.mark.parametrize("check", CATALOG, ids=lambda c: c.id)
def test_each_check_has_a_unit_test(check: Check) -> None:
    unit = sources_of("unit")
    assert f'"{check.id}"' in unit or check.judge.__name__ in unit, (
        f"no test in tests/unit/ mentions {check.id!r} or {check.judge.__name__}"
    )


def test_the_docs_index_lists_every_page() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert {p for p in pages if f"]({p})" not in index} == set()


def test_every_link_to_a_file_of_the_repository_resolves() -> None:
    pages = [ROOT / name for name in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md")]
    pages += sorted((ROOT / "docs").glob("*.md"))
    broken = [
        f"{page.relative_to(ROOT)} -> {target}"
        for page in pages
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[\w\-]*)?\)", page.read_text(encoding="utf-8"))
        if not (page.parent / target).exists()
    ]
    assert broken == []


def test_the_readme_opens_with_the_two_commands_and_stays_short() -> None:
    """A fresh clone's two commands come first (CI runs the second, the test command), and the
    README stays a page an author reads: the details live in docs/ and CONTRIBUTING.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0].endswith("pytest --modelcheck"), block
    assert block[1] == ".venv/bin/python -m coverage run -m pytest -p no:cacheprovider -n 2 tests", block
    assert "coverage run -m pytest -p no:cacheprovider -n 2 tests" in (ROOT / ".ci" / "run").read_text()
    assert len(readme.splitlines()) < 250
