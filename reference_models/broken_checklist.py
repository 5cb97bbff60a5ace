"""Reference models broken on purpose: each fails exactly one check of the contribution checklist.

modelcheck's own tests run the whole catalog on each of these and expect one failure, named in the
class docstring. They are small on purpose: each changes one method of a reference echo model.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.llms import LLM, BaseLLM
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult, GenerationChunk
from pydantic import Field, SecretStr

from ._echo import cut_words
from .echo_chat import EchoChatModel
from .echo_llm import EchoLLM


class ChatSilentStream(EchoChatModel):
    """Fails `stream-callbacks`: `_stream`/`_astream` never call `on_llm_new_token`.

    On langchain-core 1.x this reaches users of `stream_events(version="v3")`, which hands the run
    manager to `_stream` and fires no token callback itself. (Core 0.3 never hands chat models a
    run manager while streaming, so there this model passes.)

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for message in self._streamed(messages, stop, kwargs):
            yield ChatGenerationChunk(message=message)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for message in self._streamed(messages, stop, kwargs):
            yield ChatGenerationChunk(message=message)


class LLMCallbackAfterYield(EchoLLM):
    """Fails `stream-callback-order`: yields each chunk first and fires its callback after.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_llm/.
    """

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for chunk in super()._stream(prompt, stop, None, **kwargs):
            yield chunk
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        async for chunk in super()._astream(prompt, stop, None, **kwargs):
            yield chunk
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)


class ChatIgnoresStop(EchoChatModel):
    """Fails `stop-respected`: answers the whole prompt whatever `stop` says.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None) -> str:
        return super()._answer(messages, None)


class LLMIgnoresStop(EchoLLM):
    """Fails `stop-respected`: answers the whole prompt whatever `stop` says.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_llm/.
    """

    def _call(
        self, prompt: str, stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> str:
        return super()._call(prompt, None)

    async def _acall(
        self, prompt: str, stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> str:
        return await super()._acall(prompt, None)

    def _stream(
        self, prompt: str, stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[GenerationChunk]:
        return super()._stream(prompt, None, run_manager)

    def _astream(
        self, prompt: str, stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> AsyncIterator[GenerationChunk]:
        return super()._astream(prompt, None, run_manager)


def _cut_before(text: str, stop: list[str] | None) -> str:
    starts = [text.find(s) for s in stop or [] if s and s in text]
    return text[: min(starts)] if starts else text


class ChatExcludesStop(EchoChatModel):
    """Fails `stop-included`: cuts the answer before the stop string, as many provider APIs do.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None) -> str:
        return _cut_before(super()._answer(messages, None), stop)


class LLMExcludesStop(LLMIgnoresStop):
    """Fails `stop-included`: cuts the answer before the stop string, as many provider APIs do.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_llm/.
    """

    def _call(
        self, prompt: str, stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> str:
        return cut_words(_cut_before(prompt, stop or self.stop), self.max_tokens)

    async def _acall(
        self, prompt: str, stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> str:
        return cut_words(_cut_before(prompt, stop or self.stop), self.max_tokens)

    def _stream(
        self, prompt: str, stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[GenerationChunk]:
        return EchoLLM._stream(self, _cut_before(prompt, stop or self.stop), None, run_manager)

    def _astream(
        self, prompt: str, stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> AsyncIterator[GenerationChunk]:
        return EchoLLM._astream(self, _cut_before(prompt, stop or self.stop), None, run_manager)


class ChatPlainStrKey(EchoChatModel):
    """Fails `secret-fields`: its key is a plain `str` (hidden from repr and dumps, but not a SecretStr).

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    api_key: str | None = Field(default=None, repr=False, exclude=True)  # type: ignore[assignment]
    """Key for the (pretend) service, wrongly a plain string."""

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "ECHO_API_KEY"}


class LLMKeyInParams(EchoLLM):
    """Fails `secret-masking`: copies its key's value into `_identifying_params`.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_llm/.
    """

    @property
    def _identifying_params(self) -> dict[str, Any]:
        key = self.api_key.get_secret_value() if self.api_key else None
        return {"model_name": self.model_name, "api_key": key}


class ChatNoModelName(EchoChatModel):
    """Fails `identifying-params`: `_identifying_params` names the model under 'model', not 'model_name'.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model_name}


class ChatThreadPoolAsync(EchoChatModel):
    """Fails `native-async`: `_agenerate` only hands `_generate` to a thread pool.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = functools.partial(self._generate, messages, stop, None, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(None, call)


class LLMBlockingAsync(EchoLLM):
    """Fails `native-async`: `_acall` is a coroutine that blocks the event loop with `time.sleep`.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_llm/.
    """

    async def _acall(
        self, prompt: str, stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> str:
        time.sleep(0.3)
        return await super()._acall(prompt, stop)


class ChatBlockingAstream(EchoChatModel):
    """Fails `native-async-stream`: `_astream` blocks the event loop with `time.sleep` per chunk.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            time.sleep(0.05)
            yield chunk


class LLMNoAstream(EchoLLM):
    """Fails `native-async-stream`: has `_stream` but not `_astream`, so astream uses a thread pool.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_llm/.
    """

    _astream = BaseLLM._astream  # core's fallback: `_stream` in a thread pool, chunk by chunk


class ChatUndocumented(EchoChatModel):
    """Fails `docs`: declares a field with no docstring and no description.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    temperature: float = 0.0


class LLMNoApiLink(LLM):
    """Fails `docs`: has an API key, so it is service-backed, but no docstring names where its API is."""

    model_name: str = "echo-1"
    """Name of the model, reported in `_identifying_params`."""

    api_key: SecretStr | None = None
    """Key for the (pretend) service."""

    stop: list[str] | None = None
    """Stop strings used when a call gives none."""

    max_tokens: int | None = None
    """Most tokens (words) an answer may have."""

    latency_s: float = 0.0
    """Seconds to wait before each answer and each chunk."""

    @property
    def _llm_type(self) -> str:
        return "echo-llm-no-link"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    _answer = EchoLLM._answer
    _call = EchoLLM._call
    _acall = EchoLLM._acall
    _stream = EchoLLM._stream
    _astream = EchoLLM._astream


def _request(prompt: str, *, stop: list[str] | None = None) -> str:
    """Stands for a provider client's create call: it takes stop strings as `stop`."""
    return prompt


class ChatStreamStopKeyword(EchoChatModel):
    """Fails `stop-respected`: `_stream`/`_astream` pass stop strings to the client under a keyword
    it does not take, so streaming with stop strings raises (only that: without them it streams).

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        _request("", **({"stop_sequences": stop} if stop else {}))
        yield from super()._stream(messages, stop, run_manager, **kwargs)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        _request("", **({"stop_sequences": stop} if stop else {}))
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            yield chunk


class LLMAliasedKeyInParams(EchoLLM):
    """Fails `secret-masking`: its second key, the field `token`, is given as `service_key=` (its
    alias), and its value is copied into `_identifying_params`.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_llm/.
    """

    token: SecretStr | None = Field(default=None, alias="service_key")
    """Key for the (pretend) second service; users pass it as `service_key=`."""

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "ECHO_API_KEY", "token": "ECHO_SERVICE_KEY"}

    @property
    def _identifying_params(self) -> dict[str, Any]:
        token = self.token.get_secret_value() if self.token else None
        return {"model_name": self.model_name, "service": token}
