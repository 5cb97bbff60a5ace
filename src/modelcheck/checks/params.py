"""Standard params: what `_get_ls_params()` reports, LangChain's standard init params, max tokens.

`ls-params` reads `_get_ls_params()` (as core does for tracing): provider, the model's name, its
type, a per-call stop and model override, and the temperature and max tokens it was built with.
`standard-params` gives each standard init param under its standard name and checks it lands
where the model keeps that feature; a constructor `stop` must cut the answer like a per-call one.
`max-tokens` holds a model built with a small max tokens to it: the usage it reports stays within
the limit, and the answer is shorter than without it.
"""

from __future__ import annotations

from modelcheck.checks.common import answers, outcome, show
from modelcheck.checks.stop import judge_respected, respected
from modelcheck.core import probe_ids as ids
from modelcheck.core.consensus import SOURCES, consensus, probe_text
from modelcheck.core.records import Observation, ParamTrial
from modelcheck.core.verdict import Verdict, failed, passed, skipped
from modelcheck.core.wording import plural

OVERRIDE = "modelcheck-override-model"
LS_STOP = ["modelcheck-ls-stop"]
MAX_TOKENS_PROBE = 5
LS_FIX = (
    "Return them from `_get_ls_params(self, stop=None, **kwargs)`: start from "
    "`super()._get_ls_params(stop=stop, **kwargs)` and set `ls_provider` and `ls_model_name` "
    '(`kwargs.get("model") or self.model_name`).'
)


def untried(obs: Observation) -> Verdict | None:
    """A skip when the model's copies could not be built at all (the message says why)."""
    error = obs.contract.error
    return skipped(f"the model's standard surface could not be tried: {error}") if error else None


def judge_ls_params(obs: Observation) -> Verdict:
    c = obs.contract
    if (skip := untried(obs)) is not None:
        return skip
    if c.ls_params is None:
        return failed(f"`_get_ls_params()` raised {c.ls_params_error}. {LS_FIX}")
    problems = _ls_problems(obs)
    if problems:
        return failed(f"`_get_ls_params()`: {'; '.join(problems)}. {LS_FIX}")
    extra = f" and {', '.join('ls_' + k for k in c.ls_given)}" if c.ls_given else ""
    return passed(f"checked ls_provider, ls_model_name, ls_model_type, ls_stop{extra}")


def _ls_problems(obs: Observation) -> list[str]:
    c = obs.contract
    params, override = c.ls_params or {}, c.ls_override or {}
    problems = []
    if not isinstance(params.get("ls_provider"), str) or not params["ls_provider"]:
        problems.append(f"ls_provider is {_value(params, 'ls_provider')}; it must name the provider")
    name, want = params.get("ls_model_name"), obs.facts.model_name
    if (not isinstance(name, str) or not name) and want:
        problems.append(f"ls_model_name is {_value(params, 'ls_model_name')}; it must be the model's name")
    elif want and name != want:  # a model without a name is identifying-params' failure
        problems.append(f"ls_model_name is {name!r} but the model is {want!r} (its _identifying_params)")
    kind = "chat" if obs.kind == "chat" else "llm"
    if params.get("ls_model_type") != kind:
        problems.append(f"ls_model_type is {_value(params, 'ls_model_type')}; for this model it is {kind!r}")
    if override.get("ls_stop") != LS_STOP:
        problems.append(f"with stop={LS_STOP!r}, ls_stop is {_value(override, 'ls_stop')}")
    state = obs.capabilities.get("model_override")
    if state is not None and state.effective and override.get("ls_model_name") != OVERRIDE:
        problems.append(
            f"with a per-call model={OVERRIDE!r} (the model_override capability), ls_model_name is "
            f"{_value(override, 'ls_model_name')}"
        )
    for key, value in c.ls_given.items():
        got = c.ls_with_params or {}
        if got.get(f"ls_{key}") != value:
            problems.append(f"built with {key}={value!r}, ls_{key} is {_value(got, f'ls_{key}')}")
    return problems


def _value(params: dict[str, object], key: str) -> str:
    return repr(params[key]) if key in params else "missing"


# --- standard-params -----------------------------------------------------------------------------

WHY = {
    "rejected": "the constructor rejects it",
    "ignored": "the constructor accepts it but drops it",
    "nonstandard": "the model takes it only under another name",
}


def judge_standard_params(obs: Observation) -> Verdict:
    if (skip := untried(obs)) is not None:
        return skip
    if obs.contract.params_error is not None:
        return skipped(
            "the standard params could not be tried: a copy of the model built from its own field "
            f"values raised {obs.contract.params_error}, and each param is tried on such a copy"
        )
    trials = [t for t in obs.contract.params if t.outcome != "absent"]
    problems = [_param_problem(t) for t in trials if t.outcome != "held"]
    problems += _ctor_stop(obs)
    if problems:
        return failed("; ".join(problems) + ".")
    if not trials:
        return passed("the model has none of the standard params")  # pragma: no cover - nothing to try
    notes = [t.name for t in trials]
    return passed(f"checked {', '.join(notes)}")


