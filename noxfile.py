"""The event tests under each syrupy major modelcheck supports, and under langchain-core 0.3.

    nox -s syrupy                         # syrupy 4.9, 5.5, 6.0 and 7.0 with the newest core
    nox -s "syrupy(syrupy='5.5.3')"       # one of them
    nox -s core03                         # langchain-core 0.3 with syrupy 5 (langchain-tests' pin)

The snapshot file must be byte-identical on every syrupy version; the stability tests check that
syrupy writes the serializer's bytes unchanged and that reruns, other hash seeds and xdist workers
compare equal.
"""

from __future__ import annotations

import nox

EVENT_TESTS = (
    "tests/test_events_judge.py",
    "tests/test_events_normalize.py",
    "tests/test_events_plugin.py",
    "tests/test_events_stability.py",
)
SYRUPY = {"4.9.1": ("pytest>=8,<9",), "5.5.3": (), "6.0.0": (), "7.0.2": ()}


@nox.session(python="3.11")
@nox.parametrize("syrupy", list(SYRUPY))
def syrupy(session: nox.Session, syrupy: str) -> None:
    session.install("-e", ".[test]")
    session.install(f"syrupy=={syrupy}", *SYRUPY[syrupy])
    session.run("pytest", "-p", "no:cacheprovider", *EVENT_TESTS)


@nox.session(python="3.11")
def core03(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.install("langchain-core>=0.3,<0.4", "syrupy>=5,<6")
    session.run("pytest", "-p", "no:cacheprovider", *EVENT_TESTS)
