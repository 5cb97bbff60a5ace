"""The checklist judges on records built by hand: each verdict and what its message says."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import pytest
from support.synthetic import (
    CONSENSUS_PROBES,
    PROMPT,
    STREAMING,
    agreeing,
    answered,
    disagreeing,
    field,
    observation,
    raised,
    streamed,
)

from modelcheck.checks import docs, identity, native_async, secrets, stop, streaming
from modelcheck.core.records import (
    Call,
    ExecutorCall,
    Failure,
    FieldInfo,
    LoopStall,
    Observation,
    Output,
    SecretSurface,
    StopProbe,
)
from modelcheck.core.verdict import failed, skipped

# --- streaming -------------------------------------------------------------------------------


def test_callbacks_pass_on_every_path_and_name_them() -> None:
    calls = [streamed(p, ["ab", "cd"]) for p in ("stream", "astream", "drive_stream", "drive_astream")]
    verdict = streaming.judge_callbacks(observation(*calls, native=STREAMING))
    assert verdict.outcome == "passed"
    assert "stream(), astream(), _stream(run_manager=...)" in verdict.message


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (streamed("stream", ["ab", "cd"], fire="never"), "yielded 2 chunks but on_llm_new_token never fired"),
        (streamed("stream", ["ab", "cd"], fire="twice"), "fired 4 times (more than once per chunk)"),
        (
            streamed("stream", ["ab", "cd"], tokens=["ab", "xx"]),
            "chunk 1 is 'cd' but its on_llm_new_token callback carried the token 'xx'",
        ),
        (streamed("stream", ["ab"], with_chunk=False), "for chunk 0 was called without `chunk=`"),
        (
            raised("drive_stream"),
            "_stream(run_manager=...) as core's v3 stream_events drives it raised ValueError: boom",
        ),
    ],
)
def test_callback_mistakes_are_named(call: Call, says: str) -> None:
    verdict = streaming.judge_callbacks(observation(call, native=STREAMING))
    assert verdict.outcome == "failed"
    assert says in verdict.message
    if call.ok:
        assert "run_manager.on_llm_new_token(<chunk text>, chunk=chunk)" in verdict.message


def test_callbacks_fired_on_the_sync_path_only_fail_on_astream() -> None:
    calls = [streamed("stream", ["ab"]), streamed("astream", ["ab"], fire="never")]
    verdict = streaming.judge_callbacks(observation(*calls, native=STREAMING))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith("on astream(), the model yielded 1 chunks but on_llm_new_token never")


def test_order_fails_when_the_chunk_arrives_before_its_callback() -> None:
    verdict = streaming.judge_order(
        observation(streamed("astream", ["ab", "cd"], fire="after"), native=STREAMING)
    )
    assert verdict.outcome == "failed"
    assert "on astream(), chunk 0 ('ab') reached the caller before its on_llm_new_token" in verdict.message
    assert (
        streaming.judge_order(observation(streamed("astream", ["ab"]), native=STREAMING)).outcome == "passed"
    )


def test_order_is_skipped_without_callbacks_and_both_skip_without_streaming() -> None:
    silent = observation(streamed("stream", ["ab"], fire="never"), native=STREAMING)
    assert streaming.judge_order(silent).message.startswith("no on_llm_new_token callback fired")
    for judge in (streaming.judge_callbacks, streaming.judge_order):
        verdict = judge(observation(streamed("stream", ["ab"])))
        assert verdict.outcome == "skipped"
        assert "Model implements neither `_stream` nor `_astream`" in verdict.message


# --- stop ------------------------------------------------------------------------------------


PROBE = StopProbe(PROMPT, "brow", "fox", "\u2063")
CUT = PROMPT[: PROMPT.find("brow") + 4]
STOPS = {"stop_invoke": ["brow"], "stop_ainvoke": ["\u2063", "brow"], "stop_stream": ["fox", "brow"]}


def stopped(probe: str, text: str | None) -> Call:
    """A stop probe that answered `text`, with the stop list the probes give that path."""
    call = answered(probe, text)
    call.extra["stops"] = STOPS.get(probe, ["brow"])
    return call


def stop_calls(text: str, **overrides: Call) -> list[Call]:
    calls = {p: stopped(p, text) for p in ("stop_invoke", "stop_ainvoke", "stop_stream", "stop_astream")}
    calls.update(overrides)
    return list(calls.values())


def stop_obs(*calls: Call, deterministic: bool = True, policy: str = "include") -> Observation:
    base = agreeing(PROMPT) if deterministic else disagreeing()
    return observation(*base, *calls, stop_probe=PROBE, settings={"stop_policy": policy})


def test_stop_respected_and_included_pass_for_the_exact_prefix() -> None:
    obs = stop_obs(*stop_calls(CUT))
    assert stop.judge_respected(obs).outcome == stop.judge_included(obs).outcome == "passed"


def test_text_after_the_stop_string_fails_with_the_expected_prefix() -> None:
    verdict = stop.judge_respected(stop_obs(*stop_calls(CUT, stop_astream=stopped("stop_astream", PROMPT))))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        f"astream with stop=['brow'] gave {PROMPT!r}: text follows the stop string; expected {CUT!r}. "
        "Cut the answer at the first occurrence of any stop string."
    )


def test_the_expected_text_follows_the_stop_policy() -> None:
    """Under "exclude" the expected answer ends right before the stop string, not with it."""
    ignored = stopped("stop_astream", PROMPT)
    verdict = stop.judge_respected(stop_obs(*stop_calls(CUT[:-4], stop_astream=ignored), policy="exclude"))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        f"astream with stop=['brow'] gave {PROMPT!r}: text follows the stop string; expected {CUT[:-4]!r}. "
    )


def test_with_two_stop_strings_the_earliest_wins() -> None:
    later = PROMPT[: PROMPT.find("fox") + 3]
    verdict = stop.judge_respected(stop_obs(*stop_calls(CUT, stop_stream=stopped("stop_stream", later))))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith("stream with stop=['fox', 'brow'] gave")
    assert "When several stop strings are given, the one that occurs first wins" in verdict.message


def test_a_stop_string_that_never_occurs_changes_nothing() -> None:
    verdict = stop.judge_respected(stop_obs(*stop_calls(CUT, stop_ainvoke=stopped("stop_ainvoke", "x"))))
    assert verdict.outcome == "failed"
    expected = f"ainvoke with stop={STOPS['stop_ainvoke']!r} gave 'x': it is not the answer cut"
    assert verdict.message.startswith(expected)
    assert "one that never occurs changes nothing" in verdict.message


def test_not_implemented_on_stop_names_the_guides_rule() -> None:
    failing = stopped("stop_invoke", None)
    failing.failure = Failure("raised", "NotImplementedError", "no stop")
    verdict = stop.judge_respected(stop_obs(*stop_calls(CUT, stop_invoke=failing)))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith("invoke with stop=['brow'] raised NotImplementedError. The guide")
    assert stop.judge_included(stop_obs(*stop_calls(CUT, stop_invoke=failing))).outcome == "skipped"


def human(probe: str, text: str) -> Call:
    """A call that returned a HumanMessage holding `text` (a chat model's wrong type)."""
    call = Call(probe, outputs=[Output("HumanMessage", text, False)])
    call.extra["stops"] = STOPS.get(probe, ["brow"])
    return call


def test_a_wrong_type_only_under_stop_fails_stop_respected_by_its_type() -> None:
    verdict = stop.judge_respected(stop_obs(*stop_calls(CUT, stop_invoke=human("stop_invoke", CUT))))
    assert verdict == failed(
        "invoke with stop=['brow'] returned a HumanMessage; it should be an AIMessage, with or without "
        "stop strings. Apply the stop strings to the text and build the result as without them."
    )


def test_a_wrong_type_with_and_without_stop_is_left_to_the_paths_own_check() -> None:
    """invoke's check reports the type; stop-respected judges the text, so each fault fails one check."""
    calls = [c for c in stop_obs(*stop_calls(CUT)).calls.values() if c.probe != "invoke"]
    obs = observation(
        *calls, human("invoke", PROMPT), human("stop_invoke", CUT), stop_probe=PROBE, settings={}
    )
    assert stop.judge_respected(obs).outcome == "passed"


def test_a_nondeterministic_model_is_judged_by_the_weaker_rule() -> None:
    obs = stop_obs(*stop_calls("the lazy dog brow"), deterministic=False)
    assert "weaker rule" in stop.judge_respected(obs).message
    assert stop.judge_respected(obs).outcome == stop.judge_included(obs).outcome == "passed"
    ignored = stop_obs(*stop_calls("a brow b"), deterministic=False)
    assert stop.judge_respected(ignored).outcome == "failed"
    assert "weaker rule" in stop.judge_respected(ignored).message


def sampled_obs(free: str, text: str, policy: str = "include", **overrides: Call) -> Observation:
    """A nondeterministic model that answered `free {i}` without stop strings, `text` with them."""
    free_calls = [answered(p, f"{free} {i}") for i, p in enumerate(CONSENSUS_PROBES)]
    calls = stop_calls(text, **overrides)
    return observation(*free_calls, *calls, stop_probe=PROBE, settings={"stop_policy": policy})


def test_a_nondeterministic_answer_that_shows_nothing_is_not_judged() -> None:
    """No answer with stop strings holds one, and the answers without them did not all hold one:
    whether stop strings are applied was never seen."""
    never = sampled_obs("no stop string", "nor here")
    assert stop.judge_respected(never) == skipped(
        "nothing was judged: the model is nondeterministic, and none of its 4 answers given stop "
        "strings (['brow'] and the like) held one, so none showed whether stop strings are applied."
    )
    assert stop.judge_included(never).message == (
        "the stop strings never occurred in the nondeterministic model's answers."
    )


def test_a_nondeterministic_answer_without_the_stop_strings_every_free_answer_held_was_cut() -> None:
    """Every answer without stop strings held one; none of the answers given them does: they were
    cut before it. That respects stop, passes "exclude" and fails "include"."""
    cut = sampled_obs("the quick brown fox", "the quick ")
    assert stop.judge_respected(cut).outcome == "passed"
    excluded = stop.judge_included(sampled_obs("the quick brown fox", "the quick ", "exclude"))
    assert excluded.outcome == "passed"
    assert "so the stop string is left out" in excluded.message
    included = stop.judge_included(cut)
    assert included.outcome == "failed"
    assert included.message.startswith(
        "invoke with stop=['brow'] gave 'the quick ', which ends before the stop string. The guides' "
        "rule is to include the stop string in the output."
    )
    assert included.message.endswith(
        'declare it with stop_policy = "exclude" in this target\'s [tool.modelcheck] table. (The model '
        "is nondeterministic: no answer given stop strings held one, while every answer without them did.)"
    )


def test_one_answer_without_the_stop_strings_does_not_fail_include() -> None:
    """An answer may lack the stop strings by chance: "include" fails only when every path shows it."""
    one = sampled_obs("the quick brown fox", "the quick brow", stop_ainvoke=stopped("stop_ainvoke", "a "))
    assert stop.judge_included(one).outcome == "passed"
    three = sampled_obs("the quick brown fox", "a ", stop_ainvoke=stopped("stop_ainvoke", "the brow"))
    assert stop.judge_included(three).outcome == "passed"


@pytest.mark.parametrize(
    ("policy", "text", "outcome", "says"),
    [
        ("include", CUT[:-4], "failed", 'declare it with stop_policy = "exclude"'),
        ("exclude", CUT, "failed", 'but this target declares stop_policy = "exclude"'),
        ("exclude", CUT[:-4], "passed", ""),
        ("any", CUT, "skipped", "stop_policy = 'any' for this target"),
    ],
)
def test_stop_policy(policy: str, text: str, outcome: str, says: str) -> None:
    verdict = stop.judge_included(stop_obs(*stop_calls(text), policy=policy))
    assert verdict.outcome == outcome
    assert says in verdict.message


def test_no_stop_string_chosen() -> None:
    skipped = stop.judge_respected(observation(answered("invoke", "a"), stop_probe_error="too short"))
    assert (skipped.outcome, skipped.message) == ("skipped", "no stop string could be chosen: too short.")
    failed = stop.judge_respected(observation(raised("invoke")))
    assert failed.message == (
        "no stop string could be chosen: invoke raised ValueError: boom. "
        "Fix the model so that it answers without raising."
    )
    assert stop.judge_included(observation(raised("invoke"))).outcome == "skipped"


# --- one root cause, one failure ----------------------------------------------------------------


def drive(probe: str, failure: Failure | None = None) -> Call:
    """A drive of `_stream`/`_astream` with stop strings: cut at the stop, or failed."""
    call = streamed(probe, [CUT]) if failure is None else Call(probe, failure=failure)
    call.extra["stops"] = ["brow"]
    return call


KEYWORD = Failure("raised", "TypeError", "unexpected keyword 'stop_sequences'", "_stream (m.py:9)", "model")


def drive_obs(*calls: Call) -> Observation:
    stops = [stopped("stop_invoke", CUT), stopped("stop_ainvoke", CUT)]
    return observation(*agreeing(PROMPT), *stops, *calls, stop_probe=PROBE, native=STREAMING)


def test_a_drive_that_raises_only_with_stop_fails_stop_respected_alone() -> None:
    """Made again without stop strings it streams: callbacks are judged there, stop owns the failure."""
    obs = drive_obs(
        drive("drive_stream", KEYWORD),
        drive("drive_astream", KEYWORD),
        streamed("redrive_stream", [PROMPT]),
        streamed("redrive_astream", [PROMPT]),
    )
    respected = stop.judge_respected(obs)
    assert respected.outcome == "failed"
    assert respected.message.startswith(
        "_stream (as core's v3 stream_events drives it) with stop=['brow'] raised in _stream (m.py:9): "
        "TypeError: unexpected keyword 'stop_sequences'."
    )
    assert "Without stop strings the same call works, so the stop strings cause it" in respected.message
    callbacks, order = streaming.judge_callbacks(obs), streaming.judge_order(obs)
    assert (callbacks.outcome, order.outcome) == ("passed", "passed"), (callbacks, order)
    assert "_stream(run_manager=...) as core's v3 stream_events drives it, without stop strings" in (
        callbacks.message
    )
    assert "with stop strings (it raised; see stop-respected)" in order.message
    silent = drive_obs(
        drive("drive_stream", KEYWORD),
        drive("drive_astream"),
        streamed("redrive_stream", [PROMPT], fire="never"),
    )
    verdict = streaming.judge_callbacks(silent)
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        "on _stream(run_manager=...) as core's v3 stream_events drives it, "
        "without stop strings, the model yielded 1 chunks but on_llm_new_token never fired"
    )


