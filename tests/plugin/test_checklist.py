"""Each broken checklist variant fails exactly the check its docstring names, and no other.

The whole catalog runs on each variant, as a user would run it, so a check that blames the wrong
model (or a variant that breaks two things) shows up here.
"""

from __future__ import annotations

# Inner runs print hypothesis' report header, which imports it; imported here it stays loaded,
# instead of being imported (and assertion-rewritten) again by every pytester run.
import hypothesis  # noqa: F401
import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from support.harness import broken_variants, messages, only, outcomes, section

from modelcheck.checks.catalog import by_id, checks_for
from modelcheck.targets.loading import model_kind
from reference_models import broken_checklist

# On langchain-core 0.3 no path hands a chat model's `_stream` a run manager, so a silent
# `_stream` cannot reach users and must not be blamed.
CHAT_STREAM_RUN_MANAGER = hasattr(BaseChatModel, "_iter_v2_events")

MESSAGES = {
    "ChatSilentStream": "*on _stream(run_manager=...) as core's v3 stream_events drives it, the model "
    "yielded * chunks but on_llm_new_token never fired. *",
    "LLMCallbackAfterYield": "*on stream(), chunk 0 (*) reached the caller before its on_llm_new_token "
    "callback fired*",
    "ChatIgnoresStop": "*invoke with stop=[[]'*'[]] gave 'modelcheck probe: the quick brown fox jumps over "
    "the lazy dog': text follows the stop string; expected '*'. *",
    "LLMIgnoresStop": "*invoke with stop=[[]'*'[]] gave 'modelcheck probe: the quick brown fox jumps over "
    "the lazy dog': text follows the stop string*",
    "ChatStreamStopKeyword": "*with stop=[[]*[]] raised in _stream (broken_checklist.py:*): TypeError: "
    "_request() got an unexpected keyword argument 'stop_sequences'. *Without stop strings the same "
    "call works, so the stop strings cause it*",
    "ChatExcludesStop": '*which ends before the stop string*declare it with stop_policy = "exclude"*',
    "LLMExcludesStop": '*which ends before the stop string*declare it with stop_policy = "exclude"*',
    "ChatPlainStrKey": "*these credential fields are plain strings: api_key (str | None)*SecretStr*",
    "LLMKeyInParams": "*a secret leaked: the canary put in api_key showed in *_identifying_params*",
    "LLMAliasedKeyInParams": "*a secret leaked: the canary put in token showed in *_identifying_params*",
    "ChatNoModelName": "*`_identifying_params` has no 'model_name' (its keys: 'model')*",
    "ChatThreadPoolAsync": "*during ainvoke, work was sent to a thread pool (EchoChatModel._generate)*",
    "LLMBlockingAsync": "*during ainvoke, the event loop was blocked for * s in _acall "
    "(broken_checklist.py:*)*time.sleep*",
    "ChatBlockingAstream": "*during astream, the event loop was blocked for * s in _astream "
    "(broken_checklist.py:*)*",
    "LLMNoAstream": "*LLMNoAstream overrides `_stream` but not `_astream`, so astream runs `_stream` in a "
    "thread pool*",
    "ChatUndocumented": "*these init fields are undocumented: ChatUndocumented.temperature.*",
    "LLMNoApiLink": "*LLMNoApiLink is service-backed (it has api_key) but its class docstring has no "
    "http(s) link*",
}


BROKEN = broken_variants(broken_checklist)


def test_every_broken_variant_has_an_expected_message() -> None:
    assert set(BROKEN) == set(MESSAGES)


def expected_failures(name: str, check_id: str) -> set[str]:
    if name == "ChatSilentStream" and not CHAT_STREAM_RUN_MANAGER:
        return set()
    return {check_id}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_variant_fails_only_its_check(mc, name: str) -> None:
    cls, check_id = BROKEN[name]
    target = f"reference_models.broken_checklist:{name}"
    outcome = mc.run(f"--modelcheck={target}", "-rfE")
    verdicts = outcome.of(target)
    kind = model_kind(cls)
    assert kind is not None
    assert set(verdicts) == {c.id for c in checks_for(kind)}
    wrong = {c: v for c, v in verdicts.items() if v not in ("passed", "skipped")}
    want = expected_failures(name, check_id)
    assert wrong == dict.fromkeys(want, "failed"), outcome.text()
    if want:
        message = f"[[]{check_id}[]] {MESSAGES[name]} See {by_id(check_id).anchor}."
        outcome.result.stdout.fnmatch_lines([message])
    else:
        assert verdicts[check_id] == "passed"


