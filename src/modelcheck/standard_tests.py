"""Targets from langchain-tests: a `ChatModelUnitTests`/`ChatModelIntegrationTests` subclass already
names the model class and its constructor params; modelcheck reads them.

`--modelcheck=tests.unit_tests.test_chat_models:TestChatXUnit` (or `modelcheck.suite(TestChatXUnit)`)
builds `chat_model_class(**chat_model_params)`, with the target's own `params` over them.
langchain-tests' `standard_chat_model_params` (temperature, max_tokens, the unit tests' dummy
api_key) are its own test settings and are not used.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from modelcheck.settings import TargetSettings

PACKAGE = "langchain_tests"
BASE = "ChatModelTests"


class StandardTestsError(Exception):
    """The subclass could not be read; the message says what raised."""


def is_standard_tests(obj: Any) -> bool:
    """Whether `obj` is a subclass of langchain-tests' chat model tests (unit or integration)."""
    return isinstance(obj, type) and any(
        k.__name__ == BASE and k.__module__.startswith(PACKAGE + ".") for k in obj.__mro__
    )


def read(tests: type[Any], settings: TargetSettings) -> tuple[type[Any], TargetSettings]:
    """The model class the subclass names, and the settings with its params."""
    name = tests.__qualname__
    try:
        instance = tests()
        model_class = instance.chat_model_class
        params = dict(instance.chat_model_params)
    except Exception as exc:
        raise StandardTestsError(
            f"reading chat_model_class and chat_model_params of the langchain-tests class {name} "
            f"raised {type(exc).__name__}: {' '.join(str(exc).split())}"
        ) from None
    return model_class, replace(settings, params={**params, **settings.params})
