"""Multimodal input on records built by hand: the media judges (checks/media.py)."""

from __future__ import annotations

import pytest

from modelcheck.checks.catalog import by_id
from modelcheck.checks.media import judge_media
from modelcheck.core.records import Call, Facts, Failure, Observation, Output
from modelcheck.observe.detection import detect

# --- the judges, on records built by hand -----------------------------------------------------


def observation(calls: dict[str, Call], has: dict[str, bool] | None = None) -> Observation:
    obs = Observation("m:Chat", "chat", Facts("Chat", "m"))
    answered = Output("AIMessage", "an answer", True)
    obs.calls = {"invoke": Call("invoke", [answered]), "invoke_messages": Call("invoke_messages", [answered])}
    obs.calls.update(calls)
    obs.capabilities = detect(object(), "chat", has or {})
    return obs


def whole(media: str, pieces: list[tuple[str, str]], **extra: object) -> Call:
    return Call("media", extra={"pieces": {media: [list(p) for p in pieces]}, **extra})


def raised(call: Call, message: str = "unsupported content block type 'image'") -> Call:
    call.failure = Failure("raised", "ValueError", message, "_convert (m.py:9)", "model")
    return call


def part(media: str, piece: tuple[str, str], ok: bool = True, **extra: object) -> Call:
    call = Call(f"media_{media}_{piece[0]}_{piece[1]}", extra={"pieces": {media: [list(piece)]}, **extra})
    if ok:
        call.outputs.append(Output("AIMessage", "fine", True))
        return call
    return raised(call)


HUMAN = [("human", "standard"), ("human", "openai")]


def test_an_answered_message_passes_and_says_what_was_not_checked() -> None:
    call = whole("image", HUMAN)
    call.outputs.append(Output("AIMessage", "a red square", True))

    verdict = judge_media(observation({"media": call}), "image")

    assert verdict.outcome == "passed"
    assert "standard `image` block (base64 data, image/png)" in verdict.message
    assert "`image_url` block" in verdict.message
    assert "Not checked: image_urls: the model does not show the image_urls capability" in verdict.message
    assert "capabilities = {image_tool_message = true}" in verdict.message
    assert verdict.partial
    assert verdict.unjudged[0].startswith("image_urls: the model does not show the image_urls capability")


def test_a_message_with_every_sub_feature_shown_is_not_partial() -> None:
    call = whole("image", HUMAN)
    call.outputs.append(Output("AIMessage", "a red square", True))
    shown = {"image_urls": True, "image_tool_message": True}

    verdict = judge_media(observation({"media": call}, shown), "image")

    assert verdict.outcome == "passed" and not verdict.partial, verdict


def test_an_answer_with_only_a_tool_call_counts_but_an_empty_one_fails() -> None:
    empty = whole("audio", HUMAN)
    empty.outputs.append(Output("AIMessage", "", True))
    tool = whole("audio", HUMAN, tool_calls=1)
    tool.outputs.append(Output("AIMessage", "", True))
    other = whole("audio", HUMAN)
    other.outputs.append(Output("str", "text", False))

    assert judge_media(observation({"media": tool}), "audio").outcome == "passed"
    verdict = judge_media(observation({"media": empty}), "audio")
    assert verdict.outcome == "failed"
    assert "returned an AIMessage with no text and no tool call" in verdict.message
    verdict = judge_media(observation({"media": other}), "audio")
    assert "returned str, not an AIMessage" in verdict.message


def test_an_empty_answer_is_not_a_media_defect_when_plain_text_gets_one_too() -> None:
    call = whole("audio", HUMAN)
    call.outputs.append(Output("AIMessage", "", True))
    obs = observation({"media": call})
    obs.calls["invoke_messages"].outputs[0] = Output("AIMessage", "", True)

    verdict = judge_media(obs, "audio")

    assert verdict.outcome == "passed"
    assert "the answer is empty, as the answer to a plain text message is" in verdict.message


def test_the_block_that_raises_alone_is_named_with_its_fix() -> None:
    calls = {
        "media": raised(whole("image", HUMAN)),
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
        "media": raised(whole("image", pieces)),
        **{f"media_image_{p[0]}_{p[1]}": part("image", p, ok=p[0] == "human") for p in pieces},
    }

    verdict = judge_media(observation(calls, {"image_tool_message": True}), "image")

    assert verdict.outcome == "failed"
    assert "in a ToolMessage raised" in verdict.message
    assert "A ToolMessage's content may be a list of blocks too" in verdict.message
    assert "capabilities = {image_tool_message = false}" in verdict.message


def test_a_whole_that_raises_while_each_block_alone_is_answered() -> None:
    calls = {
        "media": raised(whole("pdf", HUMAN), "only one block per message"),
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
        "media": raised(whole("image", [*HUMAN, URL], url=LOOPBACK, url_fetched=False)),
        "media_image_human_standard": part("image", HUMAN[0]),
        "media_image_human_openai": part("image", HUMAN[1]),
        "media_image_human_url": part("image", URL, ok=False, url=LOOPBACK, url_fetched=False),
    }

    verdict = judge_media(observation(calls, {"image_urls": True}), "image")

    assert verdict.outcome == "passed"
    assert "Not checked: LangChain's standard `image` block with a `url`" in verdict.message
    assert "which nothing fetched: a hosted service cannot reach a loopback address" in verdict.message
    assert verdict.partial and len(verdict.unjudged) == 1
    assert verdict.unjudged[0].startswith("LangChain's standard `image` block with a `url`")


