"""The Runnable surface: invoke, ainvoke, batch, abatch, stream and astream, and their agreement."""

from __future__ import annotations

from modelcheck.checks.common import call_failed, expected_type, show
from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import Consensus, consensus
from modelcheck.core.records import Call, Observation, Output
from modelcheck.core.verdict import Verdict, failed, passed
from modelcheck.core.wording import article, plural

NONDETERMINISTIC = (
    "The model gave different answers to the same prompt on different paths, so it was taken as "
    "nondeterministic and only the shapes were checked."
)
DECLARED = "The target declares the model nondeterministic, so only the shapes were checked."


def _shape(kind: str, out: Output | None, what: str, streamed: bool = False) -> Verdict | None:
    want = expected_type(kind, streamed=streamed)  # type: ignore[arg-type]
    if out is None:
        return failed(f"{what} returned nothing; it should return {article(want)}.")
    if not out.expected_type:
        return failed(
            f"{what} returned {article(out.type_name)}; it should return {article(want)}. "
            f"Build the result as the guide does ({_how(kind, streamed)})."
        )
    return None


def _how(kind: str, streamed: bool) -> str:
    if kind == "llm":
        return (
            "`_call` returns the text as a str"
            if not streamed
            else "`_stream`/`_astream` yield GenerationChunk(text=...)"
        )
    if streamed:
        return "`_stream`/`_astream` yield ChatGenerationChunk(message=AIMessageChunk(content=...))"
    return "`_generate` returns ChatResult(generations=[ChatGeneration(message=AIMessage(content=...))])"


def _agrees(text: str | None, agreed: Consensus, what: str, path: str, kind: str = "llm") -> Verdict | None:
    if not agreed.deterministic or text == agreed.text:
        return None
    if path in agreed.drifting and text == agreed.drift:
        return failed(drift_message(what, agreed, kind))
    others = ", ".join(n for n in agreed.agreeing if n != path)
    return failed(
        f"{what} gave {show(text)}, but {others} all gave {show(agreed.text)} for the same prompt. "
        f"The {path} path should produce the same answer as the others; check how it builds its result."
    )


# The method behind each path, as the guides name it for text and chat models.
METHOD_OF = {ids.INVOKE: "invoke", ids.BATCH: "invoke", ids.AINVOKE: "ainvoke", ids.ABATCH: "ainvoke"}
METHOD_NAMES = {
    "llm": {"invoke": "`_call`", "ainvoke": "`_acall`", "stream": "`_stream`", "astream": "`_astream`"},
    "chat": {
        "invoke": "`_generate`",
        "ainvoke": "`_agenerate`",
        "stream": "`_stream`",
        "astream": "`_astream`",
    },
}


def _methods(paths: tuple[str, ...], kind: str) -> str:
    names = METHOD_NAMES["chat" if kind == "chat" else "llm"]
    found = dict.fromkeys(names[METHOD_OF.get(p, p)] for p in paths if METHOD_OF.get(p, p) in names)
    return "/".join(found)


def drift_message(what: str, agreed: Consensus, kind: str) -> str:
    """A path of the side that drifts: both answers, and which methods produce each."""
    drifting = _methods(agreed.drifting, kind)
    verb = "answers" if "/" not in drifting else "answer"
    return (
        f"{what} gave {show(agreed.drift)}, but {', '.join(agreed.agreeing)} all gave {show(agreed.text)} "
        f"for the same prompt. {', '.join(agreed.drifting)} agree with each other and kept their answer "
        "when asked again, as the others kept theirs: the model is deterministic, and "
        f"{drifting} {verb} differently from {_methods(agreed.agreeing, kind)}. "
        "Make both implementations build the answer the same way."
    )


def _note(agreed: Consensus) -> str:
    if agreed.declared:
        return DECLARED
    return "" if agreed.deterministic else NONDETERMINISTIC


def judge_invoke(obs: Observation) -> Verdict:
    call, messages = obs.calls.get(ids.INVOKE), obs.calls.get(ids.INVOKE_MESSAGES)
    verdict = call_failed(call, "invoke('<probe prompt>')") or call_failed(
        messages, "invoke([HumanMessage('<probe prompt>')])"
    )
    if verdict:
        return verdict
    assert call is not None and messages is not None
    verdict = _shape(obs.kind, call.output, "invoke('<probe prompt>')") or _shape(
        obs.kind, messages.output, "invoke([HumanMessage(...)])"
    )
    if verdict:
        return verdict
    agreed = consensus(obs)
    verdict = _agrees(call.output.text if call.output else None, agreed, "invoke", ids.INVOKE, obs.kind)
    if verdict is None and obs.kind == "chat" and agreed.deterministic:
        verdict = _agrees(
            messages.output.text if messages.output else None,
            agreed,
            "invoke with a list of messages",
            ids.INVOKE,
        )
    return verdict or passed(_note(agreed))


