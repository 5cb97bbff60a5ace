"""Streaming callbacks: `on_llm_new_token` once per chunk, with its text, before the caller gets it.

The paths judged are the ones through which an author's mistake reaches users on the installed
langchain-core: `stream` and `astream` for text models (core hands them a run manager and fires
nothing itself), and for chat models `stream`/`astream` (where core fires the callback) plus
`_stream`/`_astream` driven with a recording run manager, as core's `stream_events(version="v3")`
drives them on cores that have it.

One defect, one failure: a path that failed as the public `stream()`/`astream()` without stop
strings also did is left to the `stream`/`astream` check, and a drive that raised only because of
its stop strings (it was made again without them, and streamed) to `stop-respected`; callbacks are
then judged on the drive without stop strings. A path that yielded no chunk has no callback to
judge: it is named as left out, never as checked.
"""

from __future__ import annotations

from modelcheck.checks.common import call_failed, show
from modelcheck.core import probe_ids as ids
from modelcheck.core.probe_ids import REDRIVES
from modelcheck.core.records import Call, Callback, Chunk, Observation
from modelcheck.core.verdict import Verdict, failed, passed, skipped

PATHS = {
    ids.STREAM: "stream()",
    ids.ASTREAM: "astream()",
    ids.DRIVE_STREAM: "_stream(run_manager=...) as core's v3 stream_events drives it",
    ids.DRIVE_ASTREAM: "_astream(run_manager=...) as core's v3 astream_events drives it",
}
FIX = (
    "In `_stream`/`_astream`, build each chunk, call `run_manager.on_llm_new_token(<chunk text>, "
    "chunk=chunk)` (awaited in `_astream`) once, then yield that chunk."
)


def _paths(obs: Observation) -> list[str]:
    """The paths observed on which the model's own streaming code ran (core yields the whole answer
    of a path the model does not stream on, and fires no token callback there)."""
    return [p for p in PATHS if p in obs.calls and obs.facts.streams.get(p, True)]


def _not_streaming(obs: Observation) -> Verdict | None:
    # A model may stream by overriding `stream`/`astream` themselves; its chunks are judged too.
    if not any(obs.facts.native.get(m) for m in ("_stream", "_astream", "stream", "astream")):
        return skipped(
            f"{obs.facts.class_name} implements neither `_stream` nor `_astream`, so stream() returns "
            "the whole answer as one chunk and there are no stream callbacks to check."
        )
    if not _paths(obs):
        return skipped(
            f"stream() and astream() of {obs.facts.class_name} yield the whole answer as one value "
            "(streaming is turned off on this instance), so there are no stream callbacks to check."
        )
    return None


# The public method that runs the same streaming code without stop strings and run manager.
PUBLIC = {
    ids.STREAM: ids.STREAM,
    ids.ASTREAM: ids.ASTREAM,
    ids.DRIVE_STREAM: ids.STREAM,
    ids.DRIVE_ASTREAM: ids.ASTREAM,
}


def _judged(obs: Observation) -> tuple[list[tuple[str, Call]], list[str]]:
    """The (path, call) pairs to judge, and why each path left out was left to another check."""
    judged: list[tuple[str, Call]] = []
    left: list[str] = []
    for path in _paths(obs):
        where, call = PATHS[path], obs.calls[path]
        again = obs.calls.get(REDRIVES.get(path, ""))
        if call.failure is not None and again is not None:
            if again.ok:
                left.append(f"{where} with stop strings (it raised; see stop-respected)")
                judged.append((f"{where}, without stop strings", again))
                continue
            call = again
        public = obs.calls.get(PUBLIC[path])
        public_fails = public is not None and public.failure is not None
        if call.failure is not None and public_fails:
            also = "" if path == PUBLIC[path] else f", as {PUBLIC[path]}() did"
            left.append(f"{where} (it failed{also}; see {PUBLIC[path]})")
            continue
        if call.failure is None and not call.chunks:
            see = f"; see {PUBLIC[path]}" if public_fails else ""
            left.append(f"{where} (it yielded no chunks, so there is no callback to judge{see})")
            continue
        judged.append((where, call))
    return judged, left


def _left_out(left: list[str]) -> str:
    return f"Not judged here: {'; '.join(left)}." if left else ""


def _nothing_judged(judged: list[tuple[str, Call]], left: list[str]) -> Verdict | None:
    if judged:
        return None
    return skipped(f"no streaming path could be judged. {_left_out(left)}")


def _pairs(call: Call) -> tuple[list[Callback], list[Chunk]]:
    return call.token_callbacks(), call.chunks


def judge_callbacks(obs: Observation) -> Verdict:
    verdict = _not_streaming(obs)
    if verdict:
        return verdict
    judged, left = _judged(obs)
    verdict = _nothing_judged(judged, left)
    if verdict:
        return verdict
    for where, call in judged:
        verdict = call_failed(call, where) or _judge_path(call, where)
        if verdict:
            return verdict
    return passed(f"checked on {', '.join(w for w, _ in judged)}. {_left_out(left)}".strip(), left)


def _judge_path(call: Call, where: str) -> Verdict | None:
    tokens, chunks = _pairs(call)
    if len(tokens) != len(chunks):
        return failed(_count_message(len(tokens), len(chunks), where))
    for i, (cb, chunk) in enumerate(zip(tokens, chunks, strict=True)):
        if cb.chunk_text is None:
            return failed(f"on {where}, on_llm_new_token for chunk {i} was called without `chunk=`. {FIX}")
        text = chunk.output.text
        if cb.token != cb.chunk_text or (text is not None and cb.token != text):
            return failed(
                f"on {where}, chunk {i} is {show(text)} but its on_llm_new_token callback carried the "
                f"token {show(cb.token)} and a chunk with text {show(cb.chunk_text)}. The token and the "
                f"`chunk=` argument must be the chunk being yielded. {FIX}"
            )
    return None


def _count_message(n_tokens: int, n_chunks: int, where: str) -> str:
    if n_tokens == 0:
        seen = "on_llm_new_token never fired"
    elif n_tokens > n_chunks:
        seen = f"on_llm_new_token fired {n_tokens} times (more than once per chunk)"
    else:
        seen = f"on_llm_new_token fired only {n_tokens} times"
    return f"on {where}, the model yielded {n_chunks} chunks but {seen}. {FIX}"


def judge_order(obs: Observation) -> Verdict:
    verdict = _not_streaming(obs)
    if verdict:
        return verdict
    paths, left = _judged(obs)
    verdict = _nothing_judged(paths, left)
    if verdict:
        return verdict
    judged = 0
    for where, call in paths:
        if call.failure is not None:  # stream-callbacks says why it failed
            left.append(f"{where} (it failed; see stream-callbacks)")
            continue
        tokens, chunks = _pairs(call)
        for i, (cb, chunk) in enumerate(zip(tokens, chunks, strict=False)):
            judged += 1
            if cb.seq > chunk.seq:
                return failed(
                    f"on {where}, chunk {i} ({show(chunk.output.text)}) reached the caller before "
                    "its on_llm_new_token callback fired: the model yields first and fires after. "
                    "Call run_manager.on_llm_new_token(...) before `yield chunk`."
                )
    if judged == 0:
        return skipped(
            "no on_llm_new_token callback fired, so their order cannot be judged (see stream-callbacks). "
            f"{_left_out(left)}".strip()
        )
    return passed(_left_out(left), left)
