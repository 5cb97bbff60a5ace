"""Bad input, faults and limits: each is a clear failure or a UsageError, never a traceback from
inside the plugin, never a hang, never a lost report.

Covered elsewhere, not repeated here:
- a model that hangs in invoke, and in astream after two chunks: test_runnable.py
  (test_hanging_model_times_out_and_the_run_goes_on); one that raises in invoke: test_runnable.py;
- a model that returns a HumanMessage, or yields the wrong chunk types: the broken_runnable
  variants in test_runnable.py (test_broken_variant_fails_only_its_check);
- an abstract class, a module with a syntax error, one that calls sys.exit(3) while imported, a
  constructor that fails with the params given, `--modelcheck-params` that is a list or not JSON:
  test_targets.py;
- `[tool.modelcheck]` with an unknown key, a wrong stop_policy, a timeout that is a string:
  test_settings.py.

Hangs last a few seconds, not forever: these runs are in-process, and a sync probe thread that is
still alive when the outer test process exits would hand it the inner run's exit status.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatch

import pytest
from support.harness import (
    ECHO_CHAT,
    UNDECLARED,
    Modelcheck,
    Outcome,
    finish,
    messages,
    outcomes,
    start_subprocess,
)

from modelcheck.checks.catalog import checks_for

TIMEOUT_1 = "[tool.modelcheck]\ntimeout = 1\n"


def assert_clean(outcome: Outcome, target: str, kind: str = "chat") -> dict[str, str]:
    """No traceback, no internal error, a verdict for every check, in the terminal and the report."""
    text = outcome.text()
    for bad in ("INTERNALERROR", "Traceback", "internal error"):
        assert bad not in text, text
    verdicts = outcome.of(target)
    assert set(verdicts) == {c.id for c in checks_for(kind)}, verdicts  # type: ignore[arg-type]
    (entry,) = (t for t in outcome.report()["targets"] if t["target"] == target)
    assert {c["id"]: c["outcome"] for c in entry["checks"]} == verdicts
    return verdicts


def failing_with(outcome: Outcome, target: str, lines: list[str], kind: str = "chat") -> set[str]:
    """The checks that failed, after checking the run was clean and printed `lines`."""
    assert_clean(outcome, target, kind)
    assert outcome.result.ret == pytest.ExitCode.TESTS_FAILED
    outcome.result.stdout.fnmatch_lines(lines)
    return outcome.failing(target)


# --- hangs ------------------------------------------------------------------------------------

HANGS = '''
import asyncio
import threading
import time

from reference_models import EchoChatModel, EchoLLM


class StreamStalls(EchoChatModel):
    """Stalls `stream` after two chunks (https://example.com/api)."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        for n, chunk in enumerate(super()._stream(messages, stop, run_manager, **kwargs)):
            yield chunk
            if n == 1 and stop is None:
                threading.Event().wait(4)


class AinvokeNeverAnswers(EchoLLM):
    """Never answers `ainvoke` (https://example.com/api)."""

    async def _acall(self, prompt, stop=None, run_manager=None, **kwargs):
        if stop is None:
            await asyncio.Event().wait()
        return await super()._acall(prompt, stop, run_manager, **kwargs)


class AinvokeBlocksTheLoop(EchoChatModel):
    """Holds the event loop in `ainvoke` (a sync call in async code) (https://example.com/api)."""

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        time.sleep(60)
'''
TIMED_OUT = "Make sure the model answers, or raise the per-call `timeout` for this target."


def test_stream_that_stalls_after_two_chunks_times_out(mc: Modelcheck) -> None:
    mc.model(HANGS)
    mc.config(TIMEOUT_1)

    outcome = mc.run("--modelcheck=mymodel:StreamStalls", report=True)

    failed = failing_with(
        outcome,
        "mymodel:StreamStalls",
        [
            f"[[]stream[]] stream('<probe prompt>') timed out after 1 s. {TIMED_OUT} "
            "See modelcheck docs/runnable.md#stream."
        ],
    )
    # One defect, one failure: the streaming callbacks are judged on the other paths.
    assert failed == {"stream"}
    checks = {c["id"]: c for c in outcome.report()["targets"][0]["checks"]}
    assert "Not judged here: stream() (it failed; see stream)." in checks["stream-callbacks"]["message"]


def test_ainvoke_that_never_answers_times_out(mc: Modelcheck) -> None:
    mc.model(HANGS)
    mc.config(TIMEOUT_1)

    outcome = mc.run("--modelcheck=mymodel:AinvokeNeverAnswers", report=True)

    failed = failing_with(
        outcome,
        "mymodel:AinvokeNeverAnswers",
        [
            f"[[]ainvoke[]] ainvoke('<probe prompt>') timed out after 1 s. {TIMED_OUT} "
            "See modelcheck docs/runnable.md#ainvoke."
        ],
        kind="llm",
    )
    assert failed == {"ainvoke", "abatch", "native-async"}


def test_ainvoke_that_blocks_the_event_loop_for_good_ends_the_run(mc: Modelcheck) -> None:
    """The loop cannot cancel a call that never yields: the async checks that could not run say so."""
    mc.model(HANGS)
    mc.config(TIMEOUT_1)

    outcome = mc.run("--modelcheck=mymodel:AinvokeBlocksTheLoop", report=True)

    failed = failing_with(
        outcome,
        "mymodel:AinvokeBlocksTheLoop",
        [
            "[[]ainvoke[]] ainvoke('<probe prompt>') timed out after 1 s; the event loop was blocked, so "
            f"the call could not be cancelled. {TIMED_OUT} See modelcheck docs/runnable.md#ainvoke.",
            "[[]astream[]] astream('<probe prompt>') could not run: the event loop was still blocked by "
            f"ainvoke. {TIMED_OUT} See modelcheck docs/runnable.md#astream.",
        ],
    )
    assert {"ainvoke", "abatch", "astream", "native-async", "native-async-stream"} <= failed
    assert {"invoke", "batch", "stream", "secret-fields", "docs"}.isdisjoint(failed)


OUTER_SUITE = '''
pytest_plugins = ["pytester"]

HANGS = """
import threading

from reference_models import EchoChatModel


class Hangs(EchoChatModel):
    'Never answers a sync call in time (https://example.com/api).'

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        threading.Event().wait(60)
"""


def test_checks_a_hanging_model_in_process(pytester):
    pytester.makepyfile(mymodel=HANGS)
    pytester.makepyprojecttoml("[tool.modelcheck]\\ntimeout = 1\\n")
    result = pytester.runpytest("--modelcheck=mymodel:Hangs", "-k", "invoke and not ainvoke")
    assert result.ret == 1
'''


def test_a_call_abandoned_in_an_inner_run_neither_hangs_nor_changes_the_outer_exit_status(
    pytester: pytest.Pytester,
) -> None:
    """A suite that checks a hanging model in-process (as modelcheck's own tests do) exits at once,
    with its own status: the guard that ends the process must not use the inner run's."""
    pytester.makepyfile(test_outer=OUTER_SUITE)

    code, output = finish(start_subprocess(pytester.path, "test_outer.py"), timeout=50)

    assert "1 passed" in output, output
    assert "model call(s) never returned; exiting without waiting for them" in output
    assert code == 0, output


# --- faults and wrong values ------------------------------------------------------------------

WRONG = '''
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from reference_models import EchoChatModel, EchoLLM


class RaisesMidStream(EchoChatModel):
    """Raises after the first chunk of every stream (https://example.com/api)."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        for chunk in super()._stream(messages, stop, run_manager, **kwargs):
            yield chunk
            raise ConnectionResetError("peer closed the stream")

    async def _astream(self, messages, stop=None, run_manager=None, **kwargs):
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            yield chunk
            raise ConnectionResetError("peer closed the stream")


class CallReturnsNone(EchoLLM):
    """`_call` returns None (https://example.com/api)."""

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return None


class GenerateReturnsNone(EchoChatModel):
    """`_generate` returns None (https://example.com/api)."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        return None


class InvokeReturnsNumber(EchoChatModel):
    """`invoke` returns a number (https://example.com/api)."""

    def invoke(self, input, config=None, *, stop=None, **kwargs):
        return 42


class StreamYieldsDicts(EchoChatModel):
    """`stream` yields dicts, not chunks (https://example.com/api)."""

    def stream(self, input, config=None, *, stop=None, **kwargs):
        for chunk in super().stream(input, config, stop=stop, **kwargs):
            yield {"content": chunk.content}


class UnderscoreStreamYieldsStrings(EchoChatModel):
    """`_stream` yields plain strings, not ChatGenerationChunk (https://example.com/api)."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        for chunk in super()._stream(messages, stop, run_manager, **kwargs):
            yield chunk.message.content


class OddBlocks(EchoChatModel):
    """Answers with list content: a text block among odd ones (https://example.com/api)."""

    def _result(self, text):
        content = [{"type": "text", "text": text}, {"type": "reasoning", "reasoning": "hm"}, {"x": 1}, ""]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])
'''

WRONG_CASES = [
    pytest.param(
        "RaisesMidStream",
        "chat",
        {"stream", "astream"},
        "[[]stream[]] stream('<probe prompt>') raised in _stream (mymodel.py:*): ConnectionResetError: "
        "peer closed the stream. Fix the model so that it answers without raising. "
        "See modelcheck docs/runnable.md#stream.",
        id="raises-mid-stream",
    ),
    pytest.param(
        "CallReturnsNone",
        "llm",
        {"invoke", "batch"},
        "[[]invoke[]] invoke('<probe prompt>') raised inside langchain-core, not in the model's code, most "
        "often because of what the model returned or yielded: ValidationError: 1 validation error for "
        "Generation text Input should be a valid string *input_value=None*. A text model's "
        "`_call`/`_acall` return a str *See modelcheck docs/runnable.md#invoke.",
        id="call-returns-none",
    ),
    pytest.param(
        "GenerateReturnsNone",
        "chat",
        {"invoke", "batch"},
        "[[]invoke[]] invoke('<probe prompt>') raised inside langchain-core, not in the model's code, *: "
        "AttributeError: 'NoneType' object has no attribute 'generations'. *a chat model's "
        "`_generate`/`_agenerate` return a ChatResult of *See modelcheck docs/runnable.md#invoke.",
        id="generate-returns-none",
    ),
    pytest.param(
        "InvokeReturnsNumber",
        "chat",
        {"invoke"},
        "[[]invoke[]] invoke('<probe prompt>') returned an int; it should return an AIMessage. Build the "
        "result as the guide does (*). See modelcheck docs/runnable.md#invoke.",
        id="invoke-returns-number",
    ),
    pytest.param(
        "StreamYieldsDicts",
        "chat",
        {"stream"},
        "[[]stream[]] stream chunk 0 returned a dict; it should return an AIMessageChunk. "
        "*See modelcheck docs/runnable.md#stream.",
        id="stream-yields-dicts",
    ),
    pytest.param(
        "UnderscoreStreamYieldsStrings",
        "chat",
        {"stream"},
        "[[]stream[]] stream('<probe prompt>') raised inside langchain-core, not in the model's code, *: "
        "AttributeError: 'str' object has no attribute 'message'. *See modelcheck docs/runnable.md#stream.",
        id="underscore-stream-yields-str",
    ),
]


@pytest.mark.parametrize(("name", "kind", "must_fail", "line"), WRONG_CASES)
def test_a_wrong_value_or_a_raise_fails_its_checks_with_a_clear_message(
    mc: Modelcheck, name: str, kind: str, must_fail: set[str], line: str
) -> None:
    mc.model(WRONG)
    target = f"mymodel:{name}"

    outcome = mc.run(f"--modelcheck={target}", report=True)

    failed = failing_with(outcome, target, [line], kind=kind)
    assert must_fail <= failed
    # One defect, one failure: the checks that share the failed call do not repeat it.
    assert {"stream-callbacks", "stream-callback-order", "stop-respected"}.isdisjoint(failed), failed
    # What the fault does not touch still passes: one bad path never sinks the whole catalog.
    assert {"secret-fields", "identifying-params", "docs"}.isdisjoint(failed)


def test_list_content_with_odd_blocks_is_judged_by_its_text(mc: Modelcheck) -> None:
    mc.model(WRONG)

    outcome = mc.run("--modelcheck=mymodel:OddBlocks", report=True)

    assert outcomes(assert_clean(outcome, "mymodel:OddBlocks")) == {"passed"}


# --- limits: size and characters -------------------------------------------------------------

LIMITS = '''
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from reference_models import EchoChatModel, EchoLLM
from reference_models._echo import apply_stop

MEGABYTE = "".join(f"{n:07d} lorem ipsum dolor sit amet; " for n in range(31251))[:1_000_000]
ODD = (
    "emoji \\U0001F469\\u200D\\U0001F469\\u200D\\U0001F467 cafe\\u0301 \\u05e9\\u05dc\\u05d5\\u05dd "
    "\\u0645\\u0631\\u062d\\u0628\\u0627 nul\\x00byte \\u202eoverride\\u202c end "
)


class Megabyte(EchoChatModel):
    """Answers with 1 MB of text, streamed in 64 KB chunks; `stream` without stop loses the last ones
    (https://example.com/api)."""

    def _answer(self, messages, stop):
        return apply_stop(MEGABYTE, stop)

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        if self._tool_calls(messages, kwargs):  # tool calls stream as the echo's do
            yield from super()._stream(messages, stop, run_manager, **kwargs)
            return
        text = self._answer(messages, stop)
        for start in range(0, len(text), 65536):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=text[start : start + 65536]))
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(self, messages, stop=None, run_manager=None, **kwargs):
        for chunk in self._stream(messages, stop, None, **kwargs):
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    def stream(self, input, config=None, *, stop=None, **kwargs):
        chunks = list(super().stream(input, config, stop=stop, **kwargs))
        yield from chunks if stop else chunks[:-2]


