"""The multimodal checks' calls (checks/media.py): one message holding every media type the model
takes (its `<type>_inputs` capabilities), each in every block form the model takes.

`media` sends one message with each shipped file (modelcheck.media) as LangChain's standard block
and as the OpenAI-style block: the v1 form
(`{"type": "image", "base64": ..., "mime_type": ...}`) on langchain-core 1.x, the `source_type`
form on 0.3 (what each core documents; 1.x turns the 0.3 form into the v1 one before the model sees
it, so sending both would test core). Where the model has `image_urls`, the image message also holds
a standard URL block; where it has `image_tool_message` / `pdf_tool_message`, the message is
followed by an `AIMessage` tool call and a `ToolMessage` holding the same blocks. Only when that
call raises is each piece sent alone (`media_<type>_<place>_<form>`), so that the check can name
the block form the model cannot take, as `history` does.

The URL is the target's `image_url` setting when it has one (a URL its hosted service can fetch),
else a loopback HTTP server's, serving the shipped PNG during the call: nothing leaves the
machine, and a model that fetches the URL itself reaches the file. Whether it was fetched is
recorded, since a hosted service cannot reach a loopback address. The port is fixed (47181) when
it is free, so that the request a model sends holds the same URL on every run and replays.
"""

from __future__ import annotations

import base64
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from modelcheck.core import probe_ids as ids
from modelcheck.core.records import Call
from modelcheck.media import AUDIO, IMAGE, PDF, Media
from modelcheck.observe.probes.context import Probe, ProbeContext

MEDIA: dict[str, Media] = {"image": IMAGE, "pdf": PDF, "audio": AUDIO}  # by ids.MEDIA_TYPES
ASK = {
    "image": "modelcheck media: describe this image in one word.",
    "pdf": "modelcheck media: give the title of this document.",
    "audio": "modelcheck media: describe this audio in one word.",
}
TOOL = {"image": "modelcheck_image", "pdf": "modelcheck_pdf"}
TOOL_CALL_ID = "call_modelcheck_media"
Chosen = dict[str, list[tuple[str, str]]]
"""The pieces one call holds, by media type."""
URL_PORT = 47181
"""The loopback port the image URL is served on when it is free."""
# (place, form): where a block goes (the human message, a tool message) and in which form.
Piece = tuple[str, str]


def pieces(media: str, has: frozenset[str]) -> list[Piece]:
    """The blocks one call of `media` holds (of ids.MEDIA_PIECES), given the capabilities the model
    has: a URL block with `image_urls`, the tool message with `<media>_tool_message`."""
    return [piece for piece in ids.MEDIA_PIECES[media] if _held(media, piece, has)]


def _held(media: str, piece: Piece, has: frozenset[str]) -> bool:
    place, form = piece
    if place == "tool":
        return f"{media}_tool_message" in has
    return form != "url" or "image_urls" in has


def part_name(media: str, piece: Piece) -> str:
    return ids.media_part(media, *piece)


def v1_blocks() -> bool:
    """Whether the installed langchain-core documents LangChain's v1 content blocks (core 1.x)."""
    from langchain_core import messages

    return hasattr(messages, "ImageContentBlock")


def block(media: str, form: str, url: str | None = None) -> dict[str, Any]:
    """One content block holding the shipped file of `media` in `form` ("standard", "openai", "url")."""
    item = MEDIA[media]
    data = base64.b64encode(item.data).decode("ascii")
    if form == "url":
        if v1_blocks():
            return {"type": "image", "url": url, "mime_type": item.mime_type}
        return {"type": "image", "source_type": "url", "url": url, "mime_type": item.mime_type}
    if form == "openai":
        return _openai(media, item, data)
    standard: dict[str, Any] = {"type": item.kind, "mime_type": item.mime_type}
    if v1_blocks():
        standard["base64"] = data
    else:
        standard.update(source_type="base64", data=data)
    if item.kind == "file":
        standard["filename"] = item.filename  # OpenAI wants one; without it core warns
    return standard


def _openai(media: str, item: Media, data: str) -> dict[str, Any]:
    if media == "image":
        return {"type": "image_url", "image_url": {"url": f"data:{item.mime_type};base64,{data}"}}
    if media == "audio":
        return {"type": "input_audio", "input_audio": {"data": data, "format": "wav"}}
    return {
        "type": "file",
        "file": {"filename": item.filename, "file_data": f"data:{item.mime_type};base64,{data}"},
    }


def kinds(has: frozenset[str]) -> list[str]:
    """The media types the model takes (`<type>_inputs`), in ids.MEDIA_TYPES order."""
    return [media for media in ids.MEDIA_TYPES if f"{media}_inputs" in has]


