"""Capabilities on records built by hand: the `capabilities` judge, the gate, and the table."""

from __future__ import annotations

import pytest
from support.synthetic import observation

from modelcheck.core.capabilities import gate, judge_capabilities, plain, rows
from modelcheck.core.records import CapabilityState
from modelcheck.report.summary import capability_lines


def caps(*states: CapabilityState) -> dict[str, CapabilityState]:
    return {s.name: s for s in states}


NO_TOOLS = CapabilityState(
    "tool_calling", None, False, "no own bind_tools", False, "its `bind_tools` is langchain-core's"
)
SERIAL = CapabilityState("serializable", None, True, "is_lc_serializable() is True", True)


# --- pure functions on records -----------------------------------------------------------------


def test_nothing_claimed_is_a_skip_that_lists_what_was_detected() -> None:
    verdict = judge_capabilities(observation(capabilities=caps(NO_TOOLS, SERIAL)))
    assert verdict.outcome == "skipped"
    assert "(detected: serializable;" in verdict.message


def test_a_declared_capability_without_its_mechanism_fails() -> None:
    declared = CapabilityState(**{**vars(NO_TOOLS), "declared": True})
    obs = observation(capabilities=caps(declared, SERIAL), settings={"capabilities": {"tool_calling": True}})
    verdict = judge_capabilities(obs)
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        "tool_calling is declared in [tool.modelcheck] but its `bind_tools` is langchain-core's. "
        "Implement it, or declare it false (capabilities = {tool_calling = false})"
    )
    # The checks that need it skip, pointing at this one: one defect, one failure.
    skip = gate(obs, "tool_calling")
    assert skip is not None and "see the capabilities check" in skip.message


def test_a_profile_claim_is_held_like_a_declaration() -> None:
    claimed = CapabilityState(
        "tool_calling", None, True, "profile['tool_calling'] is True", False, "no bind_tools"
    )
    verdict = judge_capabilities(observation(capabilities=caps(claimed)))
    assert verdict.outcome == "failed"
    assert "tool_calling is claimed by the model's `profile` but no bind_tools" in verdict.message


def test_declared_and_implemented_passes() -> None:
    declared = CapabilityState(**{**vars(SERIAL), "declared": True})
    verdict = judge_capabilities(observation(capabilities=caps(declared, NO_TOOLS)))
    assert (verdict.outcome, verdict.message) == ("passed", "checked serializable")


def test_a_chat_only_capability_declared_on_a_text_model_fails() -> None:
    obs = observation(kind="llm", settings={"capabilities": {"tool_calling": True}})
    verdict = judge_capabilities(obs)
    assert (
        verdict.outcome == "failed"
        and "declares tool_calling, which only chat models have" in verdict.message
    )


@pytest.mark.parametrize(
    ("state", "says"),
    [
        (None, "text models have no serializable capability"),
        (CapabilityState("serializable", False, True, "x", True), "declares serializable = false"),
        (CapabilityState("serializable", None, False, "is_lc_serializable() is False", False), "declare it"),
    ],
)
def test_gate_skips_with_the_reason(state: CapabilityState | None, says: str) -> None:
    obs = observation(kind="llm", capabilities=caps(state) if state else {})
    verdict = gate(obs, "serializable")
    assert verdict is not None and verdict.outcome == "skipped" and says in verdict.message


def test_gate_lets_a_detected_or_declared_capability_through() -> None:
    assert gate(observation(capabilities=caps(SERIAL)), "serializable") is None
    declared = CapabilityState("model_override", True, None)
    assert gate(observation(capabilities=caps(declared)), "model_override") is None


def test_verified_comes_from_the_checks_that_verify_it() -> None:
    states = plain(
        caps(SERIAL, NO_TOOLS, CapabilityState("streaming", None, True, "overrides _stream", True))
    )
    results = [
        {"id": "serialization", "outcome": "failed"},
        {"id": "stream", "outcome": "passed"},
        {"id": "stream-callbacks", "outcome": "passed"},
    ]
    table = {r["name"]: r["verified"] for r in rows(states, results)}
    assert table == {"serializable": "no", "tool_calling": None, "streaming": "yes"}


def test_table_lines_show_declared_or_detected_rows_and_list_the_rest() -> None:
    states = plain(caps(SERIAL, NO_TOOLS))
    lines = capability_lines(rows(states, [{"id": "serialization", "outcome": "passed"}]))
    assert lines == [
        "  capability    declared  detected  verified  how detected",
        "  serializable  -         yes       yes       is_lc_serializable() is True",
        "  neither declared nor detected: tool_calling",
    ]