class OddText(EchoChatModel):
    """Answers with emoji, combining marks, right-to-left text and NUL (https://example.com/api)."""

    def _answer(self, messages, stop):
        return apply_stop(ODD + super()._answer(messages, None), stop)


class OddTextLLM(EchoLLM):
    """Answers with emoji, combining marks, right-to-left text and NUL (https://example.com/api)."""

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return super()._call(ODD + prompt, stop)

    async def _acall(self, prompt, stop=None, run_manager=None, **kwargs):
        return await super()._acall(ODD + prompt, stop)

    def _stream(self, prompt, stop=None, run_manager=None, **kwargs):
        yield from super()._stream(ODD + prompt, stop, run_manager, **kwargs)

    async def _astream(self, prompt, stop=None, run_manager=None, **kwargs):
        async for chunk in super()._astream(ODD + prompt, stop, run_manager, **kwargs):
            yield chunk


class OddTextLosesAChunk(OddText):
    """`stream` without stop loses its first chunks (https://example.com/api)."""

    def stream(self, input, config=None, *, stop=None, **kwargs):
        chunks = list(super().stream(input, config, stop=stop, **kwargs))
        yield from chunks if stop else chunks[2:]


class Empty(EchoChatModel):
    """Answers with an empty string (https://example.com/api)."""

    def _answer(self, messages, stop):
        return ""


