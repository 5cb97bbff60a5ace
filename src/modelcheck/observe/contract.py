"""What the model's class does with LangChain's standard surface, found without a model call.

`_get_ls_params()`, the standard init params given under their standard names, a secret read from
its env var, and `dumpd`/`load`: each is tried on copies of the observed instance (its own field
values carried over) and reduced to plain records (records.ParamTrial, EnvTrial, SerialTrial) for
the checks in checks/params.py and checks/serialization.py.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from typing import Any, Literal

from modelcheck.core import probe_ids as ids
from modelcheck.core.records import Contract, EnvTrial, ParamTrial, SerialTrial
from modelcheck.observe.canary import patched_env
from modelcheck.secrets.canary import new_canary
from modelcheck.targets.containment import keep_alive

OVERRIDE = "modelcheck-override-model"
LS_STOP = ["modelcheck-ls-stop"]
# The standard init params (langchain-tests' standard params and the docs' list), the value
# modelcheck gives each, and the other names models use for the same feature.
STANDARD: dict[str, tuple[Any, tuple[str, ...]]] = {
    "model": ("modelcheck-model", ("model_name", "model_id", "deployment_name", "deployment", "engine")),
    "temperature": (0.25, ("temp",)),
    "max_tokens": (
        7,
        (
            "max_output_tokens",
            "max_new_tokens",
            "max_tokens_to_sample",
            "max_completion_tokens",
            "num_predict",
        ),
    ),
    "timeout": (42.0, ("request_timeout", "timeout_s", "timeout_seconds", "default_request_timeout")),
    "max_retries": (3, ("retries", "num_retries", "max_attempts")),
    "stop": (["modelcheck-stop"], ("stop_sequences", "stop_words", "stop_tokens")),
    "api_key": ("sk-modelcheck-stand-in-key", ()),
    "base_url": (
        "https://modelcheck.invalid/v1",
        ("api_base", "base_api", "endpoint", "endpoint_url", "api_url"),
    ),
}
MAX_TOKENS_PROBE = 5


def keep(model: Any) -> Any:
    """Every copy modelcheck builds lives as long as the process, as the targets do
    (containment.keep_alive): an SDK's async client dropped early closes itself on whatever event
    loop it finds, or on none, and a `__del__` that raises would run at random moments."""
    keep_alive(model)
    return model


def gather(model: Any, needs: set[str], secret_env: tuple[str, ...] = ()) -> Contract:
    """The static contract records the selected checks need (`needs` names them)."""
    contract = Contract(fields=feature_fields(model))
    if ids.LS_PARAMS in needs:
        _ls_params(contract, model)
    if ids.STD_PARAMS in needs:
        contract.params_error = _copy_error(model)
        if contract.params_error is None:
            contract.params = [trial(model, name) for name in STANDARD]
    if ids.ENV_INIT in needs:
        contract.env = list(env_trials(model, secret_env))
    if ids.SERIALIZE in needs:
        contract.serial = serial_trial(model)
    return contract


# --- fields ------------------------------------------------------------------------------------


def _fields(model: Any) -> dict[str, Any]:
    """The pydantic fields of a model instance, or of a model class."""
    return dict(getattr(model if isinstance(model, type) else type(model), "model_fields", {}))


def _names(name: str, info: Any) -> set[str]:
    names = {name}
    for alias in (getattr(info, "alias", None), getattr(info, "validation_alias", None)):
        if isinstance(alias, str):
            names.add(alias)
        for choice in getattr(alias, "choices", ()) or ():
            if isinstance(choice, str):
                names.add(choice)
    return names


def field_for(model: Any, names: tuple[str, ...]) -> str | None:
    """The field that a constructor argument under any of `names` sets (by field name or alias)."""
    for wanted in names:
        for name, info in _fields(model).items():
            if wanted in _names(name, info):
                return name
    return None


def feature_fields(model: Any) -> dict[str, str]:
    """For each standard param the model has, the field that holds it (standard name or not)."""
    found = {}
    for standard, (_, others) in STANDARD.items():
        names = (standard, *others) if standard != "api_key" else ("api_key", *_key_fields(model))
        field = field_for(model, names)
        if field is not None:
            found[standard] = field
    return found


def _key_fields(model: Any) -> tuple[str, ...]:
    return tuple(n for n in _fields(model) if re.search(r"(^|_)api_?key$", n))


# --- building copies ---------------------------------------------------------------------------


def variant(model: Any, extra: dict[str, Any]) -> Any:
    """A copy of `model` built through its constructor, with `extra` given as keyword arguments.

    The instance's own field values are carried over (by field name, else by alias) except the
    fields `extra` sets, so the copy talks to the same service with the same key.
    """
    cls = type(model)
    fields = _fields(model)
    replaced = set(extra) | {n for n, info in fields.items() for key in extra if key in _names(n, info)}
    own = [n for n in getattr(model, "model_fields_set", set()) if n in fields and n not in replaced]
    errors: list[Exception] = []
    for use_alias in (False, True):
        base = {}
        for name in own:
            alias = fields[name].alias if use_alias else None
            base[alias or name] = getattr(model, name)
        try:
            return keep(cls(**base, **extra))
        except Exception as exc:
            errors.append(exc)
    raise errors[-1]


def _copy_error(model: Any) -> str | None:
    """Why a copy of the model, given nothing new, cannot be built (every trial builds one)."""
    try:
        variant(model, {})
    except Exception as exc:
        return f"{type(exc).__name__}: {_one_line(str(exc))}"
    return None


def _same(value: Any, given: Any) -> bool:
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    if isinstance(given, str) and given.startswith("https://"):
        return str(value).rstrip("/") == given.rstrip("/")
    if isinstance(given, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) == given
    if isinstance(given, list) and isinstance(value, (list, tuple)):
        return list(value) == given
    return bool(value == given)


def _show(value: Any) -> str:
    if hasattr(value, "get_secret_value"):
        return "SecretStr('**********')"
    return " ".join(repr(value).split())[:80]


def trial(model: Any, standard: str) -> ParamTrial:
    """Give `standard` under its standard name and see where it lands."""
    given = STANDARD[standard][0]
    holder = feature_fields(model).get(standard)
    shown = "'<a stand-in key>'" if standard == "api_key" else _show(given)
    if holder is None:
        return ParamTrial(standard, None, shown, "absent")
    names = (standard, "model_name") if standard == "model" else (standard,)
    outcome: Literal["held", "ignored", "rejected", "nonstandard", "absent"] = "ignored"
    seen = ""
    tries = [(n, given) for n in names]
    if standard == "api_key":  # a strict SecretStr field takes the key as a SecretStr
        from pydantic import SecretStr

        tries.append((standard, SecretStr(given)))
    for name, value in tries:
        try:
            copy = variant(model, {name: value})
        except Exception as exc:
            outcome, seen = "rejected", f"{type(exc).__name__}: {_one_line(str(exc))}"
            continue
        value = getattr(copy, holder, None)
        if _same(value, given):
            return ParamTrial(standard, holder, shown, "held", name)
        outcome, seen = "ignored", f"{holder} = {_show(value)}"
    if outcome == "rejected" and _refuses_value(model, holder, given):
        # The model's own validation refuses the stand-in value under the field's own name too:
        # that says nothing about the name, so this param is not judged.
        return ParamTrial(standard, holder, shown, "absent", "the model refuses the stand-in value")
    standard_named = holder in names or field_for(model, names) == holder
    return ParamTrial(standard, holder, shown, outcome if standard_named else "nonstandard", seen)


def _refuses_value(model: Any, holder: str, given: Any) -> bool:
    try:
        variant(model, {holder: given})
    except Exception:
        return True
    return False


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


# --- ls params ---------------------------------------------------------------------------------


def _ls_params(contract: Contract, model: Any) -> None:
    try:
        contract.ls_params = _plain(model._get_ls_params())
        contract.ls_override = _plain(model._get_ls_params(stop=LS_STOP, model=OVERRIDE))
    except Exception as exc:
        contract.ls_params_error = f"{type(exc).__name__}: {_one_line(str(exc))}"
        return
    # Under their standard names only: a model that names them otherwise fails standard-params.
    given = {k: STANDARD[k][0] for k in ("temperature", "max_tokens") if field_for(model, (k,))}
    if not given:
        return
    contract.ls_given = dict(given)
    try:
        names = dict(given)
        contract.ls_with_params = _plain(variant(model, names)._get_ls_params())
    except Exception as exc:
        contract.ls_params_error = (
            f"building it with {', '.join(f'{k}={v!r}' for k, v in names.items())} raised "
            f"{type(exc).__name__}: {_one_line(str(exc))}"
        )


def _plain(params: Any) -> dict[str, Any]:
    return {
        str(k): v if isinstance(v, (str, int, float, bool, list, type(None))) else repr(v)
        for k, v in dict(params).items()
    }


# --- secrets from the environment ----------------------------------------------------------------


def env_sources(model: Any) -> Iterator[tuple[str, str]]:
    """(field, env var) for each field whose default reads an env var (secret_from_env/from_env)."""
    for name, info in _fields(model).items():
        if "SecretStr" not in str(info.annotation) and name not in _key_fields(model):
            continue  # an env default that is not a secret (core's output_version reads one)
        for env in _factory_envs(info.default_factory)[:1]:
            yield name, env


def _factory_envs(factory: Any) -> list[str]:
    """The env var names a `secret_from_env`/`from_env` default factory reads (from its closure)."""
    if factory is None:
        return []
    found: list[str] = []
    for cell in getattr(factory, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        found += [v for v in values if isinstance(v, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", v)]
    return found


def env_trials(model: Any, secret_env: tuple[str, ...] = ()) -> Iterator[EnvTrial]:
    """Build the model with only each env var set (a canary in it) and see which field holds it."""
    sources = dict(env_sources(model))
    secret_like = [n for n in _fields(model) if n in sources or n in _key_fields(model)]
    named: list[tuple[str | None, str, str]] = [
        (field, env, "its default_factory (secret_from_env/from_env)") for field, env in sources.items()
    ]
    named += [
        (None, env, "secret_env in [tool.modelcheck]") for env in secret_env if env not in sources.values()
    ]
    for wanted, env, source in named:
        canary = new_canary(env.lower())
        try:
            with patched_env({env: canary}):
                # No secret is passed at all, not even another field's: fields that share an alias
                # or a validator would otherwise hand the given key to the field under trial.
                copy = _without(model, secret_like)
        except Exception as exc:
            seen = f"{type(exc).__name__}: {_one_line(str(exc))}"
            yield EnvTrial(wanted or "a secret field", env, source, "error", seen, canary)
            continue
        fields = [wanted] if wanted else secret_like
        yield _read(copy, fields, env, source, canary)


def _read(copy: Any, fields: list[str], env: str, source: str, canary: str) -> EnvTrial:
    for name in fields:
        value: Any = getattr(copy, name, None)
        if hasattr(value, "get_secret_value") and value.get_secret_value() == canary:
            return EnvTrial(name, env, source, "held", "SecretStr", canary)
        if value == canary:
            return EnvTrial(name, env, source, "plain", type(value).__name__, canary)
    name = fields[0] if len(fields) == 1 else " / ".join(fields) or "no secret field"
    value = getattr(copy, fields[0], None) if len(fields) == 1 else None
    return EnvTrial(name, env, source, "missing" if value is None else "other", type(value).__name__, canary)


def _without(model: Any, dropped: list[str]) -> Any:
    """A copy built without the `dropped` fields (nor clients) so the defaults have to supply them."""
    cls = type(model)
    fields = _fields(model)
    own = [n for n in getattr(model, "model_fields_set", set()) if n in fields and n not in dropped]
    kept = {n: getattr(model, n) for n in own if not _is_client(getattr(model, n))}
    try:
        return keep(cls(**kept))
    except Exception:
        return keep(cls(**{(fields[n].alias or n): v for n, v in kept.items()}))


def _is_client(value: Any) -> bool:
    return not isinstance(value, (str, int, float, bool, list, dict, tuple, type(None))) and not hasattr(
        value, "get_secret_value"
    )


# --- serialization -----------------------------------------------------------------------------


def serial_trial(model: Any) -> SerialTrial:
    from langchain_core.load import dumpd

    trial = SerialTrial()
    try:
        dumped = dumpd(model)
    except Exception as exc:
        trial.dump_error = f"{type(exc).__name__}: {_one_line(str(exc))}"
        return trial
    trial.dumped = json.loads(json.dumps(dumped, default=repr))
    trial.secret_values = _secret_values(model, _secret_refs(dumped))
    trial.original = _identifying(model)
    if dumped.get("type") != "constructor":
        return trial
    try:
        revived = _load(dumped, type(model), trial.secret_values)
    except Exception as exc:
        trial.load_error = f"{type(exc).__name__}: {_one_line(str(exc))}"
        return trial
    trial.loaded_class = type(revived).__qualname__
    trial.loaded = _identifying(revived)
    return trial


def _secret_values(model: Any, refs: dict[str, str]) -> dict[str, str]:
    """The values of the model's secret fields (SecretStr, or written as secret references)."""
    out = {}
    for name in _fields(model):
        value: Any = getattr(model, name, None)
        if name in refs and isinstance(value, str) and value:
            out[name] = value
        if hasattr(value, "get_secret_value") and value.get_secret_value():
            out[name] = value.get_secret_value()
    return out


