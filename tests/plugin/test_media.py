"""Multimodal input: the shipped media, the judges on synthetic records, and the checks run as users
run them on the reference model, its broken variants and models without media capabilities."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from support.harness import Modelcheck, broken_variants, run_broken_chat

from modelcheck.checks.catalog import by_id
from modelcheck.checks.media import judge_media
from modelcheck.core.records import Call, Facts, Failure, Observation, Output
from modelcheck.media import AUDIO, IMAGE, PDF, make
from modelcheck.observe.detection import detect
from reference_models import broken_media

# --- the shipped files ----------------------------------------------------------------------------


def test_the_shipped_media_are_exactly_what_make_writes(tmp_path: Path) -> None:
    make.main(tmp_path)

    for media in (IMAGE, PDF, AUDIO):
        assert media.data == (tmp_path / media.filename).read_bytes(), media.filename


def test_the_shipped_media_are_tiny_valid_files() -> None:
    assert IMAGE.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", IMAGE.data[16:24]) == (2, 2)
    assert PDF.data.startswith(b"%PDF-1.4") and b"/Count 1" in PDF.data and b"(modelcheck)" in PDF.data
    xref = int(PDF.data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert PDF.data[xref:].startswith(b"xref")
    assert AUDIO.data[:4] == b"RIFF" and AUDIO.data[8:12] == b"WAVE"
    assert set(AUDIO.data[44:]) == {0}  # silence
    assert max(len(m.data) for m in (IMAGE, PDF, AUDIO)) < 2000


def test_the_standard_blocks_are_the_form_the_installed_core_documents() -> None:
    from langchain_core.messages import is_data_content_block

    from modelcheck.observe.media_probes import block, v1_blocks

    for media in ("image", "pdf", "audio"):
        standard = block(media, "standard")
        assert is_data_content_block(standard)
        assert ("base64" in standard) is v1_blocks()
        assert ("source_type" in standard) is not v1_blocks()
    assert is_data_content_block(block("image", "url", "http://127.0.0.1:1/image.png"))


# --- the judges, on records built by hand -----------------------------------------------------


def observation(calls: dict[str, Call], has: dict[str, bool] | None = None) -> Observation:
    obs = Observation("m:Chat", "chat", Facts("Chat", "m"))
    answered = Output("AIMessage", "an answer", True)
    obs.calls = {"invoke": Call("invoke", [answered]), "invoke_messages": Call("invoke_messages", [answered])}
    obs.calls.update(calls)
    obs.capabilities = detect(object(), "chat", has or {})
    return obs


def whole(media: str, pieces: list[tuple[str, str]], **extra: object) -> Call:
    return Call(f"media_{media}", extra={"pieces": [list(p) for p in pieces], **extra})


def raised(call: Call, message: str = "unsupported content block type 'image'") -> Call:
    call.failure = Failure("raised", "ValueError", message, "_convert (m.py:9)", "model")
    return call


def part(media: str, piece: tuple[str, str], ok: bool = True, **extra: object) -> Call:
    call = Call(f"media_{media}_{piece[0]}_{piece[1]}", extra={"pieces": [list(piece)], **extra})
    if ok:
        call.outputs.append(Output("AIMessage", "fine", True))
        return call
    return raised(call)


HUMAN = [("human", "standard"), ("human", "openai")]


def test_an_answered_message_passes_and_says_what_was_not_checked() -> None:
    call = whole("image", HUMAN)
    call.outputs.append(Output("AIMessage", "a red square", True))

    verdict = judge_media(observation({"media_image": call}), "image")

    assert verdict.outcome == "passed"
    assert "standard `image` block (base64 data, image/png)" in verdict.message
    assert "`image_url` block" in verdict.message
    assert "Not checked: image_urls: the model does not show the image_urls capability" in verdict.message
    assert "capabilities = {image_tool_message = true}" in verdict.message


def test_an_answer_with_only_a_tool_call_counts_but_an_empty_one_fails() -> None:
    empty = whole("audio", HUMAN)
    empty.outputs.append(Output("AIMessage", "", True))
    tool = whole("audio", HUMAN, tool_calls=1)
    tool.outputs.append(Output("AIMessage", "", True))
    other = whole("audio", HUMAN)
    other.outputs.append(Output("str", "text", False))

    assert judge_media(observation({"media_audio": tool}), "audio").outcome == "passed"
    verdict = judge_media(observation({"media_audio": empty}), "audio")
    assert verdict.outcome == "failed"
    assert "returned an AIMessage with no text and no tool call" in verdict.message
    verdict = judge_media(observation({"media_audio": other}), "audio")
    assert "returned str, not an AIMessage" in verdict.message


def test_an_empty_answer_is_not_a_media_defect_when_plain_text_gets_one_too() -> None:
    call = whole("audio", HUMAN)
    call.outputs.append(Output("AIMessage", "", True))
    obs = observation({"media_audio": call})
    obs.calls["invoke_messages"].outputs[0] = Output("AIMessage", "", True)

    verdict = judge_media(obs, "audio")

    assert verdict.outcome == "passed"
    assert "the answer is empty, as the answer to a plain text message is" in verdict.message


def test_the_block_that_raises_alone_is_named_with_its_fix() -> None:
    calls = {
        "media_image": raised(whole("image", HUMAN)),
        "media_image_human_standard": part("image", HUMAN[0], ok=False),
        "media_image_human_openai": part("image", HUMAN[1]),
    }

    verdict = judge_media(observation(calls), "image")

    assert verdict.outcome == "failed"
    assert (
        "Sent alone, LangChain's standard `image` block (base64 data, image/png) raised in _convert "
        "(m.py:9) ValueError: unsupported content block type 'image'; the OpenAI-style `image_url` "
        "block (a data URL) was answered." in verdict.message
    )
    assert "convert_to_openai_data_block" in verdict.message
    assert verdict.message.endswith("capabilities = {image_inputs = false} in its [tool.modelcheck] table.")


def test_only_the_tool_message_raising_points_at_image_tool_message() -> None:
    pieces = [*HUMAN, ("tool", "standard"), ("tool", "openai")]
    calls = {
        "media_image": raised(whole("image", pieces)),
        **{f"media_image_{p[0]}_{p[1]}": part("image", p, ok=p[0] == "human") for p in pieces},
    }

    verdict = judge_media(observation(calls, {"image_tool_message": True}), "image")

    assert verdict.outcome == "failed"
    assert "in a ToolMessage raised" in verdict.message
    assert "A ToolMessage's content may be a list of blocks too" in verdict.message
    assert "capabilities = {image_tool_message = false}" in verdict.message


def test_a_whole_that_raises_while_each_block_alone_is_answered() -> None:
    calls = {
        "media_pdf": raised(whole("pdf", HUMAN), "only one block per message"),
        "media_pdf_human_standard": part("pdf", HUMAN[0]),
        "media_pdf_human_openai": part("pdf", HUMAN[1]),
    }

    verdict = judge_media(observation(calls), "pdf")

    assert verdict.outcome == "failed"
    assert "invoke raised in _convert (m.py:9) ValueError: only one block per message" in verdict.message
    assert "each block sent alone was answered" in verdict.message


URL = ("human", "url")
LOOPBACK = "http://127.0.0.1:5/image.png"


def test_a_url_block_that_raised_unfetched_is_not_judged() -> None:
    calls = {
        "media_image": raised(whole("image", [*HUMAN, URL], url=LOOPBACK, url_fetched=False)),
        "media_image_human_standard": part("image", HUMAN[0]),
        "media_image_human_openai": part("image", HUMAN[1]),
        "media_image_human_url": part("image", URL, ok=False, url=LOOPBACK, url_fetched=False),
    }

    verdict = judge_media(observation(calls, {"image_urls": True}), "image")

    assert verdict.outcome == "passed"
    assert "Not checked: LangChain's standard `image` block with a `url`" in verdict.message
    assert "which nothing fetched: a hosted service cannot reach a loopback address" in verdict.message


def test_a_url_block_that_raised_after_the_model_fetched_it_fails() -> None:
    calls = {
        "media_image": raised(whole("image", [*HUMAN, URL], url=LOOPBACK, url_fetched=True)),
        "media_image_human_standard": part("image", HUMAN[0]),
        "media_image_human_openai": part("image", HUMAN[1]),
        "media_image_human_url": part("image", URL, ok=False, url=LOOPBACK, url_fetched=True),
    }

    verdict = judge_media(observation(calls, {"image_urls": True}), "image")

    assert verdict.outcome == "failed"
    assert "Pass the URL on to the API" in verdict.message
    assert "capabilities = {image_urls = false}" in verdict.message


def test_a_model_whose_invoke_fails_is_not_judged_here() -> None:
    obs = observation({"media_audio": raised(whole("audio", HUMAN))})
    obs.calls["invoke"] = raised(Call("invoke"))

    verdict = judge_media(obs, "audio")

    assert verdict.outcome == "skipped"
    assert "invoke fails on a plain text message too" in verdict.message


# --- as users run it ---------------------------------------------------------------------------

MEDIA_CHECKS = {"image-input", "pdf-input", "audio-input"}
MESSAGES = {
    "ChatImageBlockRaises": "given a HumanMessage holding LangChain's standard `image` block (base64 "
    "data, image/png), the OpenAI-style `image_url` block (a data URL) and LangChain's standard "
    "`image` block with a `url`, then a ToolMessage holding the same base64 blocks, invoke raised. "
    "Sent alone, LangChain's standard `image` block (base64 data, image/png) and LangChain's standard "
    "`image` block (base64 data, image/png) in a ToolMessage raised in _refusing (broken_media.py:*) "
    "ValueError: unsupported content block type 'image'; the OpenAI-style `image_url` block (a data "
    "URL) and the OpenAI-style `image_url` block (a data URL) in a ToolMessage were answered. *",
    "ChatPdfBlockRaises": "given a HumanMessage holding LangChain's standard `file` block *, invoke "
    "raised. Sent alone, * raised in _refusing (broken_media.py:*) ValueError: unsupported content "
    "block type 'file'. Turn LangChain's standard blocks into the API's format*(langchain-core turns "
    "the OpenAI-style `file` block into the standard `file` block before the model sees it, so taking "
    "the standard block fixes both.)*{pdf_inputs = false}*",
    "ChatAudioBlockRaises": "given a HumanMessage holding LangChain's standard `audio` block (base64 "
    "data, audio/wav) and the OpenAI-style `input_audio` block (base64 data, format wav), invoke "
    "raised. Sent alone, * and * raised in _refusing (broken_media.py:*) ValueError: unsupported "
    "content block type 'audio'. *{audio_inputs = false}*See modelcheck docs/multimodal.md#audio-input.",
}


BROKEN = {name: check for name, (_, check) in broken_variants(broken_media).items()}


def test_every_broken_variant_has_an_expected_message() -> None:
    assert set(BROKEN) == set(MESSAGES)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_variant_fails_only_its_check(mc: Modelcheck, name: str) -> None:
    verdicts = run_broken_chat(mc, f"reference_models.broken_media:{name}", BROKEN[name], MESSAGES[name])
    assert {c: verdicts[c] for c in MEDIA_CHECKS - {BROKEN[name]}} == dict.fromkeys(
        MEDIA_CHECKS - {BROKEN[name]}, "passed"
    )


PLAIN = '''
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult


class Chat(BaseChatModel):
    """Answers with the number of content blocks of the last message (https://example.com/api)."""

    @property
    def _llm_type(self):
        return "plain"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        content = messages[-1].content
        text = content if isinstance(content, str) else f"{len(content)} blocks"
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])
'''


def test_a_model_without_media_capabilities_skips_them_and_makes_no_media_call(mc: Modelcheck) -> None:
    mc.model(PLAIN)

    outcome = mc.run("--modelcheck=mymodel:Chat", "-k", "input", "-rs", report=True)

    assert outcome.of("mymodel:Chat") == dict.fromkeys(MEDIA_CHECKS, "skipped")
    outcome.result.stdout.fnmatch_lines(
        [
            "*: the model does not show the image_inputs capability (not shown by the class); if it "
            "has it, declare it: capabilities = {image_inputs = true} in its [[]tool.modelcheck[]] table*"
        ]
    )
    assert outcome.report()["targets"][0]["calls"] == 0


def test_declared_media_are_checked_and_the_missing_sub_features_named(mc: Modelcheck) -> None:
    mc.model(PLAIN)
    mc.config(
        """
        [tool.modelcheck."mymodel:Chat"]
        capabilities = {image_inputs = true, pdf_inputs = true, audio_inputs = false}
        """
    )

    outcome = mc.run("--modelcheck=mymodel:Chat", "-k", "input", report=True)

    assert outcome.of("mymodel:Chat") == {
        "image-input": "passed",
        "pdf-input": "passed",
        "audio-input": "skipped",
    }
    checks = {c["id"]: c for c in outcome.report()["targets"][0]["checks"]}
    assert "Not checked: image_urls: " in checks["image-input"]["message"]
    assert "declare it: capabilities = {image_tool_message = true}" in checks["image-input"]["message"]
    assert outcome.report()["targets"][0]["calls"] == 4  # invoke, invoke_messages, one per media type


FETCHING = '''
import base64
import urllib.request