def test_a_drive_that_raises_without_stop_too_is_left_to_stream_callbacks_or_stream() -> None:
    """Public stream() works (no run manager): the drive's failure is stream-callbacks'. When
    stream() fails too, it is stream's, and neither stop nor callbacks repeat it."""
    own = drive_obs(
        drive("drive_stream", KEYWORD), drive("drive_astream"), Call("redrive_stream", failure=KEYWORD)
    )
    respected = stop.judge_respected(own)
    assert respected.outcome == "passed"
    assert (
        "_stream (as core's v3 stream_events drives it) (it fails without stop strings too; see "
        "stream-callbacks)" in respected.message
    )
    callbacks = streaming.judge_callbacks(own)
    assert callbacks.outcome == "failed"
    assert callbacks.message.startswith(
        "_stream(run_manager=...) as core's v3 stream_events drives it raised in _stream (m.py:9)"
    )
    everywhere = observation(
        *[c for c in agreeing(PROMPT) if c.probe not in ("stream", "astream")],
        raised("stream"),
        raised("astream"),
        drive("drive_stream", KEYWORD),
        drive("drive_astream", KEYWORD),
        Call("redrive_stream", failure=KEYWORD),
        Call("redrive_astream", failure=KEYWORD),
        stopped("stop_invoke", CUT),
        stopped("stop_ainvoke", CUT),
        stop_probe=PROBE,
        native=STREAMING,
    )
    for judge in (streaming.judge_callbacks, streaming.judge_order):
        verdict = judge(everywhere)
        assert verdict.outcome == "skipped", verdict
        assert verdict.message.startswith(
            "no streaming path could be judged. Not judged here: stream() (it failed; see stream);"
        )
    assert stop.judge_respected(everywhere).outcome == "passed"
    assert "(it fails without stop strings too; see astream)" in stop.judge_respected(everywhere).message


