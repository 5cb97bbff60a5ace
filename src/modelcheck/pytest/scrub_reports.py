"""pytest's reports, scrubbed of every secret the run knows before pytest shows or stores them.

The terminal, junit XML, `-rA` and the JSON report read a report's `longrepr` (the failure text,
with the traceback's source lines and, under `-l`, its locals) and its `sections` (captured output
and logs). Each string in them is scrubbed in place, so a traceback keeps its structure (the short
summary still reads its last line); a failure text of a shape not known is replaced by its
scrubbed text. A warning's text is scrubbed as pytest records it, and when the source line it
points at holds a secret, its file is named so that the line is not printed.
"""

from __future__ import annotations

import dataclasses
import linecache
import warnings
from typing import Any

from modelcheck.secrets.scrub import Scrubber

DEPTH = 8  # ExceptionChainRepr > chain > tuple > ReprTraceback > entries > ReprEntry > ReprLocals


def scrub_report(report: Any, scrub: Scrubber) -> None:
    """Scrub the failure text and the captured sections of a test or collection report in place."""
    if not scrub.secrets:
        return
    report.sections = [(title, scrub(text)) for title, text in report.sections]
    if report.longrepr is None or not scrub.found(str(report.longrepr)):
        return
    report.longrepr = _scrubbed(report.longrepr, scrub, 0)
    if scrub.found(str(report.longrepr)):
        report.longrepr = scrub(str(report.longrepr))


def _scrubbed(value: Any, scrub: Scrubber, depth: int) -> Any:
    """`value` with every string in it scrubbed: lists and dataclasses in place, tuples rebuilt."""
    if isinstance(value, str):
        return scrub(value)
    if depth > DEPTH:
        return value
    if isinstance(value, list):
        value[:] = [_scrubbed(v, scrub, depth + 1) for v in value]
    elif isinstance(value, tuple):
        return tuple(_scrubbed(v, scrub, depth + 1) for v in value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            object.__setattr__(value, field.name, _scrubbed(getattr(value, field.name), scrub, depth + 1))
    return value


def scrub_warning(record: warnings.WarningMessage, scrub: Scrubber) -> None:
    """Scrub a warning before pytest turns it into the warnings summary (in place)."""
    if not scrub.secrets:
        return
    text = str(record.message)
    if scrub.found(text):
        record.message = _warning(record.category, scrub(text))
    if scrub.found(linecache.getline(record.filename, record.lineno)):
        record.filename = f"{record.filename} (source line withheld: it holds a secret)"


def _warning(category: type[Warning], text: str) -> Warning:
    try:
        return category(text)
    except Exception:  # a category whose constructor takes other arguments
        return UserWarning(text)
