"""Multimodal input: a chat model answers a message holding the media it says it takes.

One call (observe/probes/media.py) holds every media type the model takes, each shipped file as
LangChain's standard block and as the OpenAI-style block, plus a URL block and a `ToolMessage` with
the same blocks where the model has those sub-features (`image_urls`, `image_tool_message`,
`pdf_tool_message`). It must give an AIMessage with an answer (text or a tool call). When it raises,
each block was sent alone: each type's check names the forms of its type that raised alone, with
what to change for each, and passes when every block of its type was answered alone while another
type's raised. A raise that no block alone explains (or a timeout) is told once, by the first type's
check; the others mark theirs as its consequence.
"""

from __future__ import annotations

from modelcheck.checks.common import answers
from modelcheck.core import probe_ids as ids
from modelcheck.core.capabilities import declared_absent, gate
from modelcheck.core.records import Call, Failure, Observation
from modelcheck.core.verdict import Verdict, consequence, failed, passed, skipped

Piece = tuple[str, str]
NAMES = {"image": "image", "pdf": "PDF", "audio": "audio"}
BLOCKS = {
    ("image", "standard"): "LangChain's standard `image` block (base64 data, image/png)",
    ("image", "openai"): "the OpenAI-style `image_url` block (a data URL)",
    ("image", "url"): "LangChain's standard `image` block with a `url`",
    ("pdf", "standard"): "LangChain's standard `file` block (base64 data, application/pdf)",
    ("pdf", "openai"): "the OpenAI-style `file` block (`file_data`, a data URL)",
    ("audio", "standard"): "LangChain's standard `audio` block (base64 data, audio/wav)",
    ("audio", "openai"): "the OpenAI-style `input_audio` block (base64 data, format wav)",
}
STANDARD = (
    "Turn LangChain's standard blocks into the API's format: on langchain-core 1.x "
    '`{{"type": "{kind}", "base64": ..., "mime_type": ...}}` (core turns the 0.3 `source_type` form '
    "into it before the model sees it), on 0.3 "
    '`{{"type": "{kind}", "source_type": "base64", "data": ..., "mime_type": ...}}`; for an '
    "OpenAI-style API, `langchain_core.messages.convert_to_openai_data_block(block)` does it."
)
OPENAI = {
    "image": "Take the OpenAI-style `image_url` block (LangChain passes it to every chat model as it "
    "is; most APIs take it, or turn its data URL into their own image form).",
    "pdf": "(langchain-core turns the OpenAI-style `file` block into the standard `file` block before "
    "the model sees it, so taking the standard block fixes both.)",
    "audio": "(langchain-core turns the OpenAI-style `input_audio` block into the standard `audio` "
    "block before the model sees it, so taking the standard block fixes both.)",
}
URL = (
    "Pass the URL on to the API (`convert_to_openai_data_block` makes an `image_url` of it), or "
    "download it in the model."
)
WHAT = {
    "image_urls": "images by URL",
    "image_tool_message": "images in a ToolMessage",
    "pdf_tool_message": "PDFs in a ToolMessage",
}
KIND = {"image": "image", "pdf": "file", "audio": "audio"}
SUB = {"image": ("image_urls", "image_tool_message"), "pdf": ("pdf_tool_message",), "audio": ()}


def judge_image(obs: Observation) -> Verdict:
    return judge_media(obs, "image")


def judge_pdf(obs: Observation) -> Verdict:
    return judge_media(obs, "pdf")


def judge_audio(obs: Observation) -> Verdict:
    return judge_media(obs, "audio")


def judge_media(obs: Observation, media: str) -> Verdict:
    call = obs.calls.get(ids.MEDIA)
    chosen = pieces_of(call, media) if call is not None else []
    if call is None or not chosen:
        return skipped(f"the {NAMES[media]} message was not sent.")
    if not answers(call) and not all(answers(obs.calls.get(p)) for p in (ids.INVOKE, ids.INVOKE_MESSAGES)):
        return skipped(
            f"invoke fails on a plain text message too, so {NAMES[media]} input cannot be judged "
            "(see invoke)."
        )
    if call.failure is not None:
        return _raised_whole(obs, media, call, chosen)
    wrong = _no_answer(call)
    if wrong and _answers_empty(obs):
        return passed(
            f"checked {sent(media, chosen)}: taken without raising; the answer is empty, as the "
            f"answer to a plain text message is{_not_checked(obs, media)}",
            _unchecked(obs, media),
        )
    if wrong:
        return failed(
            f"given {sent(media, chosen)}, invoke {wrong}. Answer a message with {NAMES[media]} "
            "content as any other: with an AIMessage holding the model's answer."
        )
    return passed(f"checked {sent(media, chosen)}{_not_checked(obs, media)}", _unchecked(obs, media))