def test_an_astream_that_yields_nothing_is_left_to_astream() -> None:
    """ChatDeepInfra: its `_astream` asks the API not to stream, so it yields nothing and core's
    astream() raises. The v3 drive of `_astream` gives no text with stop strings and no chunk
    without: not a stop failure, and no callback was checked there."""
    public = [c for c in agreeing(PROMPT) if c.probe != "astream"]
    nothing = Call("drive_astream")
    nothing.extra["stops"] = ["brow"]
    obs = observation(
        *public,
        raised("astream", message="No generation chunks were returned"),
        stopped("stop_invoke", CUT),
        stopped("stop_ainvoke", CUT),
        drive("drive_stream"),
        nothing,
        stop_probe=PROBE,
        native=STREAMING,
    )
    respected = stop.judge_respected(obs)
    assert respected.outcome == "passed", respected
    assert "_astream (as core's v3 astream_events drives it) (it fails without stop strings too; see " in (
        respected.message
    )
    assert respected.partial and len(respected.unjudged) == 1
    obs.calls["drive_astream"] = Call("drive_astream")
    callbacks = streaming.judge_callbacks(obs)
    assert callbacks.outcome == "passed", callbacks
    assert "_astream(run_manager=...) as core's v3 astream_events drives it (it yielded no chunks, so " in (
        callbacks.message
    )
    assert "checked on stream(), _stream(run_manager=...) as core's v3 stream_events drives it. " in (
        callbacks.message
    )
    assert callbacks.partial and len(callbacks.unjudged) == 2, callbacks.unjudged
    order = streaming.judge_order(obs)
    assert order.outcome == "passed" and order.unjudged == callbacks.unjudged, order
    # With astream() working, an empty drive is still no proof of callbacks, and stop judges it.
    obs.calls["astream"] = streamed("astream", [PROMPT])
    assert (
        "(it yielded no chunks, so there is no callback to judge)" in streaming.judge_callbacks(obs).message
    )
    obs.calls["drive_astream"] = nothing
    assert stop.judge_respected(obs).outcome == "failed"


