"""The tool-calling checks' calls (checks/tools.py, `tools_*`): tools bound in every form, then called.

`tools_bind` binds each tool form users pass (and `tool_choice`, where the model has it) without
a model call. The calls spread the tool forms and `tool_choice` forms over the four paths, so one
call serves several checks: invoke and stream bind two functions and a BaseTool, the prompt naming
the first and `tool_choice` the middle one, so that only honouring `tool_choice` gives its call, not
a pick by position or by the prompt (prompted instead, for a model without `tool_choice`); ainvoke and
astream bind a pydantic class and a JSON-schema dict, with non-ASCII text in the prompt;
`tools_no_args` streams a call of a tool without arguments, the only tool bound: with `tool_choice`
it is forced by "any" and the prompt names no tool, so that one call shows both "any" honoured and
the empty arguments (without it, the prompt asks for the tool); `tools_parallel` (only with parallel
tool calls) asks for two tools in one turn. Each records the bound tools' JSON schemas, what
forced the call, and for a stream the chunks added up as langchain-core adds them.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.tools import BaseTool, tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, Field

from modelcheck.core import probe_ids as ids
from modelcheck.core.records import Call, SecretSurface
from modelcheck.observe.convert import to_output
from modelcheck.observe.probes.context import Probe, ProbeContext

NON_ASCII = "你好啊集团"


class _MagicInput(BaseModel):
    input: int = Field(..., description="The number to apply the magic function to.")


@tool("magic_function", args_schema=_MagicInput)
def magic_function(input: int) -> int:
    """Apply a magic function to an input."""
    return input + 2


def get_time(city: str) -> str:
    """Get the local time in a city.

    Args:
        city: The city to get the local time of.
    """
    return f"It is noon in {city}."


def get_weather(city: str) -> str:
    """Get the weather in a city.

    Args:
        city: The city to get the weather for.
    """
    return f"It is sunny in {city}."


class CreateCustomer(BaseModel):
    """Create a customer record."""

    model_config = ConfigDict(title="create_customer")
    customer_name: str = Field(description="The customer's name, exactly as written, in its own script.")
    employees: int = Field(description="How many people work for the customer.")


LOOKUP_ORDER: dict[str, Any] = {
    "title": "lookup_order",
    "description": "Look up an order by its number.",
    "type": "object",
    "properties": {"order_number": {"type": "string", "description": "The order's number."}},
    "required": ["order_number"],
}


@tool
def magic_function_no_args() -> int:
    """Calculate a magic function."""
    return 5


def _greeting_tool() -> BaseTool:
    """A Runnable turned into a tool, as langchain-tests' test_bind_runnables_as_tools binds one.
    `as_tool` is beta: its warning, raised for modelcheck's call, is not shown (observe/warned.py)."""
    chain: Runnable[Any, str] = RunnableLambda(lambda x: f"Ahoy, in the style of {x['answer_style']}!")
    return chain.as_tool(
        name="greeting_generator",
        description="Generate a greeting in a particular style of speaking.",
        arg_types={"answer_style": str},
    )


def forms() -> list[tuple[str, list[Any]]]:
    """Each tool form users pass to `bind_tools`, as the list bound."""
    return [
        ("a BaseTool (`@tool`)", [magic_function]),
        ("a plain function", [get_weather]),
        ("a pydantic class", [CreateCustomer]),
        ("a JSON-schema dict", [LOOKUP_ORDER]),
        ("a Runnable as a tool (`Runnable.as_tool`)", [_greeting_tool()]),
    ]


# What each call binds, what it sends, and what forces the call: (tools, prompt with tool_choice,
# prompt without, tool_choice). The prompt with tool_choice names another tool than the one forced,
# and a named tool_choice names neither the first tool bound nor the last.
PLANS: dict[str, tuple[list[Any], str, str, str | None]] = {
    "invoke": (
        [get_weather, magic_function, get_time],
        "Use the get_weather tool to get the weather in Paris.",
        "What is the value of magic_function(3)? Use the magic_function tool.",
        "magic_function",
    ),
    "async": (
        [CreateCustomer, LOOKUP_ORDER],
        f"Use the create_customer tool: '{NON_ASCII}' (Hello Group), 12 employees.",
        f"Use the create_customer tool: '{NON_ASCII}' (Hello Group), 12 employees.",
        "any",
    ),
    "no_args": (
        [magic_function_no_args],
        "Hello!",
        "What is the value of magic_function_no_args()? Use the magic_function_no_args tool.",
        "any",
    ),
    "parallel": (
        [get_weather, magic_function],
        "Call get_weather for Paris and magic_function for 3, both in this one turn.",
        "Call get_weather for Paris and magic_function for 3, both in this one turn.",
        "any",
    ),
}
PLAN_OF = {
    ids.TOOLS_INVOKE: "invoke",
    ids.TOOLS_STREAM: "invoke",
    ids.TOOLS_AINVOKE: "async",
    ids.TOOLS_ASTREAM: "async",
    ids.TOOLS_NO_ARGS: "no_args",
    ids.TOOLS_PARALLEL: "parallel",
}


