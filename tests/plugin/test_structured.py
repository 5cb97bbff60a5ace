"""structured-output as users run it: the reference passes, each broken variant fails it alone.

The whole catalog runs on each variant, so a variant that breaks two things, or a check that
blames the wrong model, shows up here; a model without structured output is skipped with the reason.
"""

from __future__ import annotations

import pytest
from support.harness import Modelcheck, broken_variants, run_broken_chat

from reference_models import broken_structured

MESSAGES = {
    "ChatStructuredMissingKey": (
        "json_schema with TypedDict PetDict on invoke(include_raw=True): parsed lacks the required key "
        "'tags'; json_schema with JSON schema pet_record on stream: the last value lacks the required key "
        "'tags'. Give the provider the whole schema*"
    ),
    "ChatRawWithoutParsingError": (
        "function_calling with pydantic Pet on invoke(include_raw=True), json_schema with TypedDict PetDict "
        "on invoke(include_raw=True) and json_mode with JSON schema pet_record on invoke(include_raw=True): "
        "the include_raw dict has parsed, raw but not parsing_error. With include_raw=True return*"
    ),
}


BROKEN = {name: check for name, (_, check) in broken_variants(broken_structured).items()}


def test_every_broken_variant_has_an_expected_message() -> None:
    assert set(BROKEN) == set(MESSAGES)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_variant_fails_only_its_check(mc: Modelcheck, name: str) -> None:
    run_broken_chat(mc, f"reference_models.broken_structured:{name}", BROKEN[name], MESSAGES[name])


# invoke, invoke_messages, ainvoke, stream, astream, and batch and abatch of two inputs each.
PLAIN_CALLS = 9


def test_the_reference_passes_with_every_method(mc: Modelcheck) -> None:
    target = "reference_models:EchoChatModel"
    outcome = mc.run(f"--modelcheck={target}", "-k", "structured-output", report=True)
    assert outcome.of(target) == {"structured-output": "passed"}
    (checked,) = [c for t in outcome.report()["targets"] for c in t["checks"]]
    assert checked["message"].startswith("checked 6 calls: function_calling with pydantic Pet on invoke")
    # The six, and the plain paths' calls (9), which tell a path's own defect from structured output's.
    assert outcome.report()["targets"][0]["calls"] == 6 + PLAIN_CALLS


def test_a_model_without_structured_output_is_skipped_with_the_reason(mc: Modelcheck) -> None:
    target = "reference_models.minimal:MinimalChatModel"
    outcome = mc.run(f"--modelcheck={target}", "-k", "structured-output", "-rs", report=True)
    assert outcome.of(target) == {"structured-output": "skipped"}
    outcome.result.stdout.fnmatch_lines(
        [
            "*the model does not show the structured_output capability (no own with_structured_output); "
            "if it has it, declare it*"
        ]
    )
    assert outcome.report()["targets"][0]["calls"] == 0


def test_json_mode_declared_false_is_not_called(mc: Modelcheck) -> None:
    target = "reference_models:EchoChatModel"
    mc.config(f"""
    [tool.modelcheck."{target}"]
    capabilities = {{json_mode = false}}
    """)
    outcome = mc.run(f"--modelcheck={target}", "-k", "structured-output", report=True)
    (checked,) = [c for t in outcome.report()["targets"] for c in t["checks"]]
    assert checked["outcome"] == "passed"
    assert "Not checked: json_mode: this target declares json_mode = false" in checked["message"]
    assert outcome.report()["targets"][0]["calls"] == 4 + PLAIN_CALLS


TEXT_ANSWER = '''
from langchain_core.runnables import RunnableLambda
from reference_models import EchoChatModel


class Chat(EchoChatModel):
    """Its own with_structured_output, with no `method`, answers the message's text (https://example.com/api)."""

    def with_structured_output(self, schema, *, include_raw=False, **kwargs):
        bound = self.bind(ls_structured_output_format={"kwargs": {}, "schema": schema})
        return bound | RunnableLambda(lambda message: message.content)
'''


def test_a_text_answer_from_the_models_default_method_is_named(mc: Modelcheck) -> None:
    mc.model(TEXT_ANSWER)
    reference = "reference_models:EchoChatModel"
    outcome = mc.run("--modelcheck=mymodel:Chat", f"--modelcheck={reference}", "-rfE", report=True)
    assert {c for c, v in outcome.of("mymodel:Chat").items() if v == "failed"} == {"structured-output"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]structured-output[]] the default method with pydantic Pet on invoke(include_raw=True): "
            "include_raw=True gave a str 'modelcheck structured output: describe a pet.', not a dict "
            "with raw, parsed and parsing_error; the default method with TypedDict PetDict on stream: "
            "gave a str 'modelcheck structured output: describe a pet.', not a dict. *"
        ]
    )
    # Its with_structured_output names no method: the json_schema and json_mode calls (two each) the
    # reference it is built on gets, on this langchain-core, are not made.
    calls = {t["target"]: t["calls"] for t in outcome.report()["targets"]}
    assert calls["mymodel:Chat"] == calls[reference] - 4
