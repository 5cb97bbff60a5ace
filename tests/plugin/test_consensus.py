"""Drifting implementations and a sampling model, as users run them: the consensus through the plugin.

The broken_drift variants answer one way on one side of the model's methods and another way on the
other side, every time: the paths of that side fail, with both answers; a model that samples fails
nothing (core/consensus.py; its unit tests are tests/unit/test_consensus.py).
"""

from __future__ import annotations

from support.harness import Modelcheck

from modelcheck.checks.common import show

ANSWER_PROMPT = "modelcheck probe: the quick brown fox jumps over the lazy dog"


SAMPLER = '''
import random

from modelcheck.reference_models import EchoChatModel
from modelcheck.reference_models._echo import apply_stop


class Sampler(EchoChatModel):
    """Answers with a random number after the echo, on every path (https://example.com/api)."""

    def _answer(self, messages, stop):
        return apply_stop(super()._answer(messages, None) + f" {random.random()}", stop)
'''


def test_drifting_implementations_fail_their_side_and_a_sampler_nothing(mc: Modelcheck) -> None:
    mc.model(SAMPLER)
    drift = "reference_models.broken_drift"
    outcome = mc.run(
        f"--modelcheck={drift}:ChatAsyncDrifts",
        f"--modelcheck={drift}:LLMStreamDrifts",
        "--modelcheck=mymodel:Sampler",
    )

    assert outcome.failing(f"{drift}:ChatAsyncDrifts") == {"ainvoke", "abatch"}, outcome.text()
    assert outcome.failing(f"{drift}:LLMStreamDrifts") == {"stream", "astream"}, outcome.text()
    assert outcome.failing("mymodel:Sampler") == set(), outcome.text()
    capitalized = show(ANSWER_PROMPT.capitalize())
    outcome.result.stdout.fnmatch_lines(
        [
            f"[[]ainvoke[]] ainvoke gave {capitalized}, but invoke, batch, stream, astream all gave "
            f"{show(ANSWER_PROMPT)} for the same prompt. ainvoke, abatch agree with each other *`_agenerate` "
            "answers differently from `_generate`/`_stream`/`_astream`. *",
            f"[[]stream[]] stream gave {capitalized}, but invoke, batch, ainvoke, abatch all gave *",
        ],
        consecutive=False,
    )
