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
