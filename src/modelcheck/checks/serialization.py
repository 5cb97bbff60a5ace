"""Secrets from the environment and serialization: what `dumpd`/`load` and the env give back.

`init-from-env` builds the model with only the env var set (a canary in it) and reads the field.
`serialization` checks that `dumpd` writes secrets as references, that `load` gives the same
model back, and compares the serialized form with its reviewed snapshot
(`__snapshots__/modelcheck/<target>.serialized.json`), byte-stable like the event snapshot.
"""

from __future__ import annotations

import json
from typing import Any

from modelcheck.checks.params import untried
from modelcheck.core.events import volatile_removed
from modelcheck.core.records import EnvTrial, Observation, SerialTrial, SnapshotResult
from modelcheck.core.verdict import Verdict, failed, passed, skipped
from modelcheck.secrets.scrub import Scrubber

ENV_FIX = (
    "Give the field a default that reads the env var: "
    '`api_key: SecretStr | None = Field(default_factory=secret_from_env("{env}", default=None))` '
    "(langchain_core.utils.secret_from_env)."
)


def judge_init_from_env(obs: Observation) -> Verdict:
    if (skip := untried(obs)) is not None:
        return skip
    trials = obs.contract.env
    if not trials:
        return skipped(
            "no secret field has a secret_from_env/from_env default, and the target lists no secret_env "
            "in [tool.modelcheck]; a model that reads its key in a validator is checked once its env var "
            "is listed in secret_env."
        )
    problems = [_env_problem(t) for t in trials if t.outcome != "held"]
    if problems:
        return failed(" ".join(problems))
    return passed("; ".join(f"{t.field} read {t.env} as a SecretStr" for t in trials))


def _env_problem(t: EnvTrial) -> str:
    built = f"built with only {t.env} set (named by {t.source})"
    if t.outcome == "error":
        return f"{built}, the constructor raised {t.seen}. {ENV_FIX.format(env=t.env)}"
    if t.outcome == "missing":
        return f"{built}, {t.field} is None: nothing reads {t.env}. {ENV_FIX.format(env=t.env)}"
    if t.outcome == "plain":
        return (
            f"{built}, {t.field} holds the env's value as a plain {t.seen}, not a SecretStr. "
            f"{ENV_FIX.format(env=t.env)}"
        )
    return f"{built}, {t.field} holds a {t.seen} that is not {t.env}'s value. {ENV_FIX.format(env=t.env)}"


# --- serialization -------------------------------------------------------------------------------

LC_SECRETS = (
    "Name each credential field in `lc_secrets` (`return {{'{field}': 'PROVIDER_API_KEY'}}`) so that "
    "dumpd writes a secret reference instead of the value."
)


def judge_serialization(obs: Observation) -> Verdict:
    if (skip := untried(obs)) is not None:
        return skip
    trial = obs.contract.serial
    if trial is None:
        return skipped("the model was not serialized.")  # pragma: no cover - always with the check
    verdict = _dumped(trial)
    if verdict is not None:
        return verdict
    assert trial.dumped is not None
    if trial.load_error is not None:
        return failed(f"load(dumpd(model)) raised {trial.load_error}. The serialized form must load back.")
    if trial.loaded != trial.original:
        return failed(
            f"load(dumpd(model)) gave a {trial.loaded_class} whose _identifying_params are {trial.loaded}, "
            f"not {trial.original}: a constructor argument is lost in serialization. Keep what identifies "
            "the model in fields the constructor takes."
        )
    if obs.serial_snapshot is None:
        return skipped("no snapshot store: the syrupy plugin is not active in this pytest run.")
    scrub = Scrubber([*obs.canaries, *obs.real_secrets])
    exclude = tuple(obs.settings.get("snapshot_exclude", ()))
    document = {
        "modelcheck_serialized": 1,
        "target": obs.target,
        "serialized": volatile_removed(_scrubbed(trial.dumped, scrub), exclude),
    }
    return _snapshot(obs.serial_snapshot(document))


def _dumped(trial: SerialTrial) -> Verdict | None:
    if trial.dump_error is not None:
        return failed(f"dumpd(model) raised {trial.dump_error}. Every field must be serializable.")
    dumped = trial.dumped or {}
    if dumped.get("type") != "constructor":
        return failed(
            f"dumpd(model) gives type {dumped.get('type')!r}, not 'constructor', though "
            "is_lc_serializable() is True; its repr is kept instead of its arguments."
        )
    text = json.dumps(dumped)
    leaked = [name for name, value in trial.secret_values.items() if value in text]
    if leaked:
        return failed(
            f"dumpd(model) writes the value of {', '.join(leaked)}, not a secret reference "
            '({"type": "secret", "id": [...]}); the same form goes to every trace (the start '
            f"callbacks' `serialized`) and into the cache key. {LC_SECRETS.format(field=leaked[0])}"
        )
    return None


def _scrubbed(value: Any, scrub: Scrubber) -> Any:
    return json.loads(scrub(json.dumps(value, ensure_ascii=False)))


def _snapshot(result: SnapshotResult) -> Verdict:
    where = result.location
    if result.outcome == "matched":
        return passed("dumpd/load round-trip; secrets are references; the snapshot matches")
    if result.outcome in ("created", "updated"):
        return passed(f"snapshot {result.outcome}: {where}")
    if result.outcome == "error":
        return failed(f"syrupy could not compare the snapshot {where}: {result.diff}")
    if result.outcome == "missing":
        return failed(
            f"there is no snapshot of this model's serialized form yet ({where}). Create it with "
            "`pytest --snapshot-update` (with the same --modelcheck options), read it, and commit it."
        )
    return failed(
        f"the serialized form differs from the snapshot {where} (- snapshot, + this run):\n{result.diff}\n"
        "A saved model would load differently. If the change is intended, accept it with "
        "`pytest --snapshot-update` and commit the file."
    )
