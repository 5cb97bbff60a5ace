"""Capabilities: what a model can do, as declared, detected and verified, and what gates on them.

A capability is detected from the class (an overridden method, `is_lc_serializable()`,
langchain-core 1.x's `profile`) or from a call already made, and can be declared per target in
`[tool.modelcheck."T"] capabilities = {...}`. A declaration wins over detection. A check that
needs a capability the model does not have is skipped with the reason, never passed; a capability
the config declares (or the model's profile claims) whose mechanism the class lacks fails the
`capabilities` check, and the checks that need it then skip, pointing there: one defect, one
failure. The catalog rows of tool calling, structured output and multimodal input name one of
these in `requires`, and `verified_by` lists them.

Nothing here imports LangChain; the detection itself is in observe/detection.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from modelcheck.core.records import CapabilityState, Kind, Observation
from modelcheck.core.verdict import Verdict, failed, passed, skipped

BOTH: frozenset[Kind] = frozenset({"llm", "chat"})
CHAT: frozenset[Kind] = frozenset({"chat"})
EMBEDDINGS: frozenset[Kind] = frozenset({"embeddings"})


@dataclass(frozen=True)
class Capability:
    name: str
    what: str
    kinds: frozenset[Kind] = BOTH
    verified_by: tuple[str, ...] = ()
    by_call: bool = False
    """Only a model call shows it (usage): until one has, the checks that need it get their calls."""


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "streaming", "streams its answer from its own `_stream`", BOTH, ("stream", "stream-callbacks")
    ),
    Capability("native_async", "has its own async calls", BOTH, ("native-async", "native-async-stream")),
    Capability("usage_metadata", "reports token usage on its messages", CHAT, ("usage-metadata",), True),
    Capability(
        "tool_calling",
        "binds tools (`bind_tools`)",
        CHAT,
        ("bind-tools", "tool-calls", "tool-round-trip", "tool-events"),
    ),
    Capability("tool_choice", "takes `tool_choice` in `bind_tools`", CHAT, ("bind-tools",)),
    Capability("parallel_tool_calls", "can call several tools in one answer", CHAT, ("tool-calls",)),
    Capability(
        "structured_output",
        "answers in a schema (`with_structured_output`)",
        CHAT,
        ("structured-output",),
    ),
    Capability(
        "json_schema",
        "has a native JSON-schema method in `with_structured_output`",
        CHAT,
        ("structured-output",),
    ),
    Capability("json_mode", "has a JSON mode in `with_structured_output`", CHAT, ("structured-output",)),
    Capability("image_inputs", "takes images in messages", CHAT, ("image-input",)),
    Capability("image_urls", "takes images given by URL", CHAT, ("image-input",)),
    Capability("image_tool_message", "takes images in a `ToolMessage`", CHAT, ("image-input",)),
    Capability("pdf_inputs", "takes PDF files in messages", CHAT, ("pdf-input",)),
    Capability("pdf_tool_message", "takes PDF files in a `ToolMessage`", CHAT, ("pdf-input",)),
    Capability("audio_inputs", "takes audio in messages", CHAT, ("audio-input",)),
    Capability("model_override", "takes a per-call `model=` override", BOTH, ("ls-params",)),
    Capability("serializable", "serializes with `dumpd`/`load`", BOTH, ("serialization",)),
    Capability(
        "asymmetric",
        "embeds queries otherwise than documents (a query instruction or input type)",
        EMBEDDINGS,
        ("embed-agreement",),
    ),
)
NAMES: tuple[str, ...] = tuple(c.name for c in CAPABILITIES)


def spec(name: str) -> Capability:
    return next(c for c in CAPABILITIES if c.name == name)


def applies(name: str, kind: Kind) -> bool:
    return kind in spec(name).kinds


def gate(obs: Observation, name: str) -> Verdict | None:
    """A skip for a check that needs capability `name` when the model does not have it, else None."""
    state = obs.capabilities.get(name)
    if state is None:
        return skipped(f"{'text' if obs.kind == 'llm' else 'chat'} models have no {name} capability.")
    if state.declared is False:
        return skipped(f'this target declares {name} = false in [tool.modelcheck."{obs.target}"].')
    if state.claimed_by and state.mechanism is False:
        return skipped(f"{name} is {state.claimed_by} but the class lacks it (see the capabilities check).")
    if not state.effective:
        return skipped(
            f"the model does not show the {name} capability ({state.how or 'not detected'}); if it "
            f"has it, declare it: capabilities = {{{name} = true}} in its [tool.modelcheck] table."
        )
    return None


def declared_absent(obs: Observation, name: str) -> bool:
    """Whether the model is known not to have capability `name` (its kind has none, or the target
    declares it false): a part of a check that needs it does not apply, rather than being left
    unjudged, so it does not make a pass partial."""
    state = obs.capabilities.get(name)
    return state is None or state.declared is False


def judge_capabilities(obs: Observation) -> Verdict:
    """Every capability the config declares, or the model's profile claims, has its mechanism."""
    wrong_kind = [
        n for n, d in obs.settings.get("capabilities", {}).items() if d and not applies(n, obs.kind)
    ]
    if wrong_kind:
        return failed(
            f"this text model's config declares {', '.join(wrong_kind)}, which only chat models have in "
            "LangChain. Remove them from its capabilities table."
        )
    claimed = [s for s in obs.capabilities.values() if s.claimed_by]
    if not claimed:
        found = ", ".join(s.name for s in obs.capabilities.values() if s.detected) or "none"
        return skipped(
            "no capability is declared ([tool.modelcheck] capabilities) or claimed by the model's "
            f"profile, so none is held to a claim (detected: {found}; each is tested by its checks)."
        )
    broken = [s for s in claimed if s.mechanism is False]
    if broken:
        return failed(
            "; ".join(f"{s.name} is {s.claimed_by} but {s.missing}" for s in broken)
            + ". Implement it, or declare it false (capabilities = {"
            + ", ".join(f"{s.name} = false" for s in broken)
            + "}) so its checks are skipped."
        )
    return passed(f"checked {', '.join(s.name for s in claimed)}")


def rows(states: dict[str, Any], results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The capability table of a report: declared, detected (and how), verified, per capability.

    `states` is the plain form `plain()` gives; `verified` is "yes" when every check that verifies
    an effective capability passed, "no" when one failed, None when none of them judged it.
    """
    outcomes = {r["id"]: r["outcome"] for r in results}
    table = []
    for name, state in states.items():
        effective = state["detected"] if state["declared"] is None else state["declared"]
        judged = [outcomes[c] for c in spec(name).verified_by if outcomes.get(c) in ("passed", "failed")]
        if "capabilities" in outcomes and state.get("mechanism") is False and state.get("claimed"):
            judged.append(outcomes["capabilities"])
        verified = None
        if effective and judged:
            verified = "no" if "failed" in judged else "yes"
        table.append({**state, "verified": verified})
    return table


def plain(states: dict[str, CapabilityState]) -> dict[str, dict[str, Any]]:
    """The capability states as JSON-ready data (they travel in reports, from xdist workers too)."""
    return {
        name: {
            "name": name,
            "declared": s.declared,
            "detected": s.detected,
            "how": s.how,
            "mechanism": s.mechanism,
            "claimed": s.claimed_by is not None,
        }
        for name, s in states.items()
    }
