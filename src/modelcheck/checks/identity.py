"""Identifying params: `_identifying_params` is a mapping with a non-empty string `model_name`."""

from __future__ import annotations

from modelcheck.core.records import Observation
from modelcheck.core.verdict import Verdict, failed, passed

FIX = 'Return it from `_identifying_params`, e.g. `return {"model_name": self.model_name, ...}`.'


def judge_identifying(obs: Observation) -> Verdict:
    facts = obs.facts
    if facts.identifying_params_error is not None:
        return failed(f"reading `_identifying_params` {facts.identifying_params_error}. {FIX}")
    params = facts.identifying_params or {}
    if "model_name" not in params:
        keys = ", ".join(repr(k) for k in params) or "none"
        return failed(f"`_identifying_params` has no 'model_name' (its keys: {keys}). {FIX}")
    if not facts.model_name:
        return failed(
            f"`_identifying_params['model_name']` is a {params['model_name']}"
            f"{' that is empty' if params['model_name'] == 'str' else ''}; it must be a non-empty "
            f"string naming the model. {FIX}"
        )
    return passed()
