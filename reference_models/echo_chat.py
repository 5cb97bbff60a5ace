"""The reference chat model: an echo `BaseChatModel` that follows the custom chat model guide."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import SecretStr

from ._echo import apply_stop, pieces


class EchoChatModel(BaseChatModel):
    """A chat model that answers with the text of the last message, cut after a stop string.

    It stands in for a service-backed model whose API is described at
    https://python.langchain.com/docs/how_to/custom_chat_model/ and passes every modelcheck check.
    """

    model_name: str = "echo-chat-1"
    """Name of the model, reported in `_identifying_params`."""

    api_key: SecretStr | None = None
    """Key for the (pretend) service; a `SecretStr`, so it never shows in logs or dumps."""

    latency_s: float = 0.0
    """Seconds to wait before each answer and each chunk, to imitate a remote service."""

    @property
    def _llm_type(self) -> str:
        return "echo-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None) -> str:
        last = messages[-1].content if messages else ""
        return apply_stop(last if isinstance(last, str) else str(last), stop)

    def _result(self, text: str) -> ChatResult:
        message = AIMessage(content=text, response_metadata={"model_name": self.model_name})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.latency_s:
            time.sleep(self.latency_s)
        return self._result(self._answer(messages, stop))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        await asyncio.sleep(self.latency_s)
        return self._result(self._answer(messages, stop))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for piece in pieces(self._answer(messages, stop)):
            if self.latency_s:
                time.sleep(self.latency_s)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for piece in pieces(self._answer(messages, stop)):
            await asyncio.sleep(self.latency_s)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                await run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
