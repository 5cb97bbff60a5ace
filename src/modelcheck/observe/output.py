"""What the model printed and logged while it was observed, as places a secret can leak to.

pytest shows captured output and log records beside a failing test, and junit XML keeps them; a
key there is a leak even though modelcheck's own messages never hold it. While a target is
observed, `sys.stdout` and `sys.stderr` are teed and a handler on the root logger keeps every
record emitted, as written, for secret-masking to search. What goes on to pytest (its capture, the
terminal under `-s`, live logging under `--log-cli-level`, junit XML) is masked first: each write,
and each record as the root logger's other handlers see it. Not covered: output written to the
file descriptors directly (C code, subprocesses), a secret split across two writes, records of
loggers that do not propagate to the root or that their own handlers print, and records below the
level logging is set to (they are never made).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from modelcheck.core.records import SecretSurface

LIMIT = 4_000_000  # characters kept per stream: a model printing without end must not fill memory


class _Tee:
    """A text stream that passes every write on and keeps a copy (up to LIMIT characters)."""

    def __init__(self, inner: TextIO, mask: Callable[[str], str]) -> None:
        self.inner = inner
        self.mask = mask
        self.parts: list[str] = []
        self.size = 0
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        if isinstance(text, str) and self.size < LIMIT:
            with self._lock:
                self.parts.append(text[: LIMIT - self.size])
                self.size += len(self.parts[-1])
        return self.inner.write(self.mask(text) if isinstance(text, str) else text)

    def text(self) -> str:
        with self._lock:
            return "".join(self.parts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Keep(logging.Handler):
    """Keeps each record's logger, level and text (message and formatted exception)."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[tuple[str, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception as exc:  # a record whose message cannot be built: keep what it has
            text = f"{record.msg!r} {record.args!r} ({type(exc).__name__})"
        self.records.append((record.name, record.levelname, text))


class _Mask(logging.Filter):
    """Masks secrets in a record before a handler formats it (the record is shared: later
    handlers see it masked, so the keeping handler comes first)."""

    def __init__(self, mask: Callable[[str], str]) -> None:
        super().__init__()
        self.mask = mask

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a record whose message cannot be built: left to the handler
            return True
        masked = self.mask(text)
        if masked != text:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        return True


@contextmanager
def model_output(
    surfaces: list[SecretSurface], mask: Callable[[str], str] = lambda text: text
) -> Iterator[None]:
    """Record what is printed and logged inside the block into `surfaces`; pass it on masked."""
    out, err, keep, masking = _Tee(sys.stdout, mask), _Tee(sys.stderr, mask), _Keep(), _Mask(mask)
    root = logging.getLogger()
    others = list(root.handlers)
    sys.stdout, sys.stderr = out, err
    root.handlers.insert(0, keep)
    for handler in others:
        handler.addFilter(masking)
    try:
        yield
    finally:
        for handler in others:
            handler.removeFilter(masking)
        root.removeHandler(keep)
        if sys.stdout is out:
            sys.stdout = out.inner
        if sys.stderr is err:
            sys.stderr = err.inner
        surfaces.extend(_places(out, err, keep))


def _places(out: _Tee, err: _Tee, keep: _Keep) -> list[SecretSurface]:
    places = [SecretSurface("what the model printed to stdout", out.text())]
    places.append(SecretSurface("what the model printed to stderr", err.text()))
    for name, level, text in list(keep.records):
        places.append(SecretSurface(f"a {level} log record of logger {name!r}", text))
    return [p for p in places if p.text]