def test_reference_models_pass_every_check(mc) -> None:
    outcome = mc.run("--modelcheck", "-rs")
    for target in ("modelcheck.reference_models:EchoLLM", "modelcheck.reference_models:EchoChatModel"):
        verdicts = outcome.of(target)
        assert len(verdicts) == len(checks_for("llm" if "LLM" in target else "chat"))
        assert outcomes(verdicts) == {"passed"}, outcome.text()


PLAIN = '''
from typing import Any

from langchain_core.language_models.llms import LLM
from pydantic import Field

from reference_models._echo import apply_stop


class Plain(LLM):
    """A local text model: no key, no streaming."""

    model_name: str = "plain-1"
    """Name of the model."""

    @property
    def _llm_type(self) -> str:
        return "plain"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return apply_stop(prompt, stop)

    async def _acall(self, prompt, stop=None, run_manager=None, **kwargs):
        return apply_stop(prompt, stop)


class Named(Plain):
    """Names its model under other keys."""

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model_name, "temperature": 0.5}


class Base(Plain):
    """A user base class with an undocumented field."""

    retries: int = 2


class Undocumented(Base):
    """Two of its four fields are documented."""

    top_k: int = 1

    top_p: float = Field(default=1.0, description="Nucleus sampling.")

    seed: int = 0
    """Random seed."""
'''


def test_checks_that_do_not_apply_are_skipped_with_the_reason(mc) -> None:
    mc.model(PLAIN)
    outcome = mc.run("--modelcheck=mymodel:Plain", "-rs", report=True)
    verdicts = outcome.of("mymodel:Plain")
    # Plain has no `_stream`, no secret, no env default, no capability a check requires, nothing
    # declared: those checks skip; every other check passes or is skipped with its reason.
    lacks = {*section("Streaming"), *section("Secrets"), *(c.id for c in checks_for("llm") if c.requires)}
    lacks |= {"native-async-stream", "capabilities", "init-from-env"}
    assert set(verdicts) == {c.id for c in checks_for("llm")}
    assert {c for c, v in verdicts.items() if v == "skipped"} >= lacks, outcome.text()
    has = {*section("Runnable surface"), *section("Stop tokens"), *section("Event streams")}
    has |= {"identifying-params", "native-async", "docs", "ls-params", "standard-params"}
    assert {c for c, v in verdicts.items() if v == "passed"} >= has, outcome.text()
    assert set(verdicts.values()) == {"passed", "skipped"}, outcome.text()
    assert all(m for c, m in messages(outcome, "mymodel:Plain").items() if verdicts[c] == "skipped")
    outcome.result.stdout.fnmatch_lines(
        [
            *(
                f"SKIPPED [[]1[]] modelcheck::mymodel:Plain::{check}: Plain implements neither `_stream` "
                "nor `_astream`, so stream() returns the whole answer as one chunk and there are no "
                "stream callbacks to check."
                for check in ("stream-callbacks", "stream-callback-order")
            ),
            "SKIPPED * Plain declares no field whose name looks like a credential (secret_pattern in "
            "[[]tool.modelcheck[]] sets which names do).",
            "SKIPPED * the model has no secret field and no secret_env, so there is no secret to track.",
            "SKIPPED * Plain does not stream (no `_stream` or `_astream`).",
        ]
    )


def test_identifying_params_message_lists_the_keys_seen(mc) -> None:
    mc.model(PLAIN)
    outcome = mc.run("--modelcheck=mymodel:Named", *only("identifying-params"))
    assert outcome.failing("mymodel:Named") == {"identifying-params"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]identifying-params[]] `_identifying_params` has no 'model_name' (its keys: 'model', "
            "'temperature'). Return it from `_identifying_params`, e.g. "
            '`return {"model_name": self.model_name, ...}`. '
            "See modelcheck docs/identifying-params.md#identifying-params."
        ]
    )


def test_docs_message_lists_the_undocumented_fields(mc) -> None:
    mc.model(PLAIN)
    outcome = mc.run("--modelcheck=mymodel:Undocumented", *only("docs"))
    assert outcome.failing("mymodel:Undocumented") == {"docs"}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]docs[]] these init fields are undocumented: Undocumented.top_k, Base.retries. Add a "
            "docstring on the line after each field *See modelcheck docs/documentation.md#docs."
        ]
    )


