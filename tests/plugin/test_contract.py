"""Each broken contract variant fails exactly the check its docstring names, and no other.

The whole catalog runs on each variant, as a user would run it, so a check that blames the wrong
model (or a variant that breaks two things) shows up here.
"""

from __future__ import annotations

import pytest
from support.harness import Modelcheck, broken_variants

from modelcheck.checks.catalog import checks_for
from modelcheck.targets.loading import model_kind
from reference_models import broken_contract

MESSAGES = {
    "ChatClaimsTools": "tool_calling is claimed by the model's `profile` but its `bind_tools` is "
    "langchain-core's, which raises NotImplementedError. *",
    "ChatUsageOnEveryChunk": "on stream * chunks carry input_tokens, so the streamed message counts the "
    "prompt * times*",
    "ChatUsageTotalsOff": "invoke: total_tokens is *, not input_tokens + output_tokens (* + * = *)*",
    "ChatNoLsModelName": "`_get_ls_params()`: ls_model_name is missing; it must be the model's name*",
    "ChatIgnoresCtorStop": "built with stop=[[]*[]], invoke gave 'modelcheck probe: the quick brown fox "
    "jumps over the lazy dog': the constructor's stop is ignored*",
    "ChatIgnoresMaxTokens": "built with max_tokens=5, the answer used 11 output tokens (its usage_metadata), "
    "more than 5. Pass `max_tokens` to the API (or cut the answer) on every call. "
    "See modelcheck docs/params.md#max-tokens.",
    "ChatKeyAsValue": "dumpd(model) writes the value of api_key, not a secret reference*",
    "ChatRaisesOnTwoSystems": "given a conversation with two system messages, a named human message and "
    "two human/ai pairs, invoke raised in _answer (broken_contract.py:*) ValueError: only one system "
    "message is allowed. Sent alone, two system messages, then two human/ai pairs in a row raised*",
    "ChatReturnsErrorBody": "given a conversation with two system messages, a named human message and "
    "two human/ai pairs, the answer is an error body from the service: \"Invalid value: 'developer'. "
    "Supported values are: 'system', 'assistant', 'user'.\", where a single message is answered: the "
    "service refused the conversation the model sent. Turn every message *And raise on an error "
    "response*",
    "ChatEnvKeyPlain": "built with only ECHO_API_KEY set (named by its default_factory *), api_key holds "
    "the env's value as a plain str, not a SecretStr*",
}


BROKEN = broken_variants(broken_contract)


def test_every_broken_variant_has_an_expected_message() -> None:
    assert set(BROKEN) == set(MESSAGES)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_variant_fails_only_its_check(mc: Modelcheck, name: str) -> None:
    cls, check_id = BROKEN[name]
    target = f"reference_models.broken_contract:{name}"
    outcome = mc.run(f"--modelcheck={target}", "-rfE")
    verdicts = outcome.of(target)
    kind = model_kind(cls)
    assert kind is not None
    assert set(verdicts) == {c.id for c in checks_for(kind)}
    wrong = {c: v for c, v in verdicts.items() if v not in ("passed", "skipped")}
    assert wrong == {check_id: "failed"}, outcome.text()
    outcome.result.stdout.fnmatch_lines([f"[[]{check_id}[]] {MESSAGES[name]}"])
