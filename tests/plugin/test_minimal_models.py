"""The smallest correct models (only `_generate`, only `_call`) get no false failure.

langchain-core's `stream()` yields the whole answer as one value when a model has no `_stream`; a
`_stream`/`_astream` the model does not have is never driven. Each check that applies passes, the
others are skipped with the reason, and `native-async` fails, as its rule says.
"""

from __future__ import annotations

from support.harness import Modelcheck, messages, outcomes, section

from modelcheck.checks.catalog import CATALOG, checks_for
from modelcheck.core.records import Kind

CHAT = "reference_models.minimal:MinimalChatModel"
LLM = "reference_models.minimal:MinimalLLM"
# What the smallest correct models have, so these pass...
PASSED = {
    *section("Runnable surface"),
    *section("Stop tokens"),
    *section("Event streams"),
    *section("Conversation"),
    "identifying-params",
    "docs",
    "ls-params",
    "standard-params",
}
# ...and what they lack: `_stream`, a secret, every capability a check requires, `_astream`, an env
# default, a declaration. A check the catalog adds later passes or is skipped with its reason.
SKIPPED = {
    *section("Streaming"),
    *section("Secrets"),
    *(c.id for c in CATALOG if c.requires),
    "native-async-stream",
    "init-from-env",
    "capabilities",
}


def assert_judged(verdicts: dict[str, str], said: dict[str, str], kind: Kind) -> None:
    """`native-async` fails (they have no async code), nothing else does; what they have passes,
    what they lack is skipped, each skip with its reason."""
    assert set(verdicts) == {c.id for c in checks_for(kind)}
    assert {c for c, v in verdicts.items() if v == "failed"} == {"native-async"}
    assert {c: verdicts[c] for c in PASSED & set(verdicts)} == dict.fromkeys(PASSED & set(verdicts), "passed")
    assert {c: verdicts[c] for c in SKIPPED & set(verdicts)} == dict.fromkeys(
        SKIPPED & set(verdicts), "skipped"
    )
    assert all(said[c] for c, v in verdicts.items() if v == "skipped")


def test_minimal_models_pass_what_applies_and_skip_the_rest(mc: Modelcheck) -> None:
    outcome = mc.run(f"--modelcheck={CHAT}", f"--modelcheck={LLM}", "-rs", report=True)

    chat, llm = messages(outcome, CHAT), messages(outcome, LLM)
    assert_judged(outcome.of(CHAT), chat, "chat")
    assert_judged(outcome.of(LLM), llm, "llm")
    assert "MinimalChatModel does not stream on stream() (no `_stream`" in chat["stream"]
    assert "yields the whole answer as one AIMessage; that is the framework's" in chat["stream"]
    assert "yields the whole answer as one str" in llm["astream"]
    assert chat["stream-callbacks"].startswith("MinimalChatModel implements neither `_stream` nor `_astream`")
    assert chat["native-async"].startswith("MinimalChatModel does not override _agenerate")
    assert llm["native-async"].startswith("MinimalLLM does not override _acall or _agenerate")
    for text in (*chat.values(), *llm.values()):
        assert "NotImplementedError" not in text


ASYNC_ONLY = '''
from langchain_core.language_models import BaseChatModel

from reference_models import EchoChatModel


class AsyncStreamOnly(EchoChatModel):
    """Streams on the async path only (https://example.com/api)."""

    _stream = BaseChatModel._stream


class StreamingOff(EchoChatModel):
    """Streams, but this instance turns streaming off (https://example.com/api)."""
'''


def test_a_path_the_model_does_not_stream_on_is_judged_as_core_runs_it(mc: Modelcheck) -> None:
    """`_astream` but no `_stream`: sync stream() gives the whole message, `_stream` is not driven;
    with streaming turned off on the instance (`disable_streaming`), neither path streams."""
    mc.model(ASYNC_ONLY)
    mc.config('[tool.modelcheck."mymodel:StreamingOff"]\nparams = { disable_streaming = true }\n')

    outcome = mc.run(
        "--modelcheck=mymodel:AsyncStreamOnly", "--modelcheck=mymodel:StreamingOff", "-rs", report=True
    )

    assert outcomes(outcome.of("mymodel:AsyncStreamOnly")) == {"passed"}, outcome.text()
    off = outcome.of("mymodel:StreamingOff")
    assert set(off.values()) == {"passed", "skipped"}, outcome.text()
    skipped = {c: m for c, m in messages(outcome, "mymodel:StreamingOff").items() if off[c] == "skipped"}
    assert section("Streaming") <= set(skipped)
    assert all("whole answer as one" in m for m in skipped.values()), skipped  # and for no other reason
    outcome.result.stdout.fnmatch_lines(
        [
            f"SKIPPED [[]1[]] modelcheck::mymodel:StreamingOff::{check}: stream() and astream() of "
            "StreamingOff yield the whole answer as one value*"
            for check in [c.id for c in CATALOG if c.id in section("Streaming")]  # as the items run
        ]
    )