class EmptyLLM(EchoLLM):
    """Answers with an empty string (https://example.com/api)."""

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return ""

    async def _acall(self, prompt, stop=None, run_manager=None, **kwargs):
        return ""

    def _stream(self, prompt, stop=None, run_manager=None, **kwargs):
        yield from super()._stream("", stop, run_manager, **kwargs)

    async def _astream(self, prompt, stop=None, run_manager=None, **kwargs):
        async for chunk in super()._astream("", stop, run_manager, **kwargs):
            yield chunk
'''


def test_a_megabyte_answer_is_judged_and_shown_in_a_short_message(mc: Modelcheck) -> None:
    mc.model(LIMITS)

    outcome = mc.run("--modelcheck=mymodel:Megabyte", report=True)

    failed = failing_with(
        outcome,
        "mymodel:Megabyte",
        [
            "[[]stream[]] stream streamed * chunks, together * characters shorter than the answer of "
            "the other paths (1000000 characters): they agree on the first * characters ('…*'), then "
            "stream has '' where the others have '*': chunks were lost*"
        ],
    )
    # callbacks fired for chunks the caller never got; its own _stream/_astream carry no usage,
    # though invoke reports it (astream, which loses nothing, shows that). Its _stream also ignores
    # the call's kwargs, so structured output streams the megabyte text: structured-output leaves
    # that stream to `stream`, which fails, and says so in its pass message
    assert failed == {"stream", "stream-callbacks", "usage-metadata"}
    assert max(len(line) for line in outcome.result.outlines) < 2000
    (entry,) = outcome.report()["targets"]
    assert max(len(c["message"]) for c in entry["checks"]) < 1000


@pytest.mark.parametrize(("name", "kind"), [("OddText", "chat"), ("OddTextLLM", "llm")])
def test_emoji_combining_marks_rtl_and_nul_pass_a_correct_model(mc: Modelcheck, name: str, kind: str) -> None:
    mc.model(LIMITS)

    outcome = mc.run(f"--modelcheck=mymodel:{name}", report=True)

    assert outcomes(assert_clean(outcome, f"mymodel:{name}", kind)) == {"passed"}


def test_odd_characters_in_a_message_are_escaped_in_the_terminal_and_kept_in_the_report(
    mc: Modelcheck,
) -> None:
    mc.model(LIMITS)

    outcome = mc.run("--modelcheck=mymodel:OddTextLosesAChunk", report=True)

    failed = failing_with(
        outcome,
        "mymodel:OddTextLosesAChunk",
        [
            "[[]stream[]] stream streamed * chunks, together * characters shorter than the answer of "
            "the other paths (* characters): they agree on the first 0 characters (''), then stream has "
            "* where the others have 'emoji \U0001f469\\u200d\U0001f469\\u200d\U0001f467 cafe\u0301 "
            "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 nul\\x00byte \\u202e*"
        ],
    )
    assert failed == {"stream", "stream-callbacks"}  # callbacks fired for chunks the caller never got
    assert "\x00" not in outcome.text() and "\u202e" not in outcome.text()
    raw = (outcome.path / "report.json").read_text(encoding="utf-8")
    assert "\x00" not in raw and json.loads(raw)["targets"][0]["checks"]


@pytest.mark.parametrize(("name", "kind"), [("Empty", "chat"), ("EmptyLLM", "llm")])
def test_an_empty_answer_skips_the_stop_checks_and_says_why(mc: Modelcheck, name: str, kind: str) -> None:
    mc.model(LIMITS)

    outcome = mc.run(f"--modelcheck=mymodel:{name}", "-rs", report=True)

    verdicts = assert_clean(outcome, f"mymodel:{name}", kind)
    assert verdicts.pop("stop-respected") == verdicts.pop("stop-included") == "skipped"
    # Any other check that cannot judge an empty answer skips, showing it ('').
    said = messages(outcome, f"mymodel:{name}")
    others = {c: v for c, v in verdicts.items() if v != "passed" and (c, v) not in UNDECLARED.items()}
    assert set(others.values()) <= {"skipped"} and all("''" in said[c] for c in others), others
    outcome.result.stdout.fnmatch_lines(
        [
            f"SKIPPED [[]1[]] modelcheck::mymodel:{name}::{check}: no stop string could be chosen: the "
            "model's answer '' is too short to choose a stop string from."
            for check in ("stop-respected", "stop-included")
        ]
    )


# --- loading and configuration ----------------------------------------------------------------

NEEDS_REGION = (
    ECHO_CHAT
    + '''
    region: str
    """Where the service runs."""
