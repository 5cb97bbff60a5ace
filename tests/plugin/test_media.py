"""Multimodal input: the shipped media, and the checks run as users run them on the reference model,
its broken variants and models without media capabilities (the judges: tests/unit/test_media.py)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from support.harness import MEDIA, Modelcheck, broken_variants, only, run_broken_chat

from modelcheck.checks.catalog import by_id
from modelcheck.core.records import Call
from modelcheck.media import AUDIO, IMAGE, PDF, make
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

    from modelcheck.observe.probes.media import block, v1_blocks

    for media in ("image", "pdf", "audio"):
        standard = block(media, "standard")
        assert is_data_content_block(standard)
        assert ("base64" in standard) is v1_blocks()
        assert ("source_type" in standard) is not v1_blocks()
    assert is_data_content_block(block("image", "url", "http://127.0.0.1:1/image.png"))


# --- as users run it ---------------------------------------------------------------------------

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
    assert {c: verdicts[c] for c in MEDIA - {BROKEN[name]}} == dict.fromkeys(MEDIA - {BROKEN[name]}, "passed")


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

    outcome = mc.run("--modelcheck=mymodel:Chat", *only(*MEDIA), "-rs", report=True)

    assert outcome.of("mymodel:Chat") == dict.fromkeys(MEDIA, "skipped")
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

    outcome = mc.run("--modelcheck=mymodel:Chat", *only(*MEDIA), report=True)

    assert outcome.of("mymodel:Chat") == {
        "image-input": "passed",
        "pdf-input": "passed",
        "audio-input": "skipped",
    }
    checks = {c["id"]: c for c in outcome.report()["targets"][0]["checks"]}
    assert "Not checked: image_urls: " in checks["image-input"]["message"]
    assert "declare it: capabilities = {image_tool_message = true}" in checks["image-input"]["message"]
    assert outcome.report()["targets"][0]["calls"] == 3  # invoke, invoke_messages, one media message


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

    outcome = mc.run(
        "--modelcheck=mymodel:Fetches", "--modelcheck=mymodel:Refuses", *only("image-input"), "-rf"
    )

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

    from modelcheck.observe.probes import media as media_probes

    assert media_probes.URL_PORT == 47181
    first, taken = Call("media"), Call("media")
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

    outcome = mc.run("--modelcheck=mymodel:Refuses", *only("image-input"), "-rf")

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

    outcome = mc.run("--modelcheck=mymodel:Hangs", *only("audio-input"), report=True)

    assert outcome.of("mymodel:Hangs") == {"audio-input": "failed"}
    # invoke, invoke_messages, the audio message, and what tells whether a ToolMessage that fails is
    # tool-round-trip's (its four forced tool calls and the round trip): as in the whole catalog.
    assert outcome.report()["targets"][0]["calls"] == 8


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

    outcome = mc.run("--modelcheck=mymodel:NeedsTools", *only("image-input", "pdf-input"), report=True)

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
        "--modelcheck=mymodel:Chat", "--modelcheck=mymodel:BindRaises", *only("image-input"), report=True
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