from reference_models import EchoChatModel


class Fetches(EchoChatModel):
    """A local model that downloads image URLs itself (https://example.com/api)."""

    def _content_text(self, content):
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("url", "").startswith("http"):
                    data = urllib.request.urlopen(block["url"], timeout=5).read()
                    if not data.startswith(b"\\x89PNG"):
                        raise ValueError("not a PNG")
                    if "{broken}":
                        raise ValueError("cannot read this PNG")
        return super()._content_text(content)


class Refuses(EchoChatModel):
    """A model that raises on URL blocks without fetching them (https://example.com/api)."""

    def _content_text(self, content):
        if isinstance(content, list) and any(isinstance(b, dict) and "url" in b for b in content):
            raise ValueError("no URLs, please")
        return super()._content_text(content)
'''


@pytest.mark.parametrize("broken", [False, True])
def test_the_url_is_a_loopback_copy_of_the_shipped_png(mc: Modelcheck, broken: bool) -> None:
    mc.model(FETCHING.replace("{broken}", "yes" if broken else ""))

    outcome = mc.run("--modelcheck=mymodel:Fetches", "--modelcheck=mymodel:Refuses", "-k", "image", "-rf")

    assert outcome.of("mymodel:Fetches") == {"image-input": "failed" if broken else "passed"}
    assert outcome.of("mymodel:Refuses") == {"image-input": "passed"}
    if broken:
        outcome.result.stdout.fnmatch_lines(
            [
                "*Sent alone, LangChain's standard `image` block with a `url` raised in _content_text*"
                "cannot read this PNG; * were answered. Pass the URL on to the API*If the model cannot "
                "take images by URL, declare it: capabilities = {image_urls = false}*"
            ]
        )


def test_langchain_tests_media_flags_become_declarations() -> None:
    from modelcheck.core.settings import TargetSettings
    from modelcheck.targets.langchain_tests import read
    from reference_models import EchoChatModel

    base = type("ChatModelTests", (), {"__module__": "langchain_tests.unit_tests.chat_models"})

    class TestChat(base):  # type: ignore[valid-type,misc]
        chat_model_class = EchoChatModel
        chat_model_params: dict[str, str] = {}  # noqa: RUF012
        supports_image_urls = False
        supports_image_tool_message = True
        supports_pdf_tool_message = True

    _, settings = read(TestChat, TargetSettings("t:TestChat"))

    assert settings.capabilities == {
        "image_urls": False,
        "image_tool_message": True,
        "pdf_tool_message": True,
    }
    assert by_id("pdf-input").requires == "pdf_inputs"


def test_the_url_is_the_same_on_every_run_when_its_port_is_free(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import urllib.request

    from modelcheck.observe import media_probes

    assert media_probes.URL_PORT == 47181
    first, taken = Call("media_image"), Call("media_image")
    with socket.socket() as holder:  # a port of our own stands in for 47181 (xdist workers share it)
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    monkeypatch.setattr(media_probes, "URL_PORT", port)
    with media_probes._served(first, True) as url:
        assert url == f"http://127.0.0.1:{port}/image.png"
        assert urllib.request.urlopen(str(url), timeout=5).read() == IMAGE.data
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        monkeypatch.setattr(media_probes, "URL_PORT", holder.getsockname()[1])
        with media_probes._served(taken, True) as other:
            assert other is not None and other.startswith("http://127.0.0.1:")
            assert f":{holder.getsockname()[1]}/" not in other
    assert (first.extra["url_fetched"], taken.extra["url_fetched"]) == (True, False)


def test_a_configured_image_url_is_sent_and_judged(mc: Modelcheck) -> None:
    mc.model(FETCHING.replace("{broken}", ""))
    mc.config('[tool.modelcheck."mymodel:Refuses"]\nimage_url = "https://example.com/modelcheck.png"\n')

    outcome = mc.run("--modelcheck=mymodel:Refuses", "-k", "image", "-rf")

    assert outcome.of("mymodel:Refuses") == {"image-input": "failed"}
    outcome.result.stdout.fnmatch_lines(
        [
            "*Sent alone, LangChain's standard `image` block with a `url` raised in _content_text*"
            "ValueError: no URLs, please; * were answered. Pass the URL on to the API*{image_urls = false}*"
        ]
    )


@pytest.mark.parametrize("value", ["ftp://example.com/a.png", 3, "example.com/a.png"])
def test_an_image_url_that_is_not_an_http_url_is_a_usage_error(value: object) -> None:
    from modelcheck.core.settings import build_settings

    with pytest.raises(pytest.UsageError, match=r"image_url is .*; it must be an http\(s\) URL of a small"):
        build_settings("m:Chat", {}, {"image_url": value}, (), None)
    assert build_settings("m:Chat", {"image_url": "https://x.test/a.png"}, {}, (), None).image_url == (
        "https://x.test/a.png"
    )


def test_a_tool_message_sent_after_bind_tools_raised_is_left_to_the_tool_checks() -> None:
    tool = ("tool", "standard")
    unbound = "`bind_tools` raised TypeError: no tools here"
    calls = {
        "media_pdf": raised(whole("pdf", [*HUMAN, tool], unbound=unbound)),
        "media_pdf_human_standard": part("pdf", HUMAN[0]),
        "media_pdf_human_openai": part("pdf", HUMAN[1]),
        "media_pdf_tool_standard": part("pdf", tool, ok=False, unbound=unbound),
    }

    verdict = judge_media(observation(calls, {"pdf_tool_message": True}), "pdf")

    assert verdict.outcome == "passed"
    assert "sent without the tool bound, as `bind_tools` raised TypeError" in verdict.message


def test_a_tool_message_sent_to_a_model_without_bind_tools_is_judged_and_says_so() -> None:
    tool = ("tool", "standard")
    unbound = "the model has no `bind_tools` of its own"
    calls = {
        "media_pdf": raised(whole("pdf", [*HUMAN, tool], unbound=unbound)),
        "media_pdf_human_standard": part("pdf", HUMAN[0]),
        "media_pdf_human_openai": part("pdf", HUMAN[1]),
        "media_pdf_tool_standard": part("pdf", tool, ok=False, unbound=unbound),
    }

    verdict = judge_media(observation(calls, {"pdf_tool_message": True}), "pdf")

    assert verdict.outcome == "failed"
    assert "in a ToolMessage (sent without the tool bound: the model has no `bind_tools` of its own)" in (
        verdict.message
    )
    assert "capabilities = {pdf_tool_message = false}" in verdict.message


def test_a_media_message_that_times_out_fails_without_blaming_a_block() -> None:
    call = whole("image", HUMAN)
    call.failure = Failure("timeout", "TimeoutError", "timed out after 30 s")

    verdict = judge_media(observation({"media_image": call}), "image")

    assert verdict.outcome == "failed"
    assert "invoke timed out after 30 s. Make sure the model answers a message with image content" in (
        verdict.message
    )
    assert "Sent alone" not in verdict.message and "each block" not in verdict.message


def test_a_conversation_that_times_out_fails_without_blaming_a_part() -> None:
    from modelcheck.checks.conversation import judge_history

    call = Call("history")
    call.failure = Failure("timeout", "TimeoutError", "timed out after 30 s")

    verdict = judge_history(observation({"history": call}))

    assert verdict.outcome == "failed"
    assert verdict.message.endswith("invoke timed out after 30 s. Make sure the model answers it.")


HANGS = '''
import time