'''
)


def usage_error_line(outcome: Outcome) -> str:
    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in outcome.text()
    (line,) = [line for line in outcome.result.errlines if line.startswith("ERROR:")]
    return line


def test_constructor_params_not_given(mc: Modelcheck) -> None:
    mc.model(NEEDS_REGION)

    outcome = mc.run("--modelcheck=mymodel:Chat")

    assert usage_error_line(outcome) == (
        "ERROR: modelcheck: constructing Chat(**{}) for target 'mymodel:Chat' failed with ValidationError: "
        "1 validation error(s) for Chat: region: Field required. Give the constructor arguments it needs "
        "with --modelcheck-params='{...}' or params in [tool.modelcheck.\"mymodel:Chat\"]."
    )


def test_a_module_that_prints_while_imported_is_checked(mc: Modelcheck) -> None:
    mc.model(
        'import sys\nprint("connecting to the provider...")\nprint("warming up", file=sys.stderr)\n'
        + ECHO_CHAT
    )

    outcome = mc.run("--modelcheck=mymodel:Chat", report=True)

    assert outcomes(assert_clean(outcome, "mymodel:Chat")) == {"passed"}


PYPROJECT_IDS = "skip-str params-list secret-env-str target-not-table tool-not-table inf nan huge bad-regex"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[tool.modelcheck]\nskip = "stream"', "[tool.modelcheck] skip must be a list of strings, e.g. skip"),
        ("[tool.modelcheck]\nparams = [1]", "[tool.modelcheck] params must be a table of constructor"),
        ('[tool.modelcheck]\nsecret_env = "KEY"', "[tool.modelcheck] secret_env must be a list of strings"),
        (
            '[tool.modelcheck]\n"mymodel:Chat" = 5',
            '[tool.modelcheck."mymodel:Chat"] must be a table of settings',
        ),
        ("[tool]\nmodelcheck = 3", "[tool.modelcheck] in pyproject.toml must be a table."),
        (
            "[tool.modelcheck]\ntimeout = inf",
            "[tool.modelcheck] timeout is inf; it must be a positive number",
        ),
        (
            "[tool.modelcheck]\ntimeout = nan",
            "[tool.modelcheck] timeout is nan; it must be a positive number",
        ),
        ("[tool.modelcheck]\ntimeout = 1e300", "[tool.modelcheck] timeout is 1e+300; *at most 86400 (a day)"),
        (
            '[tool.modelcheck]\nsecret_pattern = "("',
            "[tool.modelcheck] secret_pattern is not a valid regular",
        ),
    ],
    ids=PYPROJECT_IDS.split(),
)
def test_a_wrong_type_in_pyproject_is_a_usage_error(mc: Modelcheck, toml: str, expected: str) -> None:
    mc.model(ECHO_CHAT)
    mc.config(toml + "\n")

    line = usage_error_line(mc.run("--modelcheck=mymodel:Chat"))

    pattern = re.sub(r"([\[\]])", r"[\1]", f"ERROR: modelcheck: {expected}")
    assert fnmatch(line, f"{pattern}*See modelcheck README.md#configuring-a-target."), line


def test_pyproject_that_is_not_toml_is_pytests_usage_error(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT)
    mc.config("[tool.modelcheck\n")

    outcome = mc.run("--modelcheck=mymodel:Chat")

    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in outcome.text()
    outcome.result.stderr.fnmatch_lines(["ERROR: *pyproject.toml: *"])


SIGNATURES = '''
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from modelcheck.reference_models._echo import apply_stop
from modelcheck.reference_models.minimal import MinimalChatModel, MinimalLLM


