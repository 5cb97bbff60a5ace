"""Reference models broken on purpose in the second half of tool calling: each fails exactly one check.

They break what an agent does after the model calls a tool (send the result back, take the answer)
and what a streaming UI reads while the call streams. modelcheck's own tests run the whole catalog
on each and expect one failure, named in the class docstring.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.messages.tool import ToolCall, tool_call_chunk
from langchain_core.outputs import ChatResult

from ._echo import pieces
from .echo_chat import EchoChatModel

ROLES = {"human": "user", "ai": "assistant", "system": "system"}


class ChatNoToolRole(EchoChatModel):
    """Fails `tool-round-trip`: it turns messages into its (pretend) API's roles and knows no tool
    role, so every history holding a ToolMessage (what an agent sends after each tool call) raises.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _api_messages(self, messages: list[BaseMessage]) -> list[dict[str, Any]]:
        converted = []
        for message in messages:
            if message.type not in ROLES:
                raise ValueError(f"Unsupported message type: {type(message).__name__}")
            converted.append({"role": ROLES[message.type], "content": message.content})
        return converted

    def _respond(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> ChatResult:
        self._api_messages(messages)
        return super()._respond(messages, stop, kwargs)

    def _streamed(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> Iterator[AIMessageChunk]:
        self._api_messages(messages)
        yield from super()._streamed(messages, stop, kwargs)


class ChatCallsToolsAgain(EchoChatModel):
    """Fails `tool-round-trip`: it decides its tool calls from the first human message of the
    conversation, not from the last message, so it answers a tool's result by calling a tool again:
    an agent loop with it never ends.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _tool_calls(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> list[ToolCall]:
        first = next((m for m in messages if isinstance(m, HumanMessage)), None)
        return super()._tool_calls([first] if first is not None else messages, kwargs)


class ChatToolIdLast(EchoChatModel):
    """Fails `tool-events`: its streamed `tool_call_chunks` carry each call's id on the last chunk
    of the call instead of the first. The chunks still add up to the right call, but a stream
    consumer (and langchain-core's v3 protocol, whose content-block-start carries the id) cannot
    tell which call a chunk belongs to until the call has ended.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _tool_chunks(self, calls: list[ToolCall]) -> Iterator[AIMessageChunk]:
        for index, call in enumerate(calls):
            parts = list(pieces(json.dumps(call["args"], ensure_ascii=False)))
            for i, piece in enumerate(parts):
                chunk = tool_call_chunk(
                    name=call["name"] if i == 0 else None,
                    args=piece,
                    id=call["id"] if i == len(parts) - 1 else None,
                    index=index,
                )
                yield AIMessageChunk(content="", tool_call_chunks=[chunk])
