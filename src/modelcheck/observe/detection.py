"""Detect a model's capabilities from its class, its profile and the calls already made.

The class shows most of them: a method the model overrides (`_stream`, `bind_tools`,
`with_structured_output`...), `is_lc_serializable()`, and langchain-core 1.x's `profile`. Usage
metadata shows only on a call, so it is read from the invoke and stream calls observation made
anyway: detection costs no model call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from modelcheck.core import probe_ids as ids
from modelcheck.core.capabilities import CAPABILITIES
from modelcheck.core.records import CapabilityState, Kind, Observation
from modelcheck.observe.facts import owner_of

ASYNC = {"chat": ("_agenerate", "_astream"), "llm": ("_acall", "_agenerate", "_astream")}
CORE_BIND_TOOLS = "its `bind_tools` is langchain-core's, which raises NotImplementedError"
CORE_WSO = "neither `with_structured_output` nor `bind_tools` is its own (core's needs `bind_tools`)"


def detect(model: Any, kind: Kind, declared: Mapping[str, bool]) -> dict[str, CapabilityState]:
    """Every capability that applies to `kind`, with what the class says of it."""
    return detect_class(type(model), kind, declared, profile_of(model))


def detect_class(
    cls: type[Any], kind: Kind, declared: Mapping[str, bool], profile: Mapping[str, Any]
) -> dict[str, CapabilityState]:
    """`detect` from the class alone (and a profile, if an instance gave one)."""
    found: dict[str, CapabilityState] = {}
    for cap in CAPABILITIES:
        if kind not in cap.kinds:
            continue
        detected, how, mechanism, missing = DETECTORS[cap.name](cls, kind, profile)
        found[cap.name] = CapabilityState(cap.name, declared.get(cap.name), detected, how, mechanism, missing)
    return found


USAGE_PATHS = (ids.INVOKE, ids.AINVOKE, ids.STREAM, ids.ASTREAM)
"""The calls whose answers show whether the model reports usage metadata."""


def observed(obs: Observation) -> None:
    """Fill in what only a call shows (usage metadata), from the calls already made."""
    state = obs.capabilities.get("usage_metadata")
    if state is None or state.detected is not None:
        return
    seen = [name for name in USAGE_PATHS if _has_usage(obs, name)]
    ran = [name for name in USAGE_PATHS if name in obs.calls]
    if not ran:
        return
    how = f"usage_metadata seen on {', '.join(seen)}" if seen else f"no usage_metadata on {', '.join(ran)}"
    obs.capabilities["usage_metadata"] = CapabilityState(
        state.name, state.declared, bool(seen), how, state.mechanism, state.missing
    )


def _has_usage(obs: Observation, name: str) -> bool:
    call = obs.calls.get(name)
    if call is None:
        return False
    outputs = [c.output for c in call.chunks] or call.outputs
    return any(o.usage is not None for o in outputs)


Detection = tuple[bool | None, str, bool | None, str]


def profile_of(model: Any) -> Mapping[str, Any]:
    try:
        profile = getattr(model, "profile", None)
    except Exception:
        return {}
    return profile if isinstance(profile, Mapping) else {}


def _own(cls: type[Any], *names: str) -> str | None:
    return next((n for n in names if owner_of(cls, n) is not None), None)


def _from_profile(profile: Mapping[str, Any], key: str, fallback: Detection) -> Detection:
    if fallback[0] or not isinstance(profile.get(key), bool):
        return fallback
    return profile[key], f"profile['{key}'] is {profile[key]}", fallback[2], fallback[3]


def _streaming(cls: type[Any], kind: Kind, profile: Mapping[str, Any]) -> Detection:
    own = _own(cls, "_stream", "stream")
    if own:
        return True, f"overrides {own}", True, ""
    return False, "no own _stream", False, "it has no `_stream` (core then sends the answer as one chunk)"


def _native_async(cls: type[Any], kind: Kind, profile: Mapping[str, Any]) -> Detection:
    own = _own(cls, *ASYNC[kind])
    if own:
        return True, f"overrides {own}", True, ""
    names = "/".join(ASYNC[kind])
    return (
        False,
        f"no own {names}",
        False,
        f"it has no `{names}` of its own (core runs the sync one in a thread)",
    )


def _bind_tools_params(cls: type[Any]) -> set[str]:
    try:
        return set(inspect.signature(cls.bind_tools).parameters)
    except (TypeError, ValueError):
        return set()


def _tool_calling(cls: type[Any], kind: Kind, profile: Mapping[str, Any]) -> Detection:
    if _own(cls, "bind_tools"):
        return True, "overrides bind_tools", True, ""
    return _from_profile(profile, "tool_calling", (False, "no own bind_tools", False, CORE_BIND_TOOLS))


def _tool_param(param: str, key: str | None) -> Callable[[type[Any], Kind, Mapping[str, Any]], Detection]:
    def detect_param(cls: type[Any], kind: Kind, profile: Mapping[str, Any]) -> Detection:
        if not _own(cls, "bind_tools"):
            base: Detection = (False, "no own bind_tools", False, CORE_BIND_TOOLS)
            return _from_profile(profile, key, base) if key else base
        params = _bind_tools_params(cls)
        if param in params:
            return True, f"bind_tools takes {param}", True, ""
        takes_any = "kwargs" in params
        base = (
            False,
            f"bind_tools has no {param} parameter",
            takes_any,
            f"its `bind_tools` takes no `{param}`",
        )
        return _from_profile(profile, key, base) if key else base

    return detect_param


def _structured_output(cls: type[Any], kind: Kind, profile: Mapping[str, Any]) -> Detection:
    own = _own(cls, "with_structured_output", "bind_tools")
    if own:
        return True, f"overrides {own}", True, ""
    return _from_profile(
        profile, "structured_output", (False, "no own with_structured_output", False, CORE_WSO)
    )


def _structured_method(name: str) -> Callable[[type[Any], Kind, Mapping[str, Any]], Detection]:
    """Whether the model's own `with_structured_output` names `method=name` in its annotation."""

    def detect_method(cls: type[Any], kind: Kind, profile: Mapping[str, Any]) -> Detection:
        if not _own(cls, "with_structured_output"):
            return False, "no own with_structured_output", False, "its `with_structured_output` is core's"
        if name in structured_methods(cls):
            return True, f"with_structured_output takes method='{name}'", True, ""
        return False, f"with_structured_output names no {name} method", None, ""

    return detect_method