# --- secrets ---------------------------------------------------------------------------------


CANARY = "mc-canary-api_key-0123456789abcdef"


def test_secret_fields() -> None:
    plain = observation(fields=[field("api_key", "str | None"), field("model_name")])
    verdict = secrets.judge_fields(plain)
    assert verdict.outcome == "failed"
    assert verdict.message.startswith("these credential fields are plain strings: api_key (str | None).")
    good = secrets.judge_fields(observation(fields=[field("api_key", "SecretStr | None")]))
    assert (good.outcome, good.message) == ("passed", "checked api_key")
    none = secrets.judge_fields(observation(fields=[field("model_name")]))
    assert none.outcome == "skipped"
    assert "Model declares no field whose name looks like a credential" in none.message


def test_a_credential_name_on_a_field_that_holds_no_string_is_named_in_the_skip() -> None:
    """langchain-community's Ollama has `auth: Union[Callable, Tuple, None]` (what requests takes):
    nothing to declare as SecretStr, but the skip must not say no field looks like a credential."""
    auth = FieldInfo("auth", None, "Union[Callable, Tuple, NoneType]", False, False, True, "Model")
    verdict = secrets.judge_fields(observation(fields=[auth, field("model_name")]))
    assert verdict.outcome == "skipped"
    assert verdict.message == (
        "Model declares no string field whose name looks like a credential (secret_pattern in "
        "[tool.modelcheck] sets which names do); auth (Union[Callable, Tuple, NoneType]) has such a "
        "name but no string type, so it is not judged."
    )


