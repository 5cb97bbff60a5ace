"""Whether a run checks the configured targets: what its command line selects.

`--modelcheck=X` always runs X's checks. Targets from the `modelcheck_targets` ini option run when
the run selects them: no test path given (pytest collects `testpaths` or the current directory),
or a `modelcheck::...` node id among the arguments. A run that names test files or node ids of its
own (`pytest tests/test_x.py::test_one`) runs only those, as pytest does without modelcheck.

A `modelcheck::TARGET[::CHECK]` argument is not a path: it is taken out of pytest's arguments
before collection (else pytest would look for a file named `modelcheck`) and selects the catalog's
items whose node id it names.
"""

from __future__ import annotations

import re

import pytest

ROOT = "modelcheck"


def is_selector(arg: str) -> bool:
    return arg == ROOT or arg.startswith(f"{ROOT}::")


def selectors(config: pytest.Config) -> list[str]:
    """The `modelcheck::...` node ids given as arguments (kept in the options, so xdist workers,
    which get the options but the controller's trimmed arguments, see them too)."""
    given: list[str] = getattr(config.option, "file_or_dir", None) or []
    return [arg for arg in given if is_selector(arg)]


def take_selectors(config: pytest.Config) -> None:
    """Take the `modelcheck::...` arguments out of the paths pytest collects."""
    config.args = [arg for arg in config.args if not is_selector(arg)]


def catalog_selected(config: pytest.Config, from_cli: bool) -> bool:
    """Whether this run checks its targets (see the module docstring)."""
    if from_cli or selectors(config):
        return True
    return config.args_source != pytest.Config.ArgsSource.ARGS


def select(items: list[pytest.Item], config: pytest.Config) -> list[pytest.Item]:
    """The catalog's items that the `modelcheck::...` arguments name (all of them without any);
    an argument that names none is a usage error that lists the targets."""
    wanted = [arg for arg in selectors(config) if arg != ROOT]
    if not wanted or len(wanted) < len(selectors(config)):
        return items
    kept = [i for i in items if any(_names(w, i) for w in wanted)]
    for arg in wanted:
        if not any(_names(arg, i) for i in items):
            targets = sorted({i.nodeid.split("::")[1] for i in items if i.nodeid.count("::") >= 1})
            raise pytest.UsageError(
                f"modelcheck: the argument {arg!r} names no check of this run. Its targets are: "
                f"{', '.join(targets) or '(none)'}; select one as modelcheck::TARGET or "
                "modelcheck::TARGET::CHECK, or add the target with --modelcheck=TARGET."
            )
    return kept


def _names(arg: str, item: pytest.Item) -> bool:
    """Whether `modelcheck::TARGET[::CHECK]` names the item; a fixture target's item
    `modelcheck::fixture:NAME::test_check[CHECK]` answers to `modelcheck::fixture:NAME::CHECK` too."""
    nodeid = item.nodeid
    short = re.sub(r"::test_check\[([\w-]+)\]$", r"::\1", nodeid)
    return any(n == arg or n.startswith(f"{arg}::") for n in (nodeid, short))
