"""Build the target again with a unique canary in every secret field and secret env var.

The canary instance is observed like any other; the secret checks then look for the canaries
everywhere the observation went. When no real secret was given, the canary instance is the one
observed for every check, so masking costs no extra model call.

Each canary is given under the name the constructor accepts for its field (its alias, or the field
name), and must be found in the built instance: a canary that pydantic dropped, or a validator
replaced, would make a pass mean nothing. The real secrets the model was given are traced too, so
a model that cannot be rebuilt is still checked with them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from modelcheck.core.records import FieldInfo, SecretSurface
from modelcheck.secrets.canary import CANARY_PREFIX, is_canary, new_canary
from modelcheck.secrets.fields import secret_fields
from modelcheck.targets.containment import keep_alive
from modelcheck.targets.loading import LoadedTarget
from modelcheck.targets.timebox import ModelCodeError, run_model_code


@dataclass
class CanaryPlan:
    """The canary instance (if one could be built) and every secret modelcheck must scrub."""

    model: Any | None
    canaries: list[str]
    env: dict[str, str]
    note: str | None
    real_secrets: list[str] = field(default_factory=list)
    # What secret-masking traces, each -> its field or variable: canaries in the instance, real secrets.
    planted: dict[str, str] = field(default_factory=dict)
    given: dict[str, str] = field(default_factory=dict)
    hung: bool = False
    """The rebuild did not return: a defect of the model, not a limit of the check."""

    @property
    def main_is_canary(self) -> bool:
        return self.model is not None and not self.real_secrets


def plan_canaries(
    target: LoadedTarget,
    fields: list[FieldInfo],
    standins: Sequence[str] = (),
    learn: Callable[[list[str]], None] = lambda secrets: None,
) -> CanaryPlan:
    """Choose the canaries, tell `learn` them and the real secrets at once (before any model code
    runs with them), and rebuild the target with them under the target's timeout."""
    settings = target.settings
    found = secret_fields(fields, settings.secret_pattern)
    env = {name: new_canary(name.lower()) for name in settings.secret_env}
    values = {f.name: new_canary(f.name) for f in found}
    learn([*values.values(), *env.values()])
    held = {
        **standin_names(standins, settings.secret_env),
        **held_secrets(target.model, found, settings.secret_env),
    }
    real, given = [v for v in held if not is_canary(v)], traceable(held)
    learn(real)
    if not found and not env:
        return CanaryPlan(None, [], {}, "the model has no secret field and no secret_env", real, {}, given)
    hung = False
    with patched_env(env):
        try:
            model, note = run_model_code(
                lambda: rebuild(target, found, values, real),
                settings.timeout,
                f"rebuilding {target.model_class.__qualname__} with canary secrets",
            )
        except ModelCodeError as exc:
            model, note, hung = None, f"{exc.describe()}, so masking could not be observed", exc.hung
    keep_alive(model)
    planted = {v: k for k, v in {**values, **env}.items()} if model is not None else {}
    return CanaryPlan(model, [*values.values(), *env.values()], env, note, real, planted, given, hung)


def held_secrets(model: Any, found: list[FieldInfo], env_names: tuple[str, ...]) -> dict[str, str]:
    """Each secret the model holds or reads -> the field or variable it came from: the real ones,
    and the stand-ins a replay sets for the keys it does not have (those are not scrubbed as real
    secrets, but are traced like them, so a replayed run judges masking as the recording did)."""
    out: dict[str, str] = {}
    for f in found:
        value: Any = getattr(model, f.name, None)
        if value is not None and hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        if isinstance(value, str) and value:
            out.setdefault(value, f.name)
    for name in env_names:
        value = os.environ.get(name)
        if value:
            out.setdefault(value, name)
    return out


def standin_names(standins: Sequence[str], env_names: tuple[str, ...]) -> dict[str, str]:
    """Each stand-in a replay set in an unset secret variable while the target was loaded -> that
    variable (a stand-in is `new_canary(name.lower())`)."""
    return {
        value: name
        for value in standins
        for name in env_names
        if value.startswith(f"{CANARY_PREFIX}{name.lower()}-")
    }