def pieces_of(call: Call, media: str) -> list[Piece]:
    """The pieces of `media` the call held (its `pieces` are by media type)."""
    held = call.extra.get("pieces")
    got = held.get(media, []) if isinstance(held, dict) else []
    return [(str(p[0]), str(p[1])) for p in got]


def _kinds(call: Call) -> list[str]:
    held = call.extra.get("pieces")
    return [str(k) for k in held] if isinstance(held, dict) else []


def _once(call: Call, media: str, verdict: Verdict) -> Verdict:
    """A failure of the whole message that no block of one type explains: the first type's check
    tells it, the others mark theirs as its consequence."""
    first = _kinds(call)[0] if _kinds(call) else media
    return verdict if first == media else consequence(f"{first}-input", verdict)


def _beside(call: Call, media: str) -> str:
    others = [NAMES[k] for k in _kinds(call) if k != media]
    return f" (beside the {_join(others)} blocks)" if others else ""


def label(media: str, piece: Piece) -> str:
    where = " in a ToolMessage" if piece[0] == "tool" else ""
    return BLOCKS[(media, piece[1])] + where


def sent(media: str, chosen: list[Piece]) -> str:
    human = [BLOCKS[(media, form)] for place, form in chosen if place == "human"]
    text = f"a HumanMessage holding {_join(human)}"
    if any(place == "tool" for place, _ in chosen):
        text += ", then a ToolMessage holding the same base64 blocks"
    return text


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _no_answer(call: Call) -> str | None:
    out = call.output
    if out is None or not out.expected_type:
        return f"returned {out.type_name if out else 'nothing'}, not an AIMessage"
    if not (out.text or "").strip() and not call.extra.get("tool_calls"):
        return "returned an AIMessage with no text and no tool call"
    return None


def _answers_empty(obs: Observation) -> bool:
    """Whether the model answers a plain text message with no text either (not a media defect)."""
    plain = obs.calls.get(ids.INVOKE_MESSAGES)
    out = plain.output if plain is not None else None
    return out is not None and out.expected_type and not (out.text or "").strip()


def _gated(obs: Observation, media: str) -> list[tuple[str, str]]:
    """The sub-features not checked, each with the reason (as the gate gives it)."""
    notes = []
    for name in SUB[media]:
        reason = gate(obs, name)
        if reason is not None:
            notes.append((name, f"{name}: {reason.message.rstrip('.')}"))
    return notes


def _unchecked(obs: Observation, media: str) -> list[str]:
    """The sub-features left unjudged: those the model may have (not those it declares it lacks)."""
    return [note for name, note in _gated(obs, media) if not declared_absent(obs, name)]


def _not_checked(obs: Observation, media: str) -> str:
    notes = [note for _, note in _gated(obs, media)]
    return f". Not checked: {'; '.join(notes)}." if notes else ""


def _raised_whole(obs: Observation, media: str, call: Call, chosen: list[Piece]) -> Verdict:
    assert call.failure is not None
    whole = f"given {sent(media, chosen)}{_beside(call, media)}, invoke {_raised(call.failure)}"
    if call.failure.kind == "timeout":  # its blocks are not sent alone: they would only hang
        return _once(
            call,
            media,
            failed(
                f"{whole}. Make sure the model answers a message with {NAMES[media]} content, or raise the "
                "target's `timeout` (a large file may take longer; modelcheck's are a few hundred bytes)."
            ),
        )
    parts = {piece: obs.calls.get(_part(media, piece)) for piece in chosen}
    failing = {p: c for p, c in parts.items() if c is not None and c.failure is not None}
    unreached = {p: note for p, c in failing.items() if (note := _unjudged(c, p, obs)) is not None}
    judged = {p: c for p, c in failing.items() if p not in unreached}
    if not failing and _others_raised(obs, call, media):
        return passed(
            f"checked {sent(media, chosen)}, each block alone{_not_checked(obs, media)}",
            _unchecked(obs, media),
        )
    if not failing:
        return _once(
            call,
            media,
            failed(
                f"{whole}; each block sent alone was answered. Convert every block of a message's "
                "content list (and every message), not only one."
            ),
        )
    if not judged:
        return _unreached(media, chosen, unreached)
    groups: dict[str, list[str]] = {}
    for piece, part in judged.items():
        unbound = (
            f" (sent without the tool bound: {part.extra['unbound']})" if "unbound" in part.extra else ""
        )
        groups.setdefault(_raised(part.failure) if part.failure else "", []).append(
            label(media, piece) + unbound
        )
    alone = "; ".join(f"{_join(labels)} {how}" for how, labels in groups.items())
    answered = [label(media, p) for p, c in parts.items() if p not in failing and c is not None]
    also = f"; {_join(answered)} {'was' if len(answered) == 1 else 'were'} answered" if answered else ""
    return failed(
        f"given {sent(media, chosen)}, invoke raised. Sent alone, {alone}{also}. "
        f"{_fixes(media, list(judged))}"
    )


