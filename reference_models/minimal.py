"""The smallest correct custom models: a chat model with only `_generate`, a text model with only `_call`.

They are what the guides' first examples build, and correct: they do not stream (langchain-core's
`stream()` then yields the whole answer as one value) and have no native async (core runs them in
a thread pool). modelcheck must pass every check that applies to them and skip the rest with the
reason; the one failure is `native-async`, whose rule is that `ainvoke` does not fall back to a
thread pool.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.llms import LLM
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from reference_models._echo import apply_stop


class MinimalChatModel(BaseChatModel):
    """A chat model that echoes the last message, cut after a stop string; only `_generate`."""

    model_name: str = "minimal-chat-1"
    """Name of the model, reported in `_identifying_params`."""

    @property
    def _llm_type(self) -> str:
        return "minimal-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        last = messages[-1].content if messages else ""
        text = apply_stop(last if isinstance(last, str) else str(last), stop)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


class MinimalLLM(LLM):
    """A text model that echoes its prompt, cut after a stop string; only `_call`."""

    model_name: str = "minimal-1"
    """Name of the model, reported in `_identifying_params`."""

    @property
    def _llm_type(self) -> str:
        return "minimal-llm"

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
        return apply_stop(prompt, stop)
