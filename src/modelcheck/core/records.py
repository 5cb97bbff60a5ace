"""Plain records of what a model did while it was observed.

Observing produces these; checks judge them. Nothing here refers to LangChain types, so every
check can be unit-tested on records built by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["llm", "chat", "embeddings"]


@dataclass(frozen=True)
class Failure:
    """Why a model call did not complete: it raised, it did not answer in time, or (replaying) it
    made a request the cassette does not hold; for "replay", `message` says which and what to do."""

    kind: Literal["raised", "timeout", "replay"]
    type_name: str
    message: str
    # For "raised": where in the model's own code it was raised ("_call (m.py:12)"), or None when
    # the model's code was not on the traceback; `origin` says whose code raised it then.
    where: str | None = None
    origin: Literal["model", "langchain", "other"] = "other"
    # For "raised": '<what happened> at <url>' when the service was not reached or refused the
    # credentials (connection refused, DNS, TLS, a network timeout, 401/403): not the model's defect.
    service: str | None = None

    def describe(self) -> str:
        if self.kind in ("timeout", "replay"):
            return self.message
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


@dataclass(frozen=True)
class Output:
    """One value a model returned or yielded, reduced to what the checks look at."""

    type_name: str
    text: str | None
    expected_type: bool
    # A chat message's `usage_metadata` (plain data) and `response_metadata["model_name"]`, as given.
    usage: dict[str, Any] | None = None
    model_name: Any = None
    # A chat message's `tool_calls`, `tool_call_chunks` and `invalid_tool_calls`, each a plain dict
    # as the message holds it (`args` untouched: a dict, or a JSON string if the model put one there).
    tool_calls: tuple[dict[str, Any], ...] = ()
    tool_call_chunks: tuple[dict[str, Any], ...] = ()
    invalid_tool_calls: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A streamed chunk as the caller received it; `seq` orders it against callbacks."""

    seq: int
    output: Output
    ref: int | None = None


@dataclass(frozen=True)
class Callback:
    """One callback the model's run fired, in the order it fired."""

    seq: int
    event: str
    run_id: str
    parent_run_id: str | None = None
    token: str | None = None
    chunk_text: str | None = None
    chunk_ref: int | None = None


@dataclass(frozen=True)
class ExecutorCall:
    """Work the model sent to a thread pool while an async probe ran, and how long it spent there in
    blocking calls (sleeps, sync I/O; not CPU work), as far as the watchdog sampled it."""

    function: str
    blocked_s: float = 0.0


@dataclass(frozen=True)
class LoopStall:
    """A time the event loop did not tick because the model's code held it."""

    duration_s: float
    where: str


@dataclass(frozen=True)
class Vector:
    """One embedding as a model returned it: its numbers as floats, and what they came as.

    `types` names the distinct types of the elements, in the order first seen ("float"; "float64"
    for numpy scalars, "int", "str"), `container` the type of the vector itself ("list", "ndarray").
    An element that is not a real number is kept as NaN and named in `types`.
    """

    values: tuple[float, ...]
    types: tuple[str, ...] = ("float",)
    container: str = "list"

    @property
    def plain(self) -> bool:
        """A `list` of Python `float`s (not numpy scalars, not ints)."""
        return self.container == "list" and all(t == "float" for t in self.types)


@dataclass(frozen=True)
class Embedded:
    """What one embeddings call was given and gave back (its failure is the `Call`'s).

    `returned` is the type of the value returned; `vectors` the vectors read from it (for
    `embed_query` the one vector, for `embed_documents` one per item), None when the value was not a
    vector or a sequence of vectors (`returned` says what it was). `requests` holds, for each HTTP
    request the model sent during the call, how many inputs it carried (None: not readable); the
    whole field is None when requests could not be observed. `settings` is what the probe changed on
    a copy of the model for this call (the batch size it forced).
    """

    method: str
    texts: tuple[str, ...]
    returned: str = "list"
    vectors: tuple[Vector, ...] | None = ()
    requests: tuple[int | None, ...] | None = None
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EmbeddingFacts:
    """What an embeddings class says about itself, without a call.

    `dimension`: the output size the instance declares ("dimensions"/"size" field -> its value);
    `batch`: the field that sets how many texts go in one request and its value; `asymmetric`: why
    queries are embedded differently from documents (declared, or an instruction field), or None.
    """

    dimension: tuple[str, int] | None = None
    batch: tuple[str, int] | None = None
    asymmetric: str | None = None


