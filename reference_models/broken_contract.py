"""Reference models broken on purpose against the wider contract: each fails exactly one check.

The checklist variants are in broken_checklist.py; these break what LangChain's standard tests also
look at (capabilities, conversations, usage, standard params, serialization). modelcheck's own
tests run the whole catalog on each and expect one failure, named in the class docstring.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.utils import from_env
from pydantic import Field, SecretStr

from ._echo import cut_words, pieces, usage, words
from .echo_chat import EchoChatModel


class ChatClaimsTools(EchoChatModel):
    """Fails `capabilities`: its `profile` claims tool calling, but `bind_tools` is langchain-core's.

    langchain-core 1.x reads `profile` to tell agents what a model can do; a claim the model does
    not honour makes them bind tools to it and fail at run time.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    profile: dict[str, Any] | None = Field(default_factory=lambda: {"tool_calling": True}, exclude=True)
    """What the model can do, as langchain-core 1.x's model profiles describe it."""

    bind_tools = BaseChatModel.bind_tools  # type: ignore[assignment]


class ChatUsageOnEveryChunk(EchoChatModel):
    """Fails `usage-metadata`: every streamed chunk carries the input tokens, so a stream counts the
    prompt once per chunk (LangChain adds chunks' usage up).

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _chunks(self, messages: list[BaseMessage], stop: list[str] | None) -> Iterator[AIMessageChunk]:
        text = self._reply(messages, stop)
        prompt = sum(words(m.content) for m in messages)
        parts = list(pieces(text))
        for i, chunk in enumerate(super()._chunks(messages, stop)):
            output = words(text) if i == len(parts) - 1 else 0
            yield chunk.model_copy(update={"usage_metadata": usage(prompt, output)})


class ChatUsageTotalsOff(EchoChatModel):
    """Fails `usage-metadata`: its total_tokens is one more than input_tokens + output_tokens.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _usage(self, messages: list[BaseMessage], text: str) -> UsageMetadata:
        counts = super()._usage(messages, text)
        return cast(UsageMetadata, {**counts, "total_tokens": counts["total_tokens"] + 1})


class ChatNoLsModelName(EchoChatModel):
    """Fails `ls-params`: its `_get_ls_params` names the provider but not the model, so traces
    cannot tell which model answered.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params.pop("ls_model_name", None)
        return params


class ChatIgnoresCtorStop(EchoChatModel):
    """Fails `standard-params`: it takes `stop=` in the constructor but applies only a per-call stop.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _reply(self, messages: list[BaseMessage], stop: list[str] | None) -> str:
        return cut_words(self._answer(messages, stop), self.max_tokens)


class ChatIgnoresMaxTokens(EchoChatModel):
    """Fails `max-tokens`: it takes `max_tokens=` in the constructor but never cuts the answer (nor
    the usage it reports) to it.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _reply(self, messages: list[BaseMessage], stop: list[str] | None) -> str:
        return self._answer(messages, stop or self.stop)


class ChatKeyAsValue(EchoChatModel):
    """Fails `serialization`: to have `load` rebuild the client, it adds the key's value to
    `lc_attributes` under `key`, a name `lc_secrets` does not cover, so `dumpd` writes the key.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    @property
    def lc_attributes(self) -> dict[str, Any]:
        return {"key": self.api_key.get_secret_value() if self.api_key else None}


class ChatRaisesOnTwoSystems(EchoChatModel):
    """Fails `message-history`: its API call takes one system message, and two make it raise.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None) -> str:
        if sum(1 for m in messages if m.type == "system") > 1:
            raise ValueError("only one system message is allowed")
        return super()._answer(messages, stop)


# The body an OpenAI-like API answers a refused role with (HTTP 400).
REFUSED_ROLE = (
    '{"error": {"message": "Invalid value: \'developer\'. Supported values are: \'system\', '
    '\'assistant\', \'user\'.", "type": "invalid_request_error", "param": "messages[1].role", '
    '"code": "invalid_value"}}'
)


class ChatReturnsErrorBody(EchoChatModel):
    """Fails `message-history`: it sends a second system message with a role its API refuses, and
    returns the API's HTTP error body as the answer instead of raising.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None) -> str:
        if sum(1 for m in messages if m.type == "system") > 1:
            return REFUSED_ROLE
        return super()._answer(messages, stop)


class ChatEnvKeyPlain(EchoChatModel):
    """Fails `init-from-env`: its key's default uses `from_env`, not `secret_from_env`, so a key
    read from ECHO_API_KEY is a plain str (pydantic does not validate defaults).

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    api_key: SecretStr | None = Field(default_factory=from_env("ECHO_API_KEY", default=None))  # type: ignore[assignment]
    """Key for the (pretend) service, read from ECHO_API_KEY when not given."""
