"""Reference chat models broken on purpose in their tool calling: each fails exactly one check.

modelcheck's own tests run the whole catalog on each of these and expect one failure, named in the
class docstring. Each changes one method of the echo chat model's tool calling (`_tools.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import ToolCall
from langchain_core.outputs import ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool

from ._tools import ToolLike
from .echo_chat import EchoChatModel


class ChatToolArgsAsString(EchoChatModel):
    """Fails `tool-calls`: its returned tool calls carry `args` as the API's JSON text, not a dict.

    It puts the arguments string the API sends into `tool_calls` unparsed (after the message is
    built, so pydantic does not see it); an agent then calls the tool with a str.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _called(self, messages: list[BaseMessage], calls: list[ToolCall]) -> ChatResult:
        result = super()._called(messages, calls)
        message = result.generations[0].message
        assert isinstance(message, AIMessage)
        message.tool_calls = [{**c, "args": json.dumps(c["args"])} for c in message.tool_calls]  # type: ignore[typeddict-item]
        return result


class ChatToolCallNoId(EchoChatModel):
    """Fails `tool-calls`: its tool calls have no id, so no ToolMessage can answer them.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _tool_calls(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> list[ToolCall]:
        return [{**c, "id": None} for c in super()._tool_calls(messages, kwargs)]


class ChatStreamedArgsDiffer(EchoChatModel):
    """Fails `tool-calls`: its streamed `tool_call_chunks` add up to other arguments than invoke gives.

    Its streaming code builds the arguments with its own copy of the argument code, which counts
    from 1: every integer argument it streams is one more than the one invoke returns.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _tool_chunks(self, calls: list[ToolCall]) -> Iterator[AIMessageChunk]:
        shifted = [{**c, "args": {k: _plus_one(v) for k, v in c["args"].items()}} for c in calls]
        return super()._tool_chunks(shifted)  # type: ignore[arg-type]


def _plus_one(value: Any) -> Any:
    return value + 1 if isinstance(value, int) and not isinstance(value, bool) else value


class ChatIgnoresToolChoice(EchoChatModel):
    """Fails `bind-tools`: `bind_tools` takes `tool_choice` and drops it, so it never forces a call.

    It calls the tools the prompt names, as the echo does without `tool_choice`.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return super().bind_tools(tools, parallel_tool_calls=parallel_tool_calls, **kwargs)


def _by_position(tools: Sequence[ToolLike], choice: Any, index: int) -> Any:
    """A tool's name in `tool_choice` replaced by the name of the tool at `index` of those bound."""
    names = [convert_to_openai_tool(t)["function"]["name"] for t in tools]
    return names[index] if isinstance(choice, str) and choice in names else choice


class ChatPicksFirstTool(EchoChatModel):
    """Fails `bind-tools`: a tool named in `tool_choice` forces the first tool bound, not that one.

    Its API takes "force a tool" but not which one, and it sends the first bound tool as the one to
    call; `tool_choice='any'` and prompted calls work.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return super().bind_tools(tools, tool_choice=_by_position(tools, tool_choice, 0), **kwargs)


class ChatPicksLastTool(EchoChatModel):
    """Fails `bind-tools`: a tool named in `tool_choice` forces the last tool bound, not that one.

    It keeps the last tool it converted as the forced one, whatever name `tool_choice` gives.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return super().bind_tools(tools, tool_choice=_by_position(tools, tool_choice, -1), **kwargs)
