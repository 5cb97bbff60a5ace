"""Targets from langchain-tests: a `ChatModelUnitTests`/`ChatModelIntegrationTests` subclass already
names the model class, its constructor params and its capabilities; modelcheck reads them.

`--modelcheck=tests.unit_tests.test_chat_models:TestChatXUnit` (or the same dotted name given to
`modelcheck.suite`) builds `chat_model_class(**chat_model_params)`, with the target's own `params`
over them. A capability flag the subclass sets itself (`has_tool_calling`, `supports_image_inputs`,
`returns_usage_metadata`, ...) becomes the matching capability declaration, under the target's own
`capabilities`; a flag left at langchain-tests' default is not a declaration (its default is a
guess, e.g. `has_tool_calling` is "bind_tools is overridden"; modelcheck detects the capability
itself). langchain-tests' `standard_chat_model_params` (temperature, max_tokens, the unit tests'
dummy api_key) are its own test settings and are not used.

An `EmbeddingsUnitTests`/`EmbeddingsIntegrationTests` subclass names `embeddings_class` and
`embedding_model_params` the same way; the env vars of its `init_from_env_params` (when the
subclass sets them) become the target's `secret_env`, so `init-from-env` reads the key from them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from modelcheck.core.settings import TargetSettings

PACKAGE = "langchain_tests"
BASE = "ChatModelTests"
EMBEDDINGS_BASE = "EmbeddingsTests"
# langchain-tests' flag -> modelcheck's capability
FLAGS = {
    "has_tool_calling": "tool_calling",
    "has_tool_choice": "tool_choice",
    "has_structured_output": "structured_output",
    "supports_json_mode": "json_mode",
    "supports_image_inputs": "image_inputs",
    "supports_image_urls": "image_urls",
    "supports_image_tool_message": "image_tool_message",
    "supports_pdf_tool_message": "pdf_tool_message",
    "supports_pdf_inputs": "pdf_inputs",
    "supports_audio_inputs": "audio_inputs",
    "returns_usage_metadata": "usage_metadata",
    "supports_model_override": "model_override",
}


class StandardTestsError(Exception):
    """The subclass could not be read; the message says what raised."""


def _based_on(obj: Any, base: str) -> bool:
    return isinstance(obj, type) and any(
        k.__name__ == base and k.__module__.startswith(PACKAGE + ".") for k in obj.__mro__
    )


def is_standard_tests(obj: Any) -> bool:
    """Whether `obj` is a subclass of langchain-tests' chat model or embeddings tests (unit or
    integration)."""
    return _based_on(obj, BASE) or _based_on(obj, EMBEDDINGS_BASE)


def is_embeddings_tests(obj: Any) -> bool:
    return _based_on(obj, EMBEDDINGS_BASE)


def read(tests: type[Any], settings: TargetSettings) -> tuple[type[Any], TargetSettings]:
    """The model class the subclass names, and the settings with its params and declarations."""
    if is_embeddings_tests(tests):
        return _read_embeddings(tests, settings)
    name = tests.__qualname__
    try:
        instance = tests()
        model_class = instance.chat_model_class
        params = dict(instance.chat_model_params)
        declared = {cap: bool(getattr(instance, flag)) for flag, cap in FLAGS.items() if _own(tests, flag)}
    except Exception as exc:
        raise StandardTestsError(
            f"reading chat_model_class, chat_model_params and the capability flags of the "
            f"langchain-tests class {name} "
            f"raised {type(exc).__name__}: {' '.join(str(exc).split())}"
        ) from None
    capabilities = {**declared, **settings.capabilities}
    return model_class, replace(settings, params={**params, **settings.params}, capabilities=capabilities)


def _own(tests: type[Any], flag: str) -> bool:
    """Whether the subclass (or a base of it outside langchain-tests) defines the flag itself."""
    return any(flag in vars(k) for k in tests.__mro__ if not k.__module__.startswith(PACKAGE + "."))


def _read_embeddings(tests: type[Any], settings: TargetSettings) -> tuple[type[Any], TargetSettings]:
    try:
        instance = tests()
        model_class = instance.embeddings_class
        params = dict(instance.embedding_model_params)
        env = _env_names(tests, instance)
    except Exception as exc:
        raise StandardTestsError(
            f"reading embeddings_class, embedding_model_params and init_from_env_params of the "
            f"langchain-tests class {tests.__qualname__} "
            f"raised {type(exc).__name__}: {' '.join(str(exc).split())}"
        ) from None
    secret_env = settings.secret_env or env
    return model_class, replace(settings, params={**params, **settings.params}, secret_env=secret_env)


def _env_names(tests: type[Any], instance: Any) -> tuple[str, ...]:
    """The env vars of `init_from_env_params` ((env vars, init args, expected attrs)), when set."""
    if not _own(tests, "init_from_env_params"):
        return ()
    env = instance.init_from_env_params[0]
    return tuple(str(k) for k in env) if isinstance(env, dict) else ()