def _others_raised(obs: Observation, call: Call, media: str) -> bool:
    """Whether a block of another media type raised alone (the whole's raise is that type's)."""
    others = [_part(k, p) for k in _kinds(call) if k != media for p in pieces_of(call, k)]
    return any((c := obs.calls.get(p)) is not None and c.failure is not None for p in others)


def _unreached(media: str, chosen: list[Piece], unreached: dict[Piece, str]) -> Verdict:
    """The verdict when every block that raised alone says nothing of the model: a pass on the
    blocks that were answered, partial; a skip when no block was."""
    notes = [f"{label(media, p)}: {note}" for p, note in unreached.items()]
    reached = [p for p in chosen if p not in unreached]
    if not reached:
        return skipped(f"no {NAMES[media]} block could be judged. Not checked: {'; '.join(notes)}")
    return passed(f"checked {sent(media, reached)}. Not checked: {'; '.join(notes)}", notes)


def _part(media: str, piece: Piece) -> str:
    return ids.media_part(media, *piece)


def _unjudged(call: Call, piece: Piece, obs: Observation) -> str | None:
    """Why a block that raised alone says nothing of the model, or None when it does: a URL block
    whose loopback URL nothing fetched (a hosted service cannot reach it), a tool message sent
    after `bind_tools` raised, or one to a model that cannot take a ToolMessage with a list of text
    blocks either (the tool-calling checks judge those)."""
    shown = call.failure.describe() if call.failure else "an error"
    plain = obs.calls.get(ids.TOOLS_ROUND_TRIP_LIST)
    if piece[0] == "tool" and plain is not None and plain.failure is not None:
        return (
            f"it raised {shown}, and a ToolMessage whose content is a list of text blocks raised too "
            f"({plain.failure.describe()}): tool-round-trip judges that."
        )
    if "url" in call.extra and call.extra.get("url_fetched") is False:
        return (
            f"it raised {shown} with modelcheck's loopback URL of the shipped PNG "
            f"({call.extra['url']}), which nothing fetched: a hosted service cannot reach a loopback "
            "address, so this says nothing of the model. To judge it, give a URL of a small image "
            'the service can fetch: image_url = "https://..." in its [tool.modelcheck] table.'
        )
    if str(call.extra.get("unbound", "")).startswith("`bind_tools` raised"):
        return (
            f"it raised {shown}, sent without the tool bound, as {call.extra['unbound']} (the tool "
            "calling checks judge that)."
        )
    return None


def _fixes(media: str, failing: list[Piece]) -> str:
    forms = {form for _, form in failing}
    fixes = []
    if "standard" in forms:
        fixes.append(STANDARD.format(kind=KIND[media]))
    if "openai" in forms:
        fixes.append(OPENAI[media])
    if "url" in forms:
        fixes.append(URL)
    if any(place == "tool" for place, _ in failing):
        fixes.append("A ToolMessage's content may be a list of blocks too: convert it as a HumanMessage's.")
    capability = _capability(media, failing)
    return " ".join(fixes) + (
        f" If the model cannot take {WHAT.get(capability, f'{NAMES[media]} content')}, declare it: "
        f"capabilities = {{{capability} = false}} in its [tool.modelcheck] table."
    )


def _capability(media: str, failing: list[Piece]) -> str:
    if all(place == "tool" for place, _ in failing):
        return f"{media}_tool_message"
    if all(form == "url" for _, form in failing):
        return "image_urls"
    return f"{media}_inputs"


def _raised(failure: Failure) -> str:
    if failure.kind == "timeout":
        return failure.message
    where = f" in {failure.where}" if failure.where else ""
    return f"raised{where} {failure.describe()}"