def _bound(ctx: ProbeContext, call: Call) -> tuple[Any, str] | None:
    """The model with the call's tools bound, and the prompt; None (recorded) when binding raised."""
    tools, forced_prompt, prompted, choice = PLANS[PLAN_OF[call.probe]]
    forced = "tool_choice" in ctx.has
    kwargs: dict[str, Any] = {"tool_choice": choice} if forced and choice else {}
    if call.probe == ids.TOOLS_PARALLEL:
        kwargs["parallel_tool_calls"] = True
    call.extra["tools"] = {_name(t): _parameters(t) for t in tools}
    call.extra["tool_choice"] = kwargs.get("tool_choice")
    try:
        return ctx.model.bind_tools(tools, **kwargs), forced_prompt if forced else prompted
    except Exception as exc:
        call.extra["bind_error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        call.extra["no_call"] = True
        return None


def _name(t: Any) -> str:
    return str(convert_to_openai_tool(t)["function"]["name"])


def _parameters(t: Any) -> dict[str, Any]:
    params = convert_to_openai_tool(t)["function"].get("parameters") or {}
    return dict(params)


def tools_bind(ctx: ProbeContext, call: Call) -> None:
    """Bind each tool form, and `tool_choice` "any" and a tool's name, without a model call."""
    call.extra["no_call"] = True
    trials: list[tuple[str, list[Any], dict[str, Any]]] = [(what, tools, {}) for what, tools in forms()]
    if "tool_choice" in ctx.has:
        pair = [magic_function, get_weather]
        trials += [
            ("tool_choice='any'", pair, {"tool_choice": "any"}),
            ("tool_choice='magic_function' (a tool's name)", pair, {"tool_choice": "magic_function"}),
        ]
    call.extra["bound"] = [_bind(ctx, what, tools, kwargs) for what, tools, kwargs in trials]


def _bind(ctx: ProbeContext, what: str, tools: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    try:
        bound = ctx.model.bind_tools(tools, **kwargs)
    except Exception as exc:
        return {"form": what, "error": f"{type(exc).__name__}: {' '.join(str(exc).split())}"}
    runnable = isinstance(bound, Runnable)
    return {"form": what, "error": None, "runnable": runnable, "type": type(bound).__name__}


def _invoked(ctx: ProbeContext, call: Call) -> None:
    bound = _bound(ctx, call)
    if bound is not None:
        model, prompt = bound
        _returned(ctx, call, model.invoke(prompt, ctx.config(call)))


async def _ainvoked(ctx: ProbeContext, call: Call) -> None:
    bound = _bound(ctx, call)
    if bound is not None:
        model, prompt = bound
        _returned(ctx, call, await model.ainvoke(prompt, ctx.config(call)))


def _returned(ctx: ProbeContext, call: Call, value: Any) -> None:
    ctx.returned(call, value)
    _raw_calls(call, value)


def _raw_calls(call: Call, message: Any) -> None:
    """The keys of `additional_kwargs` that hold an API's raw tool calls (`tool_calls`,
    `function_call`): a model that leaves them there and fills no `tool_calls` is told so."""
    extra = getattr(message, "additional_kwargs", None)
    if isinstance(extra, dict):
        call.extra["raw_tool_calls"] = [k for k in ("tool_calls", "function_call") if extra.get(k)]


def _streamed(ctx: ProbeContext, call: Call) -> None:
    bound = _bound(ctx, call)
    if bound is None:
        return
    model, prompt = bound
    seen: list[Any] = []
    for chunk in model.stream(prompt, ctx.config(call)):
        seen.append(chunk)
        ctx.received(call, chunk)
    _assemble(ctx, call, seen)


async def _astreamed(ctx: ProbeContext, call: Call) -> None:
    bound = _bound(ctx, call)
    if bound is None:
        return
    model, prompt = bound
    seen: list[Any] = []
    async for chunk in model.astream(prompt, ctx.config(call)):
        seen.append(chunk)
        ctx.received(call, chunk)
    _assemble(ctx, call, seen)


def _assemble(ctx: ProbeContext, call: Call, chunks: list[Any]) -> None:
    """The chunks added up as a user adds them (`full = full + chunk`, core's merge of
    `tool_call_chunks` by index), recorded as an `Output`."""
    messages = [c for c in chunks if isinstance(c, BaseMessage)]
    if not messages or len(messages) != len(chunks):
        return
    try:
        full: Any = messages[0]
        for chunk in messages[1:]:
            full = full + chunk
    except Exception as exc:
        call.extra["assemble_error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        return
    call.extra["assembled"] = to_output(full, ctx.kind, streamed=True)
    _raw_calls(call, full)
    ctx.surfaces.append(SecretSurface("streamed chunks added up", repr(full), call.probe))


PROBES: dict[str, Probe] = {
    ids.TOOLS_BIND: tools_bind,
    ids.TOOLS_INVOKE: _invoked,
    ids.TOOLS_STREAM: _streamed,
    ids.TOOLS_NO_ARGS: _streamed,
    ids.TOOLS_AINVOKE: _ainvoked,
    ids.TOOLS_ASTREAM: _astreamed,
    ids.TOOLS_PARALLEL: _ainvoked,
}
