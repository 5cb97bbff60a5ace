"""Warnings raised during the model's calls, kept with the probe whose call raised them.

pytest files a warning under the test that was running; all of a target's calls run while its
first check sets up, so every warning would land on `invoke`. They are caught while observing,
each with the probe running in its context, and raised again when the check that made that call
is judged (the probe's own check, or the first selected check that needs the call).

The calls run concurrently, and Python shows a "default" warning once per place in the code: which
call's warning was shown would depend on which thread got there first. So every occurrence is
caught, and each warning is kept once, for the first of the calls that raised it in an order the
caller gives (`unique`): the same run gives the same warnings under the same checks every time.

Before Python 3.14 the filters are one list for the whole process, and `warnings.catch_warnings`
blocks that overlap on several threads restore each other's lists out of order: a filter one block
set can vanish while another block runs. So the warnings that are not the model's to show are
ignored by filters set here, for the whole observation, and never by a block on a probe's thread:
LangChain's beta warnings for the beta APIs modelcheck's own code calls (astream_events v3,
`Runnable.as_tool`, `load` on core 0.3), and pydantic's deprecation of `validate_arguments`, which
langchain-core calls inside a block of its own when it turns a function into a tool schema (bound
on several threads at once, that block leaked the warning, and under `filterwarnings = error`
raised it).
"""

from __future__ import annotations

import linecache
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO, cast

from modelcheck.observe.loopwatch import current_probe


@dataclass(frozen=True)
class Caught:
    """One warning, and the probe whose call raised it (None: outside any model call)."""

    probe: str | None
    message: Warning | str
    category: type[Warning]
    filename: str
    lineno: int


ONCE_ACTIONS = ("default", "module", "once")


@contextmanager
def catching(into: list[Caught]) -> Iterator[None]:
    """Collect the warnings shown in this block (under the filters in force, each shown once) into
    `into`."""
    with warnings.catch_warnings():
        # Every occurrence, not the first per place (timing), where the filters show one; ignored
        # and errors stay so. The appended catch-all replaces the default action too.
        filters = cast(list[Any], warnings.filters)  # catch_warnings gave the block its own copy
        filters[:] = [("always", *f[1:]) if f[0] in ONCE_ACTIONS else f for f in filters]
        warnings.filterwarnings("always", append=True)
        _ignore_what_is_not_the_models()

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            into.append(Caught(current_probe(), message, category, filename, lineno))

        warnings.showwarning = show
        yield


def _ignore_what_is_not_the_models() -> None:
    """Filters, first in the list, for warnings raised for modelcheck's own calls (see above)."""
    from langchain_core._api import LangChainBetaWarning
    from pydantic.warnings import PydanticDeprecationWarning

    warnings.filterwarnings("ignore", category=LangChainBetaWarning, module=r"modelcheck\.")
    warnings.filterwarnings(
        "ignore", category=PydanticDeprecationWarning, module=r"pydantic\.deprecated\.decorator"
    )


def unique(found: list[Caught], rank: Callable[[Caught], object]) -> list[Caught]:
    """Each warning once (text, category and place), from the occurrence `rank` puts first (ties: by
    probe), in the order first seen."""
    kept: dict[tuple[str, str, str, int], Caught] = {}
    for caught in sorted(found, key=lambda c: (rank(c), c.probe is None, c.probe or "")):
        kept.setdefault(
            (caught.category.__qualname__, str(caught.message), caught.filename, caught.lineno), caught
        )
    return sorted(kept.values(), key=lambda c: found.index(c))


def raise_again(found: list[Caught], scrub: Callable[[str], str]) -> None:
    """Warn each again (its text scrubbed of secrets), so pytest files it under the running test."""
    for caught in found:
        text = scrub(str(caught.message))
        try:
            message: Warning = caught.category(text)
        except Exception:  # a warning class whose constructor takes other arguments
            message = UserWarning(f"{caught.category.__name__}: {text}")
        warnings.warn_explicit(message, type(message), shown_filename(caught, scrub), caught.lineno)


def shown_filename(caught: Caught, scrub: Callable[[str], str]) -> str:
    """The warning's file, or a name no source line can be read from when its line holds a secret.

    pytest prints each warning with the source line it points at (`linecache`), outside any
    scrubber; a factory written as `ChatX(api_key="sk-...")` would show the key there.
    """
    line = linecache.getline(caught.filename, caught.lineno)
    if scrub(line) == line:
        return caught.filename
    return f"{caught.filename} (source line withheld: it holds a secret)"
