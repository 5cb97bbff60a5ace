"""The check catalog: one data row per check. Test ids, reports and the checklist all come from it.

The ids are fixed: users select them with `-k`, skip them in `[tool.modelcheck]`, and tools read
them from the JSON report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from modelcheck.checks import (
    conversation,
    docs,
    embeddings,
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
from modelcheck.checks.common import show
from modelcheck.core import capabilities
from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import consensus
from modelcheck.core.probe_ids import CONSENSUS, STOPS, STREAMS, TOOL_CALLS
from modelcheck.core.records import Kind, Observation
from modelcheck.core.structured_plan import slot_probes
from modelcheck.core.verdict import Verdict, consequence

BOTH: frozenset[Kind] = frozenset({"llm", "chat"})
CHAT: frozenset[Kind] = frozenset({"chat"})
EMBEDDINGS: frozenset[Kind] = frozenset({"embeddings"})
ALL: frozenset[Kind] = BOTH | EMBEDDINGS
NO_CALL: frozenset[str] = frozenset()
PATHS = ("invoke", "ainvoke", "batch", "abatch", "stream", "astream")
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
    "Embeddings": "embeddings",
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
    Check("secret-fields", "credential fields are SecretStr", "Secrets", secrets.judge_fields, NO_CALL, ALL),
    Check(
        "secret-masking",
        "a canary secret never surfaces",
        "Secrets",
        secrets.judge_masking,
        CONSENSUS | {ids.CANARY, ids.EMBED_QUERY, ids.AEMBED_QUERY},
        ALL,
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
        frozenset({ids.AINVOKE, ids.ABATCH}),
    ),
    Check(
        "native-async-stream",
        "astream is natively async",
        "Native async",
        native_async.judge_native_stream,
        frozenset({ids.ASTREAM}),
    ),
    Check(
        "docs",
        "init fields are documented; a service-backed model links its API",
        "Documentation",
        docs.judge_docs,
        NO_CALL,
        ALL,
    ),
    Check(
        "event-stream",
        "astream_events: one start, a stream event per chunk, one end, nested runs",
        "Event streams",
        events.judge_event_stream,
        CONSENSUS | set(ids.EVENTS),
    ),
    Check(
        "event-snapshot",
        "the normalized event stream matches its reviewed snapshot",
        "Event streams",
        events.judge_event_snapshot,
        # The consensus tells a nondeterministic model, whose snapshot keeps only the stable shape.
        CONSENSUS | {ids.EVENTS_V2_CHAIN},
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
        CONSENSUS | {ids.HISTORY},
        CHAT,
    ),
    Check(
        "usage-metadata",
        "token usage is ints that add up, counted once in a stream",
        "Usage",
        usage.judge_usage,
        CONSENSUS | set(ids.DRIVES),
        CHAT,
        requires="usage_metadata",
    ),
    Check(
        "ls-params",
        "_get_ls_params names the provider, the model and its params",
        "Standard params",
        params.judge_ls_params,
        frozenset({ids.LS_PARAMS}),
    ),
    Check(
        "standard-params",
        "the standard init params work under their standard names",
        "Standard params",
        params.judge_standard_params,
        CONSENSUS | {ids.STD_PARAMS, ids.CTOR_STOP},
        ALL,
    ),
    Check(
        "max-tokens",
        "a model built with a small max tokens answers within it",
        "Standard params",
        params.judge_max_tokens,
        CONSENSUS | {ids.MAX_TOKENS},
    ),
    Check(
        "init-from-env",
        "a secret read from its env var is a SecretStr of its value",
        "Serialization",
        serialization.judge_init_from_env,
        frozenset({ids.ENV_INIT}),
        ALL,
    ),
    Check(
        "serialization",
        "dumpd/load round-trips, secrets as references, snapshot kept",
        "Serialization",
        serialization.judge_serialization,
        frozenset({ids.SERIALIZE}),
        requires="serializable",
    ),
    Check(
        "image-input",
        "a message with an image, in every standard block form, is answered",
        "Multimodal input",
        media.judge_image,
        frozenset({ids.INVOKE, ids.INVOKE_MESSAGES, ids.MEDIA}),
        CHAT,
        requires="image_inputs",
    ),
    Check(
        "pdf-input",
        "a message with a PDF, in every standard block form, is answered",
        "Multimodal input",
        media.judge_pdf,
        frozenset({ids.INVOKE, ids.INVOKE_MESSAGES, ids.MEDIA}),
        CHAT,
        requires="pdf_inputs",
    ),
    Check(
        "audio-input",
        "a message with audio, in every standard block form, is answered",
        "Multimodal input",
        media.judge_audio,
        frozenset({ids.INVOKE, ids.INVOKE_MESSAGES, ids.MEDIA}),
        CHAT,
        requires="audio_inputs",
    ),
    Check(
        "bind-tools",
        "bind_tools takes every tool form, and tool_choice is honoured",
        "Tool calling",
        tools.judge_bind_tools,
        frozenset({ids.TOOLS_BIND, ids.TOOLS_INVOKE}),
        CHAT,
        requires="tool_calling",
        gated=(("tool_choice", frozenset({ids.TOOLS_NO_ARGS})),),
    ),
    Check(
        "tool-calls",
        "tool calls have a name, dict args matching the schema, an id, on every path",
        "Tool calling",
        tools.judge_tool_calls,
        CONSENSUS | TOOL_CALLS,
        CHAT,
        requires="tool_calling",
        gated=(("parallel_tool_calls", frozenset({ids.TOOLS_PARALLEL})),),
    ),
    Check(
        "tool-round-trip",
        "the model's own tool calls, answered by ToolMessages of every form, get a text answer",
        "Tool calling",
        tool_loop.judge_round_trip,
        frozenset({ids.ROUND_TRIP, *ids.SENT_BACK, ids.INVOKE, ids.INVOKE_MESSAGES}),
        CHAT,
        requires="tool_calling",
    ),
    Check(
        "tool-events",
        "astream_events carries well-formed tool call chunks and v3 tool-call blocks",
        "Tool calling",
        tool_loop.judge_tool_events,
        frozenset({*ids.TOOL_EVENTS, *tool_loop.STREAMS}),
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
    Check(
        "embed-shape",
        "vectors are lists of plain finite floats, one per text, all of one length",
        "Embeddings",
        embeddings.judge_shape,
        frozenset({ids.EMBED_QUERY, ids.EMBED_DOCUMENTS, ids.AEMBED_QUERY, ids.AEMBED_DOCUMENTS}),
        EMBEDDINGS,
    ),
    Check(
        "embed-order",
        "a batch split by the model's own batch size comes back in order",
        "Embeddings",
        embeddings.judge_order,
        frozenset({ids.EMBED_BATCH, ids.EMBED_DOCUMENTS, ids.EMBED_AGAIN}),
        EMBEDDINGS,
    ),
    Check(
        "embed-agreement",
        "a text gets one vector alone and in a batch, sync and async, as query and document",
        "Embeddings",
        embeddings.judge_agreement,
        frozenset(
            {
                ids.EMBED_QUERY,
                ids.EMBED_DOCUMENTS,
                ids.EMBED_SINGLE,
                ids.EMBED_AGAIN,
                ids.AEMBED_QUERY,
                ids.AEMBED_DOCUMENTS,
            }
        ),
        EMBEDDINGS,
    ),
    Check(
        "embed-empty",
        "embed_documents([]) returns [] without a request",
        "Embeddings",
        embeddings.judge_empty,
        frozenset({ids.EMBED_EMPTY}),
        EMBEDDINGS,
    ),
    Check(
        "embed-odd-input",
        "an empty, long or non-ASCII text embeds or raises a clear error",
        "Embeddings",
        embeddings.judge_odd_input,
        frozenset({ids.EMBED_BLANK, ids.EMBED_LONG, ids.EMBED_UNICODE, ids.EMBED_DOCUMENTS}),
        EMBEDDINGS,
    ),
    Check(
        "embed-native-async",
        "aembed_query and aembed_documents are natively async",
        "Embeddings",
        embeddings.judge_native_async,
        frozenset({ids.AEMBED_QUERY, ids.AEMBED_DOCUMENTS}),
        EMBEDDINGS,
    ),
    Check(
        "embed-model-name",
        "the model it embeds with is named",
        "Embeddings",
        embeddings.judge_model_name,
        NO_CALL,
        EMBEDDINGS,
    ),
)

IDS: tuple[str, ...] = tuple(c.id for c in CATALOG)


def checks_for(kind: Kind) -> list[Check]:
    return [c for c in CATALOG if kind in c.kinds]


def by_id(check_id: str) -> Check:
    return next(c for c in CATALOG if c.id == check_id)


# The checks whose verdict (or calls) a check's judge reads, to leave a defect that shows on its
# calls too to the check it belongs to (one defect, one failure). Their calls are made with it, so
# that a check gives the same verdict alone (`-k <id>`) as in the whole catalog.
DEFERS: dict[str, tuple[str, ...]] = {
    # A path that fails as an earlier one does (the same drifting method): a consequence of it.
    **{path: PATHS[:i] for i, path in enumerate(PATHS) if i},
    "native-async": ("ainvoke",),  # a call that raises fails the path's check first
    "native-async-stream": ("astream",),
    "event-stream": ("stream", "astream"),
    "event-snapshot": ("event-stream",),
    "stream-callbacks": ("stop-respected",),  # the drives get stop strings when stop is probed
    "stream-callback-order": ("stream-callbacks", "stop-respected"),
    "stop-included": ("stop-respected",),
    "secret-masking": ("serialization",),  # a serializable model's dumpd form is serialization's
    "usage-metadata": ("stop-respected",),
    "standard-params": ("stop-respected", "invoke"),
    # A ToolMessage with media that raises as a plain one does is tool-round-trip's.
    **dict.fromkeys(("image-input", "pdf-input", "audio-input"), ("tool-round-trip",)),
    "bind-tools": ("invoke", "tool-calls"),
    "tool-calls": ("invoke", "ainvoke", "stream", "astream", "bind-tools"),
    "tool-events": ("stream", "astream"),
    "structured-output": ("invoke", "ainvoke", "stream", "astream"),
}


def judge(check: Check, obs: Observation) -> Verdict:
    """The check's verdict (a skip when the model lacks the capability the check needs); a failure
    that an earlier check's failure explains is marked as its consequence."""
    verdict = _judge(check, obs)
    if verdict.outcome != "failed":
        return verdict
    cause = cause_of(check, obs, verdict)
    return verdict if cause is None else consequence(cause, verdict)


