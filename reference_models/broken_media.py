"""Reference models broken on purpose against multimodal input: each fails exactly one check.

Each takes some content block forms and refuses one, as a model written against one API's format
does. modelcheck's own tests run the whole catalog on each and expect one failure, named in the
class docstring.
"""

from __future__ import annotations

from typing import Any

from ._media import content_text
from .echo_chat import EchoChatModel


def _refusing(content: str | list[Any], kind: str) -> str:
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == kind:
                raise ValueError(f"unsupported content block type {kind!r}")
    return content_text(content)


class ChatImageBlockRaises(EchoChatModel):
    """Fails `image-input`: it takes the OpenAI-style `image_url` block but raises on LangChain's
    standard `image` block, which agents and LangChain's own tools send.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _content_text(self, content: str | list[Any]) -> str:
        return _refusing(content, "image")


class ChatPdfBlockRaises(EchoChatModel):
    """Fails `pdf-input`: its profile says it takes PDFs, but it raises on every `file` block.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _content_text(self, content: str | list[Any]) -> str:
        return _refusing(content, "file")


class ChatAudioBlockRaises(EchoChatModel):
    """Fails `audio-input`: its profile says it takes audio, but it raises on every `audio` block.

    It stands in for a service-backed model (https://python.langchain.com/docs/how_to/custom_chat_model/).
    """

    def _content_text(self, content: str | list[Any]) -> str:
        return _refusing(content, "audio")