class ChatNoRunManager(MinimalChatModel):
    """`_generate` takes no `run_manager` (https://example.com/api)."""

    def _generate(self, messages, stop=None):
        text = apply_stop(str(messages[-1].content), stop)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


class LLMPromptOnly(MinimalLLM):
    """`_call` takes the prompt only (https://example.com/api)."""

    def _call(self, prompt):
        return prompt
'''


def test_a_method_signature_core_cannot_call_is_named_as_such(mc: Modelcheck) -> None:
    """Core calls `_generate(messages, stop, run_manager, **kwargs)`; its async fallback passes them
    by position. The message names that signature, not what the model returned."""
    mc.model(SIGNATURES)

    outcome = mc.run("--modelcheck=mymodel:ChatNoRunManager", "--modelcheck=mymodel:LLMPromptOnly")

    assert "ainvoke" in outcome.failing("mymodel:ChatNoRunManager")
    assert "invoke" not in outcome.failing("mymodel:ChatNoRunManager")  # core checks the signature there
    assert "invoke" in outcome.failing("mymodel:LLMPromptOnly")
    assert "most often because of what the model returned" not in outcome.text()
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]ainvoke[]] ainvoke('<probe prompt>') raised when langchain-core called the model's "
            "`_generate`: TypeError: ChatNoRunManager._generate() takes from 2 to 3 positional arguments "
            "but 4 were given. The signature of `_generate` does not take the arguments core passes: core "
            "calls `_generate(messages, stop=None, run_manager=None, **kwargs)`, and its thread-pool "
            "fallback for `_agenerate` passes `stop` and `run_manager` by position. Declare "
            "`def _generate(self, messages, stop=None, run_manager=None, **kwargs)`. "
            "See modelcheck docs/runnable.md#ainvoke.",
            "[[]invoke[]] invoke('<probe prompt>') raised when langchain-core called the model's `_call`: "
            "TypeError: LLMPromptOnly._call() got an unexpected keyword argument 'stop'. *Declare "
            "`def _call(self, prompt, stop=None, run_manager=None, **kwargs)`. *",
        ],
        consecutive=False,
    )


WARNS = '''
import warnings

