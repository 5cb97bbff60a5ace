"""Media input for the reference chat model: every standard content block form, echoed as a marker.

A message's content list is read block by block: text as it is, and each media block as a marker
of its MIME type and size, `[image/png, 82 bytes]` (or its URL or file id: `[image, http://...]`).
Every form users send is taken: LangChain's v1 blocks (`image`/`file`/`audio` with `base64`, `url`
or `file_id`), the 0.3 `source_type` forms, and the OpenAI-style `image_url`, `input_audio` and
`file` blocks. Every message but the model's own is read, as an API reads the whole conversation.
A block of another type, base64 data that does not decode, or base64 data without a
MIME type raises ValueError, as an API would reject them.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

MEDIA_TYPES = ("image", "file", "audio")
# What the reference says it takes, in langchain-core's model profile keys (read on core 0.3 too).
MEDIA_PROFILE = {
    "image_inputs": True,
    "image_url_inputs": True,
    "image_tool_message": True,
    "pdf_inputs": True,
    "pdf_tool_message": True,
    "audio_inputs": True,
}


def media_profile() -> dict[str, Any]:
    return dict(MEDIA_PROFILE)


class MediaInputs:
    """Mixin: the text of a message's content, each media block as a marker."""

    def _content_text(self, content: str | list[Any]) -> str:
        return content_text(content)

    def _read_media(self, messages: list[BaseMessage]) -> None:
        """Read the content of every message but the model's own, as an API takes the whole
        conversation: a block it cannot take raises wherever it is, not only in the last message."""
        for message in messages:
            if not isinstance(message, AIMessage):
                self._content_text(message.content)


def content_text(content: str | list[Any]) -> str:
    if isinstance(content, str):
        return content
    return " ".join(_block_text(block) for block in content)


def _block_text(block: Any) -> str:
    if isinstance(block, str):
        return block
    if not isinstance(block, dict):
        raise ValueError(f"a content block must be a str or a dict, not {type(block).__name__}")
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", ""))
    if kind in MEDIA_TYPES:
        return _standard(block)
    if kind == "image_url":
        url = block["image_url"]
        return _url_marker("image", url if isinstance(url, str) else url["url"])
    if kind == "input_audio":
        audio = block["input_audio"]
        return _marker(f"audio/{audio['format']}", audio["data"])
    raise ValueError(f"the echo cannot take a content block of type {kind!r}")


def _standard(block: dict[str, Any]) -> str:
    """A v1 block (`base64`/`url`/`file_id`) or a 0.3 one (`source_type`), or an OpenAI `file`."""
    kind = str(block["type"])
    source = block.get("source_type")
    if "base64" in block or source == "base64":
        if "mime_type" not in block:
            raise ValueError(f"a base64 {kind} block needs a mime_type")
        return _marker(block["mime_type"], block["base64"] if "base64" in block else block["data"])
    if "url" in block:
        return _url_marker(kind, block["url"])
    if "file_id" in block or source == "id":
        return f"[{kind}, file id {block.get('file_id', block.get('id'))}]"
    if kind == "file" and isinstance(block.get("file"), dict):  # the OpenAI-style file block
        file = block["file"]
        if "file_data" in file:
            return _url_marker("file", file["file_data"])
        return f"[file, file id {file['file_id']}]"
    raise ValueError(f"the {kind} block holds no base64, url or file_id")


def _url_marker(kind: str, url: str) -> str:
    if url.startswith("data:"):
        head, _, data = url.partition(",")
        return _marker(head.removeprefix("data:").removesuffix(";base64"), data)
    return f"[{kind}, {url}]"


def _marker(mime_type: str, data: str) -> str:
    try:
        size = len(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the {mime_type} data is not valid base64: {exc}") from None
    return f"[{mime_type}, {size} bytes]"
