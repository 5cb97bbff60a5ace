"""The reference text model: an echo `LLM` that follows every item of the custom LLM guide."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.llms import LLM
from langchain_core.outputs import GenerationChunk
from pydantic import SecretStr

from ._echo import apply_stop, pieces


class EchoLLM(LLM):
    """A text model that answers with its prompt, cut after the first stop string.

    It stands in for a service-backed model whose API is described at
    https://python.langchain.com/docs/how_to/custom_llm/ and passes every modelcheck check.
    """

    model_name: str = "echo-1"
    """Name of the model, reported in `_identifying_params`."""

    api_key: SecretStr | None = None
    """Key for the (pretend) service; a `SecretStr`, so it never shows in logs or dumps."""

    latency_s: float = 0.0
    """Seconds to wait before each answer and each chunk, to imitate a remote service."""

    @property
    def _llm_type(self) -> str:
        return "echo-llm"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        if self.latency_s:
            time.sleep(self.latency_s)
        return apply_stop(prompt, stop)

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        await asyncio.sleep(self.latency_s)
        return apply_stop(prompt, stop)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for piece in pieces(apply_stop(prompt, stop)):
            if self.latency_s:
                time.sleep(self.latency_s)
            chunk = GenerationChunk(text=piece)
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        for piece in pieces(apply_stop(prompt, stop)):
            await asyncio.sleep(self.latency_s)
            chunk = GenerationChunk(text=piece)
            if run_manager:
                await run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