from modelcheck.reference_models import EchoChatModel


class Warns(EchoChatModel):
    """Warns in `_agenerate` and when given stop strings (https://example.com/api)."""

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        if stop is None:
            warnings.warn("the async client is deprecated", DeprecationWarning, stacklevel=1)
        return await super()._agenerate(messages, stop, run_manager, **kwargs)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        if stop:
            warnings.warn("stop is sent as stop_sequences", UserWarning, stacklevel=1)
        return super()._generate(messages, stop, run_manager, **kwargs)
'''


def test_a_warning_is_shown_under_the_check_whose_call_raised_it(mc: Modelcheck) -> None:
    mc.model(WARNS)

    outcome = mc.run("--modelcheck=mymodel:Warns", "-W", "always")

    summary = outcome.result.stdout.str().split("warnings summary", 1)[1]
    outcome.result.stdout.fnmatch_lines(
        [
            "*warnings summary*",
            "modelcheck::mymodel:Warns::ainvoke",
            "*mymodel.py:*: DeprecationWarning: the async client is deprecated",
        ]
    )
    outcome.result.stdout.fnmatch_lines(
        [
            "modelcheck::mymodel:Warns::stop-respected",
            "*mymodel.py:*: UserWarning: stop is sent as stop_sequences",
        ]
    )
    assert "modelcheck::mymodel:Warns::invoke\n" not in summary


WARNS_EVERYWHERE = '''
import warnings

