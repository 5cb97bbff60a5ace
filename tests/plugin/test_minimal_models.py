"""The smallest correct models (only `_generate`, only `_call`) get no false failure.

langchain-core's `stream()` yields the whole answer as one value when a model has no `_stream`; a
`_stream`/`_astream` the model does not have is never driven. Each check that applies passes, the
others are skipped with the reason, and `native-async` fails, as its rule says.
"""

from __future__ import annotations

from typing import Any

from support.harness import Modelcheck, outcomes

from modelcheck.checks.catalog import checks_for

CHAT = "reference_models.minimal:MinimalChatModel"
LLM = "reference_models.minimal:MinimalLLM"
SKIPPED = {
    "stream-callbacks",
    "stream-callback-order",
    "secret-fields",
    "secret-masking",
    "native-async-stream",
    "capabilities",
    "usage-metadata",
    "init-from-env",
    "serialization",
    "image-input",
    "pdf-input",
    "audio-input",
    "bind-tools",
    "tool-calls",
    "structured-output",
    "tool-round-trip",
    "tool-events",
}


def expected(kind: str) -> dict[str, str]:
    def outcome(check_id: str) -> str:
        if check_id == "native-async":
            return "failed"
        return "skipped" if check_id in SKIPPED else "passed"

    return {c.id: outcome(c.id) for c in checks_for(kind)}  # type: ignore[arg-type]


def messages(report: dict[str, Any], target: str) -> dict[str, str]:
    (found,) = [t for t in report["targets"] if t["target"] == target]
    return {c["id"]: c["message"] for c in found["checks"]}


def test_minimal_models_pass_what_applies_and_skip_the_rest(mc: Modelcheck) -> None:
    outcome = mc.run(f"--modelcheck={CHAT}", f"--modelcheck={LLM}", "-rs", report=True)

    assert outcome.of(CHAT) == expected("chat"), outcome.text()
    assert outcome.of(LLM) == expected("llm"), outcome.text()
    chat, llm = messages(outcome.report(), CHAT), messages(outcome.report(), LLM)
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

    outcome = mc.run("--modelcheck=mymodel:AsyncStreamOnly", "--modelcheck=mymodel:StreamingOff", "-rs")

    assert outcomes(outcome.of("mymodel:AsyncStreamOnly")) == {"passed"}, outcome.text()
    off = outcome.of("mymodel:StreamingOff")
    assert {c for c, v in off.items() if v != "passed"} == {
        "stream-callbacks",
        "stream-callback-order",
        "tool-events",
    }
    assert set(off.values()) == {"passed", "skipped"}, outcome.text()
    outcome.result.stdout.fnmatch_lines(
        ["SKIPPED [[]2[]] *: stream() and astream() of StreamingOff yield the whole answer as one value*"]
    )
