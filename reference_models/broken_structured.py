"""Reference chat models broken on purpose in their structured output: each fails exactly one check.

modelcheck's own tests run the whole catalog on each and expect one failure, named in the class
docstring. langchain-tests never calls `include_raw=True`, and its `test_structured_output` never
asserts the value it gets (it computes `validation_function(result)` and drops the result): a
missing key fails there only when core's pydantic parser raises on it, and only when
`structured_output_kwargs` selects the broken method.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableLambda

from ._structured import Method
from .echo_chat import EchoChatModel


class ChatStructuredMissingKey(EchoChatModel):
    """Fails `structured-output`: with method="json_schema" it sends the provider the schema less its
    last required property, so the answer lacks that key (a TypedDict or dict comes back without it,
    a pydantic class does not parse).

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _structured_text(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str | None:
        fmt = kwargs.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            schema = fmt["json_schema"]["schema"]
            trimmed = {**schema, "required": list(schema.get("required", []))[:-1]}
            inner = {**fmt["json_schema"], "schema": trimmed}
            kwargs = {**kwargs, "response_format": {**fmt, "json_schema": inner}}
        return super()._structured_text(messages, kwargs)


class ChatRawWithoutParsingError(EchoChatModel):
    """Fails `structured-output`: with include_raw=True its dict has `raw` and `parsed` but no
    `parsing_error`, so a caller cannot tell a failed parse from a missing answer.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        method: Method = "function_calling",
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        made = super().with_structured_output(schema, method=method, include_raw=include_raw, **kwargs)
        if not include_raw:
            return made
        return made | RunnableLambda(_without_parsing_error)


def _without_parsing_error(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k != "parsing_error"}