def _param_problem(t: ParamTrial) -> str:
    seen = f" ({t.seen})" if t.seen else ""
    if t.outcome == "nonstandard":
        return (
            f"{t.name}={t.given} is not taken: the model keeps it in `{t.field}`{seen}. Accept the standard "
            f'name too: `{t.field}: ... = Field(alias="{t.name}")` with `populate_by_name=True`'
        )
    return f"{t.name}={t.given}: {WHY[t.outcome]}{seen}. Keep it in a field named `{t.name}` (or aliased so)"


def _ctor_stop(obs: Observation) -> list[str]:
    call = obs.calls.get(ids.CTOR_STOP)
    probe = obs.stop_probe
    if call is None or probe is None or judge_respected(obs).outcome != "passed":
        return []  # a per-call stop that does not work either is stop-respected's
    if not answers(call) and not answers(obs.calls.get(ids.INVOKE)):
        return []  # invoke fails without the constructor's stop too: that is invoke's
    stops = list(call.extra.get("stops") or [probe.stop])
    if call.failure is not None:
        return [f"invoke on the model built with stop={stops!r} {outcome(call.failure)}".rstrip(".")]
    text = (call.output.text or "") if call.output else ""
    if respected(text, probe.base_text, stops, consensus(obs).deterministic):
        return []
    return [
        f"built with stop={stops!r}, invoke gave {show(text)}: the constructor's stop is ignored. Apply "
        "`self.stop` when no per-call stop is given (e.g. `stop = stop or self.stop`)"
    ]


# --- max-tokens ----------------------------------------------------------------------------------

MAX_TOKENS_FIX = "Pass `{field}` to the API (or cut the answer) on every call."


def judge_max_tokens(obs: Observation) -> Verdict:
    if (skip := untried(obs)) is not None:
        return skip
    call, field = obs.calls.get(ids.MAX_TOKENS), obs.contract.fields.get("max_tokens")
    if call is None or field is None:
        return skipped(
            "the model has no max tokens param (`max_tokens`, or a field models use for it such as "
            "`max_new_tokens` or `num_predict`), so there is no limit to check."
        )
    if not answers(call) and not answers(obs.calls.get(ids.INVOKE)):
        return skipped("invoke fails without a max tokens too, so a limit cannot be judged (see invoke).")
    built = f"built with {field}={MAX_TOKENS_PROBE}"
    if call.failure is not None:
        return failed(f"invoke on the model {built} {outcome(call.failure)}")
    text = (call.output.text or "") if call.output else ""
    usage = call.output.usage if call.output else None
    tokens = usage.get("output_tokens") if usage else None
    if isinstance(tokens, int) and tokens > MAX_TOKENS_PROBE:
        return failed(
            f"{built}, the answer used {tokens} output tokens (its usage_metadata), more than "
            f"{MAX_TOKENS_PROBE}. {MAX_TOKENS_FIX.format(field=field)}"
        )
    return _shortened(obs, built, text, field, tokens)


def _shortened(obs: Observation, built: str, text: str, field: str, tokens: object) -> Verdict:
    """The answer under the limit, in words: a limit of N tokens holds at most N words (tokenizers
    split at whitespace), which an answer of more words without the limit shows."""
    counted = f", {plural(tokens, 'output token')} by its usage" if isinstance(tokens, int) else ""
    unlimited = _longest_unlimited(obs)
    if unlimited is None or len(unlimited.split()) <= MAX_TOKENS_PROBE:
        if counted:
            return passed(f"{built}, invoke gave {show(text)}{counted}")
        return skipped(_unshowable(unlimited))
    words, without = len(text.split()), plural(len(unlimited.split()), "word")
    if words <= MAX_TOKENS_PROBE:
        said = f"{plural(words, 'word')}; {without} without it"
        return passed(f"{built}, invoke gave {show(text)} ({said}){counted}")
    return failed(
        f"{built}, invoke gave {show(text)}: {words} words, where {MAX_TOKENS_PROBE} tokens hold at most "
        f"{MAX_TOKENS_PROBE} ({without} without the limit). " + MAX_TOKENS_FIX.format(field=field)
    )


def _unshowable(unlimited: str | None) -> str:
    seen = (
        f"({show(unlimited)}) has at most {MAX_TOKENS_PROBE} words" if unlimited is not None else "is unknown"
    )
    return (
        f"the answer without a limit {seen}, so a limit of {MAX_TOKENS_PROBE} cannot shorten it, and the "
        "model reports no usage to count its tokens."
    )


def _longest_unlimited(obs: Observation) -> str | None:
    """The longest answer the runnable paths gave to the probe prompt, without a limit (a sampling
    model's answers differ in length; a deterministic model's are one answer)."""
    texts = [t for t in (probe_text(obs.calls.get(p)) for p in SOURCES) if t is not None]
    return max(texts, key=lambda t: len(t.split())) if texts else None
