"""Plain records of what a model did while it was observed.

Observing produces these; checks judge them. Nothing here refers to LangChain types, so every
check can be unit-tested on records built by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["llm", "chat"]
# A drive of `_stream`/`_astream` that raised with stop strings is made once more without them (under
# the second name), so that its failure goes to the check it belongs to: stop-respected when only
# the stop strings make it raise, else stream-callbacks or stream/astream.
REDRIVES = {"drive_stream": "redrive_stream", "drive_astream": "redrive_astream"}


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
    snapshot: Callable[[dict[str, Any]], SnapshotResult] | None = None
    """Compares a document with its stored snapshot (syrupy's, set by the pytest item); None: no store."""

    @property
    def call_count(self) -> int:
        return sum(int(c.extra.get("model_calls", 1)) for c in self.calls.values())
