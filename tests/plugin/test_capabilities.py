"""Capabilities: detected from the class, declared in [tool.modelcheck], verified, and shown."""

from __future__ import annotations

from typing import Any

import pytest
from support.harness import ECHO_CHAT, Modelcheck
from support.synthetic import observation

from modelcheck.core.capabilities import NAMES, gate, judge_capabilities, plain, rows
from modelcheck.core.records import CapabilityState
from modelcheck.report.summary import capability_lines, markdown

TARGET = "mymodel:Chat"


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


# --- through the plugin ------------------------------------------------------------------------


NO_BIND_TOOLS = """
from langchain_core.language_models import BaseChatModel
from reference_models import EchoChatModel


class Chat(EchoChatModel):
    \"\"\"A chat model under test, built on the echo model (https://example.com/api).\"\"\"

    bind_tools = BaseChatModel.bind_tools
"""


def test_declared_tool_calling_on_a_model_without_bind_tools_fails_only_capabilities(mc: Modelcheck) -> None:
    mc.model(NO_BIND_TOOLS)
    mc.config(f'[tool.modelcheck."{TARGET}"]\ncapabilities = {{tool_calling = true, image_inputs = false}}\n')

    outcome = mc.run(f"--modelcheck={TARGET}", report=True)

    assert outcome.failing(TARGET) == {"capabilities"}, outcome.text()
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]capabilities[]] tool_calling is declared in [[]tool.modelcheck[]] but its `bind_tools` is "
            "langchain-core's, which raises NotImplementedError. Implement it, or declare it false *",
        ]
    )
    report: dict[str, Any] = outcome.report()["targets"][0]
    table = {r["name"]: r for r in report["capabilities"]}
    assert set(table) == set(NAMES)
    assert (table["tool_calling"]["declared"], table["tool_calling"]["detected"]) == (True, False)
    assert table["tool_calling"]["verified"] == "no"
    assert table["image_inputs"]["declared"] is False
    outcome.result.stdout.fnmatch_lines(["  capability * declared  detected  verified  how detected"])
    outcome.result.stdout.fnmatch_lines(["  tool_calling * yes * no * no * no own bind_tools"])


def test_markdown_report_has_the_capability_table(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT)

    outcome = mc.run(f"--modelcheck={TARGET}", report=True)

    text = markdown(outcome.report())
    assert "| capability | declared | detected | verified | how detected |" in text
    assert "| `streaming` | - | yes | yes | overrides _stream |" in text


def test_unknown_capability_is_a_usage_error(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT)
    mc.config(f'[tool.modelcheck."{TARGET}"]\ncapabilities = {{tools = true}}\n')

    outcome = mc.run(f"--modelcheck={TARGET}")

    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR
    outcome.result.stderr.fnmatch_lines(
        ["*capabilities names unknown capabilities [[]'tools'[]]; the capabilities*"]
    )