def conversation(chosen: Chosen, url: str | None) -> list[Any]:
    """The messages of one call: a human message with the human pieces of every type, then for each
    type with tool pieces the model's own tool call and a `ToolMessage` holding them."""
    ask = " ".join(ASK[media] for media in chosen)
    human = [
        block(media, form, url) for media, got in chosen.items() for place, form in got if place == "human"
    ]
    messages: list[Any] = [HumanMessage(content=[{"type": "text", "text": ask}, *human])]
    for media, got in chosen.items():
        tool: list[str | dict[Any, Any]] = [block(media, form) for place, form in got if place == "tool"]
        if tool:
            call_id = f"{TOOL_CALL_ID}_{media}"
            call = {"type": "tool_call", "id": call_id, "name": TOOL[media], "args": {}}
            messages += [
                AIMessage(content="", tool_calls=[call]),
                ToolMessage(content=tool, tool_call_id=call_id, name=TOOL[media]),
            ]
    return messages


def _target(ctx: ProbeContext, call: Call, tooled: list[str]) -> Any:
    """The model, with the media tools bound when the call holds tool messages and the model binds
    tools (a service may refuse a tool result for a tool it was not given)."""
    if not tooled:
        return ctx.model
    if type(ctx.model).bind_tools is BaseChatModel.bind_tools:
        call.extra["unbound"] = "the model has no `bind_tools` of its own"
        return ctx.model
    try:
        return ctx.model.bind_tools([_tool(media) for media in tooled])
    except Exception as exc:  # the tool-calling checks judge bind_tools; here the call goes on
        call.extra["unbound"] = f"`bind_tools` raised {type(exc).__name__}: {' '.join(str(exc).split())}"
        return ctx.model


def _tool(media: str) -> Any:
    def tool() -> str:
        return ""

    tool.__name__ = TOOL[media]
    tool.__doc__ = f"Return a {MEDIA[media].label} file."
    return tool


def _chosen(ctx: ProbeContext, probe: str) -> Chosen:
    """The whole message's pieces, or the one piece a part sends."""
    if probe == ids.MEDIA:
        return {media: pieces(media, ctx.has) for media in kinds(ctx.has)}
    media, _, rest = probe.removeprefix("media_").partition("_")
    place, _, form = rest.partition("_")
    return {media: [(place, form)]}


def _media(ctx: ProbeContext, call: Call) -> None:
    chosen = _chosen(ctx, call.probe)
    call.extra["pieces"] = {media: [list(p) for p in got] for media, got in chosen.items()}
    parts = [part_name(media, p) for media, got in chosen.items() for p in got]
    if call.probe == ids.MEDIA and len(parts) > 1:
        call.extra["parts"] = parts  # sent only when the whole raises
    tooled = [media for media, got in chosen.items() if any(place == "tool" for place, _ in got)]
    with _served(
        call, any(form == "url" for got in chosen.values() for _, form in got), ctx.image_url
    ) as url:
        messages = conversation(chosen, url)
        value = _target(ctx, call, tooled).invoke(messages, ctx.config(call))
    ctx.returned(call, value)
    call.extra["tool_calls"] = len(getattr(value, "tool_calls", None) or [])


class _Handler(BaseHTTPRequestHandler):
    fetched: list[str]

    def do_GET(self) -> None:
        self.fetched.append(self.path)
        body = IMAGE.data
        self.send_response(200)
        self.send_header("Content-Type", IMAGE.mime_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def _served(call: Call, wanted: bool, given: str | None = None) -> Iterator[str | None]:
    """The URL of the call's URL block: the target's `image_url` when set, else a loopback HTTP
    server's, serving the shipped PNG for the duration of the call; whether the model (or anything)
    fetched that one is kept in `url_fetched`."""
    if not wanted:
        yield None
        return
    if given is not None:
        call.extra["url"] = given
        yield given
        return
    fetched: list[str] = []
    handler = type("Handler", (_Handler,), {"fetched": fetched})
    try:  # the same URL on every run, so that a recorded request replays (docs/replay.md)
        server = ThreadingHTTPServer(("127.0.0.1", URL_PORT), handler)
    except OSError:  # the port is taken (another run): any free one
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll: `shutdown` waits for the serving loop's next poll (0.5 s by default, on every call).
    serve = functools.partial(server.serve_forever, poll_interval=0.02)
    thread = threading.Thread(target=serve, name="modelcheck-media-url", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{IMAGE.filename}"
    call.extra["url"] = url
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        call.extra["url_fetched"] = bool(fetched)


PROBES: dict[str, Probe] = {
    ids.MEDIA: _media,
    **{part: _media for media in ids.MEDIA_TYPES for part in ids.MEDIA_PARTS[media]},
}
