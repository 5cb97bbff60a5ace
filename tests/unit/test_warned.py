"""The warnings caught while a model is observed: the model's are kept, those raised for modelcheck's
own calls are not, even when `catch_warnings` blocks on several threads restore the filters out of
order (as langchain-core's own blocks do when tools are bound on several threads at once)."""

from __future__ import annotations

import threading
import warnings

import pytest
from langchain_core._api import LangChainBetaWarning
from pydantic.warnings import PydanticDeprecatedSince20

from modelcheck.observe.warned import Caught, catching


def _warn(category: type[Warning], module: str) -> None:
    warnings.warn_explicit("text", category, f"{module.replace('.', '/')}.py", 1, module=module)


@pytest.mark.filterwarnings("default")  # this project's own `error` would raise the model's
def test_the_models_warnings_are_kept_and_modelchecks_beta_calls_are_not() -> None:
    found: list[Caught] = []
    with catching(found):
        _warn(LangChainBetaWarning, "modelcheck.observe.probes.events")
        _warn(LangChainBetaWarning, "mypkg.chat_models")
        _warn(UserWarning, "mypkg.chat_models")
    assert [(c.category, c.filename) for c in found] == [
        (LangChainBetaWarning, "mypkg/chat_models.py"),
        (UserWarning, "mypkg/chat_models.py"),
    ]


@pytest.mark.filterwarnings("error")
def test_blocks_that_overlap_on_two_threads_leak_no_pydantic_deprecation() -> None:
    """Thread A's block ends while thread B's is open: B's `ignore` is gone when B warns. Under an
    `error` filter that warning would raise inside langchain-core's bind_tools."""
    found: list[Caught] = []
    a_entered, a_left = threading.Event(), threading.Event()
    raised: list[BaseException] = []

    def a() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PydanticDeprecatedSince20)
            a_entered.set()
            b_entered.wait(5)
        a_left.set()

    def b() -> None:
        a_entered.wait(5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PydanticDeprecatedSince20)
            b_entered.set()
            a_left.wait(5)
            try:  # as pydantic's validate_arguments warns, from its own module
                _warn(PydanticDeprecatedSince20, "pydantic.deprecated.decorator")
            except BaseException as exc:
                raised.append(exc)

    b_entered = threading.Event()
    with catching(found):
        threads = [threading.Thread(target=a), threading.Thread(target=b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert (raised, found) == ([], [])