def test_secret_pattern_setting_decides_the_fields() -> None:
    fields = [field("access_code"), field("sort_key")]
    assert "sort_key (str)" in secrets.judge_fields(observation(fields=fields)).message
    narrow = observation(fields=fields, settings={"secret_pattern": "_code$"})
    assert "plain strings: access_code (str)." in secrets.judge_fields(narrow).message


def masking(*surfaces: SecretSurface, **extra: Any) -> Observation:
    extra.setdefault("planted", {CANARY: "api_key"})
    return observation(canaries=[CANARY], surfaces=list(surfaces), **extra)


@pytest.mark.parametrize(
    "leaked",
    [
        CANARY,
        base64.b64encode(CANARY.encode()).decode(),
        base64.b64encode(f"user:{CANARY}".encode()).decode(),
        base64.urlsafe_b64encode(f"u:{CANARY}:x".encode()).decode(),
    ],
    ids=["plain", "base64", "basic-auth", "urlsafe-shifted"],
)
def test_masking_finds_the_canary_and_names_only_places(leaked: str) -> None:
    verdict = secrets.judge_masking(
        masking(
            SecretSurface("repr()", "Model()"),
            SecretSurface("output", f'{{"meta": "{leaked}"}}', "invoke"),
            SecretSurface("output", leaked, "astream"),
        )
    )
    assert verdict.outcome == "failed"
    assert verdict.message.startswith(
        "a secret leaked: the canary put in api_key showed in output (in astream, invoke). Keep"
    )
    assert CANARY not in verdict.message
    assert "bWMtY2Fu" not in verdict.message


