"""modelcheck's imports: no loop, and every import points down to a wing it may use.

Every import of the package counts: at the top of a module, inside a function or under
`TYPE_CHECKING`. A function-level import that runs upwards is the same tie, only hidden until the
function runs. docs/architecture.md says what each wing holds and why it stands where it does.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# What each wing may import besides itself; docs/architecture.md says why. "modelcheck" is the
# package's __init__.py (the public API). The wings from pytest/ up may import every wing below.
MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "media": set(),
    "secrets": {"core"},
    "targets": {"core", "secrets"},
    "checks": {"core", "secrets"},
    "replay": {"core", "secrets"},
    "observe": {"core", "media", "secrets", "targets"},
}
MAY_IMPORT["pytest"] = set(MAY_IMPORT)
# The API and the reports stand side by side on the pytest wing; the hooks use them all.
MAY_IMPORT["modelcheck"] = MAY_IMPORT["report"] = set(MAY_IMPORT)
MAY_IMPORT["plugin"] = set(MAY_IMPORT)
SHIPPED_ALONGSIDE = ("reference_models",)  # the example models import nothing of modelcheck


def floor(wing: str) -> int:
    """1 for a wing that imports nothing of modelcheck, else one above the highest it may import."""
    return 1 + max((floor(w) for w in MAY_IMPORT[wing]), default=0)


def modules(src: Path) -> dict[str, Path]:
    """Every module of the package under `src`, by dotted name."""
    found = {}
    for path in sorted((src / "modelcheck").rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        if parts[1:2] and parts[1] in SHIPPED_ALONGSIDE:
            continue
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(src: Path) -> Iterator[tuple[str, str, int]]:
    """(importer, imported, line) for each import of a package module by one, wherever it stands."""
    known = modules(src)
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(node, package, known):
                if target == "modelcheck" or target.startswith("modelcheck."):
                    yield name, target, node.lineno


def _targets(node: ast.AST, package: str, known: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # a relative import: `..` is the package above this module's
        anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*anchor, *([base] if base else [])])
    # `from modelcheck.observe import canary` imports the submodule itself.
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]


def wing(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def upward(edges: list[tuple[str, str, int]]) -> list[str]:
    """The imports of a wing that its wing may not import."""
    problems = []
    for importer, imported, line in edges:
        mine, theirs = wing(importer), wing(imported)
        if mine not in MAY_IMPORT or theirs not in MAY_IMPORT:
            unknown = mine if mine not in MAY_IMPORT else theirs
            problems.append(f"{importer}:{line}: the wing {unknown!r} is not in MAY_IMPORT: give it a place")
        elif mine != theirs and theirs not in MAY_IMPORT[mine]:
            allowed = ", ".join(sorted(MAY_IMPORT[mine])) or "nothing of modelcheck"
            problems.append(
                f"{importer}:{line} imports {imported}: {mine} (floor {floor(mine)}) may import {allowed}; "
                f"not {theirs} (floor {floor(theirs)})"
            )
    return problems


def loops(edges: list[tuple[str, str, int]]) -> list[str]:
    """One line per set of modules tied by loops of imports (Tarjan's strongly connected components):
    its members, and one loop through them."""
    graph: dict[str, set[str]] = {}
    for importer, imported, _ in edges:
        graph.setdefault(importer, set()).add(imported)
        graph.setdefault(imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[str] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            members = {stack.pop()}
            while node not in members:
                members.add(stack.pop())
            if len(members) > 1 or node in graph[node]:
                loop = " -> ".join(_one_loop(graph, members))
                found.append(f"import loop through {', '.join(sorted(members))}: {loop}")

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _one_loop(graph: dict[str, set[str]], members: set[str]) -> list[str]:
    path = [min(members)]
    while True:
        nxt = min(n for n in graph[path[-1]] if n in members)  # each member leads on within the set
        if nxt in path:
            return [*path[path.index(nxt) :], nxt]
        path.append(nxt)


def problems(src: Path) -> list[str]:
    edges = sorted(set(imports(src)))
    return upward(edges) + loops(edges)


def unexplained_lazy_imports(src: Path) -> list[str]:
    """Imports of the package inside a function with no `# lazy: <why>` comment on the line or in
    the comments and imports just above it (one comment may explain a group of imports)."""
    found = []
    for name, path in modules(src).items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for func in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            found += [
                f"{name}:{node.lineno}: an import inside a function without '# lazy: <why>'"
                for node in ast.walk(func)
                if isinstance(node, (ast.Import, ast.ImportFrom))
                and _of_the_package(node)
                and not _explained(lines, node.lineno - 1)
            ]
    return found


def _of_the_package(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] == "modelcheck"
    return any(alias.name.split(".")[0] == "modelcheck" for alias in node.names)


def _explained(lines: list[str], index: int) -> bool:
    """Whether the import on line `index` (from 0), or the run of comments and imports it ends, says
    `# lazy:`."""
    while index >= 0 and lines[index].strip().startswith(("#", "from ", "import ")):
        if "# lazy:" in lines[index]:
            return True
        index -= 1
    return False


def test_imports_point_down_and_form_no_loop() -> None:
    assert problems(SRC) == []


def test_each_import_inside_a_function_says_why_it_waits() -> None:
    assert unexplained_lazy_imports(SRC) == []


def test_every_wing_has_a_place_and_the_places_form_floors() -> None:
    assert {wing(m) for m in modules(SRC)} == set(MAY_IMPORT)
    assert {w: floor(w) for w in MAY_IMPORT} == {
        "core": 1,
        "media": 1,
        "secrets": 2,
        "targets": 3,
        "checks": 3,
        "replay": 3,
        "observe": 4,
        "pytest": 5,
        "modelcheck": 6,
        "report": 6,
        "plugin": 7,
    }


def _copy(tmp_path: Path) -> Path:
    ignore = shutil.ignore_patterns(*SHIPPED_ALONGSIDE, "__pycache__")
    shutil.copytree(SRC / "modelcheck", tmp_path / "modelcheck", ignore=ignore)
    return tmp_path


def _plant(src: Path, module: str, code: str) -> None:
    path = src.joinpath("modelcheck", *module.split(".")).with_suffix(".py")
    path.write_text(path.read_text(encoding="utf-8") + code, encoding="utf-8")


def test_a_function_level_import_upwards_is_found(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    planted = "\ndef _planted() -> None:\n    from modelcheck.observe import canary\n"
    _plant(src, "checks.conversation", planted)

    (problem,) = problems(src)

    assert problem.startswith("modelcheck.checks.conversation:")
    assert problem.endswith(
        "imports modelcheck.observe.canary: checks (floor 3) may import core, secrets; not observe (floor 4)"
    )


def test_a_type_checking_import_of_a_wing_beside_is_found(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    _plant(src, "replay.plan", "\nif TYPE_CHECKING:\n    from modelcheck.checks.catalog import Check\n")

    (problem,) = problems(src)

    assert problem.startswith("modelcheck.replay.plan:")
    assert problem.endswith("replay (floor 3) may import core, secrets; not checks (floor 3)")


def test_a_loop_within_a_wing_is_found(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    # capabilities imports verdict at the top; verdict importing capabilities back, even lazily and
    # relatively, closes a loop, though no import leaves the wing.
    _plant(src, "core.verdict", "\n\ndef _planted() -> None:\n    from ..core import capabilities\n")

    cap, verdict = "modelcheck.core.capabilities", "modelcheck.core.verdict"
    assert problems(src) == [f"import loop through {cap}, {verdict}: {cap} -> {verdict} -> {cap}"]


def test_a_module_outside_the_wings_is_named(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    (src / "modelcheck" / "extras.py").write_text("import modelcheck.core.records\n", encoding="utf-8")

    assert problems(src) == ["modelcheck.extras:1: the wing 'extras' is not in MAY_IMPORT: give it a place"]


def test_an_import_inside_a_function_without_a_reason_is_found(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    _plant(src, "checks.conversation", "\ndef _planted() -> None:\n    from modelcheck.core import records\n")
    explained = "\ndef _planted() -> None:\n    # lazy: a reason\n    from ..core import records\n"
    _plant(src, "checks.usage", explained)

    (problem,) = unexplained_lazy_imports(src)

    assert problem.startswith("modelcheck.checks.conversation:")