def judge_ainvoke(obs: Observation) -> Verdict:
    call = obs.calls.get(ids.AINVOKE)
    verdict = call_failed(call, "ainvoke('<probe prompt>')")
    if verdict:
        return verdict
    assert call is not None
    agreed = consensus(obs)
    return (
        _shape(obs.kind, call.output, "ainvoke")
        or _agrees(call.output.text if call.output else None, agreed, "ainvoke", ids.AINVOKE, obs.kind)
        or passed(_note(agreed))
    )


def _judge_batch(obs: Observation, name: str) -> Verdict:
    call = obs.calls.get(name)
    verdict = call_failed(call, f"{name}([prompt 1, prompt 2])")
    if verdict:
        return verdict
    assert call is not None
    if len(call.outputs) != 2:
        return failed(
            f"{name} of 2 prompts returned {plural(len(call.outputs), 'result')}; it must return "
            "one result per input, in input order."
        )
    for i, out in enumerate(call.outputs):
        verdict = _shape(obs.kind, out, f"{name} item {i}")
        if verdict:
            return verdict
    agreed = consensus(obs)
    first, second = call.outputs[0].text, call.outputs[1].text
    if agreed.deterministic and first != agreed.text_for(name) and second == agreed.text_for(name):
        return failed(
            f"{name} returned its results out of order: item 0 is the answer to prompt 2. "
            "Return one result per input, in input order."
        )
    return _agrees(first, agreed, f"{name} item 0", name, obs.kind) or passed(_note(agreed))


def judge_batch(obs: Observation) -> Verdict:
    return _judge_batch(obs, ids.BATCH)


def judge_abatch(obs: Observation) -> Verdict:
    return _judge_batch(obs, ids.ABATCH)


def _judge_stream(obs: Observation, name: str) -> Verdict:
    call = obs.calls.get(name)
    verdict = call_failed(call, f"{name}('<probe prompt>')")
    if verdict:
        return verdict
    assert call is not None
    if not call.chunks:
        return failed(f"{name} yielded no chunk; it must yield at least one.")
    for i, chunk in enumerate(call.chunks):
        verdict = _shape(obs.kind, chunk.output, f"{name} chunk {i}", streamed=True)
        if verdict:
            return verdict
    agreed = consensus(obs)
    if name in agreed.drifting and call.streamed_text == agreed.drift:
        return failed(drift_message(name, agreed, obs.kind))
    return _stream_agrees(call, agreed, name) or passed(_join(_whole_note(obs, name), _note(agreed)))


def _whole_note(obs: Observation, name: str) -> str:
    if obs.facts.streams.get(name, True):
        return ""
    value = "str" if obs.kind == "llm" else "AIMessage"
    return (
        f"{obs.facts.class_name} does not stream on {name}() (no `_stream`"
        f"{' or `_astream`' if name == 'astream' else ''}, or streaming turned off), so langchain-core "
        f"yields the whole answer as one {value}; that is the framework's, and was judged as such."
    )


def _join(*notes: str) -> str:
    return " ".join(n for n in notes if n)


def _stream_agrees(call: Call, agreed: Consensus, name: str) -> Verdict | None:
    text = call.streamed_text
    if not agreed.deterministic or text == agreed.text:
        return None
    assert agreed.text is not None
    expected = agreed.text
    hint = (
        "chunks were repeated"
        if len(text) > len(expected)
        else "chunks were lost"
        if len(text) < len(expected)
        else "the chunk texts differ"
    )
    at = first_difference(text, expected)
    size = len(text) - len(expected)
    length = f"{abs(size)} characters {'longer' if size > 0 else 'shorter'} than" if size else "as long as"
    return failed(
        f"{name} streamed {plural(len(call.chunks), 'chunk')}, together {length} the answer of the "
        f"other paths ({len(expected)} characters): they agree on the first {at} characters "
        f"({show(_tail(expected[:at]))}), then {name} has {show(text[at : at + 40])} where the others "
        f"have {show(expected[at : at + 40])}: {hint}. Each piece of the answer must be yielded "
        "exactly once, in order."
    )


def first_difference(a: str, b: str) -> int:
    """The index of the first character where `a` and `b` differ (the shorter length if one is a prefix)."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _tail(text: str, keep: int = 20) -> str:
    return text if len(text) <= keep else "…" + text[-keep:]


def judge_stream(obs: Observation) -> Verdict:
    return _judge_stream(obs, ids.STREAM)


def judge_astream(obs: Observation) -> Verdict:
    return _judge_stream(obs, ids.ASTREAM)
