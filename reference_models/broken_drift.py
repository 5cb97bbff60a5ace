"""Models whose implementations drift apart: deterministic, but one side answers differently.

A separate async (or streaming) code path that builds its answer differently from the sync one is
a common real bug. modelcheck must fail the paths of the side that drifts, with both answers, and
never take such a model for a sampling one. Each variant names the checks it fails: every path of
the drifting side has its own check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult, GenerationChunk

from .echo_chat import EchoChatModel
from .echo_llm import EchoLLM


class ChatAsyncDrifts(EchoChatModel):
    """Fails `ainvoke` and `abatch`: `_agenerate` capitalizes the answer, `_generate` does not.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._result(self._answer(messages, stop).capitalize())


class LLMStreamDrifts(EchoLLM):
    """Fails `stream` and `astream`: `_stream`/`_astream` capitalize the answer, `_call` does not.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_llm/.
    """

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        yield from super()._stream(prompt.capitalize(), stop, run_manager, **kwargs)

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        async for chunk in super()._astream(prompt.capitalize(), stop, run_manager, **kwargs):
            yield chunk


__all__ = ["ChatAsyncDrifts", "LLMStreamDrifts"]
