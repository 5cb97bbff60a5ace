"""Sampling reference models: models that pass every check although each call answers anew.

`SamplingChatModel` and `SamplingLLM` are the echo models with one change: instead of the prompt
they answer a fresh random run of words on every call (`_sampling.py`), cut after the first stop
string and at most `max_tokens` words, as a provider's model sampled at a temperature above 0 does.
Tool calls, tool results, structured output and media are answered as the echo answers them.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage
from pydantic import Field, PrivateAttr

from ._echo import apply_stop, cut_words
from ._sampling import Draws, sampled
from .echo_chat import EchoChatModel
from .echo_llm import EchoLLM


class SamplingChatModel(EchoChatModel):
    """A chat model whose every answer is a new random run of words, cut after a stop string.

    It stands in for a provider's chat model sampled at a temperature above 0, whose API is
    described at https://python.langchain.com/docs/how_to/custom_chat_model/, and passes every
    modelcheck check: the checks that compare answers judge it as nondeterministic.
    """

    model_name: str = Field(default="sampling-chat-1", alias="model")
    """Name of the model, reported in `_identifying_params`; `model=` sets it too."""

    temperature: float | None = 0.7
    """Sampling temperature; any value gives a new answer on every call."""

    seed: int | None = None
    """Seed of the answers: the n-th call of an instance draws from `Random(f"{seed}:{n}")`; None
    draws from the system's entropy."""

    _draws: Draws = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        super().model_post_init(context)
        self._draws = Draws(self.seed)

    @property
    def _llm_type(self) -> str:
        return "sampling-chat"

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None) -> str:
        self._read_media(messages)
        answer = self._tool_answer(messages)
        return apply_stop(sampled(self._draws.rng()) if answer is None else answer, stop)


class SamplingLLM(EchoLLM):
    """A text model whose every answer is a new random run of words, cut after a stop string.

    It stands in for a provider's completion model sampled at a temperature above 0, whose API is
    described at https://python.langchain.com/docs/how_to/custom_llm/, and passes every modelcheck
    check: the checks that compare answers judge it as nondeterministic.
    """

    model_name: str = Field(default="sampling-1", alias="model")
    """Name of the model, reported in `_identifying_params`; `model=` sets it too."""

    temperature: float | None = 0.7
    """Sampling temperature; any value gives a new answer on every call."""

    seed: int | None = None
    """Seed of the answers: the n-th call of an instance draws from `Random(f"{seed}:{n}")`; None
    draws from the system's entropy."""

    _draws: Draws = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        super().model_post_init(context)
        self._draws = Draws(self.seed)

    @property
    def _llm_type(self) -> str:
        return "sampling"

    def _answer(self, prompt: str, stop: list[str] | None) -> str:
        return cut_words(apply_stop(sampled(self._draws.rng()), stop or self.stop), self.max_tokens)
