"""Usage metadata: token counts that are ints and add up, counted once in a stream, and a model name.

Read from the invoke and stream calls already made (no call of its own): on invoke and ainvoke the
message's `usage_metadata`, on every streaming path the chunks' (what `AIMessageChunk` addition
gives users: each field summed), and `response_metadata["model_name"]`.
"""

from __future__ import annotations

from typing import Any

from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import consensus
from modelcheck.core.records import Call, Observation, Output
from modelcheck.core.verdict import Verdict, failed, passed, skipped

RETURNED = (ids.INVOKE, ids.AINVOKE)
STREAMED = {
    ids.STREAM: "stream",
    ids.ASTREAM: "astream",
    ids.DRIVE_STREAM: "_stream (as core's v3 stream_events drives it)",
    ids.DRIVE_ASTREAM: "_astream (as core's v3 astream_events drives it)",
}
COUNTS = ("input_tokens", "output_tokens", "total_tokens")
DETAILS = {"input_token_details": "input_tokens", "output_token_details": "output_tokens"}
FIX = (
    "Set `usage_metadata={'input_tokens': i, 'output_tokens': o, 'total_tokens': i + o}` on the AIMessage; "
    "in a stream, put the input tokens (and the model name) on one chunk only, since chunks are added up."
)


def judge_usage(obs: Observation) -> Verdict:
    problems: list[str] = []
    judged: list[str] = []
    reference: dict[str, Any] | None = None
    agreed = consensus(obs)
    for probe in RETURNED:
        call = obs.calls.get(probe)
        if call is None or not call.ok or call.output is None or not call.output.expected_type:
            continue  # a failure or a wrong type is the path's own check's
        if agreed.text is not None and call.output.text != agreed.text:
            continue  # a path that answers differently is that path's check's, its usage with it
        judged.append(probe)
        found = _returned(probe, call.output)
        problems += found
        if probe == ids.INVOKE and not found and call.output.usage is not None:
            reference = call.output.usage
    deterministic = agreed.deterministic
    for probe, path in STREAMED.items():
        call = obs.calls.get(probe)
        if call is None or not call.ok or not call.chunks:
            continue
        if not all(c.output.expected_type for c in call.chunks):
            continue  # the wrong type is the stream check's
        if probe in (ids.STREAM, ids.ASTREAM) and deterministic and call.streamed_text != agreed.text:
            continue  # chunks lost or repeated: the stream check's, and the usage went with them
        judged.append(path)
        compare = reference if deterministic and probe in (ids.STREAM, ids.ASTREAM) else None
        problems += _streamed(path, call, compare)
    if not judged:
        return skipped("no invoke or stream call completed, so there is no usage to read (see those checks).")
    if problems:
        return failed(f"{'; '.join(problems)}. {FIX}")
    return passed(f"checked on {', '.join(judged)}")


def _returned(probe: str, out: Output) -> list[str]:
    if out.usage is None:
        return [f"{probe} returned an AIMessage without usage_metadata"]
    problems = _counts(probe, out.usage)
    if not isinstance(out.model_name, str) or not out.model_name:
        problems.append(
            f"{probe}'s response_metadata['model_name'] is {out.model_name!r}, not the model's name"
        )
    return problems


def _streamed(path: str, call: Call, reference: dict[str, Any] | None) -> list[str]:
    outputs = [c.output for c in call.chunks]
    usages = [o.usage for o in outputs if o.usage is not None]
    problems = []
    if not usages:
        problems.append(f"on {path} no chunk carried usage_metadata")
    else:
        inputs = [i for i, u in enumerate(usages) if u.get("input_tokens")]
        if len(inputs) > 1:
            problems.append(
                f"on {path} {len(inputs)} chunks carry input_tokens, so the streamed message counts the "
                f"prompt {len(inputs)} times"
            )
        total = aggregate(usages)
        problems += _counts(f"on {path} the chunks' usage (added up)", total)
        if reference is not None and not problems and _key(total) != _key(reference):
            problems.append(
                f"on {path} the chunks' usage adds up to {_key(total)} (input, output, total) but invoke "
                f"reports {_key(reference)} for the same prompt"
            )
    if path not in ("stream", "astream"):
        return problems  # core adds generation_info to response_metadata on its own paths only
    names = [o.model_name for o in outputs if o.model_name]
    if not names:
        problems.append(f"on {path} no chunk carried response_metadata['model_name']")
    elif len(names) > 1:
        joined = "".join(str(n) for n in names)
        problems.append(
            f"on {path} response_metadata['model_name'] is set on {len(names)} chunks, so the streamed "
            f"message's is {joined[:60]!r}"
        )
    return problems


def aggregate(usages: list[dict[str, Any]]) -> dict[str, Any]:
    """What adding the chunks gives: each count and each token detail summed."""
    total: dict[str, Any] = {}
    for usage in usages:
        for key, value in usage.items():
            if isinstance(value, dict):
                inner = total.setdefault(key, {})
                for k, v in value.items():
                    inner[k] = _add(inner.get(k, 0), v)
            else:
                total[key] = _add(total.get(key, 0), value)
    return total


def _add(a: Any, b: Any) -> Any:
    return a + b if _is_int(a) and _is_int(b) else b


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _key(usage: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(usage.get(k) for k in COUNTS)


def _counts(where: str, usage: dict[str, Any]) -> list[str]:
    wrong = [f"{k} is {usage.get(k)!r}" for k in COUNTS if not _is_int(usage.get(k))]
    if wrong:
        return [f"{where}: {', '.join(wrong)}; each must be an int"]
    i, o, t = (usage[k] for k in COUNTS)
    problems = []
    if t != i + o:
        problems.append(
            f"{where}: total_tokens is {t}, not input_tokens + output_tokens ({i} + {o} = {i + o})"
        )
    for details, of in DETAILS.items():
        table = usage.get(details)
        if not isinstance(table, dict) or not table:
            continue
        bad = {k: v for k, v in table.items() if not _is_int(v)}
        if bad:
            problems.append(f"{where}: {details} holds values that are not ints ({bad})")
        elif sum(table.values()) > usage[of]:
            problems.append(
                f"{where}: {details} adds up to {sum(table.values())}, more than {of} ({usage[of]})"
            )
    return problems
