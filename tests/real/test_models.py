"""Proof on real models: modelcheck's verdicts on code it did not write, pinned check by check.

langchain-core's own fakes, and langchain-openai's ChatOpenAI and OpenAI pointed at an
OpenAI-compatible server on 127.0.0.1 (tests/support/openai_server.py). Each verdict below was checked by
hand against the model's source; `why` says what in that source makes a check fail. A verdict
modelcheck gets wrong is pinned as the right one and marked xfail(strict=True) with the reason,
so the test turns red the day modelcheck is fixed (and the mark must go) or the verdict moves.

Verified on langchain-core 1.7.2 (langchain-openai 1.7.3) and 0.3.86 (langchain-openai 0.3.35);
the pins that differ between them say so (CORE_1, OPENAI_1). docs/real-models.md is the table.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from support.harness import REPORT, only, section
from support.openai_server import OpenAIServer
from support.realpins import (
    CORE_1,
    NO_ENV,
    NO_MAX_TOKENS,
    NO_USAGE,
    NOT_SERIALIZABLE,
    STREAM_USAGE,
    Pin,
    assert_pin,
    failed,
    major,
    params,
    passed,
    pins,
    run_report,
    skipped,
)

from modelcheck.checks.catalog import CATALOG

OPENAI_1 = (major("langchain-openai") or 0) >= 1
NO_OPENAI = (
    "langchain-openai is not installed; install the integrations extra: pip install -e '.[integrations]'"
)


# ------------------------------------------------------------------ langchain-core's fakes

FAKES_MODULE = '''
"""langchain-core's fakes, each built with one response so that every path gives the same answer
(with several, the fakes cycle through them per call and the paths would disagree)."""

import itertools

from langchain_core.language_models.fake import FakeListLLM, FakeStreamingListLLM
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
    ParrotFakeChatModel,
)

ANSWER = "Paris is the capital of France."


def fake_list_llm():
    return FakeListLLM(responses=[ANSWER])


def fake_streaming_list_llm():
    return FakeStreamingListLLM(responses=[ANSWER])


def fake_list_chat():
    return FakeListChatModel(responses=[ANSWER])


def generic_fake_chat():
    return GenericFakeChatModel(messages=itertools.repeat(ANSWER))


def parrot_fake_chat():
    return ParrotFakeChatModel()
'''

NOT_STREAMING = "implements neither `_stream` nor `_astream`"
NO_CREDENTIAL = "declares no field whose name looks like a credential"
NO_SECRET = "the model has no secret field and no secret_env"
NO_MODEL_NAME = "`_identifying_params` has no 'model_name'"
STOP_IGNORED = failed("text follows the stop string", "`_call`/`_generate` ignore `stop`")
STOP_UNJUDGED = skipped("stop is not respected (see stop-respected)")
NOT_NATIVE = "does not override _agenerate, so ainvoke runs _generate in a thread pool"
# No fake chat model has a `bind_tools` or `with_structured_output` of its own (core's raise
# NotImplementedError, and core's with_structured_output needs bind_tools): every check that needs
# tool calling or structured output skips, naming the capability.
NO_TOOLS: dict[str, Pin] = {
    check.id.replace("-", "_"): skipped(f"the model does not show the {check.requires} capability (no own ")
    for check in CATALOG
    if check.requires in ("tool_calling", "structured_output")
}

FAKES: dict[str, dict[str, Pin]] = {
    "fake_list_llm": pins(
        "llm",
        max_tokens=NO_MAX_TOKENS,
        init_from_env=NO_ENV,
        serialization=NOT_SERIALIZABLE,
        stream_callbacks=skipped(NOT_STREAMING),
        stream_callback_order=skipped(NOT_STREAMING),
        stop_respected=STOP_IGNORED,
        stop_included=STOP_UNJUDGED,
        secret_fields=skipped(NO_CREDENTIAL),
        secret_masking=skipped(NO_SECRET),
        identifying_params=failed(
            f"{NO_MODEL_NAME} (its keys: 'responses')", "fake.py: _identifying_params is {'responses': ...}"
        ),
        native_async_stream=skipped("FakeListLLM does not stream"),
    ),
    "fake_streaming_list_llm": pins(
        "llm",
        max_tokens=NO_MAX_TOKENS,
        init_from_env=NO_ENV,
        serialization=NOT_SERIALIZABLE,
        stream_callbacks=failed(
            "on stream(), the model yielded 31 chunks but on_llm_new_token never fired",
            "fake.py: it overrides stream()/astream() and yields the characters of invoke's answer, "
            "so no run manager ever sees a token",
        ),
        stream_callback_order=skipped("no on_llm_new_token callback fired"),
        stop_respected=STOP_IGNORED,
        stop_included=STOP_UNJUDGED,
        secret_fields=skipped(NO_CREDENTIAL),
        secret_masking=skipped(NO_SECRET),
        identifying_params=failed(f"{NO_MODEL_NAME} (its keys: 'responses')", "as FakeListLLM"),
        event_stream=failed(
            "the chain streamed 31 chunks, but the model's run inside it sent no on_llm_stream event",
            "its astream yields 31 chunks after invoke's run has ended: astream_events shows none",
        ),
    ),
    "fake_list_chat": pins(
        **NO_TOOLS,
        usage_metadata=NO_USAGE,
        max_tokens=NO_MAX_TOKENS,
        init_from_env=NO_ENV,
        serialization=NOT_SERIALIZABLE,
        # core 1.x hands `_stream` a run manager under stream_events(version="v3"); 0.3 never does.
        stream_callbacks=failed(
            "on _stream(run_manager=...) as core's v3 stream_events drives it, the model yielded 31 "
            "chunks but on_llm_new_token never fired",
            "fake_chat_models.py: _stream/_astream never call run_manager.on_llm_new_token",
        )
        if CORE_1
        else passed("checked on stream(), astream()"),
        stop_respected=STOP_IGNORED,
        stop_included=STOP_UNJUDGED,
        secret_fields=skipped(NO_CREDENTIAL),
        secret_masking=skipped(NO_SECRET),
        identifying_params=failed(f"{NO_MODEL_NAME} (its keys: 'responses')", "_identifying_params"),
        native_async=failed(
            f"FakeListChatModel {NOT_NATIVE}",
            "no _agenerate: SimpleChatModel._agenerate runs _generate with run_in_executor",
        ),
        docs=failed(
            "these init fields are undocumented: FakeListChatModel.sleep",
            "fake_chat_models.py: `sleep: float | None = None` has no docstring",
        ),
    ),
    "generic_fake_chat": pins(
        **NO_TOOLS,
        usage_metadata=NO_USAGE,
        max_tokens=NO_MAX_TOKENS,
        init_from_env=NO_ENV,
        serialization=NOT_SERIALIZABLE,
        stream_callbacks=passed(
            "_astream(run_manager=...) as core's v3 astream_events drives it"
            if CORE_1
            else "checked on stream(), astream()"
        ),
        stop_respected=STOP_IGNORED,
        stop_included=STOP_UNJUDGED,
        secret_fields=skipped(NO_CREDENTIAL),
        secret_masking=skipped(NO_SECRET),
        identifying_params=failed(f"{NO_MODEL_NAME} (its keys: none)", "no _identifying_params"),
        native_async=failed(f"GenericFakeChatModel {NOT_NATIVE}", "no _agenerate"),
        native_async_stream=failed(
            "GenericFakeChatModel overrides `_stream` but not `_astream`",
            "no _astream: core runs _stream in a thread pool",
        ),
    ),
    "parrot_fake_chat": pins(
        **NO_TOOLS,
        message_history=skipped("invoke fails on a single message too"),
        usage_metadata=NO_USAGE,
        max_tokens=NO_MAX_TOKENS,
        init_from_env=NO_ENV,
        serialization=NOT_SERIALIZABLE,
        **{
            name.replace("-", "_"): failed(
                "returned a HumanMessage; it should return an AIMessage",
                "fake_chat_models.py: _generate returns messages[-1], the input message",
            )
            for name in ("invoke", "ainvoke", "batch", "abatch")
        },
        **{
            name: failed(
                "returned a HumanMessage; it should return an AIMessageChunk",
                "core streams the HumanMessage _generate returns",
            )
            for name in ("stream", "astream")
        },
        stream_callbacks=skipped(NOT_STREAMING),
        stream_callback_order=skipped(NOT_STREAMING),
        stop_respected=failed(
            "text follows the stop string",
            "_generate ignores `stop` (it returns the input message whole)",
        ),
        stop_included=skipped("stop is not respected (see stop-respected)"),
        secret_fields=skipped(NO_CREDENTIAL),
        secret_masking=skipped(NO_SECRET),
        identifying_params=failed(f"{NO_MODEL_NAME} (its keys: none)", "no _identifying_params"),
        native_async=failed(f"ParrotFakeChatModel {NOT_NATIVE}", "no _agenerate"),
        native_async_stream=skipped("ParrotFakeChatModel does not stream"),
        docs=skipped("declares no init fields of its own and is not service-backed"),
    ),
}


@pytest.fixture(scope="module")
def fakes_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    workdir = tmp_path_factory.mktemp("fakes")
    (workdir / "fakes.py").write_text(FAKES_MODULE, encoding="utf-8")
    (workdir / "pyproject.toml").write_text("[tool.modelcheck]\ntimeout = 20\n", encoding="utf-8")
    report, _ = run_report(workdir, *(f"--modelcheck=fakes:{name}" for name in FAKES))
    return {target.removeprefix("fakes:"): checks for target, checks in report.items()}


@pytest.mark.parametrize(("fake", "check", "pin"), params(FAKES))
def test_fake_verdict(fakes_report: dict[str, dict[str, Any]], fake: str, check: str, pin: Pin) -> None:
    assert_pin(fakes_report[fake][check], pin)


def test_every_check_of_every_fake_is_pinned(fakes_report: dict[str, dict[str, Any]]) -> None:
    assert {fake: set(checks) for fake, checks in fakes_report.items()} == {
        fake: set(checks) for fake, checks in FAKES.items()
    }


# ------------------------------------------------------------------ langchain-openai over loopback

TARGETS_MODULE = '''
"""langchain-openai's models pointed at the loopback OpenAI-compatible server of the tests."""