PLACES = '''
import sys

from reference_models import EchoChatModel


class Outer:
    class Nested(EchoChatModel):
        """A chat model in a class (https://example.com/api)."""

        top_k: int = 1
        """How many answers."""
        seed: int = 0


if sys.version_info >= (3, 10):

    class InIf(EchoChatModel):
        """A chat model defined under `if` (https://example.com/api)."""

        seed: int = 0

else:

    class InIf(EchoChatModel):
        """The same name a second time (https://example.com/api)."""

        seed: int = 0


def make():
    class Local(EchoChatModel):
        """A chat model defined in a function (https://example.com/api)."""

        seed: int = 0
        """The seed."""

    return Local


Local = make()
'''


def test_docs_finds_the_class_wherever_it_is_defined(mc) -> None:
    mc.model(PLACES)
    targets = ("mymodel:Outer.Nested", "mymodel:InIf", "mymodel:Local")
    outcome = mc.run(*(f"--modelcheck={t}" for t in targets), *only("docs"))
    assert [outcome.of(t)["docs"] for t in targets] == ["failed", "failed", "passed"], outcome.text()
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]docs[]] these init fields are undocumented: Outer.Nested.seed. Add *",
            "[[]docs[]] these init fields are undocumented: InIf.seed. Add *",
        ],
        consecutive=False,
    )


DOCS = '''
from typing import Any

from pydantic import Field

from modelcheck.reference_models import EchoLLM


class OwnDocNoLink(EchoLLM):
    """Has its own docstring, without a link: the API reference shows this one, not EchoLLM's."""


class NoOwnDoc(EchoLLM):
    pass


class GoogleStyle(EchoLLM):
    """A model documented in its docstring (https://example.com/api).

    Attributes:
        top_k (int): How many answers.
        seed: The random seed.
    """

    top_k: int = 1
    seed: int = 0


class NumpyStyle(EchoLLM):
    """A model documented in NumPy style (https://example.com/api).

    Attributes
    ----------
    top_k : int
        How many answers.

    Notes
    -----
    seed is not in the Attributes section.
    """

    top_k: int = 1
    seed: int = 0


class WithClient(EchoLLM):
    """A model holding an SDK client (https://example.com/api)."""

    client: Any = Field(default=None, exclude=True)  #: :meta private:
    #: :meta private:
    async_client: Any = Field(default=None, exclude=True)
    internal: Any = Field(default=None, exclude=True)
    """:meta private:"""
    shown: Any = None  #: :meta private:


class Everything(EchoLLM):
    """No link, and an undocumented field."""

    seed: int = 0
'''


def test_docs_reads_the_shown_docstring_its_sections_and_leaves_private_fields_out(mc) -> None:
    mc.model(DOCS)
    names = ("OwnDocNoLink", "NoOwnDoc", "GoogleStyle", "NumpyStyle", "WithClient", "Everything")
    outcome = mc.run(*(f"--modelcheck=mymodel:{n}" for n in names), *only("docs"), report=True)

    verdicts = [outcome.of(f"mymodel:{n}")["docs"] for n in names]
    assert verdicts == ["failed", "passed", "passed", "failed", "failed", "failed"], outcome.text()
    said = {t["target"]: t["checks"][0]["message"] for t in outcome.report()["targets"]}
    assert said["mymodel:OwnDocNoLink"].startswith(
        "OwnDocNoLink is service-backed (it has api_key, base_url) but its"
    )
    assert said["mymodel:NumpyStyle"].startswith("these init fields are undocumented: NumpyStyle.seed. ")
    # exclude=True and `:meta private:` (a comment on or above the line): left out. `internal` has a
    # docstring (that says `:meta private:`), so it is documented anyway; `shown` is serialized.
    assert said["mymodel:WithClient"].startswith("these init fields are undocumented: WithClient.shown. ")
    assert said["mymodel:WithClient"].endswith(
        "Left out, as not arguments a user passes (excluded from serialization and `:meta private:`): "
        "WithClient.client, WithClient.async_client. See modelcheck "
        "docs/documentation.md#docs."
    )
    # Both problems at once, not the link only after the fields are fixed.
    assert said["mymodel:Everything"].startswith("these init fields are undocumented: Everything.seed. ")
    assert (
        "Everything is service-backed (it has api_key, base_url) but its class docstring has no http(s) link"
        in (said["mymodel:Everything"])
    )
