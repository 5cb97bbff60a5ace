"""The pieces of record/replay on their own: redaction, normalization, bodies, the file, native-async."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote

from support.harness import REPORT, Modelcheck

from modelcheck.checks.native_async import judge_native
from modelcheck.core.records import Call, ExecutorCall, Facts, LoopStall, Observation, Output
from modelcheck.core.settings import DEFAULT_SECRET_PATTERN
from modelcheck.replay.bodies import to_bytes, to_doc
from modelcheck.replay.cassette_file import Interaction, parse, render
from modelcheck.replay.outcome import evidence, merge_evidence
from modelcheck.replay.redact import Redactor, normalize

KEY = "sk-real-0123456789abcdef"
CANARY = "mc-canary-api_key-0011223344556677"


def redactor() -> Redactor:
    return Redactor([KEY, CANARY], DEFAULT_SECRET_PATTERN)


def test_the_real_key_and_a_canary_give_the_same_request_to_match() -> None:
    with_key = json.dumps({"model": "m", "api_key": KEY, "note": f"Bearer {KEY}", "messages": []})
    with_canary = json.dumps({"messages": [], "note": f"Bearer {CANARY}", "api_key": CANARY, "model": "m"})
    assert redactor().request_body(with_key.encode(), "application/json") == redactor().request_body(
        with_canary.encode(), "application/json"
    )
    assert b"sk-real" not in redactor().request_body(with_key.encode(), "application/json")


def test_credential_query_parameters_and_encoded_secrets_leave_the_uri() -> None:
    encoded = base64.b64encode(KEY.encode()).decode()
    uri = f"https://api.example.com/v1/chat?api-version=2024&key=abc&sig={quote(KEY)}&b={encoded}"
    clean = redactor().uri(uri)
    assert clean == "https://api.example.com/v1/chat?api-version=2024&key=***&sig=***&b=***"


def test_jwt_shaped_strings_and_form_fields_are_redacted() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    assert redactor().text(f"token {jwt} end") == "token *** end"
    form = redactor().request_body(b"client_secret=s3&grant_type=x&z=1", "application/x-www-form-urlencoded")
    assert form == b"client_secret=***&grant_type=x&z=1"


def test_volatile_ids_and_timestamps_get_placeholders_that_keep_their_identity() -> None:
    body = {
        "messages": [
            {"role": "assistant", "tool_calls": [{"id": "call_Ab12Cd34Ef56", "type": "function"}]},
            {"role": "tool", "tool_call_id": "call_Ab12Cd34Ef56", "content": "42"},
        ],
        "metadata": {"created": 1_700_000_123, "run": "run-9f8e7d6c5b4a", "at": "2026-01-02T03:04:05Z"},
    }
    once = normalize(body)
    assert once["messages"][0]["tool_calls"][0]["id"] == "<id-0>"
    assert once["messages"][1]["tool_call_id"] == "<id-0>"  # the same id keeps its number
    assert once["metadata"] == {"at": "<time>", "created": "<time>", "run": "<id-1>"}
    assert normalize(once) == once  # stored requests are normalized again when loaded
    assert normalize({"model_id": "m-1", "modelId": "m-2"}) == {"model_id": "m-1", "modelId": "m-2"}


def test_only_string_values_are_redacted_by_their_name() -> None:
    schema = {"tools": [{"parameters": {"properties": {"api_key": {"type": "string"}}}}], "token": "t0k3n"}
    assert redactor().data(schema, names=True) == {
        "tools": [{"parameters": {"properties": {"api_key": {"type": "string"}}}}],
        "token": "***",
    }


def test_streams_round_trip_as_the_same_events_and_lines() -> None:
    sse = b'event: delta\ndata: {"text": "a"}\n\ndata: {"text": "b\\n"}\n\n: a comment\n\ndata: [DONE]\n\n'
    doc = to_doc(sse, "text/event-stream; charset=utf-8", lambda v: v)
    assert doc == {
        "sse": [{"event": "delta", "data": {"text": "a"}}, {"data": {"text": "b\n"}}, {"text": "[DONE]"}]
    }
    assert to_doc(to_bytes(doc), "text/event-stream", lambda v: v) == doc
    ndjson = b'{"a": 1}\n{"a": 2, "done": true}\n'
    lines = to_doc(ndjson, "application/x-ndjson", lambda v: v)
    assert lines == {"ndjson": [{"a": 1}, {"a": 2, "done": True}]}
    assert to_bytes(lines) == ndjson
    assert to_doc(b"\xff\x00", "application/octet-stream", lambda v: v) == {"base64": "/wA="}


def test_the_file_is_the_same_whatever_order_the_interactions_came_in(tmp_path: Path) -> None:
    def one(n: int) -> Interaction:
        body = json.dumps({"n": n}, separators=(",", ":")).encode()
        return Interaction(
            "POST",
            "http://x/v1/a",
            body,
            "application/json",
            200,
            "OK",
            "application/json",
            {"json": {"n": n}},
        )

    forward = render("m:M", "pytest", [one(1), one(2), one(1)], {})
    assert forward == render("m:M", "pytest", [one(2), one(1)], {})
    path = tmp_path / "c.cassette.yaml"
    path.write_text(forward, encoding="utf-8")
    loaded, _ = parse(path)
    assert loaded == [one(1), one(2)]


def test_a_broken_cassette_is_an_error_that_names_the_file(mc: Modelcheck) -> None:
    mc.model("from reference_models import EchoChatModel\n")
    broken = mc.pytester.path / "__snapshots__" / "modelcheck" / "mymodel.EchoChatModel.cassette.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("interactions: [{request: 1}]\n", encoding="utf-8")
    run = mc.run("--modelcheck=mymodel:EchoChatModel", report=True)
    run.result.stdout.fnmatch_lines(
        [
            "*modelcheck cannot use the cassette *mymodel.EchoChatModel.cassette.yaml: at "
            "interactions[[]0[]].request (line 1), a mapping is expected, found int '1'. * record it "
            "again: `pytest --modelcheck=mymodel:EchoChatModel --modelcheck-record`*"
        ]
    )
    assert "Traceback" not in run.text()
    assert (
        json.loads((mc.pytester.path / REPORT).read_text())["targets"][0]["checks"][0]["outcome"] == "error"
    )


def observed(**calls: Call) -> Observation:
    facts = Facts("Model", "m", native={"_agenerate": "m.Model"})
    obs = Observation("m:Model", "chat", facts, replayed="__snapshots__/modelcheck/m.Model.cassette.yaml")
    obs.calls = calls
    return obs


def ok(probe: str) -> Call:
    return Call(probe, outputs=[Output("AIMessage", "hi", True)])


def test_a_stall_seen_while_recording_fails_native_async_in_replay() -> None:
    recording = observed(ainvoke=ok("ainvoke"))
    recording.calls["ainvoke"].stalls.append(LoopStall(0.42, "m.py:9"))
    stored = evidence(recording)["native-async"]
    assert stored["ainvoke"] == {"thread_pool": [], "loop_stalls": [{"where": "m.py:9"}]}  # no time
    replay = observed(ainvoke=ok("ainvoke"), abatch=ok("abatch"))
    merge_evidence(replay, stored)
    verdict = judge_native(replay)
    assert verdict.outcome == "failed"
    assert "the event loop was blocked in m.py:9 (seen when the cassette was recorded)" in verdict.message


def test_the_stored_evidence_holds_no_time_so_two_recordings_are_identical() -> None:
    """Times differ on every run (and more on a loaded machine): the cassette keeps what was seen."""
    stored = []
    for blocked, stall in ((0.0123, 0.44), (0.0461, 0.16)):
        recording = observed(ainvoke=ok("ainvoke"))
        recording.calls["ainvoke"].executor_calls.append(ExecutorCall("M._fetch", blocked))
        recording.calls["ainvoke"].stalls.append(LoopStall(stall, "m.py:9"))
        stored.append(evidence(recording))
    assert stored[0] == stored[1]
    assert stored[0]["native-async"]["ainvoke"]["thread_pool"] == [{"function": "M._fetch", "blocked": True}]
    replay = observed(ainvoke=ok("ainvoke"), abatch=ok("abatch"))
    merge_evidence(
        replay, {"ainvoke": {"thread_pool": [], "loop_stalls": [{"where": "m.py:9", "seconds": 0.4}]}}
    )
    assert "blocked for 0.40 s in m.py:9" in judge_native(replay).message  # a cassette of before


def test_a_pass_in_replay_says_what_it_rests_on() -> None:
    replay = observed(ainvoke=ok("ainvoke"), abatch=ok("abatch"))
    merge_evidence(replay, {"ainvoke": {"thread_pool": [{"function": "M._parse"}], "loop_stalls": []}})
    assert replay.calls["ainvoke"].executor_calls == [ExecutorCall("M._parse", 0.0)]
    verdict = judge_native(replay)
    assert verdict.outcome == "passed"
    assert "ainvoke was replayed from __snapshots__/modelcheck/m.Model.cassette.yaml" in verdict.message
    assert "that the recording run observed during ainvoke" in verdict.message


def test_the_report_header_says_which_cassette_mode_is_in_force(mc: Modelcheck) -> None:
    mc.model("from reference_models import EchoChatModel\n")
    run = mc.run("--modelcheck=mymodel:EchoChatModel", "--modelcheck-replay-only", "-k", "docs")
    run.result.stdout.fnmatch_lines(["modelcheck cassettes: replay only (--modelcheck-replay-only)"])
    run = mc.run("--modelcheck=mymodel:EchoChatModel", "-k", "docs")
    run.result.stdout.fnmatch_lines(["modelcheck cassettes: replay where present, else live"])


def test_recording_a_model_that_no_longer_calls_http_deletes_its_old_cassette(mc: Modelcheck) -> None:
    mc.model("from reference_models import EchoChatModel\n")
    old = mc.pytester.path / "__snapshots__" / "modelcheck" / "mymodel.EchoChatModel.cassette.yaml"
    old.parent.mkdir(parents=True)
    old.write_text("version: 1\ninteractions: []\nobserved: {}\n", encoding="utf-8")
    assert mc.run("--modelcheck=mymodel:EchoChatModel", "--modelcheck-record", "-k", "invoke").result.ret == 0
    assert not old.exists()
