"""Capabilities through the plugin: declared in [tool.modelcheck], verified, and shown in the reports."""

from __future__ import annotations

from typing import Any

import pytest
from support.harness import ECHO_CHAT, Modelcheck

from modelcheck.core.capabilities import NAMES, applies
from modelcheck.core.records import CapabilityState
from modelcheck.report.summary import markdown

TARGET = "mymodel:Chat"


def caps(*states: CapabilityState) -> dict[str, CapabilityState]:
    return {s.name: s for s in states}


NO_TOOLS = CapabilityState(
    "tool_calling", None, False, "no own bind_tools", False, "its `bind_tools` is langchain-core's"
)
SERIAL = CapabilityState("serializable", None, True, "is_lc_serializable() is True", True)


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
    assert set(table) == {n for n in NAMES if applies(n, "chat")}
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
