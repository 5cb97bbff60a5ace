"""The reference chat model: an echo `BaseChatModel` that follows the custom chat model guide.

Beyond the guide it honours the wider contract LangChain's standard tests hold models to: token
usage (counted in words), the standard init params, a key read from `ECHO_API_KEY`,
serialization with `dumpd`/`load`, tool calling (`_tools.py`) and structured output
(`_structured.py`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import ToolCall
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils import secret_from_env
from pydantic import ConfigDict, Field, SecretStr

from ._echo import apply_stop, cut_words, pieces, usage, words
from ._media import MediaInputs, media_profile
from ._structured import StructuredOutputEcho
from ._tools import ToolCallingEcho


class EchoChatModel(MediaInputs, StructuredOutputEcho, ToolCallingEcho):
    """A chat model that answers with the text of the last message, cut after a stop string.

    It stands in for a service-backed model whose API is described at
    https://python.langchain.com/docs/how_to/custom_chat_model/ and passes every modelcheck check.

    Tools: with tools bound (`bind_tools` takes BaseTools, functions, pydantic classes and JSON
    schema dicts, `tool_choice` and `parallel_tool_calls`), it calls tools instead of echoing when
    `tool_choice` forces it or the last human message names a bound tool. `tool_choice` naming a
    tool calls that tool (it wins over the prompt); "any"/"required"/True call the bound tools the
    last human message names, else the first bound tool; no `tool_choice` calls the bound tools the
    last human message names, in the order they appear there (none named: it echoes).
    `parallel_tool_calls=False` keeps only the first. Arguments are filled from the tool's JSON
    schema (`_fill.py`) with the last human message's text: a string is that text, an integer its
    word count, a number that as a float, a boolean true, an enum its first value, an array one
    item, an object its required properties. Ids are `call_<n>_<hash of name and args>`. Streaming
    yields `tool_call_chunks` (name and id on the first chunk of each call, the args JSON in
    8-character pieces, `index` per call). When the last message is a `ToolMessage`, it answers the
    text `"<tool name> returned: <content as text>"` (`"<tool name> failed: ..."` for
    `status="error"`).

    Media (`_media.py`): a content list is answered block by block, text as it is and each image,
    PDF or audio block (every standard form: v1, the 0.3 `source_type` one, the OpenAI-style one)
    as a marker of its MIME type and size, `[image/png, 82 bytes]`; an unknown block type raises
    ValueError. Its `profile` says it takes images (also by URL and in tool messages), PDFs and audio.

    Structured output: `with_structured_output(schema, method=..., include_raw=...)` takes pydantic
    classes, TypedDicts and JSON-schema dicts. `method="function_calling"` (the default) is
    langchain-core's: the schema bound as a forced tool, so the echo calls it with arguments filled
    by the rule above, and core's tool parsers. `method="json_schema"` answers the text of the JSON
    object that rule fills from the schema; `method="json_mode"` answers the first JSON object
    written in the last human message (`{}` when there is none). Both bind an OpenAI-style
    `response_format` and `ls_structured_output_format`, and parse with `PydanticOutputParser` (a
    pydantic class) or `JsonOutputParser`.
    """

    model_config = ConfigDict(populate_by_name=True)

    model_name: str = Field(default="echo-chat-1", alias="model")
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

    profile: dict[str, Any] | None = Field(default_factory=media_profile, exclude=True)  # type: ignore[assignment]
    """What the model can do, as langchain-core 1.x's model profiles describe it (media inputs)."""

    @property
    def _llm_type(self) -> str:
        return "echo-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "ECHO_API_KEY"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None) -> str:
        self._read_media(messages)
        answer = self._tool_answer(messages)
        if answer is not None:
            return apply_stop(answer, stop)
        last = messages[-1].content if messages else ""
        return apply_stop(self._content_text(last), stop)

    def _reply(self, messages: list[BaseMessage], stop: list[str] | None) -> str:
        """The answer under the model's settings: the constructor's stop when the call gives none,
        at most `max_tokens` words."""
        return cut_words(self._answer(messages, stop or self.stop), self.max_tokens)

    def _usage(self, messages: list[BaseMessage], text: str) -> UsageMetadata:
        return usage(sum(words(m.content) for m in messages), words(text))

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "echo"
        return params

    def _result(self, text: str) -> ChatResult:
        message = AIMessage(content=text, response_metadata={"model_name": self.model_name})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _counted(self, messages: list[BaseMessage], text: str) -> ChatResult:
        """The result for `text`, its message carrying the usage of this call."""
        result = self._result(text)
        for generation in result.generations:
            message = generation.message
            if isinstance(message, AIMessage) and message.usage_metadata is None:
                message.usage_metadata = self._usage(messages, text)
                message.response_metadata.setdefault("model_name", self.model_name)
        return result

    def _respond(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> ChatResult:
        """The answer of this call: its tool calls when it calls tools, else the echo."""
        calls = self._tool_calls(messages, kwargs)
        if calls:
            return self._called(messages, calls)
        structured = self._structured_text(messages, kwargs)
        return self._counted(messages, self._reply(messages, stop) if structured is None else structured)

    def _called(self, messages: list[BaseMessage], calls: list[ToolCall]) -> ChatResult:
        """The answer that calls `calls`, with the usage of this call (the args JSON in words)."""
        message = AIMessage(
            content="",
            tool_calls=calls,
            response_metadata={"model_name": self.model_name},
            usage_metadata=self._usage(messages, _args_text(calls)),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _streamed(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> Iterator[AIMessageChunk]:
        """The chunks of this call: its tool calls' chunks when it calls tools, else the answer's."""
        calls = self._tool_calls(messages, kwargs)
        structured = None if calls else self._structured_text(messages, kwargs)
        if structured is not None:
            yield from self._text_chunks(messages, structured)
            return
        if not calls:
            yield from self._chunks(messages, stop)
            return
        parts = list(self._tool_chunks(calls))
        counted = self._usage(messages, _args_text(calls))
        for i, part in enumerate(parts):
            first, last = i == 0, i == len(parts) - 1
            meta = {"model_name": self.model_name} if first else {}
            update = {"response_metadata": meta, "usage_metadata": counted if last else None}
            yield part.model_copy(update=update)

    def _chunks(self, messages: list[BaseMessage], stop: list[str] | None) -> Iterator[AIMessageChunk]:
        """The answer in pieces: the model name on the first, the usage (once) on the last."""
        yield from self._text_chunks(messages, self._reply(messages, stop))

    def _text_chunks(self, messages: list[BaseMessage], text: str) -> Iterator[AIMessageChunk]:
        parts = list(pieces(text))
        for i, piece in enumerate(parts):
            yield AIMessageChunk(
                content=piece,
                response_metadata={"model_name": self.model_name} if i == 0 else {},
                usage_metadata=self._usage(messages, text) if i == len(parts) - 1 else None,
            )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.latency_s:
            time.sleep(self.latency_s)
        return self._respond(messages, stop, kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        await asyncio.sleep(self.latency_s)
        return self._respond(messages, stop, kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for message in self._streamed(messages, stop, kwargs):
            if self.latency_s:
                time.sleep(self.latency_s)
            chunk = ChatGenerationChunk(message=message)
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for message in self._streamed(messages, stop, kwargs):
            await asyncio.sleep(self.latency_s)
            chunk = ChatGenerationChunk(message=message)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def _args_text(calls: list[ToolCall]) -> str:
    """What a tool-calling answer counts as its output: its calls' arguments as JSON."""
    return " ".join(json.dumps(c["args"], ensure_ascii=False) for c in calls)
