"""The structured-output check's calls (checks/structured.py): `with_structured_output` per method,
schema kind and path.

Which calls (modelcheck/core/structured_plan.py): two per method, the schema kinds rotated over invoke
(include_raw=True) and stream. Each call records plain data in
`call.extra["structured"]`: what was asked (method, kind, path, the schema as
`convert_to_json_schema` gives it), each value returned or yielded (its type, whether it is the
pydantic class asked for, its data as JSON-ready values), and the `ls_structured_output_format`
each chat model start callback carried.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from modelcheck.core.events import to_plain
from modelcheck.core.records import Call, SecretSurface
from modelcheck.core.structured_plan import PLAN, SLOTS, SchemaKind
from modelcheck.observe.convert import dump, to_output
from modelcheck.observe.detection import structured_methods
from modelcheck.observe.facts import owner_of
from modelcheck.observe.probes.context import Probe, ProbeContext
from modelcheck.observe.probes.structured_schemas import EXAMPLE, SCHEMAS, Pet

PROMPT = "modelcheck structured output: describe a pet."
"""What function calling and json_schema are asked: the schema they are given says the rest. Short,
since a model that fills the fields from the prompt streams as much as it is given."""
JSON_MODE_PROMPT = (
    "modelcheck structured output: describe a pet. Answer with one JSON object such as "
    f"{EXAMPLE} (nickname is optional)."
)
"""What json_mode is asked: it is given no schema, so the prompt shows the object wanted."""


class FormatCatcher(BaseCallbackHandler):
    """Keeps what each chat model start callback carried as `ls_structured_output_format`, and the
    message each model run ended with (a stream's chunks added up), as plain `Output` records."""

    run_inline = True

    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []
        self.answers: list[Any] = []

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        generations = getattr(response, "generations", None) or [[]]
        message = getattr(generations[0][0], "message", None) if generations[0] else None
        if message is not None:
            self.answers.append(to_output(message, "chat", streamed=False))

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        given = isinstance(options, dict) and "ls_structured_output_format" in options
        fmt = to_plain(options.get("ls_structured_output_format")) if given and options else None
        params = kwargs.get("invocation_params")
        params = params if isinstance(params, dict) else {}
        self.starts.append(
            {
                "options": isinstance(options, dict),
                "given": given,
                "format": fmt,
                "tools": bool(params.get("tools")),
            }
        )


def method_kwargs(model: Any, slot: str) -> tuple[dict[str, Any] | None, str]:
    """The `method=` to pass for a slot ({} for the model's default), or None and why the model has
    no such method. core's `with_structured_output` calls tools (and ignores `method`)."""
    if slot != "fc":
        return {"method": SLOTS[slot]}, ""
    cls = type(model)
    if owner_of(cls, "with_structured_output") is None:
        return {"method": "function_calling"}, ""
    named = structured_methods(cls)
    if "function_calling" not in named:
        if named:
            return None, "its with_structured_output names its methods and function_calling is not one"
        return {}, ""
    if owner_of(cls, "bind_tools") is None:
        return None, "function_calling needs tools and its bind_tools is langchain-core's"
    return {"method": "function_calling"}, ""


def plan_record(model: Any, probe: str) -> dict[str, Any]:
    """What the probe asks for, as plain data (also what the judge compares the answer with)."""
    from langchain_core.utils.function_calling import convert_to_json_schema

    slot, path, kind = PLAN[probe]
    kwargs, _ = method_kwargs(model, slot)
    return {
        "slot": slot,
        "method": (kwargs or {}).get("method"),
        "path": path,
        "kind": kind,
        "include_raw": path == "invoke",
        "schema_name": _schema_name(kind),
        "schema": to_plain(convert_to_json_schema(SCHEMAS[kind])),
        "wso_owner": "model" if owner_of(type(model), "with_structured_output") else "core",
    }


def _schema_name(kind: SchemaKind) -> str:
    schema = SCHEMAS[kind]
    return str(schema["title"]) if isinstance(schema, dict) else schema.__name__


def plain_value(value: Any) -> dict[str, Any]:
    """A value `with_structured_output` gave, as plain data: its type, whether it is the pydantic
    class asked for, and its data."""
    record: dict[str, Any] = {
        "type": type(value).__name__,
        "pet": isinstance(value, Pet),
        "is_dict": isinstance(value, dict),
    }
    if isinstance(value, dict) and {"raw", "parsed", "parsing_error"} & set(value):
        record["keys"] = sorted(str(k) for k in value)
        raw = value.get("raw")
        record["raw"] = to_output(raw, "chat", streamed=False) if raw is not None else None
        record["parsed"] = plain_value(value["parsed"]) if "parsed" in value else None
        error = value.get("parsing_error")
        record["parsing_error"] = None if error is None else f"{type(error).__name__}: {error}"
        return record
    record["data"] = to_plain(value)
    return record


def _runnable(ctx: ProbeContext, call: Call) -> tuple[Any, dict[str, Any]] | None:
    plan = plan_record(ctx.model, call.probe)
    call.extra["structured"] = plan
    kwargs, why = method_kwargs(ctx.model, plan["slot"])
    if kwargs is None:
        call.extra["unsupported"] = f"function_calling: {why}"
        return None
    if plan["include_raw"]:
        kwargs["include_raw"] = True
    catcher = FormatCatcher()
    plan["starts"], plan["answers"] = catcher.starts, catcher.answers
    config = ctx.config(call)
    config["callbacks"] = [*config["callbacks"], catcher]
    return ctx.model.with_structured_output(SCHEMAS[plan["kind"]], **kwargs), config


def _keep(ctx: ProbeContext, call: Call, value: Any) -> None:
    call.extra["structured"].setdefault("values", []).append(plain_value(value))
    ctx.surfaces.append(SecretSurface("structured output", dump(value), call.probe))


def _prompt(call: Call) -> str:
    return JSON_MODE_PROMPT if call.extra["structured"]["slot"] == "jm" else PROMPT


def structured_invoke(ctx: ProbeContext, call: Call) -> None:
    made = _runnable(ctx, call)
    if made is not None:
        _keep(ctx, call, made[0].invoke(_prompt(call), made[1]))


def structured_stream(ctx: ProbeContext, call: Call) -> None:
    made = _runnable(ctx, call)
    if made is not None:
        call.extra["structured"]["values"] = []
        for value in made[0].stream(_prompt(call), made[1]):
            _keep(ctx, call, value)


PROBES: dict[str, Probe] = {
    name: structured_invoke if path == "invoke" else structured_stream for name, (_, path, _) in PLAN.items()
}
