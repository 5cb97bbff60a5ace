"""Structured output for the reference chat model: `with_structured_output` with every method.

The rule (stated in `EchoChatModel`'s docstring too), for pydantic classes, TypedDicts and
JSON-schema dicts alike: `method="function_calling"` (the default) is langchain-core's own
`with_structured_output`: `bind_tools([schema], tool_choice="any")` and core's tool parsers, so the
echo calls the schema's tool with arguments filled by `_fill.py`. `method="json_schema"` binds an
OpenAI-style `response_format` of type json_schema, and the answer's text is the JSON object
`_fill.py` makes from the schema. `method="json_mode"` binds `response_format={"type":
"json_object"}`, and the answer's text is the first JSON object written in the last human message
(`{}` when there is none). The last two parse the text with `PydanticOutputParser` (a pydantic
class) or `JsonOutputParser` (a dict). Every method binds `ls_structured_output_format`, and
`include_raw=True` gives `{"raw", "parsed", "parsing_error"}` as core builds it.
"""

from __future__ import annotations

import json
from operator import itemgetter
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema
from langchain_core.utils.pydantic import is_basemodel_subclass

from ._fill import fill

Method = Literal["function_calling", "json_schema", "json_mode"]


class StructuredOutputEcho(BaseChatModel):
    """The structured-output half of the echo chat model (see this module's docstring for the rule)."""

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        method: Method = "function_calling",
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """A runnable that answers in `schema` (a pydantic class, a TypedDict or a JSON-schema dict)
        by `method`; with `include_raw=True`, a dict of the raw message, the parsed value and the
        parsing error."""
        if kwargs:
            raise ValueError(f"with_structured_output got unsupported arguments: {sorted(kwargs)}")
        if method == "function_calling":
            return super().with_structured_output(schema, include_raw=include_raw)
        if method not in ("json_schema", "json_mode"):
            raise ValueError(
                f"method={method!r} is not one of 'function_calling', 'json_schema', 'json_mode'."
            )
        llm = self.bind(
            response_format=response_format(schema, method),
            ls_structured_output_format={"kwargs": {"method": method}, "schema": schema},
        )
        pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
        parser = PydanticOutputParser(pydantic_object=schema) if pydantic else JsonOutputParser()  # type: ignore[arg-type]
        if not include_raw:
            return llm | parser
        parsed = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
        none = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | parsed.with_fallbacks([none], exception_key="parsing_error")

    def _structured_text(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str | None:
        """The JSON text this call answers with when a `response_format` is bound, else None."""
        fmt = kwargs.get("response_format")
        if not isinstance(fmt, dict):
            return None
        text = last_human_text(messages)
        if fmt.get("type") == "json_object":
            return json.dumps(first_json_object(text), ensure_ascii=False)
        return json.dumps(fill(fmt["json_schema"]["schema"], text), ensure_ascii=False)


def response_format(schema: dict[str, Any] | type, method: Method) -> dict[str, Any]:
    """The OpenAI-style `response_format` for `method`: json_schema with the schema, or json_object."""
    if method == "json_mode":
        return {"type": "json_object"}
    converted = convert_to_json_schema(schema)
    name = converted.get("title", "schema")
    return {"type": "json_schema", "json_schema": {"name": name, "schema": converted}}


def last_human_text(messages: list[BaseMessage]) -> str:
    last = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
    if last is None:
        return ""
    content = last.content
    return (
        content
        if isinstance(content, str)
        else "".join(
            b if isinstance(b, str) else str(b.get("text", "")) for b in content if isinstance(b, (str, dict))
        )
    )


def first_json_object(text: str) -> dict[str, Any]:
    """The first JSON object written in `text`, or {} when there is none."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return {}
