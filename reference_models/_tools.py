"""Tool calling for the reference chat model: `bind_tools`, tool calls, and answers to tool results.

The rule (stated in `EchoChatModel`'s docstring too): with tools bound, the echo calls tools
instead of echoing when `tool_choice` forces it or the last human message names a bound tool.
`tool_choice` naming a tool calls that tool (it wins over the prompt); `"any"`, `"required"` or
`True` call the bound tools the last human message names, else the first bound tool; no
`tool_choice` (or `"auto"`) calls the bound tools the last human message names, in the order they
appear there, and echoes when it names none; `"none"` echoes. `parallel_tool_calls=False` keeps only
the first call. Arguments are filled from each tool's JSON schema by `_fill.fill` with the last
human message's text; ids are `call_<n>_<hash of name and args>`. Streaming yields
`tool_call_chunks`: name and id on the first chunk of each call, the args JSON in 8-character
pieces, `index` per call. When the last message is a `ToolMessage`, the answer is the text
`"<tool name> returned: <content as text>"` (`"<tool name> failed: ..."` for `status="error"`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.messages.tool import ToolCall, tool_call, tool_call_chunk
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from ._echo import pieces
from ._fill import fill

ToolLike = dict[str, Any] | type | Callable[..., Any] | BaseTool
FORCE = "any"
NO_TOOLS = "none"


class ToolCallingEcho(BaseChatModel):
    """The tool-calling half of the echo chat model (see this module's docstring for the rule)."""

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind `tools` (BaseTools, functions, pydantic classes or JSON-schema dicts), converted to
        OpenAI's tool format; `tool_choice` is a bound tool's name, "any"/"required"/True, "auto"
        or "none" (or OpenAI's and Anthropic's dict forms of these)."""
        formatted = [convert_to_openai_tool(t) for t in tools]
        choice = normalize_choice(tool_choice, [t["function"]["name"] for t in formatted])
        if choice is not None:
            kwargs["tool_choice"] = choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return self.bind(tools=formatted, **kwargs)

    def _tool_calls(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> list[ToolCall]:
        """The tool calls this call answers with (none: it answers in text)."""
        tools = [t["function"] for t in kwargs.get("tools") or []]
        if not tools or (messages and isinstance(messages[-1], ToolMessage)):
            return []
        text = human_text(messages)
        chosen = chosen_tools([t["name"] for t in tools], kwargs.get("tool_choice"), text)
        if kwargs.get("parallel_tool_calls") is False:
            chosen = chosen[:1]
        schemas = {t["name"]: t.get("parameters") or {} for t in tools}
        return [make_call(n, name, fill(schemas[name], text)) for n, name in enumerate(chosen)]

    def _tool_answer(self, messages: list[BaseMessage]) -> str | None:
        """The text answer to a tool's result (the last message a ToolMessage), else None."""
        if not messages or not isinstance(messages[-1], ToolMessage):
            return None
        result = messages[-1]
        verb = "failed" if result.status == "error" else "returned"
        return f"{tool_name(messages, result)} {verb}: {content_text(result.content)}"

    def _tool_chunks(self, calls: list[ToolCall]) -> Iterator[AIMessageChunk]:
        """`calls` as streamed chunks: name and id first, then the args JSON in pieces."""
        for index, call in enumerate(calls):
            for i, piece in enumerate(pieces(json.dumps(call["args"], ensure_ascii=False))):
                first = i == 0
                chunk = tool_call_chunk(
                    name=call["name"] if first else None,
                    args=piece,
                    id=call["id"] if first else None,
                    index=index,
                )
                yield AIMessageChunk(content="", tool_call_chunks=[chunk])


def normalize_choice(choice: str | bool | dict[str, Any] | None, names: list[str]) -> str | None:
    """`tool_choice` as a bound tool's name, "any", "none", or None (the model decides)."""
    if isinstance(choice, dict):
        function = choice.get("function")
        inner: dict[str, Any] = function if isinstance(function, dict) else choice
        kind = choice.get("type")
        choice = inner.get("name") or {"any": FORCE, "required": FORCE, "auto": None, "none": NO_TOOLS}.get(
            str(kind)
        )
    if choice is None or choice == "auto":
        return None
    if choice is True or choice in ("any", "required"):
        return FORCE
    if choice is False or choice == "none":
        return NO_TOOLS
    if isinstance(choice, str) and choice in names:
        return choice
    raise ValueError(
        f"tool_choice={choice!r} is neither a bound tool's name ({', '.join(names) or 'no tools bound'}) "
        "nor one of 'any', 'required', 'auto', 'none'."
    )


def chosen_tools(names: list[str], choice: str | None, text: str) -> list[str]:
    """The tools called: the forced one, or those the prompt names (in its order), per the rule."""
    if choice == NO_TOOLS:
        return []
    if choice is not None and choice != FORCE:
        return [choice]
    named = sorted((pos, name) for name in names if (pos := _position(name, text)) is not None)
    called = [name for _, name in named]
    return called or ([names[0]] if choice == FORCE else [])


def _position(name: str, text: str) -> int | None:
    found = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)
    return found.start() if found else None


def make_call(n: int, name: str, args: dict[str, Any]) -> ToolCall:
    digest = hashlib.sha1(f"{name}:{json.dumps(args, sort_keys=True)}".encode()).hexdigest()[:8]
    return tool_call(name=name, args=args, id=f"call_{n}_{digest}")


def human_text(messages: list[BaseMessage]) -> str:
    last = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
    return content_text(last.content) if last is not None else ""


def content_text(content: str | list[Any]) -> str:
    """A message's content as text: its text blocks joined, any other block as JSON."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
        else:
            parts.append(json.dumps(block, ensure_ascii=False, default=repr))
    return "".join(parts)


def tool_name(messages: list[BaseMessage], result: ToolMessage) -> str:
    """The name of the tool whose result `result` is: its own, else that of the call it answers."""
    if result.name:
        return result.name
    for message in reversed(messages):
        for call in getattr(message, "tool_calls", None) or []:
            if call.get("id") == result.tool_call_id:
                return str(call["name"])
    return "the tool"
