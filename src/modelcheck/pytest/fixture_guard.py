"""A target's fixture runs as model code: under the target's timeout, with `os._exit` refused.

A `fixture:NAME` target or `modelcheck.suite(fixture=NAME)` builds its model in a pytest fixture,
which pytest calls on its main thread: a fixture that never returned hung the run, and one that
called `os._exit(0)` ended it green with no report. While pytest sets such a fixture up, its
function is swapped for one that runs it (and, for a `yield` fixture, its teardown) on a daemon
thread inside containment's window, as modelcheck runs a constructor. An ordinary exception, or
`pytest.skip()` and pytest's other outcomes, is raised again as it was, so pytest shows the
fixture's traceback (scrubbed like every report) or skips; a hang, `SystemExit`,
`KeyboardInterrupt` or `os._exit` becomes one paragraph naming the fixture.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, NoReturn

import pytest

from modelcheck.secrets.scrub import Scrubber
from modelcheck.targets.containment import model_code_window
from modelcheck.targets.timebox import ModelCodeError, run_model_code

# pytest.skip(), xfail(), fail() and exit() in a fixture mean what they mean in any fixture.
OUTCOMES = (pytest.skip.Exception, pytest.xfail.Exception, pytest.fail.Exception, pytest.exit.Exception)


@contextmanager
def guarded(fixturedef: Any, timeout: float, scrub: Scrubber) -> Iterator[None]:
    """While pytest sets `fixturedef` up, its function runs under `timeout` and the exit guard."""
    original = fixturedef.func
    fixturedef.func = _wrap(original, fixturedef.argname, timeout, scrub)
    try:
        yield
    finally:
        fixturedef.func = original


def _wrap(func: Callable[..., Any], name: str, timeout: float, scrub: Scrubber) -> Callable[..., Any]:
    def run(step: Callable[[], Any], what: str) -> Any:
        __tracebackhide__ = True
        try:
            with model_code_window():
                return run_model_code(step, timeout, what)
        except ModelCodeError as exc:
            _fail(exc, name, scrub)

    if inspect.isgeneratorfunction(func):

        def generator_fixture(**kwargs: Any) -> Iterator[Any]:
            __tracebackhide__ = True
            steps = func(**kwargs)
            yield run(lambda: next(steps), f"the fixture {name!r}")
            run(lambda: next(steps, None), f"the teardown of the fixture {name!r}")

        return generator_fixture

    def fixture(**kwargs: Any) -> Any:
        __tracebackhide__ = True
        return run(lambda: func(**kwargs), f"the fixture {name!r}")

    return fixture


def _fail(exc: ModelCodeError, name: str, scrub: Scrubber) -> NoReturn:
    """Raise an ordinary exception again (pytest shows its traceback from the fixture's own frames
    on); else one scrubbed paragraph."""
    __tracebackhide__ = True
    error = exc.error
    if isinstance(error, OUTCOMES) or (isinstance(error, Exception) and not isinstance(error, StopIteration)):
        raise error.with_traceback(_own_frames(error.__traceback__)) from None
    if error is None:
        fix = (
            "Make it return (a fixture that waits on a service should fail when the service does not "
            "answer), or raise the target's `timeout`."
        )
    else:
        fix = (
            "A fixture must return the model or raise an ordinary exception; modelcheck did not let "
            "it end the run."
        )
    message = f"modelcheck: {exc.describe()}{_where(error)}, so its target cannot be checked. {fix}"
    pytest.fail(scrub(message), pytrace=False)


def _own_frames(tb: TracebackType | None) -> TracebackType | None:
    """The traceback from the first frame that is not modelcheck's (the thread it ran on)."""
    while tb is not None and tb.tb_frame.f_globals.get("__name__", "").startswith("modelcheck."):
        tb = tb.tb_next
    return tb


def _where(error: BaseException | None) -> str:
    """` (file.py:line)` of the innermost frame that raised, or nothing."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    if not frames:
        return ""
    last = frames[-1]
    return f" ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