def traceable(real: dict[str, str]) -> dict[str, str]:
    """The real secrets long enough to be looked for without matching unrelated text."""
    return {v: k for v, k in real.items() if len(v) >= SUBSTRING_MIN}


def rebuild(
    target: LoadedTarget, found: list[FieldInfo], values: dict[str, str], real: list[str] | None = None
) -> tuple[Any, str | None]:
    """The target rebuilt with canaries, or None and the reason it could not be.

    An instance's own field values are carried over, except those that hold a real secret: an SDK
    client its validator built from the real key (ChatOpenAI's `client`, `root_client`...) would
    make the canary instance call with the real key, and the canary would never reach a request.
    """
    cls = target.model_class
    if target.origin == "class":
        base = dict(target.settings.params)
    else:
        own = {name: getattr(target.model, name) for name in target.model.model_fields_set}
        base = {name: value for name, value in own.items() if not holds_secret(value, real)}
    names = {f.name: accepted_names(cls, f.name) for f in found}
    every = {n for ns in names.values() for n in ns} | set(values)
    base = {k: v for k, v in base.items() if k not in every}
    errors: list[str] = []
    for keys in _namings(names):
        try:
            model = cls(**base, **{keys[name]: canary for name, canary in values.items()})
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
            continue
        missed = [name for name in values if not landed(model, name, list(values.values()))]
        if not missed:
            return model, None
        given = ", ".join(f"`{keys[n]}=`" + ("" if keys[n] == n else f" for `{n}`") for n in missed)
        errors.append(f"the canary given as {given} was not in the instance built")
    return None, (
        f"{cls.__qualname__} could not be rebuilt with canary secrets ({errors[-1]}), so "
        "masking could not be observed with canaries"
    )


def accepted_names(cls: type[Any], name: str) -> list[str]:
    """The keywords the constructor accepts for field `name`, the one users pass (an alias) first.

    pydantic takes a field by its alias (or validation aliases), and by its name only when the model
    allows it (`populate_by_name` / `validate_by_name`) or the field has no alias.
    """
    info = cls.model_fields[name]
    config = getattr(cls, "model_config", {})
    aliases = _aliases(info) if config.get("validate_by_alias", True) else []
    by_name = config.get("validate_by_name") or config.get("populate_by_name") or not aliases
    return list(dict.fromkeys([*aliases, *([name] if by_name else [])]))


def _aliases(info: Any) -> list[str]:
    choice = info.validation_alias
    if isinstance(choice, str):
        return [choice]
    choices = getattr(choice, "choices", None)
    if choices:
        return [c for c in choices if isinstance(c, str)]
    return [info.alias] if isinstance(info.alias, str) else []


def _namings(names: dict[str, list[str]]) -> list[dict[str, str]]:
    """The keyword for each field: first the names users pass, then the other accepted names. Two
    fields that accept one keyword (ChatDeepSeek's `api_key`, and `openai_api_key` aliased
    `api_key`) each get their own."""
    tries = [_naming(names, reverse) for reverse in (False, True)]
    return [t for i, t in enumerate(tries) if t not in tries[:i]]


def _naming(names: dict[str, list[str]], reverse: bool) -> dict[str, str]:
    keys: dict[str, str] = {}
    for name, accepted in names.items():
        order = accepted[::-1] if reverse else accepted
        keys[name] = next((n for n in order if n not in keys.values()), order[0])
    return keys


def landed(model: Any, name: str, canaries: list[str]) -> bool:
    """Whether field `name` of the instance holds a canary: its own, or another one a validator
    copied there (`openai_api_key` set from `api_key`), as given or inside what it made of it."""
    value: Any = getattr(model, name, None)
    if value is not None and hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return isinstance(value, str) and any(canary in value for canary in canaries)


