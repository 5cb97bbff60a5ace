"""The wider contract's judges on records built by hand: usage, history, params, env, serialization."""

from __future__ import annotations

from typing import Any

import pytest
from support.synthetic import PROMPT, answered, observation, raised, streamed

from modelcheck.checks import conversation, params, serialization, usage
from modelcheck.core.records import (
    CapabilityState,
    Chunk,
    Contract,
    EnvTrial,
    Output,
    ParamTrial,
    SerialTrial,
    SnapshotResult,
)


def counts(i: int, o: int, t: int | None = None, **extra: Any) -> dict[str, Any]:
    return {"input_tokens": i, "output_tokens": o, "total_tokens": i + o if t is None else t, **extra}


def returned(probe: str, usage_: dict[str, Any] | None, name: Any = "m-1") -> Any:
    call = answered(probe, PROMPT)
    out = call.outputs[0]
    call.outputs[0] = Output(out.type_name, out.text, True, usage_, name)
    return call


def chunked(probe: str, usages: list[dict[str, Any] | None], names: list[Any]) -> Any:
    cut = [PROMPT[i * 4 : (i + 1) * 4] for i in range(len(usages) - 1)]
    call = streamed(probe, [*cut, PROMPT[len("".join(cut)) :]])
    call.chunks = [
        Chunk(c.seq, Output(c.output.type_name, c.output.text, True, u, n))
        for c, u, n in zip(call.chunks, usages, names, strict=True)
    ]
    return call


GOOD = [
    returned("invoke", counts(3, 2)),
    returned("ainvoke", counts(3, 2)),
    chunked("stream", [None, counts(3, 2)], ["m-1", None]),
    chunked("astream", [counts(3, 0), counts(0, 2)], ["m-1", None]),
]


# --- usage-metadata -----------------------------------------------------------------------------


def test_usage_passes_when_counts_add_up_and_input_is_counted_once() -> None:
    verdict = usage.judge_usage(observation(*GOOD))
    assert (verdict.outcome, verdict.message) == ("passed", "checked on invoke, ainvoke, stream, astream")


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (returned("invoke", None), "invoke returned an AIMessage without usage_metadata"),
        (
            returned("invoke", counts(3, 2, 6)),
            "invoke: total_tokens is 6, not input_tokens + output_tokens (3 + 2 = 5)",
        ),
        (
            returned("invoke", {**counts(3, 2), "input_tokens": 3.0}),
            "invoke: input_tokens is 3.0; each must be an int",
        ),
        (returned("invoke", counts(3, 2), name=""), "invoke's response_metadata['model_name'] is ''"),
        (
            returned("invoke", counts(3, 2, input_token_details={"cache_read": 4})),
            "input_token_details adds up to 4, more than input_tokens (3)",
        ),
        (
            chunked("stream", [counts(3, 1), counts(3, 1)], ["m-1", None]),
            "on stream 2 chunks carry input_tokens, so the streamed message counts the prompt 2 times",
        ),
        (
            chunked("stream", [counts(3, 1), None], ["m-1", "m-1"]),
            "response_metadata['model_name'] is set on 2 chunks, so the streamed message's is 'm-1m-1'",
        ),
        (chunked("stream", [None, None], ["m-1", None]), "on stream no chunk carried usage_metadata"),
        (
            chunked("stream", [counts(3, 1)], ["m-1"]),
            "on stream the chunks' usage adds up to (3, 1, 4) (input, output, total) but invoke reports "
            "(3, 2, 5)",
        ),
    ],
)
def test_usage_failures_name_the_path_and_the_rule(call: Any, says: str) -> None:
    calls = {c.probe: c for c in GOOD} | {call.probe: call}
    verdict = usage.judge_usage(observation(*calls.values()))
    assert verdict.outcome == "failed" and says in verdict.message, verdict.message


def test_usage_leaves_a_path_of_the_wrong_type_to_its_own_check() -> None:
    wrong = returned("ainvoke", None)
    wrong.outputs[0] = Output("HumanMessage", PROMPT, False)
    assert usage.judge_usage(observation(*GOOD[:1], wrong, *GOOD[2:])).outcome == "passed"


def test_usage_with_no_call_completed_is_skipped() -> None:
    assert usage.judge_usage(observation(raised("invoke"))).outcome == "skipped"


# --- message-history ----------------------------------------------------------------------------


