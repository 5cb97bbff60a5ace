"""Message history: a chat model answers a whole conversation, not only a single human message.

One call sends everything users send (two system messages, a named human message, two human/ai
pairs in a row, then the last human message). Only when it raises does observation send each part
alone, so that the message can say which one the model cannot take.
"""

from __future__ import annotations

from modelcheck.checks.common import answers, error_body, show
from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import consensus
from modelcheck.core.probe_ids import HISTORY_LAST, PROMPT
from modelcheck.core.records import Failure, Observation
from modelcheck.core.verdict import Verdict, failed, passed, skipped

PARTS = {
    ids.HISTORY_TURNS: "a multi-turn history (human, ai, human)",
    ids.HISTORY_SYSTEMS: "two system messages, then two human/ai pairs in a row",
    ids.HISTORY_NAMED: "a HumanMessage with a name=",
}
WHOLE = "a conversation with two system messages, a named human message and two human/ai pairs"
FIX = (
    "Turn every message of the list into the API's format (system messages may be merged into one, "
    "`name` passed on or dropped), not only the last one."
)


def judge_history(obs: Observation) -> Verdict:
    call = obs.calls.get(ids.HISTORY)
    if call is None:
        return skipped("the conversation was not sent.")  # pragma: no cover - chat models always send it
    if not answers(call) and not all(answers(obs.calls.get(p)) for p in (ids.INVOKE, ids.INVOKE_MESSAGES)):
        return skipped(
            "invoke fails on a single message too, so a conversation cannot be judged (see invoke)."
        )
    if call.failure is not None and call.failure.kind == "timeout":  # its parts are not sent
        return failed(f"given {WHOLE}, invoke {_raised(call.failure)}. Make sure the model answers it.")
    if call.failure is not None:
        return failed(_which(obs, _raised(call.failure)))
    out = call.output
    if out is None or not out.expected_type:
        got = out.type_name if out else "nothing"
        return failed(f"given {WHOLE}, invoke returned {got}, not an AIMessage. {FIX}")
    refused = _error_answer(obs, out.text)
    if refused is not None:
        return refused
    agreed = consensus(obs)
    if agreed.text is not None and _echoes(agreed.text) and out.text != HISTORY_LAST:
        return failed(
            f"the model answers a single message with its text (an echo), but given {WHOLE} it answered "
            f"{show(out.text)}, not the last human message {HISTORY_LAST!r}: it does not answer the last "
            "message of the conversation. Take the last message as the one to answer."
        )
    return passed("checked a conversation of 7 messages")


def _error_answer(obs: Observation, text: str | None) -> Verdict | None:
    """The conversation answered with the service's error body, where a single message is answered."""
    error = error_body(text)
    if error is None:
        return None
    single = next((c for p in (ids.INVOKE_MESSAGES, ids.INVOKE) if answers(c := obs.calls.get(p))), None)
    if single is not None and single.output is not None and error_body(single.output.text) is not None:
        return skipped(
            "the answer to a single message is an error body from the service too "
            f"({show(error_body(single.output.text))}), so a conversation cannot be judged (see invoke)."
        )
    return failed(
        f"given {WHOLE}, the answer is an error body from the service: {show(error)}, where a single "
        "message is answered: the service refused the conversation the model sent. "
        f"{FIX} And raise on an error response (the provider SDK's exception, or "
        "`response.raise_for_status()`) instead of returning its body as the answer."
    )


def _echoes(text: str) -> bool:
    return text == PROMPT


def _which(obs: Observation, raised: str) -> str:
    parts = [(label, obs.calls.get(probe)) for probe, label in PARTS.items()]
    failing = [(label, c) for label, c in parts if c is not None and c.failure is not None]
    if failing:
        alone = "; ".join(f"{label} {_raised(c.failure)}" for label, c in failing if c.failure)
        return f"given {WHOLE}, invoke {raised}. Sent alone, {alone}. {FIX}"
    return f"given {WHOLE}, invoke {raised}; each part alone was answered. {FIX}"


def _raised(failure: Failure) -> str:
    if failure.kind == "timeout":
        return failure.message
    where = f" in {failure.where}" if failure.where else ""
    return f"raised{where} {failure.describe()}"
