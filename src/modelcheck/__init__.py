"""modelcheck: check a custom LangChain model against the guides' contribution checklist.

Run it with `pytest --modelcheck=mypkg.models:ChatMyModel`, or put the checks in your own test
module (see docs/api.md):

    TestChatX = modelcheck.suite(ChatX, params={"model_name": "x"}, stop_policy="exclude")

    def test_streaming(chat_model):
        result = modelcheck.check(chat_model, only=["stream", "stream-callbacks"])
        result.assert_passed()

This module must stay cheap to import: pytest loads it in every run, with or without modelcheck.
Everything behind the API is imported when it is first used.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from modelcheck.core.version import VERSION

if TYPE_CHECKING:
    from modelcheck.core.records import Observation
    from modelcheck.core.verdict import Verdict
    from modelcheck.pytest.adhoc import CheckResult

__version__ = VERSION
__all__ = ["CheckResult", "Observation", "Verdict", "__version__", "check", "suite"]


def suite(
    model: Any = None,
    *,
    fixture: str | None = None,
    params: dict[str, Any] | None = None,
    stop_policy: str | None = None,
    skip: list[str] | None = None,
    timeout: float | None = None,
    secret_env: list[str] | None = None,
    secret_pattern: str | None = None,
    snapshot_exclude: list[str] | None = None,
    marks: dict[str, Any] | None = None,
    **unknown: Any,
) -> type[Any]:
    """A test class with one test per check of the catalog, for a model or a fixture's model.

    `model` is a model class (built with `params`), an instance, or a function of no arguments that
    returns one, or the dotted name of one of these (`"pkg.models:ChatX"`, imported when the first
    check runs, so the test module does not hold a test class pytest would collect again); or give
    `fixture="name"` instead, for a fixture that returns the model. The other keywords are the
    target's settings, as in `[tool.modelcheck."module:Name"]`. Assign the result to a name
    starting with `Test`:

        TestChatX = modelcheck.suite(ChatX, params={"model_name": "x"}, stop_policy="exclude")
        TestChatXUnitChecks = modelcheck.suite("tests.unit_tests.test_chat_models:TestChatXUnit")

    gives `test_x.py::TestChatX::test_check[stop-respected]` and one more item per check. The
    model is observed once, by the first of its items to run, for all of its selected checks.
    `marks` maps check ids to marks for their items, e.g. `{"docs": pytest.mark.xfail(reason=...)}`.
    """
    __tracebackhide__ = True
    from modelcheck.pytest.suites import make_suite  # lazy: `import modelcheck` stays cheap

    return make_suite(model, fixture, {**_settings(locals()), **unknown}, marks)


def check(
    model: Any,
    *,
    only: Iterable[str] | None = None,
    params: dict[str, Any] | None = None,
    stop_policy: str | None = None,
    skip: list[str] | None = None,
    timeout: float | None = None,
    secret_env: list[str] | None = None,
    secret_pattern: str | None = None,
    **unknown: Any,
) -> CheckResult:
    """Observe `model` once for the checks in `only` (default: every check) and judge each.

    The result has a verdict per check (`result.verdicts["stop-respected"].outcome`), the number of
    model calls (`result.calls`), the recorded observation (`result.observation.calls["stream"]
    .chunks`, `.callbacks`, ...) and `result.assert_passed()`, which fails the test with each failed
    check's message. Inside a test, the `modelcheck` fixture's `.check(...)` does the same with the
    project's `[tool.modelcheck]` defaults applied.
    """
    __tracebackhide__ = True
    from modelcheck.pytest.adhoc import check as run_check  # lazy: `import modelcheck` stays cheap

    settings = _settings({k: v for k, v in locals().items() if k not in ("model", "only")})
    return run_check(model, only, {**settings, **unknown}, None)


def _settings(given: dict[str, Any]) -> dict[str, Any]:
    """The settings passed as keywords (the ones left at None are not given)."""
    from modelcheck.pytest.suites import SETTINGS  # lazy: `import modelcheck` stays cheap

    return {k: given[k] for k in SETTINGS if given.get(k) is not None}


def __getattr__(name: str) -> Any:
    if name == "CheckResult":
        from modelcheck.pytest.adhoc import CheckResult  # lazy: `import modelcheck` stays cheap

        return CheckResult
    if name == "Observation":
        from modelcheck.core.records import Observation  # lazy: `import modelcheck` stays cheap

        return Observation
    if name == "Verdict":
        from modelcheck.core.verdict import Verdict  # lazy: `import modelcheck` stays cheap

        return Verdict
    raise AttributeError(f"module 'modelcheck' has no attribute {name!r}")