def structured_methods(cls: type[Any]) -> set[str]:
    """The methods the annotation of `with_structured_output`'s `method` parameter names."""
    method = _parameter(cls.with_structured_output, "method")
    if method is None:
        return set()
    text = str(method.annotation)
    return {m for m in ("function_calling", "json_schema", "json_mode") if m in text}


def _parameter(fn: Any, name: str) -> inspect.Parameter | None:
    """A parameter of `fn`, its annotation resolved where it can be (a string under
    `from __future__ import annotations` names a Literal alias, say)."""
    for resolve in (True, False):
        try:
            return inspect.signature(fn, eval_str=resolve).parameters.get(name)
        except Exception:
            continue
    return None


def _input(key: str) -> Callable[[type[Any], Kind, Mapping[str, Any]], Detection]:
    def detect_input(cls: type[Any], kind: Kind, profile: Mapping[str, Any]) -> Detection:
        return _from_profile(profile, key, (None, "not shown by the class", None, ""))

    return detect_input


def _model_override(cls: type[Any], kind: Kind, profile: Mapping[str, Any]) -> Detection:
    return None, "not shown by the class", None, ""


def _serializable(cls: type[Any], kind: Kind, profile: Mapping[str, Any]) -> Detection:
    try:
        yes = bool(cls.is_lc_serializable())
    except Exception as exc:
        return (
            False,
            f"is_lc_serializable() raised {type(exc).__name__}",
            False,
            "`is_lc_serializable()` raises",
        )
    if yes:
        return True, "is_lc_serializable() is True", True, ""
    return (
        False,
        "is_lc_serializable() is False",
        False,
        "`is_lc_serializable()` returns False (add `@classmethod def is_lc_serializable(cls) -> bool: "
        "return True`)",
    )


# Fields whose presence says an embeddings class embeds queries otherwise than documents.
ASYMMETRIC_FIELDS = ("query_instruction", "query_prefix", "query_task_type", "query_input_type")


def _asymmetric(cls: type[Any], kind: Kind, profile: Mapping[str, Any]) -> Detection:
    fields = getattr(cls, "model_fields", {})
    found = next((name for name in ASYMMETRIC_FIELDS if name in fields), None)
    return (
        (True, f"it has a `{found}` field", None, "") if found else (None, "not shown by the class", None, "")
    )


DETECTORS: dict[str, Callable[[type[Any], Kind, Mapping[str, Any]], Detection]] = {
    "streaming": _streaming,
    "native_async": _native_async,
    "usage_metadata": lambda cls, kind, profile: (None, "", None, ""),
    "tool_calling": _tool_calling,
    "tool_choice": _tool_param("tool_choice", "tool_choice"),
    "parallel_tool_calls": _tool_param("parallel_tool_calls", None),
    "structured_output": _structured_output,
    "json_mode": _structured_method("json_mode"),
    "json_schema": _structured_method("json_schema"),
    "image_inputs": _input("image_inputs"),
    "image_urls": _input("image_url_inputs"),
    "image_tool_message": _input("image_tool_message"),
    "pdf_inputs": _input("pdf_inputs"),
    "pdf_tool_message": _input("pdf_tool_message"),
    "audio_inputs": _input("audio_inputs"),
    "model_override": _model_override,
    "serializable": _serializable,
    "asymmetric": _asymmetric,
}