def test_masking_groups_many_calls_into_one_place() -> None:
    calls = ["invoke", "ainvoke", "batch", "abatch", "stream"]
    found = [SecretSurface("callback on_llm_start invocation_params", CANARY, c) for c in calls]
    verdict = secrets.judge_masking(masking(*found, SecretSurface("str()", CANARY)))
    assert "invocation_params (in abatch, ainvoke, batch and 2 more calls), str()." in verdict.message


def test_masking_passes_skips_and_says_why() -> None:
    clean = secrets.judge_masking(masking(SecretSurface("repr()", "api_key=SecretStr('**********')")))
    assert (clean.outcome, clean.message) == ("passed", "a canary in api_key stayed hidden everywhere")
    none = secrets.judge_masking(observation(canary_note="the model has no secret field and no secret_env"))
    assert none.message == (
        "the model has no secret field and no secret_env, so there is no secret to track."
    )
    note = (
        "Model could not be rebuilt with canary secrets (ValidationError), so masking could not be "
        "observed with canaries"
    )
    unbuilt = secrets.judge_masking(masking(canary_note=note, planted={}))
    assert (unbuilt.outcome, unbuilt.message) == (
        "skipped",
        note + ", and no real secret was given to trace instead.",
    )
    assert secrets.judge_masking(masking()).message == "nothing was observed with the model's secrets."


REAL = "sk-real-0123456789abcdef"


def test_masking_traces_the_real_secret_given_when_no_canary_could_be_planted() -> None:
    note = (
        "Model could not be rebuilt with canary secrets (ValidationError), so masking could not be observed"
    )
    hidden = masking(
        SecretSurface("repr()", "SecretStr('**')"), canary_note=note, planted={}, given={REAL: "token"}
    )
    verdict = secrets.judge_masking(hidden)
    assert (verdict.outcome, verdict.message) == (
        "passed",
        f"the secret given for token stayed hidden everywhere ({note}: the secrets it was given were "
        "traced instead)",
    )
    shown = masking(
        SecretSurface("repr()", f"token={REAL}"), canary_note=note, planted={}, given={REAL: "token"}
    )
    verdict = secrets.judge_masking(shown)
    assert verdict.outcome == "failed"
    assert verdict.message.startswith("a secret leaked: the secret given for token showed in repr(). Keep")
    both = secrets.judge_masking(masking(SecretSurface("repr()", "x"), given={REAL: "api_key"}))
    assert both.message == (
        "a canary in api_key stayed hidden everywhere, and so did the secret given for api_key"
    )