def test_history_of_an_echo_model_must_answer_the_last_message() -> None:
    from modelcheck.core.probe_ids import PROMPT as PROBE

    echo = [answered(p, PROBE) for p in ("invoke", "ainvoke", "batch", "stream", "astream")]
    wrong = answered("history", "modelcheck history: the first question")
    verdict = conversation.judge_history(observation(*echo, wrong))
    assert verdict.outcome == "failed" and "not the last human message" in verdict.message
    right = answered("history", conversation.HISTORY_LAST)
    assert conversation.judge_history(observation(*echo, right)).outcome == "passed"


def test_history_that_raises_names_the_part_that_raises_alone() -> None:
    calls = [
        answered("invoke", "x"),
        answered("invoke_messages", "x"),
        raised("history", "ValueError", "one system message only"),
        answered("history_turns", "x"),
        raised("history_systems", "ValueError", "one system message only"),
        answered("history_named", "x"),
    ]
    verdict = conversation.judge_history(observation(*calls))
    assert conversation.judge_history(observation(*calls[2:])).outcome == "skipped"  # invoke's failure
    assert verdict.outcome == "failed"
    assert (
        "invoke raised ValueError: one system message only. Sent alone, two system messages, then two "
        "human/ai pairs in a row raised ValueError: one system message only." in verdict.message
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"error": {"message": "Invalid role", "type": "invalid_request_error"}}', "Invalid role"),
        ('{"errors": [{"message": "bad role"}]}', "bad role"),
        ('{"error": "model not found"}', "model not found"),
        ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>", "502 Bad Gateway"),
        (
            "Error code: 400 - {'error': {'message': 'bad'}}",
            "Error code: 400 - {'error': {'message': 'bad'}}",
        ),
        ("HTTP/1.1 403 Forbidden", "HTTP/1.1 403 Forbidden"),
        ("404 page not found", "404 page not found"),
    ],
)
def test_an_error_body_as_the_answer_is_named(body: str, says: str) -> None:
    from modelcheck.checks.common import error_body

    assert error_body(body) == says
    calls = [answered("invoke", "x"), answered("invoke_messages", "x"), answered("history", body)]
    verdict = conversation.judge_history(observation(*calls))
    assert verdict.outcome == "failed"
    assert f"the answer is an error body from the service: {says!r}" in verdict.message


@pytest.mark.parametrize(
    "text",
    ["500 apples are here", '{"answer": "an error was found"}', "<html><title>Hi</title></html>", "x 400 y"],
)
def test_an_answer_that_mentions_an_error_is_not_an_error_body(text: str) -> None:
    from modelcheck.checks.common import error_body

    assert error_body(text) is None


def test_an_error_body_on_a_single_message_too_leaves_the_conversation_unjudged() -> None:
    body = '{"error": {"message": "invalid api key"}}'
    calls = [answered("invoke", body), answered("invoke_messages", body), answered("history", body)]
    verdict = conversation.judge_history(observation(*calls))
    assert verdict.outcome == "skipped"
    assert "a single message is an error body from the service too ('invalid api key')" in verdict.message


# --- ls-params and standard-params -----------------------------------------------------------------

LS = {"ls_provider": "echo", "ls_model_name": "m-1", "ls_model_type": "chat"}


def ls_obs(ls: dict[str, Any], override: dict[str, Any] | None = None, **contract: Any) -> Any:
    over = (
        override
        if override is not None
        else {**ls, "ls_model_name": params.OVERRIDE, "ls_stop": params.LS_STOP}
    )
    return observation(model_name="m-1", contract=Contract(ls_params=ls, ls_override=over, **contract))


def test_ls_params_pass_and_fail_with_what_is_missing() -> None:
    assert params.judge_ls_params(ls_obs(LS)).outcome == "passed"
    verdict = params.judge_ls_params(ls_obs({k: v for k, v in LS.items() if k != "ls_model_name"}))
    assert verdict.outcome == "failed" and "ls_model_name is missing" in verdict.message
    verdict = params.judge_ls_params(ls_obs({**LS, "ls_model_name": "other"}))
    assert "ls_model_name is 'other' but the model is 'm-1'" in verdict.message
    verdict = params.judge_ls_params(ls_obs(LS, ls_given={"temperature": 0.25}, ls_with_params=LS))
    assert "built with temperature=0.25, ls_temperature is missing" in verdict.message


def test_ls_params_override_is_held_to_the_model_override_capability() -> None:
    obs = ls_obs(LS, override={**LS, "ls_stop": params.LS_STOP})
    assert params.judge_ls_params(obs).outcome == "passed"
    obs.capabilities = {"model_override": CapabilityState("model_override", True, None)}
    verdict = params.judge_ls_params(obs)
    assert verdict.outcome == "failed" and "per-call model='modelcheck-override-model'" in verdict.message


