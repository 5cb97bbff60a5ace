"""bind-tools and tool-calls as users run them: the reference passes, each broken tool-calling
variant fails exactly its check with its message, and a model without tools is skipped with the
reason."""

from __future__ import annotations

import pytest
from support.harness import Modelcheck, broken_variants, requiring, run_broken_chat

from modelcheck.checks.catalog import IDS
from reference_models import broken_tools

MESSAGES = {
    "ChatToolArgsAsString": "invoke's call of 'magic_function': args is a str ('{\"input\": *}'), not a "
    "dict: parse the API's JSON arguments (json.loads) into a dict before putting them in `tool_calls`;*",
    "ChatToolCallNoId": "invoke, stream, ainvoke, astream, stream of a tool without arguments, ainvoke "
    "asking for get_weather and magic_function in one turn: the tool call has id None: every tool call "
    "needs a non-empty id*",
    "ChatStreamedArgsDiffer": "stream's chunks add up to magic_function with input=*, but invoke gave "
    "input=*; astream's chunks add up to create_customer with employees=*, but ainvoke gave employees=*: the "
    "streamed `tool_call_chunks`*",
    "ChatIgnoresToolChoice": "with tool_choice='magic_function' and a prompt asking for get_weather, invoke "
    "called get_weather (the first of the tools bound: get_weather, magic_function, get_time): the tool "
    "`tool_choice` names must be the one called; with tool_choice='any' and a prompt "
    "that names no tool ('Hello!'), stream called no tool (magic_function_no_args bound; it answered "
    "'Hello!'). Send `tool_choice`*",
    # A named tool_choice names the middle tool: picking by position, either end, cannot pass.
    "ChatPicksFirstTool": "with tool_choice='magic_function' and a prompt asking for get_weather, invoke "
    "called get_weather (the first of the tools bound: get_weather, magic_function, get_time): the tool "
    "`tool_choice` names must be the one called. Send `tool_choice` on to the API*",
    "ChatPicksLastTool": "with tool_choice='magic_function' and a prompt asking for get_weather, invoke "
    "called get_time (the last of the tools bound: get_weather, magic_function, get_time): the tool "
    "`tool_choice` names must be the one called. Send `tool_choice` on to the API*",
}
NO_TOOL_CHOICE = '''
from typing import Any

from reference_models import EchoChatModel


class Chat(EchoChatModel):
    """A chat model under test whose bind_tools takes no tool_choice (https://example.com/api)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return super().bind_tools(tools, **kwargs)
'''


BROKEN = {name: check for name, (_, check) in broken_variants(broken_tools).items()}


def test_every_broken_variant_has_an_expected_message() -> None:
    assert set(BROKEN) == set(MESSAGES)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_variant_fails_only_its_check(mc: Modelcheck, name: str) -> None:
    verdicts = run_broken_chat(mc, f"reference_models.broken_tools:{name}", BROKEN[name], MESSAGES[name])
    assert verdicts["bind-tools" if BROKEN[name] == "tool-calls" else "tool-calls"] == "passed"


def test_the_reference_passes_both_and_says_what_it_checked(mc: Modelcheck) -> None:
    target = "modelcheck.reference_models:EchoChatModel"
    outcome = mc.run(f"--modelcheck={target}", report=True)
    checks = {c["id"]: c for c in outcome.report()["targets"][0]["checks"]}
    assert checks["bind-tools"]["outcome"] == "passed"
    assert checks["bind-tools"]["message"] == (
        "bound a BaseTool (`@tool`), a plain function, a pydantic class, a JSON-schema dict, a Runnable as a "
        "tool (`Runnable.as_tool`); tool_choice 'any' and a tool's name accepted; "
        "tool_choice='magic_function' won over a prompt asking for get_weather; tool_choice='any' forced a "
        "call where the prompt named no tool"
    )
    assert checks["tool-calls"]["outcome"] == "passed"
    assert checks["tool-calls"]["message"] == (
        "checked invoke, stream, ainvoke, astream, stream of a tool without arguments; two tools in one turn "
        "gave two calls with distinct ids; the streamed tool calls add up to the returned ones"
    )


def test_a_model_without_tool_choice_is_prompted_and_its_tool_choice_part_skipped(mc: Modelcheck) -> None:
    mc.model(NO_TOOL_CHOICE)
    outcome = mc.run("--modelcheck=mymodel:Chat", report=True)
    checks = {c["id"]: c for c in outcome.report()["targets"][0]["checks"]}
    assert checks["tool-calls"]["outcome"] == "passed", checks["tool-calls"]["message"]
    assert (
        "parallel tool calls not checked: the model does not show the parallel_tool_calls"
        in (checks["tool-calls"]["message"])
    )
    assert checks["bind-tools"]["outcome"] == "passed"
    assert (
        "tool_choice not checked: the model does not show the tool_choice capability (bind_tools has no "
        in (checks["bind-tools"]["message"])
    )


def test_a_model_without_tools_skips_every_tool_check_with_the_reason(mc: Modelcheck) -> None:
    target = "modelcheck.reference_models.minimal:MinimalChatModel"
    outcome = mc.run(f"--modelcheck={target}", "-rs")
    tools = requiring("tool_calling")
    assert {outcome.of(target)[c] for c in tools} == {"skipped"}
    outcome.result.stdout.fnmatch_lines(
        [
            f"SKIPPED [[]1[]] modelcheck::{target}::{check}: the model does not show the tool_calling "
            "capability (no own bind_tools); if it has it, declare it: capabilities = {tool_calling = "
            "true} in its [[]tool.modelcheck[]] table."
            for check in sorted(tools, key=IDS.index)  # in the catalog's order, as the items run
        ]
    )