def _judge(check: Check, obs: Observation) -> Verdict:
    if check.requires is not None:
        gate = capabilities.gate(obs, check.requires)
        if gate is not None:
            return gate
    return check.judge(obs)


def cause_of(check: Check, obs: Observation, verdict: Verdict) -> str | None:
    """The earliest check this one reads (`DEFERS`) that fails with the same evidence in its message:
    the text of a call's failure, or the answer a drifting method gave. A cause that is itself a
    consequence gives its own cause."""
    order = {c.id: i for i, c in enumerate(CATALOG)}
    earlier = sorted(
        (c for c in planned([check]) if order[c.id] < order[check.id]), key=lambda c: order[c.id]
    )
    shown = [e for e in evidence(obs) if e in verdict.message]
    for other in dict.fromkeys(c.id for c in earlier):
        found = judge(by_id(other), obs)
        if found.outcome == "failed" and any(e in found.message for e in shown):
            return found.consequence_of or other
    return None


def evidence(obs: Observation) -> list[str]:
    """What a failure's message quotes that another's may quote too: the error text of each call
    that raised, and the answer of a method that drifts."""
    # A timeout's text is the same for every call that timed out: not evidence of one cause.
    failures = [c.failure for c in obs.calls.values() if c.failure is not None]
    found = {f.message for f in failures if f.kind != "timeout" and len(f.message) > 8}
    agreed = consensus(obs) if obs.calls else None
    if agreed is not None and agreed.drift is not None:
        found.add(show(agreed.drift))
    return sorted(found)


