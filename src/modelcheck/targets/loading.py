"""Turn a `module.path:Name` target into a model instance, or one paragraph that says why not.

Imports are late (the plugin must not import LangChain before modelcheck is asked for), and every
failure becomes a `TargetError` whose message says what was found and what is accepted.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelcheck.core.records import Kind
from modelcheck.core.settings import TargetSettings
from modelcheck.core.wording import article
from modelcheck.secrets.fields import looks_secret
from modelcheck.secrets.scrub import Scrubber
from modelcheck.targets import tamper
from modelcheck.targets.langchain_tests import StandardTestsError, is_standard_tests, read
from modelcheck.targets.timebox import ModelCodeError, run_model_code

ACCEPTED = (
    "A target is 'module.path:Name' where Name is a LangChain model class (a subclass of "
    "langchain_core.language_models.llms.LLM/BaseLLM or BaseChatModel, or of "
    "langchain_core.embeddings.Embeddings), an instance of one, a "
    "function taking no arguments that returns one, or a langchain-tests ChatModelUnitTests/"
    "ChatModelIntegrationTests subclass; or 'fixture:NAME' for the model a pytest fixture returns."
)


class TargetError(Exception):
    """A target could not be turned into a model; the message is for the user."""


@dataclass
class LoadedTarget:
    """A model ready to be observed, and how it was made (so it can be rebuilt with canaries)."""

    settings: TargetSettings
    kind: Kind
    model: Any
    origin: str
    model_class: type[Any]

    @property
    def target(self) -> str:
        return self.settings.target


def load_target(settings: TargetSettings, search_paths: list[Path]) -> LoadedTarget:
    """Import, resolve and build the target, raising TargetError with a user-facing paragraph."""
    return build_model(resolve_target(settings, search_paths), settings)


def resolve_target(settings: TargetSettings, search_paths: list[Path]) -> Any:
    """The object the target names (a class, an instance or a factory), imported, not yet built."""
    module_name, attr = split_target(settings.target)
    import langchain_core.language_models  # noqa: F401 - what a module could patch, loaded first

    before = tamper.snapshot()
    module = import_target_module(module_name, settings.target, search_paths)
    patched = tamper.replaced(before)
    if patched:
        tamper.restore(before)
        raise TargetError(tamper.tampering_message(settings.target, module_name, patched))
    return resolve_attr(module, module_name, attr, settings.target)


def split_target(target: str) -> tuple[str, str]:
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise TargetError(
            f"modelcheck: the target {target!r} is not of the form 'module.path:Name'. {ACCEPTED}"
        )
    return module_name.strip(), attr.strip()


def import_target_module(module_name: str, target: str, search_paths: list[Path]) -> Any:
    for path in search_paths:
        if str(path) not in sys.path and path.is_dir():
            sys.path.append(str(path))
    try:
        return importlib.import_module(module_name)
    except SystemExit as exc:
        called = "os._exit(...)" if type(exc).__name__ == "ProcessExitRefused" else f"sys.exit({exc.code!r})"
        reason = f"the module called {called} while it was imported"
    except SyntaxError as exc:
        reason = f"the module has a syntax error: {exc.msg} ({exc.filename}, line {exc.lineno})"
    except ModuleNotFoundError as exc:
        reason = f"ModuleNotFoundError: {exc}. Is the package installed (pip install -e .) or on PYTHONPATH"
    except Exception as exc:  # the user's module may raise anything while importing
        reason = f"importing it raised {type(exc).__name__}: {exc}"
    raise TargetError(
        f"modelcheck: cannot import module {module_name!r} for target {target!r}: {reason}. "
        "Fix the import, then run again."
    )


def resolve_attr(module: Any, module_name: str, attr: str, target: str) -> Any:
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise TargetError(
                f"modelcheck: module {module_name!r} has no attribute {part!r} "
                f"(target {target!r}).{hint} {ACCEPTED}"
            )
        obj = getattr(obj, part)
    return obj


def model_class(obj: Any) -> type | None:
    """The model class a target names, to find its settings by: a class itself, an instance's
    class, a langchain-tests class's `chat_model_class` (or `embeddings_class`); None for a
    factory (its model's class is known once it is called)."""
    if is_standard_tests(obj):
        try:
            tests = obj()
            found = getattr(tests, "chat_model_class", None) or getattr(tests, "embeddings_class", None)
        except Exception:
            return None
        return found if isinstance(found, type) else None
    if isinstance(obj, type):
        return obj
    return type(obj) if model_kind(obj) is not None else None


def model_kind(obj: Any) -> Kind | None:
    """'chat', 'llm' or 'embeddings' for a LangChain model class or instance, else None."""
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.language_models.llms import BaseLLM

    cls = obj if isinstance(obj, type) else type(obj)
    if issubclass(cls, BaseChatModel):
        return "chat"
    if issubclass(cls, BaseLLM):
        return "llm"
    if issubclass(cls, Embeddings):
        return "embeddings"
    return None


def build_model(obj: Any, settings: TargetSettings) -> LoadedTarget:
    if is_standard_tests(obj):
        return _from_standard_tests(obj, settings)
    if isinstance(obj, type):
        return _from_class(obj, settings)
    kind = model_kind(obj)
    if kind is not None:
        _no_params(settings, "an instance")
        return LoadedTarget(settings, kind, obj, "instance", type(obj))
    if callable(obj):
        return _from_factory(obj, settings)
    raise TargetError(
        f"modelcheck: target {settings.target!r} is {article(type(obj).__name__)}, not a model. {ACCEPTED}"
    )


def _from_class(cls: type[Any], settings: TargetSettings) -> LoadedTarget:
    kind = model_kind(cls)
    if kind is None:
        raise TargetError(
            f"modelcheck: target {settings.target!r} is the class {cls.__qualname__}, which is not "
            f"a LangChain language model (its bases: {_bases(cls)}). {ACCEPTED}"
        )
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
        raise TargetError(
            f"modelcheck: target {settings.target!r} is an abstract class: it does not implement "
            f"{missing}. Point modelcheck at a concrete model class that implements them."
        )
    model = construct(cls, settings.params, settings)
    return LoadedTarget(settings, kind, model, "class", cls)


def _from_standard_tests(tests: type[Any], settings: TargetSettings) -> LoadedTarget:
    """A langchain-tests subclass: the model class and params it names (see standard_tests)."""
    try:
        cls, settings = read(tests, settings)
    except StandardTestsError as exc:
        raise TargetError(
            f"modelcheck: target {settings.target!r}: {exc}. Fix the class, then run again."
        ) from None
    if not isinstance(cls, type):
        raise TargetError(
            f"modelcheck: target {settings.target!r} is the langchain-tests class {tests.__qualname__}, "
            f"whose chat_model_class is {article(type(cls).__name__)}, not a class. Return the model class."
        )
    return _from_class(cls, settings)


def construct(cls: type[Any], params: dict[str, Any], settings: TargetSettings) -> Any:
    shown = mask_params(params, settings.secret_pattern)
    call = f"{cls.__qualname__}(**{shown!r})"
    try:
        return run_model_code(lambda: cls(**params), settings.timeout, f"constructing {call}")
    except ModelCodeError as exc:
        if exc.error is None:
            raise TargetError(
                f"modelcheck: {exc.describe()} for target {settings.target!r}, so the target was "
                "not checked. A constructor must not block: open connections and call the API "
                "lazily, on the first model call, and give each network call a timeout."
            ) from None
        scrub = Scrubber(str(v) for k, v in params.items() if isinstance(v, str) and shown[k] != v)
        raise TargetError(
            f"modelcheck: constructing {call} for target "
            f"{settings.target!r} failed with {type(exc.error).__name__}: "
            f"{scrub(_error_text(exc.error))}. Give the constructor arguments it needs with "
            f"--modelcheck-params='{{...}}' or params in [tool.modelcheck.\"{settings.target}\"]."
        ) from None


def _from_factory(factory: Any, settings: TargetSettings) -> LoadedTarget:
    _no_params(settings, "a factory function")
    try:
        model = run_model_code(factory, settings.timeout, f"the factory {settings.target!r}")
    except ModelCodeError as exc:
        raise TargetError(_factory_failed(exc, settings)) from None
    kind = model_kind(model)
    if kind is None:
        raise TargetError(
            f"modelcheck: factory {settings.target!r} returned {article(type(model).__name__)}, "
            f"not a LangChain model. {ACCEPTED}"
        )
    return LoadedTarget(settings, kind, model, "factory", type(model))


def _factory_failed(exc: ModelCodeError, settings: TargetSettings) -> str:
    error = exc.error
    if error is None:
        return (
            f"modelcheck: {exc.describe()}, so the target was not checked. A factory must not "
            "block: build the model and return it, leaving connections and API calls to the model's "
            "first call, and give each network call a timeout."
        )
    if isinstance(error, TypeError) and _arguments_missing(error):
        return (
            f"modelcheck: calling factory {settings.target!r} with no arguments failed: {error}. "
            f"A factory target must take no arguments. {ACCEPTED}"
        )
    return (
        f"modelcheck: factory {settings.target!r} raised {type(error).__name__}: "
        f"{_error_text(error)}. Fix the factory so that it returns a model."
    )


def _arguments_missing(error: TypeError) -> bool:
    tb = error.__traceback__
    # Raised by the call itself (no frame of the factory ran), not inside the factory's body.
    return tb is not None and tb.tb_next is None


def _no_params(settings: TargetSettings, what: str) -> None:
    if settings.params:
        raise TargetError(
            f"modelcheck: target {settings.target!r} is {what}, so constructor params cannot be "
            "applied to it. Drop the params, or point the target at the model class."
        )


def mask_params(params: dict[str, Any], pattern: str) -> dict[str, Any]:
    return {k: ("***" if looks_secret(k, pattern) else v) for k, v in params.items()}


def _bases(cls: type[Any]) -> str:
    return ", ".join(b.__qualname__ for b in cls.__mro__[1:4]) or "none"


def _error_text(exc: BaseException) -> str:
    """The exception as one line; pydantic errors without their input (it can hold secrets)."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return _one_line(str(exc))
    errors = exc.errors(include_url=False, include_input=False)
    return f"{exc.error_count()} validation error(s) for {exc.title}: " + "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
