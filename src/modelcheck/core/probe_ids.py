"""Every probe's id, declared once, and the prompts the probes send.

A probe is one model call (or a batch of them) that fills one `Call` record, kept in
`Observation.calls` under its id. The checks name the calls they judge (`Check.needs`, and
`obs.calls.get(...)`) and the observer names the calls it makes (observe/probes/), both by the
constants here, so neither imports the other. The string values are stable: they show in reports,
cassettes and messages.

To add a probe: declare its id in its family's section below (and in the family's groups), give
it a probe function in that family's module of observe/probes/, and name it in the `needs` of the
check that judges it (tests/unit/test_probes.py holds the three together).
"""

from __future__ import annotations

from modelcheck.core.structured_plan import PLAN as STRUCTURED_PLAN

PROMPT = "modelcheck probe: the quick brown fox jumps over the lazy dog"
"""What every path of the runnable surface is asked (the consensus, stop and streaming calls)."""
PROMPT_2 = "modelcheck second probe: pack my box with five dozen liquor jugs"
"""The second input of batch and abatch."""

# The runnable surface (checks/runnable.py): the same prompt down every path.
INVOKE = "invoke"
INVOKE_MESSAGES = "invoke_messages"
AINVOKE = "ainvoke"
BATCH = "batch"
ABATCH = "abatch"
STREAM = "stream"
ASTREAM = "astream"
CONSENSUS = frozenset({INVOKE, INVOKE_MESSAGES, AINVOKE, BATCH, ABATCH, STREAM, ASTREAM})
"""The calls the consensus (core/consensus.py) compares: most checks need them."""

# A path asked again, to tell a drifting implementation from sampling (core/consensus.py).
REPEATS = 3
REPEATED = (INVOKE, AINVOKE, STREAM, ASTREAM)
"""The paths that may be asked again (one per method of the model)."""


def again(path: str, i: int) -> str:
    """The id of the i-th repeat of `path` (`again_invoke_1`)."""
    return f"again_{path}_{i}"


AGAIN = {again(path, i): path for path in REPEATED for i in range(1, REPEATS + 1)}
"""Each repeat's id -> the path it repeats."""


# Stop tokens (checks/stop.py): each path with a stop list chosen from the model's own answer.
STOP_INVOKE = "stop_invoke"
STOP_AINVOKE = "stop_ainvoke"
STOP_STREAM = "stop_stream"
STOP_ASTREAM = "stop_astream"
STOP_PROBES = (STOP_INVOKE, STOP_AINVOKE, STOP_STREAM, STOP_ASTREAM)
STOP_AGAIN = (again(STOP_INVOKE, 1), again(STOP_INVOKE, 2))
"""A nondeterministic model's `stop_invoke` asked again, one at a time, while no answer given stop
strings has shown whether they are applied (observe/probes/stop.py `stop_again`)."""
REPEATS_OF = {**AGAIN, **dict.fromkeys(STOP_AGAIN, STOP_INVOKE)}
"""Every repeat's id (`again_*`) -> the call it asks again."""


def repeated(probe: str) -> str:
    """The call a repeat asks again (`again_invoke_1` -> `invoke`); any other id as it is."""
    return REPEATS_OF.get(probe, probe)


# Streaming (checks/streaming.py): a chat model's `_stream`/`_astream` driven with a recording run
# manager, as core's v3 event stream drives it; the drives also take the stop strings.
DRIVE_STREAM = "drive_stream"
DRIVE_ASTREAM = "drive_astream"
DRIVES = (DRIVE_STREAM, DRIVE_ASTREAM)
REDRIVE_STREAM = "redrive_stream"
REDRIVE_ASTREAM = "redrive_astream"
REDRIVES = {DRIVE_STREAM: REDRIVE_STREAM, DRIVE_ASTREAM: REDRIVE_ASTREAM}
"""A drive that raised with stop strings is made once more without them (under the second id), so
that its failure goes to the check it belongs to: stop-respected when only the stop strings make it
raise, else stream-callbacks or stream/astream."""
STREAMS = frozenset({STREAM, ASTREAM, DRIVE_STREAM, DRIVE_ASTREAM})
STOPS = CONSENSUS | {*STOP_PROBES, *DRIVES}

# Event streams (checks/events.py): astream_events on the model in a chain, and the v3 protocol.
EVENTS_V2_CHAIN = "events_v2_chain"
EVENTS_V3 = "events_v3"
EVENTS = (EVENTS_V2_CHAIN, EVENTS_V3)

# The wider contract (checks/conversation.py, params.py, serialization.py).
HISTORY = "history"
HISTORY_TURNS = "history_turns"
HISTORY_SYSTEMS = "history_systems"
HISTORY_NAMED = "history_named"
HISTORY_PARTS = (HISTORY_TURNS, HISTORY_SYSTEMS, HISTORY_NAMED)
"""Sent only when `history` raised, each alone, to name the part the model cannot take."""
HISTORY_LAST = "modelcheck history: the last human message"
"""The last message of every conversation `history` sends: what an echoing model answers."""
CTOR_STOP = "ctor_stop"
MAX_TOKENS = "max_tokens"
LS_PARAMS = "ls_params"
STD_PARAMS = "std_params"
ENV_INIT = "env_init"
SERIALIZE = "serialize"
STATIC = frozenset({LS_PARAMS, STD_PARAMS, ENV_INIT, SERIALIZE})
"""Needs that make no model call: observe/contract.py gathers them, no probe runs."""