def planned(checks: list[Check]) -> list[Check]:
    """`checks` and every check their judges read (transitively): the checks whose calls are made.

    A check read only by checks gated on one capability is gated on it too (its calls are not made
    for a model that lacks it)."""
    chosen = {c.id: c for c in checks}
    gates: dict[str, set[str | None]] = {}
    todo = [(c, c.requires) for c in checks]
    while todo:
        check, gate = todo.pop()
        for cid in DEFERS.get(check.id, ()):
            other = by_id(cid)
            if cid in chosen or not other.kinds & check.kinds:
                continue
            inherited = other.requires or gate
            if inherited not in gates.setdefault(cid, set()):
                gates[cid].add(inherited)
                todo.append((other, inherited))
    # Once per gate it is read under (unconditionally, if one check reads it so).
    extra = [
        replace(by_id(cid), requires=gate)
        for cid, reqs in gates.items()
        for gate in ({None} if None in reqs else reqs)
    ]
    return [*checks, *extra]


# The check whose call each probe is: a warning the call raises is shown under that check.
PROBE_CHECK = {
    ids.INVOKE_MESSAGES: "invoke",
    **dict.fromkeys(ids.STOP_PROBES, "stop-respected"),
    **dict.fromkeys((*ids.DRIVES, *ids.REDRIVES.values()), "stream-callbacks"),
    **dict.fromkeys(ids.EVENTS, "event-stream"),
    ids.TOOLS_BIND: "bind-tools",
    **dict.fromkeys((*TOOL_CALLS, ids.TOOLS_PARALLEL), "tool-calls"),
    **dict.fromkeys(ids.STRUCTURED, "structured-output"),
    # Each block of the media message sent alone (observe/probes/media.py); the message itself is
    # the first selected media check's.
    **{probe: f"{kind}-input" for kind in ids.MEDIA_TYPES for probe in ids.MEDIA_PARTS[kind]},
    **dict.fromkeys((ids.ROUND_TRIP, *ids.ROUND_TRIP_PARTS), "tool-round-trip"),
    **dict.fromkeys(ids.TOOL_EVENTS, "tool-events"),  # the stream calls are tool-calls' own
}
"""Probe id -> the check whose call it is (a probe not here belongs to the check of its own id)."""


def probe_check(probe: str, selected: list[Check]) -> str | None:
    """The selected check a probe's call belongs to: its own, else the first that needs the call."""
    base = ids.repeated(probe)
    own = PROBE_CHECK.get(base, base)
    if own in [c.id for c in selected]:
        return own
    return next((c.id for c in selected if base in c.needs), None)