from langchain_openai import ChatOpenAI, OpenAI

BASE_URL = {base_url!r}
API_KEY = {api_key!r}


def chat():
    return ChatOpenAI(model="mc-echo", base_url=BASE_URL, api_key=API_KEY, max_retries=0, timeout=10)


def text():
    return OpenAI(model="mc-echo", base_url=BASE_URL, api_key=API_KEY, max_retries=0, timeout=10)


def chat_exclude():
    return chat()


def text_exclude():
    return text()
'''
# What the real OpenAI API takes, declared as a user would: the class cannot show media inputs.
OPENAI_CAPABILITIES = (
    "capabilities = {image_inputs = true, image_urls = true, pdf_inputs = true, audio_inputs = true}"
)
TARGETS_CONFIG = f"""
[tool.modelcheck]
timeout = 20

[tool.modelcheck."openai_targets:chat"]
{OPENAI_CAPABILITIES}

[tool.modelcheck."openai_targets:chat_exclude"]
stop_policy = "exclude"

[tool.modelcheck."openai_targets:text_exclude"]
stop_policy = "exclude"
"""

STOP_EXCLUDED = failed(
    "which ends before the stop string. The guides' rule is to include the stop string in the output. "
    'Many provider APIs exclude it: if yours does, declare it with stop_policy = "exclude"',
    "the OpenAI API returns the text before the stop sequence, without it",
)
UNDOCUMENTED = "these init fields are undocumented: "
OPENAI: dict[str, dict[str, Pin]] = {
    "chat": pins(
        capabilities=passed("checked image_inputs, image_urls, pdf_inputs, audio_inputs"),
        image_input=passed("and LangChain's standard `image` block with a `url`"),
        pdf_input=passed("and the OpenAI-style `file` block (`file_data`, a data URL)"),
        audio_input=passed("and the OpenAI-style `input_audio` block (base64 data, format wav)"),
        tool_calls=passed("two tools in one turn gave two calls with distinct ids"),
        usage_metadata=STREAM_USAGE,
        # 0.3.35 keeps secret_from_env("OPENAI_API_KEY") as the field's default; 1.x reads it in a validator.
        init_from_env=NO_ENV if OPENAI_1 else passed("openai_api_key read OPENAI_API_KEY as a SecretStr"),
        stream_callbacks=passed(
            "_astream(run_manager=...) as core's v3 astream_events drives it"
            if CORE_1
            else "checked on stream(), astream()"
        ),
        stop_included=STOP_EXCLUDED,
        secret_fields=passed("checked openai_api_key"),
        secret_masking=passed("a canary in openai_api_key stayed hidden everywhere"),
        # chat_models/base.py: _agenerate awaits the async client, then parses the response in the
        # default thread pool (`await run_in_executor(None, self._create_chat_result, ...)`) on every
        # call: CPU work kept off the loop, which makes no blocking call there.
        native_async=passed("BaseChatOpenAI._create_chat_result ran in a thread pool without blocking calls"),
        # 1.x has no `#: :meta private:` on its SDK clients, so they count; 0.3 marks them (left out)
        # but has no docstring on openai_api_key. (0.3's class docstring lists `api_key` under
        # `.. dropdown:: Key init args — client params`, which the docs check does not read.)
        docs=failed(
            UNDOCUMENTED
            + (
                "BaseChatOpenAI.client, BaseChatOpenAI.async_client, BaseChatOpenAI.root_client, "
                "BaseChatOpenAI.root_async_client, "
                if OPENAI_1
                else "BaseChatOpenAI.openai_api_key, "
            )
            + "BaseChatOpenAI.openai_proxy, BaseChatOpenAI.default_headers, BaseChatOpenAI.default_query.",
            "chat_models/base.py: no docstring or description on these fields",
            also=()
            if OPENAI_1
            else (
                "Left out, as not arguments a user passes (excluded from serialization and "
                "`:meta private:`): BaseChatOpenAI.client, BaseChatOpenAI.async_client, "
                "BaseChatOpenAI.root_client, BaseChatOpenAI.root_async_client.",
            ),
        ),
    ),
    "text": pins(
        "llm",
        stream_callbacks=passed("checked on stream(), astream()"),
        stop_included=STOP_EXCLUDED,
        secret_fields=passed("checked openai_api_key"),
        secret_masking=passed("a canary in openai_api_key stayed hidden everywhere"),
        # The openai SDK's one-time `asyncify(get_platform)()` on a client's first async request
        # (openai/_base_client.py) is set-up that abatch does not repeat, so it is not counted.
        native_async=passed(),
        docs=failed(
            UNDOCUMENTED
            + ("BaseOpenAI.client, BaseOpenAI.async_client, " if OPENAI_1 else "")
            + "BaseOpenAI.openai_proxy, BaseOpenAI.default_headers, BaseOpenAI.default_query.",
            "llms/base.py: no docstring or description on these fields; OpenAI's own class docstring "
            "(the one the API reference shows) links nothing",
            also=(
                "OpenAI is service-backed (it has openai_api_key) but its class docstring has no "
                "http(s) link",
            ),
        ),
    ),
}
# With stop_policy = "exclude" declared, the API's behaviour passes.
EXCLUDE = {
    "chat_exclude": {"stop-respected": passed(), "stop-included": passed()},
    "text_exclude": {"stop-respected": passed(), "stop-included": passed()},
}


@dataclass
class OpenAIRun:
    checks: dict[str, dict[str, Any]]
    output: str
    server: OpenAIServer
    workdir: Path


def write_targets(workdir: Path, server: OpenAIServer) -> None:
    source = TARGETS_MODULE.format(base_url=server.base_url, api_key=server.api_key)
    (workdir / "openai_targets.py").write_text(source, encoding="utf-8")
    (workdir / "pyproject.toml").write_text(textwrap.dedent(TARGETS_CONFIG), encoding="utf-8")


@pytest.fixture(scope="module")
def openai_server() -> Iterator[OpenAIServer]:
    if find_spec("langchain_openai") is None:
        pytest.skip(NO_OPENAI)
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def openai_run(openai_server: OpenAIServer, tmp_path_factory: pytest.TempPathFactory) -> OpenAIRun:
    workdir = tmp_path_factory.mktemp("openai")
    write_targets(workdir, openai_server)
    names = [*OPENAI, *EXCLUDE]
    report, output = run_report(workdir, *(f"--modelcheck=openai_targets:{n}" for n in names))
    checks = {target.removeprefix("openai_targets:"): c for target, c in report.items()}
    return OpenAIRun(checks, output, openai_server, workdir)


@pytest.mark.parametrize(("target", "check", "pin"), params({**OPENAI, **EXCLUDE}))
def test_openai_verdict(openai_run: OpenAIRun, target: str, check: str, pin: Pin) -> None:
    assert_pin(openai_run.checks[target][check], pin)


def test_every_check_of_the_openai_models_is_pinned(openai_run: OpenAIRun) -> None:
    assert {t: set(c) for t, c in openai_run.checks.items() if t in OPENAI} == {
        t: set(c) for t, c in OPENAI.items()
    }


def test_chat_native_async_names_the_per_call_hand_off(openai_run: OpenAIRun) -> None:
    """It passes, and says what it let through: the response parsing ChatOpenAI sends to a thread."""
    message = openai_run.checks["chat"]["native-async"]["message"]
    assert "BaseChatOpenAI._create_chat_result" in message
    assert "not the thread-pool fallback" in message


def test_a_second_chatopenai_target_keeps_its_cached_async_client(openai_run: OpenAIRun) -> None:
    """langchain-openai keeps one httpx.AsyncClient per base URL for every instance; `chat_exclude`,
    observed after `chat`, once failed ainvoke and astream with "Event loop is closed" because each
    target had its own loop, closed after it (observe/loopthread.py: one loop for the run now)."""
    second = openai_run.checks["chat_exclude"]
    assert {name: second[name]["outcome"] for name in ("ainvoke", "astream")} == {
        "ainvoke": "passed",
        "astream": "passed",
    }


def test_the_canary_key_met_the_401_path_on_both_endpoints(openai_run: OpenAIRun) -> None:
    """secret-masking observed a canary instance whose calls the server refused with 401."""
    refused = {r["path"] for r in openai_run.server.requests if r["status"] == 401}
    assert refused == {"/v1/chat/completions", "/v1/completions"}
    assert openai_run.server.statuses[200] > 0


def test_no_secret_in_what_modelcheck_wrote(openai_run: OpenAIRun) -> None:
    written = [openai_run.output, (openai_run.workdir / REPORT).read_text(encoding="utf-8")]
    written += [p.read_text(encoding="utf-8") for p in (openai_run.workdir / "__snapshots__").rglob("*.*")]
    assert len(written) > 2, "the event snapshots were not written"
    for text in written:
        assert openai_run.server.api_key not in text
        assert "mc-canary-" not in text


@pytest.fixture(scope="module")
def sampling_runs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, dict[str, Any]]]:
    """The same targets, twice, against a server that answers a new random run of words per call."""
    if find_spec("langchain_openai") is None:
        pytest.skip(NO_OPENAI)
    workdir = tmp_path_factory.mktemp("sampling")
    server = OpenAIServer(sampling=True).start()
    try:
        write_targets(workdir, server)
        targets = [f"--modelcheck=openai_targets:{n}" for n in [*OPENAI, *EXCLUDE]]
        reports = [run_report(workdir, *targets)[0] for _ in range(2)]
    finally:
        server.stop()
    return [{t.removeprefix("openai_targets:"): c for t, c in r.items()} for r in reports]


@pytest.mark.parametrize(("target", "check", "pin"), params({**OPENAI, **EXCLUDE}))
def test_a_sampling_api_gets_the_verdicts_of_the_echoing_one(
    sampling_runs: list[dict[str, dict[str, Any]]], target: str, check: str, pin: Pin
) -> None:
    """Nondeterminism changes no verdict: every pin of the echoing server holds on both runs."""
    for run in sampling_runs:
        assert_pin(run[target][check], pin)


def test_a_sampling_models_event_snapshot_matches_on_the_next_run(
    sampling_runs: list[dict[str, dict[str, Any]]],
) -> None:
    """The second run compares with the snapshot the first wrote (matched: no "updated" message)."""
    for target, checks in sampling_runs[1].items():
        assert (checks["event-snapshot"]["outcome"], checks["event-snapshot"]["message"]) == ("passed", ""), (
            target
        )


def test_a_sampling_api_that_drops_stop_is_caught(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The stop strings are chosen so that any new answer holds one: text after one gives it away."""
    if find_spec("langchain_openai") is None:
        pytest.skip(NO_OPENAI)
    workdir = tmp_path_factory.mktemp("drop-stop")
    server = OpenAIServer(sampling=True, drop_stop=True).start()
    try:
        write_targets(workdir, server)
        names = ("chat", "text", "chat_exclude", "text_exclude")
        targets = (f"--modelcheck=openai_targets:{n}" for n in names)
        report, _ = run_report(workdir, *targets, *only(*section("Stop tokens")))
    finally:
        server.stop()
    for checks in report.values():
        assert_pin(checks["stop-respected"], STOP_IGNORED_SAMPLED)
        assert_pin(checks["stop-included"], STOP_UNJUDGED)


STOP_IGNORED_SAMPLED = failed(
    "text follows the stop string. Cut the answer at the first occurrence of any stop string. The model "
    "is nondeterministic, so the weaker rule was applied",
    "the server drops `stop`",
)


@pytest.fixture(scope="module")
def leaky_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], str]:
    """secret-masking against a server that shows the whole wrong key in its 401 error."""
    if find_spec("langchain_openai") is None:
        pytest.skip(NO_OPENAI)
    workdir = tmp_path_factory.mktemp("leaky")
    leaky = OpenAIServer(show_key_in_errors=True).start()
    try:
        write_targets(workdir, leaky)
        targets = ("--modelcheck=openai_targets:chat", "--modelcheck=openai_targets:text")
        report, output = run_report(workdir, *targets, "-k", "secret-masking")
    finally:
        leaky.stop()
    assert "mc-canary-" not in output and leaky.api_key not in output
    return {t.removeprefix("openai_targets:"): c["secret-masking"] for t, c in report.items()}, output


LEAKED = "a secret leaked: the canary put in openai_api_key showed in "


@pytest.mark.parametrize("target", ["chat", "text"])
def test_a_key_shown_by_the_401_error_is_found(leaky_run: tuple[dict[str, Any], str], target: str) -> None:
    """The proof that the 401 path is watched: the canary comes back in the error's text."""
    check = leaky_run[0][target]
    assert check["outcome"] == "failed"
    assert check["message"].startswith(LEAKED)
    assert "AuthenticationError raised (in " in check["message"]


@pytest.mark.parametrize(
    "target",
    [
        "chat",
        "text",
    ],
)
def test_the_401_path_is_watched_on_all_four_canary_calls(
    leaky_run: tuple[dict[str, Any], str], target: str
) -> None:
    message = leaky_run[0][target]["message"]
    assert "AuthenticationError raised (in ainvoke, astream, invoke and 1 more calls)" in message, message


def test_the_server_answers_as_the_openai_api_does() -> None:
    """Stop strings excluded, the earliest first; 401 with a masked key; SSE ending in [DONE]."""
    import urllib.error
    import urllib.request

    server = OpenAIServer().start()

    def post(path: str, body: dict[str, Any], key: str = server.api_key) -> tuple[int, str]:
        request = urllib.request.Request(
            server.base_url + path,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    try:
        status, body = post("/completions", {"prompt": "one two three four", "stop": ["four", "two"]})
        assert status == 200
        assert json.loads(body)["choices"][0]["text"] == "Echo: one "
        status, body = post(
            "/chat/completions", {"messages": [{"role": "user", "content": "hi"}]}, "wrong-key-123456"
        )
        assert status == 401
        assert json.loads(body)["error"]["code"] == "invalid_api_key"
        assert "wrong-ke****3456" in body and "wrong-key-123456" not in body
        status, body = post(
            "/chat/completions",
            {
                "messages": [{"role": "user", "content": "a b"}],
                "stream": True,
                "stream_options": {"include_usage": True},
            },
        )
        events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: {")]
        assert (
            "".join(e["choices"][0]["delta"].get("content", "") for e in events if e["choices"])
            == "Echo: a b"
        )
        assert events[-1]["usage"] == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}
        assert body.rstrip().endswith("data: [DONE]")
    finally:
        server.stop()


def test_a_value_holding_the_real_key_is_not_carried_to_the_canary_instance() -> None:
    """What kept ChatOpenAI's canary from ever reaching the 401 path: its SDK clients hold the real key."""
    from pydantic import SecretStr

    from modelcheck.observe.canary import holds_secret

    class Client:
        def __init__(self, key: str) -> None:
            self.api_key = key
            self.options = {"headers": [("Authorization", SecretStr(key))]}

    class Resource:
        def __init__(self, client: Client) -> None:
            self._client = client

    assert holds_secret(Resource(Client("real")), ["real"])
    assert holds_secret({"headers": [("Authorization", SecretStr("real"))]}, ["real"])
    assert not holds_secret(Resource(Client("other")), ["real"])
    assert not holds_secret(Resource(Client("real")), [])
    assert not holds_secret("http://127.0.0.1:1/v1", ["real"])


def test_an_http_client_built_from_the_real_key_is_not_carried_to_the_canary_instance() -> None:
    """What kept ChatMistralAI's canary off the wire: its httpx clients keep b"Bearer <key>" in a header."""
    import httpx

    from modelcheck.observe.canary import holds_secret

    key = "mc-real-key-for-the-loopback-server"
    client = httpx.Client(base_url="http://127.0.0.1:1/v1", headers={"Authorization": f"Bearer {key}"})
    try:
        assert holds_secret(client, [key])
        assert not holds_secret(client, ["mc-other-key-of-the-same-length-xx"])
    finally:
        client.close()
    # A short secret counts only as a whole value, so it cannot make an unrelated URL look like it.
    assert holds_secret({"key": "abc"}, ["abc"])
    assert not holds_secret("http://abc.example/v1", ["abc"])
    assert holds_secret([b"Bearer a-long-enough-key"], ["a-long-enough-key"])