def test_a_message_whose_only_block_says_nothing_of_the_model_is_skipped() -> None:
    calls = {
        "media": raised(whole("image", [URL], url=LOOPBACK, url_fetched=False)),
        "media_image_human_url": part("image", URL, ok=False, url=LOOPBACK, url_fetched=False),
    }

    verdict = judge_media(observation(calls, {"image_urls": True}), "image")

    assert verdict.outcome == "skipped", verdict
    assert verdict.message.startswith("no image block could be judged. Not checked: LangChain's standard")
    assert "which nothing fetched" in verdict.message


def test_a_url_block_that_raised_after_the_model_fetched_it_fails() -> None:
    calls = {
        "media": raised(whole("image", [*HUMAN, URL], url=LOOPBACK, url_fetched=True)),
        "media_image_human_standard": part("image", HUMAN[0]),
        "media_image_human_openai": part("image", HUMAN[1]),
        "media_image_human_url": part("image", URL, ok=False, url=LOOPBACK, url_fetched=True),
    }

    verdict = judge_media(observation(calls, {"image_urls": True}), "image")

    assert verdict.outcome == "failed"
    assert "Pass the URL on to the API" in verdict.message
    assert "capabilities = {image_urls = false}" in verdict.message


def test_a_model_whose_invoke_fails_is_not_judged_here() -> None:
    obs = observation({"media": raised(whole("audio", HUMAN))})
    obs.calls["invoke"] = raised(Call("invoke"))

    verdict = judge_media(obs, "audio")

    assert verdict.outcome == "skipped"
    assert "invoke fails on a plain text message too" in verdict.message


@pytest.mark.parametrize(
    ("unbound", "outcome", "says"),
    [
        # bind_tools raised: the tool checks report that, so the ToolMessage part is not held against media.
        (
            "`bind_tools` raised TypeError: no tools here",
            "passed",
            ["sent without the tool bound, as `bind_tools` raised TypeError"],
        ),
        # No bind_tools of its own: the ToolMessage is judged, and the fix names the capability.
        (
            "the model has no `bind_tools` of its own",
            "failed",
            [
                "in a ToolMessage (sent without the tool bound: the model has no `bind_tools` of its own)",
                "capabilities = {pdf_tool_message = false}",
            ],
        ),
    ],
    ids=["bind-tools-raised", "no-bind-tools"],
)
def test_a_tool_message_sent_without_the_tool_bound_says_why(
    unbound: str, outcome: str, says: list[str]
) -> None:
    tool = ("tool", "standard")
    calls = {
        "media": raised(whole("pdf", [*HUMAN, tool], unbound=unbound)),
        "media_pdf_human_standard": part("pdf", HUMAN[0]),
        "media_pdf_human_openai": part("pdf", HUMAN[1]),
        "media_pdf_tool_standard": part("pdf", tool, ok=False, unbound=unbound),
    }

    verdict = judge_media(observation(calls, {"pdf_tool_message": True}), "pdf")

    assert verdict.outcome == outcome
    for text in says:
        assert text in verdict.message


def test_a_media_message_that_times_out_fails_without_blaming_a_block() -> None:
    call = whole("image", HUMAN)
    call.failure = Failure("timeout", "TimeoutError", "timed out after 30 s")

    verdict = judge_media(observation({"media": call}), "image")

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


@pytest.mark.parametrize(
    ("check_id", "media"), [("image-input", "image"), ("pdf-input", "pdf"), ("audio-input", "audio")]
)
def test_each_media_check_judges_its_own_media(check_id: str, media: str) -> None:
    call = whole(media, HUMAN)
    call.outputs.append(Output("AIMessage", "an answer", True))
    obs = observation({"media": call})

    assert by_id(check_id).judge(obs).outcome == "passed"
    assert by_id(check_id).judge(observation({})).outcome == "skipped"


def both(**extra: object) -> Call:
    """The one media message, holding the image's and the PDF's human blocks."""
    return Call(
        "media",
        extra={"pieces": {"image": [list(p) for p in HUMAN], "pdf": [list(p) for p in HUMAN]}, **extra},
    )


def test_one_message_of_two_types_is_judged_per_type_from_its_parts() -> None:
    obs = observation(
        {
            "media": raised(both(parts=[])),
            "media_image_human_standard": part("image", HUMAN[0]),
            "media_image_human_openai": part("image", HUMAN[1]),
            "media_pdf_human_standard": part("pdf", HUMAN[0], ok=False),
            "media_pdf_human_openai": part("pdf", HUMAN[1]),
        }
    )

    image, pdf = judge_media(obs, "image"), judge_media(obs, "pdf")

    assert image.outcome == "passed", image.message
    assert image.message.startswith("checked a HumanMessage holding LangChain's standard `image` block")
    assert pdf.outcome == "failed"
    assert (
        "Sent alone, LangChain's standard `file` block (base64 data, application/pdf) raised" in pdf.message
    )
    assert judge_media(obs, "audio").outcome == "skipped"


def test_a_raise_no_block_explains_is_told_once_by_the_first_type() -> None:
    obs = observation(
        {
            "media": raised(both(), "only one block per message"),
            **{f"media_{m}_{p[0]}_{p[1]}": part(m, p) for m in ("image", "pdf") for p in HUMAN},
        }
    )

    image, pdf = judge_media(obs, "image"), judge_media(obs, "pdf")

    assert image.outcome == "failed" and image.consequence_of is None
    assert "(beside the PDF blocks), invoke raised" in image.message
    assert "each block sent alone was answered" in image.message
    assert pdf.outcome == "failed" and pdf.consequence_of == "image-input"
    assert pdf.message.startswith("consequence of image-input: ")
