"""A callback handler that writes every callback of a model run as a numbered `Callback` record."""

from __future__ import annotations

import itertools
import threading
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from modelcheck.core.events import content_text
from modelcheck.core.records import Callback, SecretSurface
from modelcheck.observe.convert import dump


class Sequencer:
    """One clock for callbacks and chunk receipts, so their order can be compared."""

    def __init__(self) -> None:
        self._count = itertools.count()
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            return next(self._count)


class Recorder(BaseCallbackHandler):
    """Records callbacks in firing order; runs inline so it sees the order the model made."""

    run_inline = True

    def __init__(self, seq: Sequencer, probe: str, surfaces: list[SecretSurface]) -> None:
        self.seq = seq
        self.probe = probe
        self.surfaces = surfaces
        self.records: list[Callback] = []
        self.keep: list[Any] = []
        self.errors: list[BaseException] = []
        self.inputs: list[dict[str, Any]] = []
        """Each model run's input and call options, summarised (calls.py in the pytest wing shows them)."""

    def _add(self, event: str, run_id: UUID, parent_run_id: UUID | None, **fields: Any) -> None:
        parent = str(parent_run_id) if parent_run_id else None
        self.records.append(Callback(self.seq.next(), event, str(run_id), parent, **fields))

    def _payload(self, event: str, **parts: Any) -> None:
        for key, value in parts.items():
            if value:
                self.surfaces.append(SecretSurface(f"callback {event} {key}", dump(value), self.probe))

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self._add("start", run_id, parent_run_id)
        self._payload("on_llm_start", serialized=serialized, prompts=prompts, **_extras(kwargs))
        self.inputs.append(summarise(_clip(prompts[0]) if prompts else "", kwargs.get("invocation_params")))

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self._add("start", run_id, parent_run_id)
        self._payload("on_chat_model_start", serialized=serialized, **_extras(kwargs))
        first = messages[0] if messages else []
        self.inputs.append(summarise(_conversation(first), kwargs.get("invocation_params")))

    def on_llm_new_token(
        self,
        token: Any,
        *,
        chunk: Any = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self.keep.append(chunk)
        ref = id(getattr(chunk, "message", chunk)) if chunk is not None else None
        self._add(
            "new_token",
            run_id,
            parent_run_id,
            token=token if isinstance(token, str) else content_text(token),
            chunk_text=_chunk_text(chunk),
            chunk_ref=ref,
        )

    def on_llm_end(
        self, response: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self._add("end", run_id, parent_run_id)
        self.surfaces.append(
            SecretSurface(
                "callback on_llm_end response",
                dump(response.model_dump(warnings=False) if hasattr(response, "model_dump") else response),
                self.probe,
            )
        )

    def on_llm_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self._add("error", run_id, parent_run_id)
        self.errors.append(error)
        self.surfaces.append(SecretSurface("callback on_llm_error", repr(error), self.probe))


def _extras(kwargs: dict[str, Any]) -> dict[str, Any]:
    keys = ("invocation_params", "options", "metadata", "tags", "name")
    return {k: kwargs.get(k) for k in keys}


def _chunk_text(chunk: Any) -> str | None:
    if chunk is None:
        return None
    message = getattr(chunk, "message", None)
    if message is not None:
        return content_text(message.content)
    text = getattr(chunk, "text", None)
    return text if isinstance(text, str) else None


SHOWN = 60
"""Characters of an input kept in its summary."""
OPTIONS = ("stop", "tool_choice", "max_tokens", "temperature")


def summarise(text: str, params: Any) -> dict[str, Any]:
    """A model run's input and the call options that tell one probe's run from another's."""
    summary: dict[str, Any] = {"input": text}
    params = params if isinstance(params, dict) else {}
    for key in OPTIONS:
        value = params.get(key)
        if value is not None:
            summary[key] = value if isinstance(value, (str, int, float, list)) else str(value)
    tools = params.get("tools")
    if isinstance(tools, list) and tools:
        summary["tools"] = [_tool_name(t) for t in tools]
    return summary


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        inner = tool.get("function")
        return str((inner if isinstance(inner, dict) else tool).get("name", "?"))
    return str(getattr(tool, "name", "?"))


def _conversation(messages: list[Any]) -> str:
    """`3 messages, the last human: 'text…'`, or the one message's text."""
    if not messages:
        return ""
    last = messages[-1]
    text = _clip(_content(getattr(last, "content", "")))
    if len(messages) == 1:
        return text
    return f"{len(messages)} messages, the last {getattr(last, 'type', '?')}: {text}"


def _content(content: Any) -> str:
    """A message's text; a block that is not text is named by its type (a media block's data and
    URL are left out: they are long, and a loopback URL's port changes from run to run)."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content if isinstance(content, list) else []:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
        elif isinstance(block, dict):
            parts.append(f"<{block.get('type', '?')}>")
    return " ".join(parts)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= SHOWN else text[:SHOWN] + "…")
