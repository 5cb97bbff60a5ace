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
    "tests/unit/test_events.py",
    "tests/unit/test_events_normalize.py",
    "tests/plugin/test_events.py",
    "tests/plugin/test_events_stability.py",
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


# The whole test suite on the corners of the support matrix: langchain-core 0.3 and 1.8 (the newest
# release that installs), syrupy 5 (what langchain-tests allows) and 7, pydantic 2 (the newest).
#
#     nox -s suite                                  # all four corners
#     nox -s "suite(core='0.3', syrupy='5')"        # one of them
#     nox -s suite -- -n 2 -x                       # extra pytest arguments after --
#     nox -s coexistence                            # langchain-tests beside modelcheck (network)
CORE = {"0.3": "langchain-core>=0.3,<0.4", "1.8": "langchain-core>=1.8,<1.9"}
SYRUPY_MAJOR = {"5": "syrupy>=5,<6", "7": "syrupy>=7,<8"}
VERSIONS = (
    "from importlib.metadata import version as v; "
    "print(', '.join(f'{p} {v(p)}' for p in "
    "('langchain-core', 'syrupy', 'pydantic', 'pytest', 'langchain-openai')))"
)


@nox.session(python="3.11", default=False)
@nox.parametrize("syrupy", list(SYRUPY_MAJOR))
@nox.parametrize("core", list(CORE))
def suite(session: nox.Session, core: str, syrupy: str) -> None:
    # One resolution for everything, so langchain-openai (the integrations extra) fits the core.
    session.install(
        "--upgrade", "-e", ".[test,integrations]", CORE[core], SYRUPY_MAJOR[syrupy], "pydantic>=2,<3"
    )
    session.run("python", "-c", VERSIONS)
    session.run("pytest", "-p", "no:cacheprovider", "tests", *session.posargs)


@nox.session(python="3.11", default=False)
def coexistence(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("pytest", "-p", "no:cacheprovider", "tests/plugin/test_coexistence.py", env={"MODELCHECK_SLOW": "1"})


@nox.session(python="3.11", default=False)
def wheel(session: nox.Session) -> None:
    """The built wheel in a fresh venv: `pytest --modelcheck` after `pip install` (network)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-p", "no:cacheprovider", "tests/plugin/test_packaging.py", env={"MODELCHECK_SLOW": "1"})
