"""Records built by hand, for the unit tests of the pure judges: calls, chunks, observations."""

from __future__ import annotations

from typing import Any

from modelcheck.core.records import (
    Call,
    Callback,
    Chunk,
    Facts,
    Failure,
    FieldInfo,
    Kind,
    Observation,
    Output,
)
from modelcheck.core.settings import DEFAULT_SECRET_PATTERN

PROMPT = "modelcheck probe: the quick brown fox"
CONSENSUS_PROBES = ("invoke", "ainvoke", "batch", "abatch", "stream", "astream")
STREAMING = {"_stream": "m.Model", "_astream": "m.Model"}


def answered(probe: str, text: str | None, kind: Kind = "chat") -> Call:
    """A call that returned `text` (or streamed it as one chunk, for streaming probes)."""
    if probe in ("stream", "astream", "stop_stream", "stop_astream"):
        return streamed(probe, [text or ""], kind=kind)
    return Call(probe, outputs=[Output("AIMessage" if kind == "chat" else "str", text, True)])


def raised(probe: str, type_name: str = "ValueError", message: str = "boom") -> Call:
    return Call(probe, failure=Failure("raised", type_name, message))


def streamed(
    probe: str,
    pieces: list[str],
    *,
    fire: str = "before",
    tokens: list[str] | None = None,
    with_chunk: bool = True,
    kind: Kind = "chat",
) -> Call:
    """A streaming call: each piece a chunk, its callback fired `before`/`after` it, `twice` or `never`."""
    call, seq = Call(probe), iter(range(1000))
    type_name = "AIMessageChunk" if kind == "chat" else "str"
    for i, piece in enumerate(pieces):
        token = tokens[i] if tokens else piece
        callback = {"token": token, "chunk_text": token if with_chunk else None}
        if fire in ("before", "twice"):
            call.callbacks.append(Callback(next(seq), "new_token", "run", **callback))
        if fire == "twice":
            call.callbacks.append(Callback(next(seq), "new_token", "run", **callback))
        call.chunks.append(Chunk(next(seq), Output(type_name, piece, True)))
        if fire == "after":
            call.callbacks.append(Callback(next(seq), "new_token", "run", **callback))
    return call


def field(name: str, annotation: str = "str", *, documented: bool = True, owner: str = "Model") -> FieldInfo:
    return FieldInfo(
        name=name,
        alias=None,
        annotation=annotation,
        is_secret_type="SecretStr" in annotation,
        is_str_type="str" in annotation.replace("SecretStr", ""),
        documented=documented,
        owner=owner,
    )


def observation(*calls: Call, kind: Kind = "chat", **extra: Any) -> Observation:
    """An observation of `calls`; `extra` sets Facts fields (by name) or Observation fields."""
    facts = Facts("Model", "m", docstring=extra.pop("docstring", ""), native=extra.pop("native", {}))
    for name in ("fields", "identifying_params", "identifying_params_error", "model_name", "docs_error"):
        if name in extra:
            setattr(facts, name, extra.pop(name))
    settings = {"stop_policy": "include", "secret_pattern": DEFAULT_SECRET_PATTERN, "timeout": 30.0}
    settings.update(extra.pop("settings", {}))
    obs = Observation("m:Model", kind, facts, settings=settings, **extra)
    obs.calls = {c.probe: c for c in calls}
    return obs


def agreeing(text: str) -> list[Call]:
    """The six consensus paths all answering `text`: a deterministic model."""
    return [answered(p, text) for p in CONSENSUS_PROBES]


def disagreeing() -> list[Call]:
    return [answered(p, f"{PROMPT} {i}") for i, p in enumerate(CONSENSUS_PROBES)]
