"""Broken variants of the echo models: each fails exactly one Runnable check and passes the rest.

modelcheck's own tests point the plugin at these classes to prove that each check of the Runnable
surface (`invoke`, `ainvoke`, `batch`, `abatch`, `stream`, `astream`) catches the mistake it is
about, and that no other check of the catalog blames the model for it. Every breakage is kept to
the one path its check judges: calls with a stop string, callbacks, the event stream and the
model's own `_stream`/`_astream` still behave like the reference models.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManager, CallbackManager
from langchain_core.load import dumpd
from langchain_core.messages import AIMessage, BaseMessage, ChatMessageChunk, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, Generation, GenerationChunk, LLMResult
from langchain_core.runnables import RunnableConfig, ensure_config, get_config_list

from ._echo import apply_stop, pieces
from .echo_chat import EchoChatModel
from .echo_llm import EchoLLM

# --- invoke -------------------------------------------------------------------------------------


class LLMInvokeRejectsMessages(EchoLLM):
    """Fails `invoke`: `invoke` raises TypeError when given a list of messages instead of a string.

    No other check fails: batch, stream and the stop probes pass strings. Based on the
    echo model of https://python.langchain.com/docs/how_to/custom_llm/.
    """

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        if isinstance(input, list):
            raise TypeError("this model only takes a string prompt")
        return super().invoke(input, config, **kwargs)


class ChatInvokeRejectsMessages(EchoChatModel):
    """Fails `invoke`: `invoke` raises TypeError when given a list of messages instead of a string.

    No other check fails: `batch` calls `invoke` with the string prompts, and the stop
    probes pass strings. Based on https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AIMessage:
        if isinstance(input, list):
            raise TypeError("this model only takes a string prompt")
        return super().invoke(input, config, **kwargs)


# --- ainvoke ------------------------------------------------------------------------------------


class LLMAinvokeReturnsGeneration(EchoLLM):
    """Fails `ainvoke`: `ainvoke` returns the `Generation` object instead of its text (a str).

    No other check fails: the text is right, so the stop checks (which read it) pass,
    and `abatch` of a text model does not go through `ainvoke`. Based on
    https://python.langchain.com/docs/how_to/custom_llm/.
    """

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return Generation(text=await super().ainvoke(input, config, **kwargs))


class ChatAinvokeReturnsHumanMessage(EchoChatModel):
    """Fails `ainvoke`: `ainvoke` answers with a `HumanMessage` instead of an `AIMessage` (same text).

    No other check fails. `abatch` is overridden to use the correct path, since the
    Runnable default would call the broken `ainvoke`. Based on
    https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        answer = await super().ainvoke(input, config, **kwargs)
        return HumanMessage(content=answer.content)

    async def abatch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        right = super().ainvoke
        configs = get_config_list(config, len(inputs))
        return [await right(i, c, **kwargs) for i, c in zip(inputs, configs, strict=True)]


# --- batch / abatch -----------------------------------------------------------------------------


class LLMBatchOutOfOrder(EchoLLM):
    """Fails `batch`: `batch` returns its results in reverse input order.

    No other check fails. Based on https://python.langchain.com/docs/how_to/custom_llm/.
    """

    def batch(self, inputs: list[Any], config: Any = None, **kwargs: Any) -> list[str]:
        return list(reversed(super().batch(inputs, config, **kwargs)))


class ChatBatchOutOfOrder(EchoChatModel):
    """Fails `batch`: `batch` returns its results in reverse input order.

    No other check fails. Based on https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    def batch(self, inputs: list[Any], config: Any = None, **kwargs: Any) -> list[Any]:
        return list(reversed(super().batch(inputs, config, **kwargs)))


class LLMAbatchDropsLast(EchoLLM):
    """Fails `abatch`: `abatch` loses the result of the last input.

    No other check fails. Based on https://python.langchain.com/docs/how_to/custom_llm/.
    """

    async def abatch(self, inputs: list[Any], config: Any = None, **kwargs: Any) -> list[str]:
        return (await super().abatch(inputs, config, **kwargs))[:-1]


