"""tool-round-trip and tool-events as users run them: the reference passes, each broken variant
fails only its own check (the whole catalog runs on it), and a model without tools or without
streaming is skipped with the reason."""

from __future__ import annotations

import re

import pytest
from langchain_core.language_models import BaseChatModel
from support.harness import ECHO_CHAT, Modelcheck, broken_variants, only, run_broken_chat

from reference_models import broken_tool_loop

REFERENCE = "modelcheck.reference_models:EchoChatModel"
ONLY = only("tool-round-trip", "tool-events")
MESSAGES = {
    "ChatNoToolRole": "given a conversation of the model's own tool calls answered by ToolMessages of "
    "every form (3 rounds, calls of *), invoke raised in _api_messages (broken_tool_loop.py:*) "
    "ValueError: Unsupported message type: ToolMessage. Sent alone, each form of tool result (one "
    "round) raised the same, so the model cannot take a ToolMessage at all. Turn each AIMessage's*",
    "ChatCallsToolsAgain": "given a conversation of the model's own tool calls * the model answered the "
    "last tool result with another tool call ('get_weather' with args *), so an agent loop never ends*",
    "ChatToolIdLast": "astream of tool-calls' forced call (create_customer, lookup_order bound), whose "
    'chunks astream_events(version="v2") sends as on_chat_model_stream events: event #1: the first '
    "chunk of tool call index 0 has no id (it came on chunk 13 of 13).*",
}


BROKEN = {name: check for name, (_, check) in broken_variants(broken_tool_loop).items()}


def messages(mc: Modelcheck, target: str) -> dict[str, tuple[str, str]]:
    outcome = mc.run(f"--modelcheck={target}", *ONLY, report=True)
    (entry,) = outcome.report()["targets"]
    return {c["id"]: (c["outcome"], c["message"]) for c in entry["checks"]}


def test_every_broken_variant_has_an_expected_message() -> None:
    assert set(BROKEN) == set(MESSAGES)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_variant_fails_only_its_check(mc: Modelcheck, name: str) -> None:
    run_broken_chat(mc, f"reference_models.broken_tool_loop:{name}", BROKEN[name], MESSAGES[name])


def test_the_reference_passes_and_says_what_it_checked(mc: Modelcheck) -> None:
    found = messages(mc, REFERENCE)
    outcome, message = found["tool-round-trip"]
    assert outcome == "passed"
    assert message.startswith('checked 3 tool rounds (status="error", list content (a text block), string')
    assert re.search(r"the last tool result was answered in text \('\w+ returned: ", message), message
    outcome, message = found["tool-events"]
    assert outcome == "passed"
    assert message.startswith(
        "checked the streamed tool call chunks of astream's call of create_customer and stream's call of "
        "magic_function. "
    )


def test_a_model_without_tools_is_skipped_with_the_reason(mc: Modelcheck) -> None:
    found = messages(mc, "modelcheck.reference_models.minimal:MinimalChatModel")
    for check in ("tool-round-trip", "tool-events"):
        outcome, message = found[check]
        assert outcome == "skipped"
        assert "does not show the tool_calling capability" in message


def test_a_model_that_does_not_stream_has_no_tool_events(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT + "\n    disable_streaming: bool = True\n")
    found = messages(mc, "mymodel:Chat")
    assert found["tool-round-trip"][0] == "passed"
    outcome, message = found["tool-events"]
    assert outcome == "skipped"
    assert "stream and astream do not run the model's own streaming code" in message


def test_a_model_that_streams_but_not_with_tools_bound_is_judged_on_v3(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT + '\n    disable_streaming: str = "tool_calling"\n')
    outcome, message = messages(mc, "mymodel:Chat")["tool-events"]
    assert message.startswith("langchain-core did not stream the tool calls")
    if "stream_events" in vars(BaseChatModel):
        assert outcome == "passed"
        assert message.endswith("The v3 tool-call block was well formed.")
    else:  # langchain-core 0.3: no v3 protocol
        assert outcome == "skipped"