from modelcheck.reference_models import EchoChatModel


def _client_note():
    warnings.warn("the client's retries are off", UserWarning, stacklevel=1)


class WarnsEverywhere(EchoChatModel):
    """Warns from one line on every call, sync and async (https://example.com/api)."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        _client_note()
        return super()._generate(messages, stop, run_manager, **kwargs)

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        _client_note()
        return await super()._agenerate(messages, stop, run_manager, **kwargs)
'''


def test_a_warning_many_concurrent_calls_raise_is_filed_the_same_way_every_run(mc: Modelcheck) -> None:
    """Python shows a warning once per line; which concurrent call got there first was timing. Each
    occurrence is caught, and the warning is kept once, under the first check in catalog order."""
    mc.model(WARNS_EVERYWHERE)
    summaries = []
    for _ in range(3):
        outcome = mc.run(
            "--modelcheck=mymodel:WarnsEverywhere", "-W", "default::UserWarning", "-k", "not snapshot"
        )
        summary = outcome.result.stdout.str().split("warnings summary", 1)[1].split("-- Docs", 1)[0]
        summaries.append(summary)
    assert summaries[0] == summaries[1] == summaries[2]
    assert summaries[0].count("UserWarning: the client's retries are off") == 1, summaries[0]
    assert "modelcheck::mymodel:WarnsEverywhere::invoke\n" in summaries[0]