@pytest.mark.parametrize(
    ("trial", "says"),
    [
        (ParamTrial("max_tokens", "num_predict", "7", "nonstandard"), "the model keeps it in `num_predict`"),
        (ParamTrial("timeout", "timeout", "42.0", "ignored", "timeout = None"), "accepts it but drops it"),
        (ParamTrial("api_key", "api_key", "'k'", "rejected", "TypeError: no"), "the constructor rejects it"),
    ],
)
def test_standard_params_name_what_went_wrong(trial: ParamTrial, says: str) -> None:
    verdict = params.judge_standard_params(observation(contract=Contract(params=[trial])))
    assert verdict.outcome == "failed" and says in verdict.message


def test_standard_params_pass_lists_what_was_tried() -> None:
    trials = [ParamTrial("model", "model_name", "'x'", "held"), ParamTrial("stop", None, "[]", "absent")]
    verdict = params.judge_standard_params(observation(contract=Contract(params=trials)))
    assert (verdict.outcome, verdict.message) == ("passed", "checked model")


# --- init-from-env and serialization ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "says"),
    [
        ("plain", "api_key holds the env's value as a plain str, not a SecretStr"),
        ("missing", "api_key is None: nothing reads K"),
        ("error", "the constructor raised"),
    ],
)
def test_init_from_env(outcome: Any, says: str) -> None:
    trial = EnvTrial("api_key", "K", "its default_factory", outcome, "str")
    verdict = serialization.judge_init_from_env(observation(contract=Contract(env=[trial])))
    assert verdict.outcome == "failed" and says in verdict.message
    held = EnvTrial("api_key", "K", "x", "held", "SecretStr")
    assert serialization.judge_init_from_env(observation(contract=Contract(env=[held]))).outcome == "passed"
    assert serialization.judge_init_from_env(observation()).outcome == "skipped"


DUMPED = {
    "lc": 1,
    "type": "constructor",
    "id": ["m", "Model"],
    "kwargs": {"api_key": {"type": "secret", "id": ["K"]}},
}


def serial_obs(trial: SerialTrial, result: str = "matched") -> Any:
    obs = observation(contract=Contract(serial=trial))
    obs.serial_snapshot = lambda document: SnapshotResult(result, "snap.json", "- a\n+ b")  # type: ignore[arg-type]
    return obs


def test_serialization_round_trip_and_snapshot() -> None:
    trial = SerialTrial(DUMPED, secret_values={"api_key": "sk-1"}, original={"m": "1"}, loaded={"m": "1"})
    assert serialization.judge_serialization(serial_obs(trial)).outcome == "passed"
    missing = serialization.judge_serialization(serial_obs(trial, "missing"))
    assert missing.outcome == "failed" and "no snapshot of this model's serialized form" in missing.message
    changed = serialization.judge_serialization(serial_obs(trial, "changed"))
    assert "differs from the snapshot snap.json" in changed.message


@pytest.mark.parametrize(
    ("trial", "says"),
    [
        (SerialTrial(dump_error="TypeError: x"), "dumpd(model) raised TypeError: x"),
        (SerialTrial({"type": "not_implemented"}), "gives type 'not_implemented'"),
        (
            SerialTrial({**DUMPED, "kwargs": {"key": "sk-1"}}, secret_values={"api_key": "sk-1"}),
            "writes the value of api_key",
        ),
        (SerialTrial(DUMPED, load_error="ValueError: y"), "load(dumpd(model)) raised ValueError: y"),
        (
            SerialTrial(DUMPED, original={"m": "1"}, loaded={"m": "2"}, loaded_class="M"),
            "a constructor argument is lost",
        ),
    ],
)
def test_serialization_failures(trial: SerialTrial, says: str) -> None:
    verdict = serialization.judge_serialization(serial_obs(trial))
    assert verdict.outcome == "failed" and says in verdict.message, verdict.message


def test_standard_params_skip_when_no_copy_of_the_model_can_be_built() -> None:
    """Each param is tried on a copy built from the model's own field values: when even a copy
    given nothing new raises, no param was judged, and the check says why instead of passing."""
    contract = Contract(params_error="ValidationError: 1 validation error for M tokenizer")
    verdict = params.judge_standard_params(observation(contract=contract))
    assert verdict.outcome == "skipped"
    assert verdict.message == (
        "the standard params could not be tried: a copy of the model built from its own field values "
        "raised ValidationError: 1 validation error for M tokenizer, and each param is tried on such a copy"
    )