# A secret at least this long is also found inside a longer text ("Bearer <key>"); a shorter one
# only as the whole value, so that a short key cannot make unrelated values look like it.
SUBSTRING_MIN = 8


def holds_secret(value: Any, secrets: list[str] | None, depth: int = 4) -> bool:
    """Whether `value`, or an attribute, item or value of it a few levels down, holds one of `secrets`.

    Holding means being the secret, or a text or bytes value that contains it: an HTTP client
    built from the key keeps it in a header value such as `b"Bearer <key>"` (httpx's `Headers`).
    """
    if not secrets:
        return False
    seen: set[int] = set()
    todo: list[tuple[Any, int]] = [(value, 0)]
    while todo and len(seen) < 5000:
        item, level = todo.pop()
        if isinstance(item, (str, bytes)):
            if _contains_secret(item, secrets):
                return True
            continue
        if id(item) in seen or level >= depth or isinstance(item, (int, float, bool, type(None))):
            continue
        seen.add(id(item))
        if hasattr(item, "get_secret_value"):
            todo.append((item.get_secret_value(), level + 1))
        elif isinstance(item, dict):
            todo.extend((v, level + 1) for v in item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            todo.extend((v, level + 1) for v in item)
        else:
            todo.extend((v, level + 1) for v in getattr(item, "__dict__", {}).values())
    return False


def _contains_secret(item: str | bytes, secrets: list[str]) -> bool:
    text = item.decode("utf-8", "replace") if isinstance(item, bytes) else item
    return any(text == s or (len(s) >= SUBSTRING_MIN and s in text) for s in secrets)


@contextmanager
def patched_env(env: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def read_surfaces(model: Any, timeout: float) -> tuple[list[SecretSurface], list[str]]:
    """`static_surfaces` under the target's timeout: the places read, and the ones left unread
    (the place that did not return, named with why, and those after it)."""
    read: list[SecretSurface] = []
    try:
        run_model_code(lambda: static_surfaces(model, read), timeout, "reading repr(), dumps and params")
    except ModelCodeError:
        done = {s.place.removeprefix("the error raised by ") for s in read}
        left = [p for p in SURFACE_PLACES if p not in done]
        return list(read), [f"{left[0]} did not return within {timeout:g} s", *left[1:]] if left else []
    return read, []


SURFACE_PLACES = (
    "repr()",
    "str()",
    "model_dump()",
    "model_dump(mode='json')",
    "model_dump_json()",
    "dumpd()",
    "dumps()",
    "_identifying_params",
    "_get_ls_params()",
    "_get_llm_string() (the cache key)",
)


def static_surfaces(model: Any, out: list[SecretSurface] | None = None) -> list[SecretSurface]:
    """The places a secret can leak without a model call: repr, dumps, params, cache key.

    Each place read is appended to `out` as soon as it is read, so a caller that gave up waiting
    knows which place hung. What a place raises (`SystemExit` included) is that place's text.
    """
    from langchain_core.load import dumpd, dumps

    readers: dict[str, Any] = {
        "repr()": lambda: repr(model),
        "str()": lambda: str(model),
        "model_dump()": lambda: repr(model.model_dump()),
        "model_dump(mode='json')": lambda: repr(model.model_dump(mode="json")),
        "model_dump_json()": lambda: model.model_dump_json(),
        "dumpd()": lambda: repr(dumpd(model)),
        "dumps()": lambda: dumps(model),
        "_identifying_params": lambda: repr(dict(model._identifying_params)),
        "_get_ls_params()": lambda: repr(model._get_ls_params()),
        "_get_llm_string() (the cache key)": lambda: model._get_llm_string(),
    }
    surfaces: list[SecretSurface] = [] if out is None else out
    for place, read in readers.items():
        try:
            surfaces.append(SecretSurface(place, str(read())))
        except BaseException as exc:  # SystemExit from a __repr__ is the model's
            surfaces.append(SecretSurface(f"the error raised by {place}", f"{type(exc).__name__}: {exc}"))
    return surfaces