class ChatAbatchDropsLast(EchoChatModel):
    """Fails `abatch`: `abatch` loses the result of the last input.

    No other check fails. Based on https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    async def abatch(self, inputs: list[Any], config: Any = None, **kwargs: Any) -> list[Any]:
        return (await super().abatch(inputs, config, **kwargs))[:-1]


# --- stream / astream ---------------------------------------------------------------------------
# The public stream methods below are written by hand, as some provider packages do, and yield the
# wrong chunk type. They still fire `on_llm_new_token` with the very chunk they yield, before
# yielding it, and honour `stop`, so only the type is wrong.


def _managers(model: Any, config: RunnableConfig | None) -> tuple[dict[str, Any], dict[str, Any]]:
    cfg = ensure_config(config)
    configure = {
        "inheritable_callbacks": cfg.get("callbacks"),
        "local_callbacks": model.callbacks,
        "verbose": model.verbose,
        "inheritable_tags": cfg.get("tags"),
        "local_tags": model.tags,
        "inheritable_metadata": cfg.get("metadata"),
        "local_metadata": model.metadata,
    }
    start = {
        "invocation_params": {"model_name": model.model_name, "_type": model._llm_type},
        "name": cfg.get("run_name"),
        "run_id": cfg.pop("run_id", None),
        "batch_size": 1,
    }
    return configure, start


def _chat_chunk(piece: str) -> ChatGenerationChunk:
    return ChatGenerationChunk(message=ChatMessageChunk(role="assistant", content=piece))


def _chat_end(text: str) -> LLMResult:
    return LLMResult(generations=[[ChatGeneration(message=AIMessage(content=text))]])


def _llm_end(text: str) -> LLMResult:
    return LLMResult(generations=[[Generation(text=text)]])


class LLMStreamYieldsGenerationChunks(EchoLLM):
    """Fails `stream`: `stream` yields `GenerationChunk` objects, not str (same text, right callbacks).

    No other check fails. Based on https://python.langchain.com/docs/how_to/custom_llm/.
    """

    def stream(
        self, input: Any, config: RunnableConfig | None = None, *, stop: list[str] | None = None, **kw: Any
    ) -> Iterator[Any]:
        configure, start = _managers(self, config)
        prompt = self._convert_input(input).to_string()
        manager = CallbackManager.configure(**configure)
        (run,) = manager.on_llm_start(dumpd(self), [prompt], options={"stop": stop}, **start)
        text = apply_stop(prompt, stop)
        for piece in pieces(text):
            chunk = GenerationChunk(text=piece)
            run.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        run.on_llm_end(_llm_end(text))


class ChatStreamYieldsChatMessageChunks(EchoChatModel):
    """Fails `stream`: `stream` yields `ChatMessageChunk(role="assistant")` instead of `AIMessageChunk`.

    The text and the callbacks are right; only the chunk type is wrong. No other check fails. Based on https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    def stream(
        self, input: Any, config: RunnableConfig | None = None, *, stop: list[str] | None = None, **kw: Any
    ) -> Iterator[Any]:
        configure, start = _managers(self, config)
        messages: list[BaseMessage] = self._convert_input(input).to_messages()
        manager = CallbackManager.configure(**configure)
        (run,) = manager.on_chat_model_start(dumpd(self), [messages], options={"stop": stop}, **start)
        text = self._answer(messages, stop)
        for piece in pieces(text):
            chunk = _chat_chunk(piece)
            run.on_llm_new_token(piece, chunk=chunk)
            yield chunk.message
        run.on_llm_end(_chat_end(text))


class LLMAstreamYieldsGenerationChunks(EchoLLM):
    """Fails `astream`: `astream` yields `GenerationChunk` objects, not str (same text, right callbacks).

    No other check fails. Based on https://python.langchain.com/docs/how_to/custom_llm/.
    """

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, *, stop: list[str] | None = None, **kw: Any
    ) -> AsyncIterator[Any]:
        configure, start = _managers(self, config)
        prompt = self._convert_input(input).to_string()
        manager = AsyncCallbackManager.configure(**configure)
        (run,) = await manager.on_llm_start(dumpd(self), [prompt], options={"stop": stop}, **start)
        text = apply_stop(prompt, stop)
        for piece in pieces(text):
            chunk = GenerationChunk(text=piece)
            await run.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        await run.on_llm_end(_llm_end(text))


class ChatAstreamYieldsChatMessageChunks(EchoChatModel):
    """Fails `astream`: `astream` yields `ChatMessageChunk(role="assistant")` instead of `AIMessageChunk`.

    The text and the callbacks are right; only the chunk type is wrong. No other check fails. Based on https://python.langchain.com/docs/how_to/custom_chat_model/.
    """

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, *, stop: list[str] | None = None, **kw: Any
    ) -> AsyncIterator[Any]:
        configure, start = _managers(self, config)
        messages: list[BaseMessage] = self._convert_input(input).to_messages()
        manager = AsyncCallbackManager.configure(**configure)
        (run,) = await manager.on_chat_model_start(dumpd(self), [messages], options={"stop": stop}, **start)
        text = self._answer(messages, stop)
        for piece in pieces(text):
            chunk = _chat_chunk(piece)
            await run.on_llm_new_token(piece, chunk=chunk)
            yield chunk.message
        await run.on_llm_end(_chat_end(text))


BROKEN = {
    "invoke": ("LLMInvokeRejectsMessages", "ChatInvokeRejectsMessages"),
    "ainvoke": ("LLMAinvokeReturnsGeneration", "ChatAinvokeReturnsHumanMessage"),
    "batch": ("LLMBatchOutOfOrder", "ChatBatchOutOfOrder"),
    "abatch": ("LLMAbatchDropsLast", "ChatAbatchDropsLast"),
    "stream": ("LLMStreamYieldsGenerationChunks", "ChatStreamYieldsChatMessageChunks"),
    "astream": ("LLMAstreamYieldsGenerationChunks", "ChatAstreamYieldsChatMessageChunks"),
}
"""Check id -> the names of the variants (text, chat) in this module that fail only that check."""


class ChatAstreamYieldsNothing(EchoChatModel):
    """Fails `astream`: `_astream` asks its API for a whole answer (`"stream": False` left in the
    request), finds no server-sent event in it and yields nothing, so core's astream raises.

    Every check that needs astream's call fails with it as a consequence of `astream` (the event
    stream, native-async-stream); the rest pass. Based on langchain-community's ChatDeepInfra
    (https://python.langchain.com/docs/integrations/chat/deepinfra/).
    """

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for _ in ():
            yield _chat_chunk("")