# --- identifying params ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "says"),
    [
        (
            {"identifying_params": {"model": "str", "temperature": "float"}},
            "(its keys: 'model', 'temperature')",
        ),
        ({"identifying_params": {}}, "has no 'model_name' (its keys: none)"),
        (
            {"identifying_params": {"model_name": "int"}},
            "`_identifying_params['model_name']` is a int; it must",
        ),
        ({"identifying_params": {"model_name": "str"}, "model_name": ""}, "is a str that is empty; it must"),
        (
            {"identifying_params_error": "raised KeyError: 'x'"},
            "reading `_identifying_params` raised KeyError: 'x'",
        ),
    ],
)
def test_identifying_params_failures_show_what_was_there(facts: dict[str, Any], says: str) -> None:
    verdict = identity.judge_identifying(observation(**facts))
    assert verdict.outcome == "failed"
    assert says in verdict.message
    assert verdict.message.endswith('e.g. `return {"model_name": self.model_name, ...}`.')


def test_identifying_params_pass() -> None:
    obs = observation(identifying_params={"model_name": "str"}, model_name="echo-1")
    assert identity.judge_identifying(obs).outcome == "passed"


# --- native async ----------------------------------------------------------------------------


def test_native_async_needs_an_override() -> None:
    verdict = native_async.judge_native(observation(answered("ainvoke", "x"), native={"_generate": "m.M"}))
    assert verdict.message.startswith("Model does not override _agenerate, so ainvoke runs _generate in a")
    llm = native_async.judge_native(observation(answered("ainvoke", "x"), kind="llm", native={}))
    assert "does not override _acall or _agenerate, so ainvoke runs _call" in llm.message


@pytest.mark.parametrize(
    ("handed", "outcome", "says"),
    [
        ([ExecutorCall("M._parse")], "passed", "M._parse ran in a thread pool without blocking calls"),
        ([ExecutorCall("M._parse", 0.005)], "passed", "M._parse ran in a thread pool without blocking"),
        ([ExecutorCall("M._fetch", 0.25)], "failed", "(M._fetch, which blocked there for 0.25 s)"),
        ([ExecutorCall("M._call")], "failed", "thread pool (M._call) via run_in_executor"),
        ([ExecutorCall("M._parse"), ExecutorCall("M.invoke")], "failed", "thread pool (M.invoke) via"),
    ],
    ids=["cpu-helper", "under-two-samples", "blocked-helper", "sync-method", "sync-method-beside-helper"],
)
def test_a_thread_pool_hand_off_is_the_fallback_when_it_is_a_sync_method_or_blocks(
    handed: list[ExecutorCall], outcome: str, says: str
) -> None:
    native = {"_agenerate": "m.M", "_astream": "m.M"}
    verdict = native_async.judge_native(
        observation(replace(answered("ainvoke", "x"), executor_calls=handed), native=native)
    )
    assert (verdict.outcome, says in verdict.message) == (outcome, True), verdict.message


def test_native_async_names_the_thread_pool_function_and_the_stall() -> None:
    native = {"_agenerate": "m.M", "_astream": "m.M"}
    pooled = replace(answered("ainvoke", "x"), executor_calls=[ExecutorCall("M._generate")] * 2)
    verdict = native_async.judge_native(observation(pooled, native=native))
    assert (
        "during ainvoke, work was sent to a thread pool (M._generate) via run_in_executor" in verdict.message
    )
    stalls = [LoopStall(0.12, "_astream (m.py:3)"), LoopStall(0.4, "_astream (m.py:9)")]
    blocked = replace(streamed("astream", ["x"]), stalls=stalls)
    verdict = native_async.judge_native_stream(observation(blocked, native=native))
    assert "the event loop was blocked for 0.40 s in _astream (m.py:9): `_astream` makes a" in verdict.message
    clean = observation(answered("ainvoke", "x"), streamed("astream", ["x"]), native=native)
    assert (
        native_async.judge_native(clean).outcome
        == native_async.judge_native_stream(clean).outcome
        == "passed"
    )