def _identifying(model: Any) -> dict[str, Any]:
    """The model's identifying params, plain values compared by value (1 == 1.0), others by repr."""
    try:
        params = dict(model._identifying_params)
        return {
            str(k): v if isinstance(v, (str, int, float, bool, type(None))) else repr(v)
            for k, v in params.items()
        }
    except Exception as exc:
        return {"<error>": f"{type(exc).__name__}: {exc}"}


def _load(dumped: dict[str, Any], cls: type[Any], secrets: dict[str, str]) -> Any:
    from langchain_core.load import load

    refs = _secret_refs(dumped)
    secrets_map = {env: secrets[field] for field, env in refs.items() if field in secrets}
    given: dict[str, Any] = {"secrets_map": secrets_map, "valid_namespaces": [dumped["id"][0]]}
    accepted = inspect.signature(load).parameters
    if "allowed_objects" in accepted:
        given["allowed_objects"] = [cls]
    # `load` is beta on langchain-core 0.3: its warning, for modelcheck's call, is not shown
    # (observe/warned.py).
    return keep(load(dumped, **{k: v for k, v in given.items() if k in accepted}))


def _secret_refs(dumped: dict[str, Any]) -> dict[str, str]:
    """field -> env var id, for each kwarg serialized as a secret reference."""
    out = {}
    for name, value in (dumped.get("kwargs") or {}).items():
        if isinstance(value, dict) and value.get("type") == "secret" and value.get("id"):
            out[name] = str(value["id"][0])
    return out
