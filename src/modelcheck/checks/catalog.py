"""The check catalog: one data row per check. Test ids, reports and the checklist all come from it.

The ids are fixed: users select them with `-k`, skip them in `[tool.modelcheck]`, and tools read
them from the JSON report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from modelcheck.checks import (
    conversation,
    docs,
    events,
    identity,
    media,
    native_async,
    params,
    runnable,
    secrets,
    serialization,
    stop,
    streaming,
    structured,
    tool_loop,
    tools,
    usage,
)
from modelcheck.core import capabilities
from modelcheck.core.records import Kind, Observation
from modelcheck.core.structured_plan import PLAN as STRUCTURED_PLAN
from modelcheck.core.structured_plan import slot_probes
from modelcheck.core.verdict import Verdict

BOTH: frozenset[Kind] = frozenset({"llm", "chat"})
CHAT: frozenset[Kind] = frozenset({"chat"})
CONSENSUS = frozenset({"invoke", "invoke_messages", "ainvoke", "batch", "abatch", "stream", "astream"})
STREAMS = frozenset({"stream", "astream", "drive_stream", "drive_astream"})
STOPS = CONSENSUS | {
    "stop_invoke",
    "stop_ainvoke",
    "stop_stream",
    "stop_astream",
    "drive_stream",
    "drive_astream",
}
NO_CALL: frozenset[str] = frozenset()
TOOL_CALLS = frozenset({"tools_invoke", "tools_stream", "tools_ainvoke", "tools_astream", "tools_no_args"})
# Each section's rules and messages live on one page of docs/; failure messages link there.
DOC_PAGES: dict[str, str] = {
    "Runnable surface": "runnable",
    "Streaming": "streaming",
    "Stop tokens": "stop",
    "Secrets": "secrets",
    "Identifying params": "identifying-params",
    "Native async": "native-async",
    "Documentation": "documentation",
    "Event streams": "events",
    "Capabilities": "capabilities",
    "Conversation": "conversation",
    "Usage": "usage",
    "Standard params": "params",
    "Serialization": "serialization",
    "Multimodal input": "multimodal",
    "Tool calling": "tools",
    "Structured output": "structured-output",
}


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    section: str
    judge: Callable[[Observation], Verdict]
    needs: frozenset[str] = CONSENSUS
    kinds: frozenset[Kind] = BOTH
    requires: str | None = None
    """A capability (capabilities.NAMES) without which the check is skipped, and its calls not made."""
    gated: tuple[tuple[str, frozenset[str]], ...] = ()
    """Calls that serve only a sub-feature: (capability, probes), made only when the model has it."""

    @property
    def page(self) -> str:
        """The docs page of this check's section, relative to modelcheck's repository root."""
        return f"docs/{DOC_PAGES[self.section]}.md"

    @property
    def anchor(self) -> str:
        return f"modelcheck {self.page}#{self.id}"


CATALOG: tuple[Check, ...] = (
    Check(
        "invoke",
        "invoke works with a string and with messages",
        "Runnable surface",
        runnable.judge_invoke,
    ),
    Check("ainvoke", "ainvoke returns what invoke returns", "Runnable surface", runnable.judge_ainvoke),
    Check(
        "batch",
        "batch returns one result per input, in order",
        "Runnable surface",
        runnable.judge_batch,
    ),
    Check(
        "abatch",
        "abatch returns one result per input, in order",
        "Runnable surface",
        runnable.judge_abatch,
    ),
    Check(
        "stream",
        "stream yields chunks that add up to invoke",
        "Runnable surface",
        runnable.judge_stream,
    ),
    Check(
        "astream",
        "astream yields chunks that add up to invoke",
        "Runnable surface",
        runnable.judge_astream,
    ),
    Check(
        "stream-callbacks",
        "on_llm_new_token fires once per chunk, with its text",
        "Streaming",
        streaming.judge_callbacks,
        STREAMS,
    ),
    Check(
        "stream-callback-order",
        "each chunk's callback fires before the caller gets it",
        "Streaming",
        streaming.judge_order,
        STREAMS,
    ),
    Check(
        "stop-respected", "nothing follows the first stop string", "Stop tokens", stop.judge_respected, STOPS
    ),
    Check(
        "stop-included",
        "the stop string is kept (per stop_policy)",
        "Stop tokens",
        stop.judge_included,
        STOPS,
    ),
    Check("secret-fields", "credential fields are SecretStr", "Secrets", secrets.judge_fields, NO_CALL),
    Check(
        "secret-masking",
        "a canary secret never surfaces",
        "Secrets",
        secrets.judge_masking,
        CONSENSUS | {"canary"},
    ),
    Check(
        "identifying-params",
        "model_name is in _identifying_params",
        "Identifying params",
        identity.judge_identifying,
        NO_CALL,
    ),
    Check(
        "native-async",
        "ainvoke is natively async",
        "Native async",
        native_async.judge_native,
        frozenset({"ainvoke", "abatch"}),
    ),
    Check(
        "native-async-stream",
        "astream is natively async",
        "Native async",
        native_async.judge_native_stream,
        frozenset({"astream"}),
    ),
    Check(
        "docs",
        "init fields are documented; a service-backed model links its API",
        "Documentation",
        docs.judge_docs,
        NO_CALL,
    ),
    Check(
        "event-stream",
        "astream_events: one start, a stream event per chunk, one end, nested runs",
        "Event streams",
        events.judge_event_stream,
        CONSENSUS | {"events_v2", "events_v2_chain", "events_v3"},
    ),
    Check(
        "event-snapshot",
        "the normalized event stream matches its reviewed snapshot",
        "Event streams",
        events.judge_event_snapshot,
        frozenset({"events_v2", "events_v2_chain"}),
    ),
    Check(
        "capabilities",
        "every declared capability is implemented",
        "Capabilities",
        capabilities.judge_capabilities,
        NO_CALL,
    ),
    Check(
        "message-history",
        "a whole conversation is answered, the last message first",
        "Conversation",
        conversation.judge_history,
        CONSENSUS | {"history"},
        CHAT,
    ),
    Check(
        "usage-metadata",
        "token usage is ints that add up, counted once in a stream",
        "Usage",
        usage.judge_usage,
        CONSENSUS | {"drive_stream", "drive_astream"},
        CHAT,
        requires="usage_metadata",
    ),
    Check(
        "ls-params",
        "_get_ls_params names the provider, the model and its params",
        "Standard params",
        params.judge_ls_params,
        frozenset({"ls_params"}),
    ),
    Check(
        "standard-params",
        "the standard init params work under their standard names",
        "Standard params",
        params.judge_standard_params,
        CONSENSUS | {"std_params", "ctor_stop", "max_tokens"},
    ),
    Check(
        "init-from-env",
        "a secret read from its env var is a SecretStr of its value",
        "Serialization",
        serialization.judge_init_from_env,
        frozenset({"env_init"}),
    ),
    Check(
        "serialization",
        "dumpd/load round-trips, secrets as references, snapshot kept",
        "Serialization",
        serialization.judge_serialization,
        frozenset({"serialize"}),
        requires="serializable",
    ),
    Check(
        "image-input",
        "a message with an image, in every standard block form, is answered",
        "Multimodal input",
        media.judge_image,
        frozenset({"invoke", "invoke_messages", "media_image"}),
        CHAT,
        requires="image_inputs",
    ),
    Check(
        "pdf-input",
        "a message with a PDF, in every standard block form, is answered",
        "Multimodal input",
        media.judge_pdf,
        frozenset({"invoke", "invoke_messages", "media_pdf"}),
        CHAT,
        requires="pdf_inputs",
    ),
    Check(
        "audio-input",
        "a message with audio, in every standard block form, is answered",
        "Multimodal input",
        media.judge_audio,
        frozenset({"invoke", "invoke_messages", "media_audio"}),
        CHAT,
        requires="audio_inputs",
    ),
    Check(
        "bind-tools",
        "bind_tools takes every tool form, and tool_choice is honoured",
        "Tool calling",
        tools.judge_bind_tools,
        frozenset({"tools_bind", "tools_invoke"}),
        CHAT,
        requires="tool_calling",
        gated=(("tool_choice", frozenset({"tools_any"})),),
    ),
    Check(
        "tool-calls",
        "tool calls have a name, dict args matching the schema, an id, on every path",
        "Tool calling",
        tools.judge_tool_calls,
        CONSENSUS | TOOL_CALLS,
        CHAT,
        requires="tool_calling",
        gated=(
            ("tool_choice", frozenset({"tools_any"})),
            ("parallel_tool_calls", frozenset({"tools_parallel"})),
        ),
    ),
    Check(
        "tool-round-trip",
        "the model's own tool calls, answered by ToolMessages of every form, get a text answer",
        "Tool calling",
        tool_loop.judge_round_trip,
        frozenset({tool_loop.ROUND_TRIP, *tool_loop.OWN, "invoke", "invoke_messages"}),
        CHAT,
        requires="tool_calling",
    ),
    Check(
        "tool-events",
        "astream_events carries well-formed tool call chunks and v3 tool-call blocks",
        "Tool calling",
        tool_loop.judge_tool_events,
        frozenset({*tool_loop.EVENTS, *tool_loop.STREAMS}),
        CHAT,
        requires="tool_calling",
    ),
    Check(
        "structured-output",
        "with_structured_output gives the schema's type and shape, on every method and path",
        "Structured output",
        structured.judge_structured,
        slot_probes("fc"),
        CHAT,
        requires="structured_output",
        gated=(("json_schema", slot_probes("js")), ("json_mode", slot_probes("jm"))),
    ),
)

IDS: tuple[str, ...] = tuple(c.id for c in CATALOG)


def checks_for(kind: Kind) -> list[Check]:
    return [c for c in CATALOG if kind in c.kinds]


def by_id(check_id: str) -> Check:
    return next(c for c in CATALOG if c.id == check_id)


# The check whose call each probe is: a warning the call raises is shown under that check.
PROBE_CHECK = {
    "invoke_messages": "invoke",
    **dict.fromkeys(("stop_invoke", "stop_ainvoke", "stop_stream", "stop_astream"), "stop-respected"),
    **dict.fromkeys(
        ("drive_stream", "drive_astream", "redrive_stream", "redrive_astream"), "stream-callbacks"
    ),
    **dict.fromkeys(("events_v2", "events_v2_chain", "events_v3"), "event-stream"),
    **dict.fromkeys(("tools_bind", "tools_any"), "bind-tools"),
    **dict.fromkeys((*TOOL_CALLS, "tools_parallel"), "tool-calls"),
    **dict.fromkeys(STRUCTURED_PLAN, "structured-output"),
    # A media message, and each of its blocks sent alone (observe/media_probes.py).
    **{
        f"media_{media}{part}": f"{media}-input"
        for media in ("image", "pdf", "audio")
        for part in ("", "_human_standard", "_human_openai", "_human_url", "_tool_standard", "_tool_openai")
    },
    **dict.fromkeys((tool_loop.ROUND_TRIP, *tool_loop.FORMS), "tool-round-trip"),
    **dict.fromkeys(tool_loop.EVENTS, "tool-events"),  # the stream calls are tool-calls' own
}


def probe_check(probe: str, selected: list[Check]) -> str | None:
    """The selected check a probe's call belongs to: its own, else the first that needs the call."""
    base = probe[len("again_") :].rsplit("_", 1)[0] if probe.startswith("again_") else probe
    own = PROBE_CHECK.get(base, base)
    ids = [c.id for c in selected]
    if own in ids:
        return own
    return next((c.id for c in selected if base in c.needs), None)


def judge(check: Check, obs: Observation) -> Verdict:
    """The check's verdict, or a skip when the model lacks the capability the check needs."""
    if check.requires is not None:
        gate = capabilities.gate(obs, check.requires)
        if gate is not None:
            return gate
    return check.judge(obs)