def test_native_async_stream_without_astream() -> None:
    sync_only = native_async.judge_native_stream(observation(native={"_stream": "m.M"}))
    assert sync_only.outcome == "failed"
    assert (
        "overrides `_stream` but not `_astream`, so astream runs `_stream` in a thread pool"
        in sync_only.message
    )
    no_stream = native_async.judge_native_stream(observation())
    assert (no_stream.outcome, no_stream.message) == (
        "skipped",
        "Model does not stream (no `_stream` or `_astream`).",
    )


# --- docs ------------------------------------------------------------------------------------


def test_docs_lists_every_undocumented_field() -> None:
    fields = [field("a", documented=False), field("b"), field("c", documented=False, owner="Base")]
    verdict = docs.judge_docs(observation(fields=fields, docstring="https://example.com"))
    assert verdict.outcome == "failed"
    assert verdict.message.startswith("these init fields are undocumented: Model.a, Base.c. Add a docstring")


@pytest.mark.parametrize("name", ["api_key", "base_url", "endpoint"])
def test_a_service_backed_model_links_its_api(name: str) -> None:
    annotation = "SecretStr" if name == "api_key" else "str"
    fields = [field(name, annotation)]
    verdict = docs.judge_docs(observation(fields=fields, docstring="A model."))
    assert verdict.outcome == "failed"
    assert (
        f"Model is service-backed (it has {name}) but its class docstring has no http(s) link"
        in verdict.message
    )
    assert docs.judge_docs(observation(fields=fields, docstring="See https://x.dev/api.")).outcome == "passed"


def test_docs_skips_say_why() -> None:
    assert docs.judge_docs(observation()).message == (
        "Model declares no init fields of its own and is not service-backed."
    )
    unreadable = observation(fields=[field("a", documented=False)], docs_error="the source could not be read")
    assert docs.judge_docs(unreadable).message == (
        "the source could not be read, so attribute docstrings cannot be read."
    )


def test_a_stop_path_that_never_ran_fails_instead_of_being_left_out() -> None:
    never = Call(
        "stop_ainvoke",
        failure=Failure("timeout", "TimeoutError", "could not run: the event loop was blocked by ainvoke"),
    )
    verdict = stop.judge_respected(stop_obs(*stop_calls(CUT, stop_ainvoke=never)))

    assert verdict.outcome == "failed"
    assert verdict.message.startswith(f"ainvoke with stop={[PROBE.stop]!r} could not run")


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        (
            Failure("raised", "KeyError", "'choices'", where="_generate (mymodel.py:40)", origin="model"),
            "raised in _generate (mymodel.py:40): KeyError: 'choices'. Fix the model so that it answers "
            "without raising.",
        ),
        (
            Failure(
                "raised",
                "AttributeError",
                "'NoneType' object has no attribute 'generations'",
                None,
                "langchain",
            ),
            "raised inside langchain-core, not in the model's code, most often because of what the model "
            "returned or yielded: AttributeError: 'NoneType' object has no attribute 'generations'. A text "
            "model's `_call`/`_acall` return a str",
        ),
        (Failure("raised", "RuntimeError", "no loop"), "raised RuntimeError: no loop. Fix the model"),
    ],
    ids=["in-the-model", "in-langchain-core", "elsewhere"],
)
def test_a_raised_call_says_whose_code_raised_it(failure: Failure, says: str) -> None:
    from modelcheck.checks.common import call_failed

    verdict = call_failed(Call("invoke", failure=failure), "invoke('<probe prompt>')")

    assert verdict is not None and verdict.outcome == "failed"
    assert verdict.message.startswith(f"invoke('<probe prompt>') {says}"), verdict.message
