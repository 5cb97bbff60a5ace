"""What a model's class and instance say about themselves: fields, docs, overrides, params."""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import linecache
import re
import sys
import textwrap
from collections.abc import Callable
from typing import Any

from modelcheck.core.embedding_plan import BATCH_FIELDS, DIMENSION_FIELDS
from modelcheck.core.records import EmbeddingFacts, Facts, FieldInfo, Kind
from modelcheck.observe.fielddocs import documented_in, private_fields
from modelcheck.targets.timebox import ModelCodeError

ModelCode = Callable[[Callable[[], Any], str], Any]


def direct(fn: Callable[[], Any], what: str) -> Any:
    """Run model code as it is (no timeout): for callers that guard it themselves."""
    return fn()


# The base classes the guides have authors subclass, and what they are built on. Any other class in
# a model's MRO is the model's own code: langchain-core's own fakes (language_models.fake*) too.
FRAMEWORK_MODULES = (
    "pydantic",
    "langchain_core.language_models.base",
    "langchain_core.language_models.llms",
    "langchain_core.language_models.chat_models",
    "langchain_core.embeddings.embeddings",
    "langchain_core.runnables",
    "langchain_core.load",
)
FRAMEWORK_PACKAGES = ("langchain_core", "pydantic")
# `stream`/`astream`: a model may override the public methods instead of `_stream`/`_astream`.
NATIVE_METHODS = {
    "chat": ("_agenerate", "_astream", "_stream", "_generate", "stream", "astream"),
    "llm": ("_acall", "_agenerate", "_astream", "_stream", "_call", "_generate", "stream", "astream"),
    "embeddings": ("aembed_documents", "aembed_query", "embed_documents", "embed_query"),
}
# Where an embeddings class keeps the name of the model it embeds with (it has no
# `_identifying_params`).
MODEL_NAME_FIELDS = ("model", "model_name", "model_id", "deployment", "deployment_name")


def gather_facts(model: Any, kind: Kind, guard: ModelCode = direct) -> Facts:
    """The class's fields, docs and overrides, and the instance's `_identifying_params`.

    `guard` runs the model code read here (`_should_stream`, the property), e.g. with a timeout.
    """
    cls = type(model)
    facts = Facts(cls.__qualname__, cls.__module__, shown_docstring(cls))
    try:
        facts.fields = list(field_infos(cls))
    except (OSError, TypeError) as exc:
        facts.docs_error = f"the source of {cls.__qualname__} could not be read ({exc})"
        facts.fields = list(field_infos(cls, read_source=False))
    facts.native = {name: owner_of(cls, name) for name in NATIVE_METHODS[kind]}
    if kind == "embeddings":
        facts.embedding = guard(lambda: embedding_facts(model), "reading the embeddings settings")
        facts.model_name = guard(lambda: embedding_model_name(model), "reading the model name")
        return facts
    try:
        facts.streams = guard(lambda: streaming_paths(model, facts.native), "reading _should_stream")
    except ModelCodeError:  # hung or raised SystemExit: judge by the methods alone
        facts.streams = streaming_paths(None, facts.native)
    try:
        params = guard(lambda: dict(model._identifying_params), "reading _identifying_params")
        facts.identifying_params = {str(k): type(v).__name__ for k, v in params.items()}
        name = params.get("model_name")
        facts.model_name = name if isinstance(name, str) else None
    except ModelCodeError as exc:
        facts.identifying_params_error = exc.describe().removeprefix("reading _identifying_params ")
    except Exception as exc:
        facts.identifying_params_error = f"raised {type(exc).__name__}: {exc}"
    return facts


def embedding_model_name(model: Any) -> str | None:
    """The first non-empty string of MODEL_NAME_FIELDS the model holds."""
    return next(
        (v for name in MODEL_NAME_FIELDS if isinstance(v := getattr(model, name, None), str) and v.strip()),
        None,
    )


def embedding_facts(model: Any) -> EmbeddingFacts:
    """The declared output size and the batch-size field (whether queries are embedded otherwise is
    the `asymmetric` capability's, filled in by the observer)."""
    return EmbeddingFacts(_setting(model, DIMENSION_FIELDS), _setting(model, BATCH_FIELDS))


