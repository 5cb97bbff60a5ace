"""event-stream and event-snapshot as users run them: reference models, broken variants, the review loop."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from support.harness import only, section

# Imported once here, so in-process runs (pytester drops the modules a run imported) reuse them.
import modelcheck.observe.observation
import modelcheck.pytest.snapshot  # noqa: F401
import reference_models.broken_events  # noqa: F401
from modelcheck.checks.catalog import checks_for

ARGS = ("-p", "no:cacheprovider", "-rA")
SNAPSHOTS = Path("__snapshots__", "modelcheck")
V3_CORE = "stream_events" in vars(BaseChatModel)

CHAT = '''
import uuid

from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from reference_models import EchoChatModel

SUFFIX = " the quick brown fox"


class Chat(EchoChatModel):
    """A chat model under test (https://example.com/api)."""

    def _answer(self, messages, stop):
        return super()._answer(messages, stop) + SUFFIX
'''


# The event checks, not tool-events (a tool calling check whose id holds "event" too).
EVENT_CHECKS = only(*section("Event streams"))[1]


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*ARGS, *args)


def snapshot_of(pytester: pytest.Pytester, target: str) -> Path:
    return pytester.path / SNAPSHOTS / f"{target.replace(':', '.')}.json"


def test_reference_models_pass_once_their_snapshots_are_written(pytester: pytest.Pytester) -> None:
    first = run(pytester, "--modelcheck", "-k", EVENT_CHECKS, "--snapshot-update", "--snapshot-details")
    first.assert_outcomes(passed=4)
    first.stdout.fnmatch_lines(
        [
            "*2 snapshots generated.*",
            "Generated modelcheck.reference_models.EchoLLM "
            "(__snapshots__/modelcheck/modelcheck.reference_models.EchoLLM.json)",
        ]
    )
    assert snapshot_of(pytester, "modelcheck.reference_models:EchoChatModel").is_file()
    again = run(pytester, "--modelcheck", "-k", EVENT_CHECKS)
    again.assert_outcomes(passed=4)
    again.stdout.fnmatch_lines(["*2 snapshots passed.*"])
    assert again.ret == 0


def test_a_first_run_without_a_snapshot_fails_and_says_how_to_create_it(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--modelcheck=reference_models:EchoLLM", "-k", "event-snapshot")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "[[]event-snapshot[]] there is no snapshot of this model's event stream yet "
            "(__snapshots__/modelcheck/reference_models.EchoLLM.json). Create it with `pytest "
            "--snapshot-update`*commit it; later runs compare the event stream with it. "
            "See modelcheck docs/events.md#event-snapshot.",
            "*1 snapshot failed.*",
        ]
    )


def test_a_one_character_change_fails_with_a_diff_that_shows_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(mymodel=CHAT)
    run(pytester, "--modelcheck=mymodel:Chat", "-k", EVENT_CHECKS, "--snapshot-update").assert_outcomes(
        passed=2
    )
    pytester.makepyfile(mymodel=CHAT.replace("quick brown", "quick crown"))
    result = run(pytester, "--modelcheck=mymodel:Chat", "-k", EVENT_CHECKS)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "[[]event-snapshot[]] the event stream differs from the snapshot "
            "__snapshots__/modelcheck/mymodel.Chat.json (- snapshot, + this run):",
            "@@ snapshot line *, this run line * @@",
            '-     {"event": "on_chat_model_stream", *"content": "brown fo", *',
            "[?] *^",
            '+     {"event": "on_chat_model_stream", *"content": "crown fo", *',
            "[?] *^",
        ]
    )
    result.stdout.fnmatch_lines(["If the change is intended, accept it with `pytest --snapshot-update`*"])
    accepted = run(pytester, "--modelcheck=mymodel:Chat", "-k", EVENT_CHECKS, "--snapshot-update")
    accepted.assert_outcomes(passed=2)
    accepted.stdout.fnmatch_lines(["*1 snapshot updated.*"])
    assert "quick crown" in snapshot_of(pytester, "mymodel:Chat").read_text(encoding="utf-8")


def test_a_run_writes_and_deletes_only_the_snapshots_of_the_targets_it_checked(
    pytester: pytest.Pytester,
) -> None:
    """`pytest --modelcheck=A --snapshot-update` (the command modelcheck's messages recommend), with
    or without `-k`, leaves the reviewed snapshots of every other target, and the cassettes."""
    llm, chat = "reference_models:EchoLLM", "reference_models:EchoChatModel"
    run(pytester, f"--modelcheck={llm}", f"--modelcheck={chat}", "--snapshot-update")
    files = sorted(p.name for p in (pytester.path / SNAPSHOTS).iterdir())
    assert files == [
        "reference_models.EchoChatModel.json",
        "reference_models.EchoChatModel.serialized.json",
        "reference_models.EchoLLM.json",
        "reference_models.EchoLLM.serialized.json",
    ]
    gone = pytester.path / SNAPSHOTS / "gone.Model.json"  # a target no longer checked
    gone.write_text("{}\n", encoding="utf-8")
    cassette = pytester.path / SNAPSHOTS / "reference_models.EchoChatModel.cassette.yaml"
    cassette.write_text("version: 1\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (pytester.path / SNAPSHOTS).iterdir()}
    for selection in ((), ("-k", "invoke"), ("-k", "event-snapshot")):
        result = run(pytester, f"--modelcheck={llm}", "--snapshot-update", "--snapshot-details", *selection)
        assert result.ret == 0, result.stdout.str()
        assert "unused" not in result.stdout.str() and "Deleted" not in result.stdout.str()
        assert {p.name: p.read_bytes() for p in (pytester.path / SNAPSHOTS).iterdir()} == before
    # Without --snapshot-update, the other targets' files are not "unused" either: the run passes.
    result = run(pytester, f"--modelcheck={llm}", "-k", "event-snapshot")
    result.assert_outcomes(passed=1)
    assert result.ret == 0 and "unused" not in result.stdout.str()


def test_excluded_fields_and_secrets_never_reach_the_snapshot(pytester: pytest.Pytester) -> None:
    leaky = CHAT + textwrap.dedent(
        '''
        class Leaky(Chat):
            """Puts a request id and its api key in every chunk's metadata."""

            def _result(self, text):
                result = super()._result(text)
                result.generations[0].message.response_metadata.update(self._meta())
                return result

            def _meta(self):
                return {"request_id": uuid.uuid4().hex, "key": self.api_key.get_secret_value()}

            def _stream(self, messages, stop=None, run_manager=None, **kwargs):
                for chunk in super()._stream(messages, stop, run_manager, **kwargs):
                    chunk.message.response_metadata = self._meta()
                    yield chunk

            async def _astream(self, messages, stop=None, run_manager=None, **kwargs):
                async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
                    chunk.message.response_metadata = self._meta()
                    yield chunk
        '''
    )
    pytester.makepyfile(mymodel=leaky)
    pytester.makepyprojecttoml('[tool.modelcheck]\nsnapshot_exclude = ["response_metadata.request_id"]\n')
    args = ("--modelcheck=mymodel:Leaky", "-k", "event-snapshot")
    run(pytester, *args, "--snapshot-update").assert_outcomes(passed=1)
    text = snapshot_of(pytester, "mymodel:Leaky").read_text(encoding="utf-8")
    assert '"request_id": "<excluded>"' in text and '"key": "***"' in text
    assert "mc-canary" not in text
    run(pytester, *args).assert_outcomes(passed=1)


LOOPBACK_CONFTEST = '''
import socket
import uuid

import pytest

from reference_models import EchoChatModel


class Chat(EchoChatModel):
    """A chat model of a provider's API (https://example.com/api), here its test double."""

    deployment: str | None = None
    """The deployment the provider assigned (different on every run)."""


@pytest.fixture(scope="session")
def api_server():
    """A loopback stand-in for the provider's API, on a port the system picks for each run."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


@pytest.fixture
def chat_model(api_server):
    return Chat(base_url=api_server, deployment=uuid.uuid4().hex)
'''


def test_a_loopback_port_and_excluded_fields_do_not_break_the_serialized_snapshot(
    pytester: pytest.Pytester,
) -> None:
    """A fixture server on an ephemeral port puts its URL in the model's serialized form: the port
    reads `<port>`, and `snapshot_exclude` applies to that snapshot as to the event snapshot."""
    pytester.makeconftest(LOOPBACK_CONFTEST)
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\nmodelcheck_targets = ["fixture:chat_model"]\n'
        '[tool.modelcheck]\nsnapshot_exclude = ["deployment"]\n'
    )
    args = ("-k", "serialization or event-snapshot")
    run(pytester, *args, "--snapshot-update").assert_outcomes(passed=2)
    serialized = pytester.path / SNAPSHOTS / "fixture.chat_model.serialized.json"
    text = serialized.read_text(encoding="utf-8")
    assert '"base_url": "http://127.0.0.1:<port>/v1"' in text and '"deployment": "<excluded>"' in text
    again = run(pytester, *args)  # another port, another deployment
    again.assert_outcomes(passed=2)
    assert serialized.read_text(encoding="utf-8") == text


def test_event_snapshot_is_skipped_when_syrupy_is_disabled(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--modelcheck=reference_models:EchoLLM", "-k", EVENT_CHECKS, "-p", "no:syrupy")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*no snapshot store: the syrupy plugin is not active*-p no:syrupy*"])


def whole_catalog(pytester: pytest.Pytester, target: str) -> dict[str, str]:
    result = run(pytester, f"--modelcheck={target}", "-v", "--snapshot-update")
    outcomes = {}
    for line in result.outlines:
        if line.startswith(f"modelcheck::{target}::") and " " in line:
            node, outcome = line.split(" ")[:2]
            outcomes[node.rsplit("::", 1)[1]] = outcome
    # Nothing is declared, but the reference chat model's profile claims its media inputs, which
    # `capabilities` holds it to (tests/plugin/test_capabilities.py).
    assert outcomes.pop("capabilities") == "PASSED"
    assert set(outcomes) == {c.id for c in checks_for("chat")} - {"capabilities"}
    return outcomes


def test_a_model_whose_inner_call_escapes_into_the_chain_fails_only_event_stream(
    pytester: pytest.Pytester,
) -> None:
    target = "reference_models.broken_events:ChatDelegatingStream"
    outcomes = whole_catalog(pytester, target)
    assert {c for c, o in outcomes.items() if o != "PASSED"} == {"event-stream"}
    result = run(pytester, f"--modelcheck={target}", "-k", "event-stream")
    result.stdout.fnmatch_lines(
        [
            '[[]event-stream[]] astream_events(version="v2") on ChatPromptTemplate | model: event #4: '
            "2 model runs started directly under the chain (ChatDelegatingStream, EchoChatModel);*",
            "  #3 on_chat_model_start ChatDelegatingStream run=<run-2> parents=[[]<run-0>[]]",
            "> #4 on_chat_model_start EchoChatModel run=<run-3> parents=[[]<run-0>[]]",
            "  #5 on_chat_model_stream EchoChatModel run=<run-3> parents=[[]<run-0>[]] chunk='modelche'",
            "*See modelcheck docs/events.md#event-stream.",
        ]
    )


def test_a_native_v3_hook_sending_cumulative_deltas_fails_only_event_stream(
    pytester: pytest.Pytester,
) -> None:
    target = "reference_models.broken_events:ChatCumulativeDeltas"
    outcomes = whole_catalog(pytester, target)
    failing = {c for c, o in outcomes.items() if o != "PASSED"}
    if not V3_CORE:
        assert failing == set()
        return
    assert failing == {"event-stream"}
    result = run(pytester, f"--modelcheck={target}", "-k", "event-stream")
    result.stdout.fnmatch_lines(
        [
            '[[]event-stream[]] astream_events(version="v3") on the model: event #10: the text-delta events '
            "of block 0 add up to 'modelchemodelcheck probe*, but the finished block says 'modelcheck "
            "probe: the quick brown fox jumps over the lazy dog'. Each delta must carry only the new text*",
            "> #10 content-block-finish index=0 text 'modelcheck probe: the quick brown fox jumps over*'",
        ]
    )


NON_STREAMING = '''
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.llms import LLM
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult


class Chat(BaseChatModel):
    """A chat model that does not stream."""

    @property
    def _llm_type(self):
        return "plain-chat"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=messages[-1].content))])


class Text(LLM):
    """A text model that does not stream."""

    @property
    def _llm_type(self):
        return "plain-text"

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt
'''


def test_a_model_that_does_not_stream_is_not_blamed_for_missing_stream_events(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(plain=NON_STREAMING)
    result = run(pytester, "--modelcheck=plain:Chat", "--modelcheck=plain:Text", "-k", "event-stream")
    result.assert_outcomes(passed=2)