@dataclass
class Call:
    """One probe: a model call (or a batch of them) and everything recorded around it."""

    probe: str
    outputs: list[Output] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)
    failure: Failure | None = None
    duration_s: float = 0.0
    executor_calls: list[ExecutorCall] = field(default_factory=list)
    stalls: list[LoopStall] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    embedded: Embedded | None = None
    """An embeddings call's texts and vectors (None for a chat or text model's call)."""

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def output(self) -> Output | None:
        return self.outputs[0] if self.outputs else None

    @property
    def streamed_text(self) -> str:
        return "".join(c.output.text or "" for c in self.chunks)

    def token_callbacks(self) -> list[Callback]:
        return [c for c in self.callbacks if c.event == "new_token"]


@dataclass(frozen=True)
class FieldInfo:
    """A field the model class declares, as the secret and docs checks see it."""

    name: str
    alias: str | None
    annotation: str
    is_secret_type: bool
    is_str_type: bool
    documented: bool
    owner: str
    # Not an argument a user passes: excluded from serialization and `:meta private:` for the API
    # reference (an SDK client handle). The docs check leaves it out, and says so.
    private: bool = False


@dataclass(frozen=True)
class StopProbe:
    """The stop strings chosen from the model's own output, and what each probe should give."""

    base_text: str
    stop: str
    later_stop: str | None
    absent_stop: str
    # For a nondeterministic model: the stop strings found in every answer it gave, given together
    # on every path so that any new answer is likely to hold one (`stop` is the first of them).
    common: tuple[str, ...] = ()

    @property
    def stops(self) -> list[str]:
        """The stop list a path gets when it tests no variant."""
        return list(self.common) or [self.stop]


@dataclass
class Facts:
    """What the model's class and instance say about themselves, without a model call."""

    class_name: str
    module: str
    docstring: str = ""
    fields: list[FieldInfo] = field(default_factory=list)
    identifying_params: dict[str, str] | None = None
    identifying_params_error: str | None = None
    model_name: str | None = None
    native: dict[str, str | None] = field(default_factory=dict)
    # "stream"/"astream" -> whether that public method runs the model's own streaming code; False
    # when langchain-core yields the whole answer as one value (the model has no `_stream`...).
    streams: dict[str, bool] = field(default_factory=dict)
    docs_error: str | None = None
    embedding: EmbeddingFacts | None = None


@dataclass
class SecretSurface:
    """A place a secret could leak to, and the text found there."""

    place: str
    text: str
    probe: str | None = None


@dataclass(frozen=True)
class SnapshotResult:
    """What the snapshot store said about a document: matched, written, missing or changed."""

    outcome: Literal["matched", "created", "updated", "missing", "changed", "error"]
    location: str
    diff: str = ""


@dataclass(frozen=True)
class ParamTrial:
    """One standard init param given under its standard name, and what became of it.

    `outcome`: "held" (the field that has the feature holds the value), "ignored" (accepted, but
    that field does not hold it), "rejected" (the constructor raised), "nonstandard" (the model has
    the feature under another name only), "absent" (the model lacks the feature).
    """

    name: str
    field: str | None
    given: str
    outcome: Literal["held", "ignored", "rejected", "nonstandard", "absent"]
    seen: str = ""


@dataclass(frozen=True)
class EnvTrial:
    """A secret field built from its env var alone: what the field then held.

    `outcome`: "held" (a SecretStr of the env's value), "plain" (the value, not as a SecretStr),
    "missing" (None), "other" (something else), "error" (building the model raised).
    """

    field: str
    env: str
    source: str
    outcome: Literal["held", "plain", "missing", "other", "error"]
    seen: str = ""
    canary: str = ""