# Secrets (checks/secrets.py).
CANARY = "canary"
"""A need, not a probe: a second instance holding canary secrets makes the CANARY_PATHS calls."""
CANARY_PATHS = (INVOKE, AINVOKE, STREAM, ASTREAM)


def canary_call(path: str) -> str:
    """The id under which the canary instance's call of `path` is kept (`canary_invoke`)."""
    return f"canary_{path}"


PSEUDO = STATIC | {CANARY}
"""Needs that name no registered probe (each is served by the observer itself)."""

# Multimodal input (checks/media.py): one message holding every media type the model takes; each
# piece sent alone on a raise.
MEDIA_TYPES = ("image", "pdf", "audio")
MEDIA_PIECES: dict[str, tuple[tuple[str, str], ...]] = {
    "image": (
        ("human", "standard"),
        ("human", "openai"),
        ("human", "url"),
        ("tool", "standard"),
        ("tool", "openai"),
    ),
    "pdf": (("human", "standard"), ("human", "openai"), ("tool", "standard"), ("tool", "openai")),
    "audio": (("human", "standard"), ("human", "openai")),
}
"""Every (place, form) a media message can hold of each type, in the order it holds them; which of
them the call holds depends on the model's capabilities (observe/probes/media.py)."""
MEDIA = "media"
"""The id of the call holding the media message."""


def media_part(kind: str, place: str, form: str) -> str:
    """The id of one piece of the media message sent alone (`media_image_human_url`)."""
    return f"media_{kind}_{place}_{form}"


MEDIA_PARTS = {kind: tuple(media_part(kind, *piece) for piece in MEDIA_PIECES[kind]) for kind in MEDIA_TYPES}

# Tool calling (checks/tools.py).
TOOLS_BIND = "tools_bind"
TOOLS_INVOKE = "tools_invoke"
TOOLS_STREAM = "tools_stream"
TOOLS_AINVOKE = "tools_ainvoke"
TOOLS_ASTREAM = "tools_astream"
TOOLS_NO_ARGS = "tools_no_args"
TOOLS_PARALLEL = "tools_parallel"
TOOL_CALLS = frozenset({TOOLS_INVOKE, TOOLS_STREAM, TOOLS_AINVOKE, TOOLS_ASTREAM, TOOLS_NO_ARGS})
"""The calls every tool-calling model gets (tools_parallel needs a sub-feature). With `tool_choice`,
tools_no_args is also the call forced by "any" with a prompt that names no tool (bind-tools)."""

# The tool loop (checks/tool_loop.py): the model's own tool calls answered, and tool events.
ROUND_TRIP = "tools_round_trip"
ROUND_TRIP_FORMS = ("error", "list", "string")
"""The forms of a tool result, in the order the rounds send them (a success last: it gets the answer)."""
ROUND_TRIP_PARTS = tuple(f"{ROUND_TRIP}_{form}" for form in ROUND_TRIP_FORMS)
"""Sent only when the round trip raised, each one round with one form."""
TOOLS_ROUND_TRIP_ERROR, TOOLS_ROUND_TRIP_LIST, TOOLS_ROUND_TRIP_STRING = ROUND_TRIP_PARTS
SENT_BACK = (TOOLS_INVOKE, TOOLS_STREAM, TOOLS_AINVOKE, TOOLS_ASTREAM)
"""The forced calls whose answers the round trip sends back, in order of preference."""
TOOLS_EVENTS_V3 = "tools_events_v3"
TOOL_EVENTS = (TOOLS_EVENTS_V3,)

# Structured output (checks/structured.py): the ids come from the plan (core/structured_plan.py).
STRUCTURED = frozenset(STRUCTURED_PLAN)

FOLLOW_UPS: dict[str, str] = {
    **REPEATS_OF,
    **{redrive: drive for drive, redrive in REDRIVES.items()},
    **dict.fromkeys(HISTORY_PARTS, HISTORY),
    **{part: MEDIA for kind in MEDIA_TYPES for part in MEDIA_PARTS[kind]},
    **dict.fromkeys(ROUND_TRIP_PARTS, ROUND_TRIP),
}
"""Probes no check names: each is made only after the call it follows (here its value) showed it is
needed: a path asked again, a drive made again without stop strings, a part of a whole that raised."""

# Embeddings (checks/embeddings.py): the only calls an `Embeddings` model gets; the plan
# (core/embedding_plan.py) says what each sends.
EMBED_QUERY = "embed_query"
AEMBED_QUERY = "aembed_query"
EMBED_DOCUMENTS = "embed_documents"
AEMBED_DOCUMENTS = "aembed_documents"
EMBED_SINGLE = "embed_single"
EMBED_AGAIN = "embed_again"
EMBED_BATCH = "embed_batch"
EMBED_EMPTY = "embed_empty"
EMBED_BLANK = "embed_blank"
EMBED_LONG = "embed_long"
EMBED_UNICODE = "embed_unicode"
EMBED_SHAPE = (EMBED_QUERY, EMBED_DOCUMENTS, AEMBED_QUERY, AEMBED_DOCUMENTS)
"""The four plain calls, one of each public method."""
EMBED_ODD = (EMBED_BLANK, EMBED_LONG, EMBED_UNICODE)
"""One odd text each: the empty string, a long text, text outside ASCII."""
EMBEDDINGS = frozenset({*EMBED_SHAPE, EMBED_SINGLE, EMBED_AGAIN, EMBED_BATCH, EMBED_EMPTY, *EMBED_ODD})
EMBED_CANARY_PATHS = (EMBED_QUERY, AEMBED_QUERY)
"""What the canary instance of an embeddings model is asked (its key in a request, an error)."""
