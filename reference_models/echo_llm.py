"""The reference text model: an echo `LLM` that follows every item of the custom LLM guide.

Beyond the guide it takes the standard init params, reads its key from `ECHO_API_KEY`, and
serializes with `dumpd`/`load`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.llms import LLM
from langchain_core.outputs import GenerationChunk
from langchain_core.utils import secret_from_env
from pydantic import ConfigDict, Field, SecretStr

from ._echo import apply_stop, cut_words, pieces


class EchoLLM(LLM):
    """A text model that answers with its prompt, cut after the first stop string.

    It stands in for a service-backed model whose API is described at
    https://python.langchain.com/docs/how_to/custom_llm/ and passes every modelcheck check.
    """

    model_config = ConfigDict(populate_by_name=True)

    model_name: str = Field(default="echo-1", alias="model")
    """Name of the model, reported in `_identifying_params`; `model=` sets it too."""

    api_key: SecretStr | None = Field(default_factory=secret_from_env("ECHO_API_KEY", default=None))
    """Key for the (pretend) service, read from ECHO_API_KEY when not given; a `SecretStr`."""

    base_url: str | None = None
    """Where the (pretend) service is; unused by the echo."""

    temperature: float | None = None
    """Sampling temperature; the echo answers the same whatever it is."""

    max_tokens: int | None = None
    """Most tokens (words, for the echo) an answer may have."""

    timeout: float | None = None
    """Seconds a request to the (pretend) service may take."""

    max_retries: int = 2
    """How often a failed request would be retried."""

    stop: list[str] | None = None
    """Stop strings used when a call gives none."""

    latency_s: float = 0.0
    """Seconds to wait before each answer and each chunk, to imitate a remote service."""

    @property
    def _llm_type(self) -> str:
        return "echo-llm"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "ECHO_API_KEY"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "echo"
        return params

    def _answer(self, prompt: str, stop: list[str] | None) -> str:
        """The answer under the model's settings: the constructor's stop when the call gives none,
        at most `max_tokens` words."""
        return cut_words(apply_stop(prompt, stop or self.stop), self.max_tokens)

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        if self.latency_s:
            time.sleep(self.latency_s)
        return self._answer(prompt, stop)

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        await asyncio.sleep(self.latency_s)
        return self._answer(prompt, stop)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for piece in pieces(self._answer(prompt, stop)):
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
        for piece in pieces(self._answer(prompt, stop)):
            await asyncio.sleep(self.latency_s)
            chunk = GenerationChunk(text=piece)
            if run_manager:
                await run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