@dataclass
class SerialTrial:
    """`dumpd` of the model, and `load` of that: what each gave."""

    dumped: dict[str, Any] | None = None
    dump_error: str | None = None
    secret_values: dict[str, str] = field(default_factory=dict)
    original: dict[str, Any] = field(default_factory=dict)
    loaded: dict[str, Any] | None = None
    loaded_class: str | None = None
    load_error: str | None = None


@dataclass
class Contract:
    """The standard surface tried without a model call: ls params, init params, env, serialization."""

    fields: dict[str, str] = field(default_factory=dict)
    """For each standard param the model has, the field that holds it."""
    ls_params: dict[str, Any] | None = None
    ls_override: dict[str, Any] | None = None
    ls_given: dict[str, Any] = field(default_factory=dict)
    ls_with_params: dict[str, Any] | None = None
    ls_params_error: str | None = None
    params: list[ParamTrial] = field(default_factory=list)
    params_error: str | None = None
    """Why no param could be tried: a copy built from the model's own field values raised."""
    env: list[EnvTrial] = field(default_factory=list)
    serial: SerialTrial | None = None
    error: str | None = None
    """Why none of it could be tried (building a copy raised out of modelcheck or hung)."""


@dataclass(frozen=True)
class CapabilityState:
    """One capability of one target: what the config declares, what the class or the calls show.

    `declared`: the target's `capabilities` table (None: not declared). `detected`: what the class
    (an overridden method, `is_lc_serializable()`, langchain-core 1.x's `profile`) or an observed
    call shows (None: nothing shows it either way); `how` says which. `mechanism`: whether the class
    has what the capability needs (None: only a model call can tell).
    """

    name: str
    declared: bool | None = None
    detected: bool | None = None
    how: str = ""
    mechanism: bool | None = None
    missing: str = ""

    @property
    def claimed_by(self) -> str | None:
        """Who says the model has it: the config, the model's profile, or nobody."""
        if self.declared:
            return "declared in [tool.modelcheck]"
        if self.declared is None and self.detected and self.how.startswith("profile"):
            return "claimed by the model's `profile`"
        return None

    @property
    def effective(self) -> bool:
        """Whether the checks that need it run: a declaration wins over what was detected."""
        return bool(self.detected) if self.declared is None else self.declared


@dataclass
class Observation:
    """Everything one target did under observation; the only input of the checks."""

    target: str
    kind: Kind
    facts: Facts
    calls: dict[str, Call] = field(default_factory=dict)
    stop_probe: StopProbe | None = None
    stop_probe_error: str | None = None
    canaries: list[str] = field(default_factory=list)
    canary_note: str | None = None
    real_secrets: list[str] = field(default_factory=list)
    # What secret-masking looks for in `surfaces`, each -> the field or variable it was put in or
    # came from: the canaries that reached the instance, and the real secrets long enough to trace.
    planted: dict[str, str] = field(default_factory=dict)
    given: dict[str, str] = field(default_factory=dict)
    surfaces: list[SecretSurface] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    """Places secret-masking could not read because model code there hung (or the rebuild did)."""
    settings: dict[str, Any] = field(default_factory=dict)
    core_version: str = ""
    features: dict[str, bool] = field(default_factory=dict)
    replayed: str | None = None
    """The cassette the model's HTTP was replayed from (its path), or None for a live run."""
    # check id -> the warnings the calls it owns raised (observe/warned.py), raised again when judged.
    warned: dict[str, list[Any]] = field(default_factory=dict)
    capabilities: dict[str, CapabilityState] = field(default_factory=dict)
    contract: Contract = field(default_factory=Contract)
    snapshot: Callable[[dict[str, Any]], SnapshotResult] | None = None
    """Compares a document with its stored snapshot (syrupy's, set by the pytest item); None: no store."""
    serial_snapshot: Callable[[dict[str, Any]], SnapshotResult] | None = None
    """The same for the serialized form (`serialization`)."""

    @property
    def call_count(self) -> int:
        return sum(int(c.extra.get("model_calls", 1)) for c in self.calls.values())
