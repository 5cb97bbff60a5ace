"""Reference models whose event streams are broken on purpose: each fails only `event-stream`.

Their `stream`, `astream`, callbacks and outputs are right, so every other check of the catalog
passes; only what `astream_events` shows users is wrong. modelcheck's own tests run the whole
catalog on each of them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.messages.tool import ToolCall
from langchain_core.outputs import ChatGenerationChunk

from ._echo import pieces
from .echo_chat import EchoChatModel


def _text(content: Any) -> str:
    return content if isinstance(content, str) else ""


class ChatDelegatingStream(EchoChatModel):
    """Fails `event-stream`: it streams by calling an inner model without callbacks of its own.

    `_stream`/`_astream` call `EchoChatModel(...).stream(messages)`, the public Runnable method,
    with no config. Alone that is invisible, but inside a chain the inner call picks up the chain's
    callbacks from the context: its run hangs from the chain beside this model's run, and every
    chunk reaches `astream_events` consumers twice (langchain-core 0.3 and 1.x alike).

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    def _inner(self) -> EchoChatModel:
        return EchoChatModel(model=self.model_name)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for message in self._inner().stream(messages, stop=stop, **kwargs):
            chunk = ChatGenerationChunk(message=message)
            if run_manager:
                run_manager.on_llm_new_token(_text(message.content), chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        async for message in self._inner().astream(messages, stop=stop, **kwargs):
            chunk = ChatGenerationChunk(message=message)
            if run_manager:
                await run_manager.on_llm_new_token(_text(message.content), chunk=chunk)
            yield chunk


class ChatCumulativeDeltas(EchoChatModel):
    """Fails `event-stream`: its native v3 event hook sends the text so far as each delta.

    `_astream_chat_model_events` is the hook `astream_events(version="v3")` prefers to the
    `_astream` bridge. Many provider APIs send the whole text so far; this hook passes that on as a
    `text-delta`, so the deltas add up to more than the finished block. Only langchain-core
    versions with the v3 stream call the hook (on 0.3 this model passes everything).

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    async def _astream_chat_model_events(
        self,
        messages: list[BaseMessage],
        *,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[dict[str, Any]]:
        calls = self._tool_calls(messages, kwargs)
        if calls:  # its tool calls' events are well formed: only the text deltas are wrong
            for event in tool_call_events(calls):
                yield event
            return
        text = self._answer(messages, stop)
        yield {"event": "message-start", "role": "ai", "id": ""}
        yield {"event": "content-block-start", "index": 0, "content": {"type": "text", "text": ""}}
        so_far = ""
        for piece in pieces(text):
            so_far += piece
            delta = {"type": "text-delta", "text": so_far}
            yield {"event": "content-block-delta", "index": 0, "delta": delta}
        yield {"event": "content-block-finish", "index": 0, "content": {"type": "text", "text": text}}
        yield {"event": "message-finish"}


def tool_call_events(calls: list[ToolCall]) -> Iterator[dict[str, Any]]:
    """The v3 events of `calls`, well formed: each call's block starts with its id and name, its args
    JSON follows in `tool-call-delta` pieces, and it finishes as the `tool_call`."""
    yield {"event": "message-start", "role": "ai", "id": ""}
    for index, call in enumerate(calls):
        start = {"type": "tool_call_chunk", "id": call["id"], "name": call["name"], "args": ""}
        yield {"event": "content-block-start", "index": index, "content": start}
        for piece in pieces(json.dumps(call["args"], ensure_ascii=False)):
            yield {
                "event": "content-block-delta",
                "index": index,
                "delta": {"type": "tool-call-delta", "args": piece},
            }
        finish = {"type": "tool_call", "id": call["id"], "name": call["name"], "args": call["args"]}
        yield {"event": "content-block-finish", "index": index, "content": finish}
    yield {"event": "message-finish"}
