"""The probes the catalog names and the probes the observer registers are one set.

Every id a check needs (`Check.needs`, `Check.gated`) names a registered probe or a pseudo-probe
(core/probe_ids.PSEUDO: needs the observer serves itself), every key of catalog.PROBE_CHECK is a
registered probe and every value a check, and every registered probe is needed by some check or
follows one that is (core/probe_ids.FOLLOW_UPS). The synthetic checks and registries below show
that each rule catches what it is for.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from modelcheck.checks.catalog import CATALOG, IDS, PROBE_CHECK, Check, probe_check
from modelcheck.core import probe_ids as ids
from modelcheck.core.records import Observation
from modelcheck.core.verdict import Verdict, passed
from modelcheck.observe.probes import ASYNC_PROBES, FAMILIES, REGISTRY, SYNC_PROBES, compose
from modelcheck.observe.probes.runnable import invoke


def named(check: Check) -> set[str]:
    """Every id a check names: its needs and its gated sub-features' calls."""
    return set(check.needs).union(*(probes for _, probes in check.gated))


def unregistered(catalog: Iterable[Check], registry: Mapping[str, object]) -> list[str]:
    """What a check names that no probe registers (and is no pseudo-probe)."""
    return [
        f"{check.id} needs {name!r}"
        for check in catalog
        for name in sorted(named(check))
        if name not in registry and name not in ids.PSEUDO
    ]


def unneeded(catalog: Iterable[Check], registry: Mapping[str, object]) -> list[str]:
    """The registered probes no check needs, directly or as the follow-up of a needed call."""
    needed = set().union(*(named(c) for c in catalog))
    return sorted(p for p in registry if p not in needed and ids.FOLLOW_UPS.get(p) not in needed)


def _judge(obs: Observation) -> Verdict:
    return passed()


def test_every_id_a_check_needs_is_a_registered_probe() -> None:
    assert unregistered(CATALOG, REGISTRY) == []


def test_every_registered_probe_is_needed_by_some_check() -> None:
    assert unneeded(CATALOG, REGISTRY) == []


def test_a_check_needing_an_unregistered_probe_is_caught() -> None:
    rogue = Check(
        "rogue", "needs a call nobody makes", "Runnable surface", _judge, frozenset({ids.INVOKE, "nowhere"})
    )
    gated = Check(
        "gated",
        "a sub-feature's call",
        "Tool calling",
        _judge,
        gated=(("tool_choice", frozenset({"tools_nowhere"})),),
    )
    assert unregistered((*CATALOG, rogue, gated), REGISTRY) == [
        "rogue needs 'nowhere'",
        "gated needs 'tools_nowhere'",
    ]


def test_a_registered_probe_no_check_needs_is_caught() -> None:
    assert unneeded(CATALOG, {**REGISTRY, "orphan": invoke}) == ["orphan"]
    without_invoke = [c for c in CATALOG if ids.INVOKE not in named(c)]
    assert ids.INVOKE in unneeded(without_invoke, REGISTRY)
    assert ids.again(ids.INVOKE, 1) in unneeded(without_invoke, REGISTRY)  # a follow-up goes with it


def test_the_probe_to_check_map_names_registered_probes_and_checks() -> None:
    assert sorted(set(PROBE_CHECK) - set(REGISTRY)) == []
    assert sorted(set(PROBE_CHECK.values()) - set(IDS)) == []


def test_pseudo_probes_are_needed_and_never_registered() -> None:
    needed = set().union(*(named(c) for c in CATALOG))
    assert needed >= ids.PSEUDO
    assert not ids.PSEUDO & set(REGISTRY)


def test_every_follow_up_follows_a_registered_probe() -> None:
    assert set(ids.FOLLOW_UPS) <= set(REGISTRY)
    assert set(ids.FOLLOW_UPS.values()) <= set(REGISTRY)


def test_every_repeat_is_named_as_one_and_belongs_to_the_check_of_what_it_repeats() -> None:
    repeats = sorted(p for p in REGISTRY if p.startswith("again_"))
    assert repeats == sorted(ids.REPEATS_OF)
    for probe in repeats:
        base = ids.repeated(probe)
        assert probe_check(probe, list(CATALOG)) == probe_check(base, list(CATALOG)) is not None, probe


def test_the_registry_is_split_by_kind_without_loss() -> None:
    assert set(SYNC_PROBES) | set(ASYNC_PROBES) == set(REGISTRY)
    assert not set(SYNC_PROBES) & set(ASYNC_PROBES)
    assert sum(len(f) for f in FAMILIES) == len(REGISTRY)


def test_an_id_two_families_declare_is_refused() -> None:
    with pytest.raises(ValueError, match="declared by two families: invoke"):
        compose(({ids.INVOKE: invoke}, {ids.INVOKE: invoke}))


# Ids that are also the name of something else the code names: the standard param `max_tokens`, and
# the embeddings methods each of the four plain embeddings calls is named after.
ALSO_NAMES = frozenset({ids.MAX_TOKENS, *ids.EMBED_SHAPE})


def literal_ids(source: str, known: set[str]) -> list[tuple[int, str]]:
    """The string literals in `source` that spell a probe id (one with an underscore: plain ids
    such as `invoke` are also the names of the methods they call)."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and node.value in known
        and "_" in node.value
        and node.value not in ALSO_NAMES
    ]


def test_probe_ids_are_spelled_only_in_core_probe_ids() -> None:
    src = Path(ids.__file__).resolve().parents[1]
    known = set(REGISTRY) | ids.PSEUDO
    found = [
        f"{path.relative_to(src)}:{line}: {value!r}"
        for path in sorted(src.rglob("*.py"))
        if path.name != "probe_ids.py"
        for line, value in literal_ids(path.read_text(encoding="utf-8"), known)
    ]
    assert found == []


def test_a_spelled_out_probe_id_is_caught() -> None:
    source = 'call = obs.calls.get("stop_invoke")\nfield = "max_tokens"\nmethod = "invoke"\n'
    assert literal_ids(source, set(REGISTRY)) == [(1, "stop_invoke")]
