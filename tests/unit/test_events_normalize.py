"""Events as plain data, their normalized form, the snapshot file's format and the diff shown."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_core.outputs import GenerationChunk

from modelcheck.core.events import EXCLUDED, IdMap, Normalizer, render, to_plain, value_text
from modelcheck.core.paths import snapshot_name
from modelcheck.pytest.snapshot import text_diff
from modelcheck.secrets.scrub import Scrubber

RUN_A, RUN_B = str(uuid.uuid4()), str(uuid.uuid4())


def test_messages_and_chunks_become_dicts_of_their_fields() -> None:
    plain = to_plain({"chunk": AIMessageChunk(content="hi", id="x"), "gen": GenerationChunk(text="yo")})
    assert plain["chunk"]["content"] == "hi" and plain["chunk"]["type"] == "AIMessageChunk"
    assert plain["gen"]["text"] == "yo" and plain["gen"]["generation_info"] is None
    assert to_plain([HumanMessage("q")])[0]["type"] == "human"
    json.dumps(plain)


def test_odd_values_become_stable_text() -> None:
    class Thing:
        pass

    assert to_plain({"u": uuid.UUID(RUN_A), "s": {3, 1}, "b": b"abc", "t": (1, 2)}) == {
        "u": RUN_A,
        "s": [1, 3],
        "b": "<3 bytes>",
        "t": [1, 2],
    }
    assert to_plain(Thing()) == "<Thing>"


def test_value_text_reads_strings_messages_generations_and_results() -> None:
    assert value_text("a") == "a"
    assert value_text({"content": [{"type": "text", "text": "b"}, "c"], "type": "ai"}) == "bc"
    assert value_text({"text": "d", "type": "GenerationChunk"}) == "d"
    assert value_text({"generations": [[{"text": "e"}]], "llm_output": None}) == "e"
    assert value_text({"generations": [[{"message": {"content": "f"}, "text": "f"}]]}) == "f"
    assert value_text(7) is None


def test_run_ids_become_placeholders_in_order_of_first_appearance() -> None:
    ids = IdMap()
    assert [ids(RUN_B), ids(RUN_A), ids(RUN_B.upper())] == ["<run-0>", "<run-1>", "<run-0>"]
    assert ids.in_text(f"lc_run--{RUN_A}") == "run--<run-1>"  # core 1.x's prefix for core 0.3's
    assert ids.in_text(f"run-{RUN_B}") == "run-<run-0>"
    assert ids.in_text(f"run--{RUN_B}") == "run--<run-0>"
    assert ids.in_text(f"chatcmpl-{RUN_A}") == f"chatcmpl-{RUN_A}"


def event(**data: Any) -> dict[str, Any]:
    return {
        "data": data,
        "tags": ["seq:step:2"],
        "parent_ids": [RUN_A],
        "run_id": RUN_B,
        "event": "on_chat_model_stream",
        "name": "Chat",
        "metadata": {"lc_versions": {"langchain-core": "1.7.2"}, "ls_model_name": "m"},
    }


def test_an_event_is_normalized_field_by_field() -> None:
    chunk = {
        "content": "hi sk-secret-1234",
        "id": f"lc_run--{RUN_B}",
        "response_metadata": {"created_at": "2026-01-01", "total_duration": 12, "system_fingerprint": "fp_9"},
    }
    normalizer = Normalizer(exclude=("system_fingerprint",), scrub=Scrubber(["sk-secret-1234"]))
    out = normalizer.event(event(chunk=chunk), IdMap())
    assert list(out) == ["event", "name", "run_id", "parent_ids", "tags", "metadata", "data"]
    assert out["run_id"] == "<run-0>" and out["parent_ids"] == ["<run-1>"]
    assert out["metadata"] == {"ls_model_name": "m"}
    assert out["data"]["chunk"] == {
        "content": "hi ***",
        "id": "run--<run-0>",
        "response_metadata": {"system_fingerprint": EXCLUDED},
    }


def test_exclude_takes_a_dotted_path_too() -> None:
    normalizer = Normalizer(exclude=("chunk.response_metadata.id",))
    chunk = {"id": "keep", "response_metadata": {"id": "req_123"}}
    out = normalizer.event(event(chunk=chunk), IdMap())
    assert out["data"]["chunk"] == {"id": "keep", "response_metadata": {"id": EXCLUDED}}


def test_the_file_holds_one_event_per_line_and_is_json() -> None:
    document = {"modelcheck_snapshot": 1, "target": "m:C", "model": [{"a": 1}, {"b": "é"}], "chain": []}
    text = render(document)
    assert text == (
        '{\n  "modelcheck_snapshot": 1,\n  "target": "m:C",\n  "model": [\n'
        '    {"a": 1},\n    {"b": "é"}\n  ],\n  "chain": []\n}\n'
    )
    assert json.loads(text) == document


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.lists(st.dictionaries(st.text(max_size=5), json_values, max_size=3), max_size=3),
        max_size=3,
    )
)
def test_render_is_json_and_canonical(document: dict[str, Any]) -> None:
    text = render(document)
    assert json.loads(text) == document
    assert render(json.loads(text)) == text


def test_target_names_make_portable_file_names() -> None:
    assert snapshot_name("reference_models:EchoChatModel") == "reference_models.EchoChatModel"
    assert snapshot_name("pkg.sub:make_model") == "pkg.sub.make_model"
    assert snapshot_name("a/b:C<1>") == "a_b.C_1"


def test_the_diff_shows_changed_lines_with_context_and_points_at_the_character() -> None:
    before = "\n".join(["{", '  "a": "quick",', '  "b": 2,', '  "c": 3', "}"])
    after = before.replace("quick", "quack")
    assert text_diff(before, after).splitlines() == [
        "@@ snapshot line 1, this run line 1 @@",
        "  {",
        '-   "a": "quick",',
        "?           ^",
        '+   "a": "quack",',
        "?           ^",
        '    "b": 2,',
    ]


def test_the_diff_shows_added_and_removed_lines() -> None:
    text = text_diff("a\nb\nc\n", "a\nc\nd\n")
    assert "- b" in text.splitlines() and "+ d" in text.splitlines()


def test_what_core_03_and_1x_write_differently_is_left_out() -> None:
    """One snapshot holds on both lines: core 1.x's chunk_position, ls_integration and closing empty
    chunk, core 0.3's example=False and run-- prefix are not the model's behaviour."""
    text = {"content": "hi", "tool_call_chunks": [], "response_metadata": {}}
    core_1x = [
        {
            **event(chunk={**text, "chunk_position": None, "id": f"lc_run--{RUN_B}"}),
            "metadata": {"ls_integration": "x"},
        },
        event(
            chunk={"content": "", "chunk_position": "last", "tool_call_chunks": [], "response_metadata": {}}
        ),
    ]
    core_03 = [{**event(chunk={**text, "example": False, "id": f"run--{RUN_B}"}), "metadata": {}}]
    normalizer = Normalizer()

    assert normalizer.events(core_1x, IdMap()) == normalizer.events(core_03, IdMap())
    # A closing chunk that carries something, and example=True, are the model's: kept.
    kept = [event(chunk={"content": "", "chunk_position": "last", "usage_metadata": {"input_tokens": 3}})]
    assert len(normalizer.events(kept, IdMap())) == 1
    assert normalizer.event(event(chunk={"example": True}), IdMap())["data"]["chunk"] == {"example": True}


def test_a_loopback_port_reads_port_and_other_urls_stay() -> None:
    from modelcheck.core.events import volatile_removed

    event = {"event": "on_chat_model_end", "metadata": {"url": "http://127.0.0.1:44931/v1/chat"}}
    out = Normalizer().event(event, IdMap())
    assert out["metadata"]["url"] == "http://127.0.0.1:<port>/v1/chat"
    kept = ["https://api.example.com:8443/v1", "http://10.0.0.2:8080", "see 127.0.0.1:80"]
    assert volatile_removed(kept, ()) == kept
    doc = {"kwargs": {"base_url": "http://localhost:5000", "deployment": "d-1", "n": [1]}}
    assert volatile_removed(doc, ("deployment",)) == {
        "kwargs": {"base_url": "http://localhost:<port>", "deployment": EXCLUDED, "n": [1]}
    }