from reference_models import EchoChatModel


class Hangs(EchoChatModel):
    """Hangs on any content list (https://example.com/api)."""

    def _content_text(self, content):
        if isinstance(content, list):
            time.sleep(3)
        return super()._content_text(content)
'''


def test_a_model_that_hangs_on_media_is_not_sent_each_block(mc: Modelcheck) -> None:
    mc.model(HANGS)
    mc.config('[tool.modelcheck."mymodel:Hangs"]\ntimeout = 1\n')

    outcome = mc.run("--modelcheck=mymodel:Hangs", "-k", "audio", report=True)

    assert outcome.of("mymodel:Hangs") == {"audio-input": "failed"}
    assert outcome.report()["targets"][0]["calls"] == 3  # invoke, invoke_messages, the audio message


NEEDS_TOOLS = '''
from langchain_core.messages import ToolMessage

from reference_models import EchoChatModel


class NeedsTools(EchoChatModel):
    """Refuses a tool result for a tool it was not given, as Anthropic's API does (https://example.com/api)."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        if isinstance(messages[-1], ToolMessage):
            names = [t["function"]["name"] for t in kwargs.get("tools", [])]
            if messages[-1].name not in names:
                raise ValueError(f"tool_result for {messages[-1].name!r}, but the tools are {names}")
        return super()._generate(messages, stop, run_manager, **kwargs)
'''


def test_the_tool_message_comes_with_its_tool_bound(mc: Modelcheck) -> None:
    mc.model(NEEDS_TOOLS)

    outcome = mc.run("--modelcheck=mymodel:NeedsTools", "-k", "image-input or pdf-input", report=True)

    assert outcome.of("mymodel:NeedsTools") == {"image-input": "passed", "pdf-input": "passed"}
    checks = {c["id"]: c["message"] for c in outcome.report()["targets"][0]["checks"]}
    assert "then a ToolMessage holding the same base64 blocks" in checks["pdf-input"]


UNBOUND = '''
from langchain_core.messages import ToolMessage

from reference_models import EchoChatModel


class BindRaises(EchoChatModel):
    """Its bind_tools raises, and it refuses a tool result without tools (https://example.com/api)."""

    def bind_tools(self, tools, **kwargs):
        raise TypeError("no tools today")

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        if isinstance(messages[-1], ToolMessage) and not kwargs.get("tools"):
            raise ValueError("a tool result for a tool that was not given")
        return super()._generate(messages, stop, run_manager, **kwargs)
'''


def test_a_tool_message_is_sent_unbound_where_tools_cannot_be_bound(mc: Modelcheck) -> None:
    mc.model(PLAIN + UNBOUND)
    mc.config(
        """
        [tool.modelcheck."mymodel:Chat"]
        capabilities = {image_inputs = true, image_tool_message = true}
        """
    )

    outcome = mc.run(
        "--modelcheck=mymodel:Chat", "--modelcheck=mymodel:BindRaises", "-k", "image", report=True
    )

    # The plain model has no bind_tools: it gets the tool message unbound, and answers it.
    assert outcome.of("mymodel:Chat") == {"image-input": "passed"}
    # bind_tools raising is the tool-calling checks' to judge: the tool message part is not judged.
    assert outcome.of("mymodel:BindRaises") == {"image-input": "passed"}
    checks = {t["target"]: t["checks"][0]["message"] for t in outcome.report()["targets"]}
    assert "then a ToolMessage holding the same base64 blocks" in checks["mymodel:Chat"]
    assert (
        "sent without the tool bound, as `bind_tools` raised TypeError: no tools today"
        in (checks["mymodel:BindRaises"])
    )