def _setting(model: Any, names: tuple[str, ...]) -> tuple[str, int] | None:
    """The first of `names` the model sets to a positive int, with its value."""
    for name in names:
        value = getattr(model, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return name, value
    return None


def streaming_paths(model: Any, native: dict[str, str | None]) -> dict[str, bool]:
    """Whether `stream()` and `astream()` run the model's streaming code, as langchain-core decides.

    Core's `stream()` yields the whole answer of `invoke` as one value when the model has no
    `_stream` (`astream()`: neither `_astream` nor `_stream`), or when a chat model turns streaming
    off (`disable_streaming`, `streaming=False`); a model that overrides `stream`/`astream` itself
    streams its own way.
    """
    sync = bool(native.get("_stream"))
    asyncs = sync or bool(native.get("_astream"))
    should = getattr(model, "_should_stream", None)
    if callable(should):
        with contextlib.suppress(Exception):  # an override of core's method that fails: use the methods
            sync = bool(should(async_api=False, stream=True))
            asyncs = bool(should(async_api=True, stream=True))
    return {"stream": sync or bool(native.get("stream")), "astream": asyncs or bool(native.get("astream"))}


def owner_of(cls: type[Any], name: str) -> str | None:
    """Where the `name` a model uses is defined, or None if it is LangChain's own.

    The function's own module decides, not the class it sits on, so `_astream = BaseLLM._astream`
    in a model class is still core's thread-pool fallback.
    """
    for klass in cls.__mro__:
        if name in vars(klass):
            attr = vars(klass)[name]
            module = getattr(getattr(attr, "__func__", attr), "__module__", None) or klass.__module__
            return None if is_framework(module) else f"{klass.__module__}.{klass.__qualname__}"
    return None


def own_classes(cls: type[Any]) -> list[type[Any]]:
    """The target class and its bases that are not LangChain's or pydantic's."""
    return [
        k
        for k in cls.__mro__
        if k is not object
        and not is_framework(k.__module__)
        and not k.__module__.startswith(("builtins", "abc", "typing"))
    ]


def is_framework(module: str) -> bool:
    """True for the modules of langchain-core's base classes and pydantic, not for core's fakes."""
    return any(module == m or module.startswith(m + ".") for m in FRAMEWORK_MODULES)


def shown_docstring(cls: type[Any]) -> str:
    """The docstring the API reference shows for `cls`: its own, else the nearest one of the model's
    own base classes (langchain-core's are not the provider's documentation)."""
    for klass in own_classes(cls):
        doc = vars(klass).get("__doc__")
        if isinstance(doc, str) and doc.strip():
            return inspect.cleandoc(doc)
    return ""


def _sections(cls: type[Any]) -> set[str]:
    """Names documented in the Attributes/Args sections of the model's own class docstrings."""
    docs = (vars(k).get("__doc__") for k in own_classes(cls))
    return {n for d in docs if isinstance(d, str) for n in documented_in(inspect.cleandoc(d))}


def field_infos(cls: type[Any], *, read_source: bool = True) -> list[FieldInfo]:
    fields = getattr(cls, "model_fields", {})
    infos: list[FieldInfo] = []
    sections = _sections(cls)
    for klass in own_classes(cls):
        documented, private = _documented_and_private(klass) if read_source else (set(), set())
        for name in _annotations(klass):
            if name not in fields or any(i.name == name for i in infos):
                continue
            info = fields[name]
            text = _annotation_text(info.annotation)
            infos.append(
                FieldInfo(
                    name=name,
                    alias=info.alias,
                    annotation=text,
                    is_secret_type="SecretStr" in text,
                    is_str_type=bool(re.search(r"\bstr\b", text)) and "SecretStr" not in text,
                    documented=name in documented or name in sections or bool(info.description),
                    owner=klass.__qualname__,
                    private=name in private and info.exclude is True,
                )
            )
    return infos


def _annotations(klass: type[Any]) -> list[str]:
    return list(vars(klass).get("__annotations__", {}))


def _annotation_text(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("pydantic.types.", "")


def _documented_and_private(klass: type[Any]) -> tuple[set[str], set[str]]:
    statement, lines = class_source(klass)
    return attribute_docstrings(statement.body), private_fields(statement.body, lines)


def attribute_docstrings(body: list[ast.stmt]) -> set[str]:
    """Names of the class-body fields followed by a string literal (an attribute docstring)."""
    names: set[str] = set()
    for node, following in zip(body, [*body[1:], None], strict=True):
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and _is_docstring(following):
            names.add(target.id)
    return names


def _is_docstring(node: ast.stmt | None) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and bool(node.value.value.strip())
    )


def class_source(klass: type[Any]) -> tuple[ast.ClassDef, list[str]]:
    """The `class` statement of `klass`, found by its qualified name in its module's parsed source,
    and the source lines its line numbers count in.

    Each source file is parsed once, however many classes it holds: `inspect.getsource` would
    tokenize and parse the file again for every class (a quarter of a second for ChatOpenAI's two).
    A class defined in a function, or defined twice under one name, is left to `inspect`.
    """
    filename = inspect.getsourcefile(klass)
    module = sys.modules.get(klass.__module__)
    if filename:
        linecache.checkcache(filename)
    lines = linecache.getlines(filename, vars(module) if module else None) if filename else []
    if not lines:
        raise OSError(f"no source file for {klass.__qualname__}")
    found = _find_class(_parse("".join(lines)).body, klass.__qualname__.split("."))
    if len(found) == 1:
        return found[0], lines
    source = textwrap.dedent(inspect.getsource(klass))
    tree = ast.parse(source)
    if tree.body and isinstance(tree.body[0], ast.ClassDef):
        return tree.body[0], source.splitlines()
    raise OSError(f"the class statement of {klass.__qualname__} was not found")


@functools.lru_cache(maxsize=16)
def _parse(source: str) -> ast.Module:
    return ast.parse(source)


def _find_class(body: list[ast.stmt], path: list[str]) -> list[ast.ClassDef]:
    """Every class statement at `path` (class names, outermost first) under `body`, at any depth
    of `if`/`try` blocks but not inside functions."""
    found: list[ast.ClassDef] = []
    for node in body:
        if isinstance(node, ast.ClassDef) and node.name == path[0]:
            found.extend([node] if len(path) == 1 else _find_class(node.body, path[1:]))
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for block in ("body", "orelse", "finalbody", "handlers"):
                found.extend(_find_class(getattr(node, block, []), path))
    return found
