"""`[tool.modelcheck]` and `--modelcheck-params`: validation (unit) and their effect on a run (pytester)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.harness import ECHO_CHAT, Modelcheck, only, outcomes

from modelcheck.core.settings import (
    DEFAULT_SECRET_PATTERN,
    SETTING_KEYS,
    TargetSettings,
    build_settings,
    parse_params_option,
    read_pyproject,
    split_table,
)

IDS = ("invoke", "batch", "stream")
TARGET = "mymodel:Chat"


def build(table: dict[str, object], cli: dict[str, object] | None = None) -> TargetSettings:
    defaults, per_target = split_table(table)
    return build_settings(TARGET, defaults, per_target.get(TARGET, {}), IDS, cli)


def error_text(excinfo: pytest.ExceptionInfo[pytest.UsageError]) -> str:
    text = str(excinfo.value)
    assert text.startswith("modelcheck: ") and text.endswith(
        " See modelcheck README.md#configuring-a-target."
    )
    return text


def test_defaults() -> None:
    settings = build({})

    assert settings == TargetSettings(TARGET)
    assert (settings.stop_policy, settings.timeout, settings.skip, settings.params_given) == (
        "include",
        30.0,
        (),
        False,
    )
    assert settings.secret_pattern == DEFAULT_SECRET_PATTERN


def test_target_table_overrides_defaults_and_cli_params_merge_last() -> None:
    table = {
        "timeout": 5,
        "params": {"model_name": "a", "region": "eu"},
        TARGET: {"timeout": 2.5, "params": {"model_name": "b"}, "skip": ["batch"]},
        "other:Model": {"timeout": 99},
    }

    settings = build(table, cli={"region": "us"})

    assert settings.timeout == 2.5
    assert settings.params == {"model_name": "b", "region": "us"}
    assert settings.skip == ("batch",)
    assert settings.params_given


def test_every_setting_key_is_accepted() -> None:
    settings = build(
        {
            "params": {},
            "stop_policy": "exclude",
            "skip": [],
            "timeout": 1,
            "secret_env": ["PROVIDER_KEY"],
            "secret_pattern": "^token$",
            "snapshot_exclude": ["id"],
            "capabilities": {"tool_calling": False, "serializable": True},
            "image_url": "https://example.com/modelcheck.png",
            "nondeterministic": True,
        }
    )

    assert set(SETTING_KEYS) == {
        "params",
        "stop_policy",
        "skip",
        "timeout",
        "secret_env",
        "secret_pattern",
        "snapshot_exclude",
        "capabilities",
        "image_url",
        "nondeterministic",
    }
    assert settings.nondeterministic is True
    assert settings.capabilities == {"tool_calling": False, "serializable": True}
    assert settings.image_url == "https://example.com/modelcheck.png"
    assert (
        settings.stop_policy,
        settings.secret_env,
        settings.secret_pattern,
        settings.snapshot_exclude,
    ) == (
        "exclude",
        ("PROVIDER_KEY",),
        "^token$",
        ("id",),
    )
    assert settings.timeout == 1.0 and isinstance(settings.timeout, float)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            {"timout": 3},
            "unknown key 'timout' in [tool.modelcheck]. Did you mean 'timeout'? The keys a target "
            "takes are: params, ",
        ),
        ({TARGET: {"skp": []}}, f"unknown key 'skp' in [tool.modelcheck.\"{TARGET}\"]. Did you mean 'skip'?"),
        ({"timeout": "fast"}, "[tool.modelcheck] timeout is 'fast'; it must be a positive number of seconds"),
        ({"timeout": 0}, "[tool.modelcheck] timeout is 0; it must be a positive number"),
        ({"timeout": True}, "[tool.modelcheck] timeout is True; it must be a positive number"),
        ({"stop_policy": "none"}, "stop_policy is 'none'; it must be one of 'include', 'exclude', 'any'."),
        (
            {"skip": ["bach"]},
            "skip names unknown check ids ['bach']; the check ids are: invoke, batch, stream.",
        ),
        ({"skip": "batch"}, '[tool.modelcheck] skip must be a list of strings, e.g. skip = ["..."].'),
        ({"secret_env": [1]}, "[tool.modelcheck] secret_env must be a list of strings"),
        ({"params": ["model_name"]}, "[tool.modelcheck] params must be a table of constructor arguments."),
        ({"secret_pattern": "("}, "[tool.modelcheck] secret_pattern is not a valid regular expression ("),
        ({"secret_pattern": 3}, "[tool.modelcheck] secret_pattern must be a regular expression string."),
        ({TARGET: 3}, f'[tool.modelcheck."{TARGET}"] must be a table of settings, got int.'),
        (
            {TARGET: {"capabilities": {"tools": True}}},
            f"[tool.modelcheck.\"{TARGET}\"] capabilities names unknown capabilities ['tools']; the "
            "capabilities are: streaming, native_async, usage_metadata, tool_calling,",
        ),
        (
            {"capabilities": {"tool_calling": "yes"}},
            "[tool.modelcheck] capabilities: tool_calling must be true or false",
        ),
        ({"capabilities": ["tool_calling"]}, "[tool.modelcheck] capabilities must be a table of names"),
        (
            {"nondeterministic": "yes"},
            "[tool.modelcheck] nondeterministic is 'yes'; it must be true (the model samples: its answers "
            "vary from call to call) or false",
        ),
    ],
    ids=[
        "unknown-key",
        "unknown-key-in-target",
        "timeout-type",
        "timeout-zero",
        "timeout-bool",
        "stop-policy",
        "skip-unknown-id",
        "skip-type",
        "secret-env-type",
        "params-type",
        "pattern-invalid",
        "pattern-type",
        "target-not-table",
        "capability-unknown",
        "capability-not-bool",
        "capabilities-type",
        "nondeterministic-type",
    ],
)
def test_bad_setting(table: dict[str, object], expected: str) -> None:
    with pytest.raises(pytest.UsageError) as excinfo:
        build(table)

    assert expected in error_text(excinfo)


def test_params_option() -> None:
    assert parse_params_option(None) is None
    assert parse_params_option('{"model_name": "x", "temperature": 0}') == {
        "model_name": "x",
        "temperature": 0,
    }
    with pytest.raises(
        pytest.UsageError, match=re.escape("is not valid JSON (Expecting value at character 0)")
    ):
        parse_params_option("")
    with pytest.raises(pytest.UsageError, match="got a JSON str"):
        parse_params_option('"model_name"')


def test_read_pyproject(tmp_path: Path) -> None:
    assert read_pyproject(tmp_path) == {}
    (tmp_path / "pyproject.toml").write_text("[tool.modelcheck]\ntimeout = 3\n[tool.other]\nx = 1\n")
    assert read_pyproject(tmp_path) == {"timeout": 3}
    (tmp_path / "pyproject.toml").write_text("[tool]\nmodelcheck = 3\n")
    with pytest.raises(
        pytest.UsageError, match=re.escape("[tool.modelcheck] in pyproject.toml must be a table.")
    ):
        read_pyproject(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.modelcheck\n")
    with pytest.raises(pytest.UsageError, match="is not valid TOML"):
        read_pyproject(tmp_path)


# --- the same settings, as a user's run meets them ----------------------------------------------

NEEDS_REGION = (
    ECHO_CHAT
    + '''
    region: str
    """Where the service runs."""
'''
)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            'stop_policy = "never"',
            "[[]tool.modelcheck[]] stop_policy is 'never'; it must be one of 'include', 'exclude', 'any'.",
        ),
        (
            'timeout = "30s"',
            "[[]tool.modelcheck[]] timeout is '30s'; it must be a positive number of seconds per model call.",
        ),
        (
            f'[tool.modelcheck."{TARGET}"]\nmodel = "x"',
            f"unknown key 'model' in [[]tool.modelcheck.\"{TARGET}\"[]]. The keys a target takes are: "
            "params, stop_policy, skip, timeout, *",
        ),
        (
            'stop_polcy = "any"',
            "unknown key 'stop_polcy' in [[]tool.modelcheck[]]. Did you mean 'stop_policy'? The keys a "
            "target takes are: *",
        ),
    ],
    ids=["stop-policy", "timeout-type", "unknown-key", "misspelt-key"],
)
def test_pyproject_error_stops_the_run_with_its_paragraph(mc: Modelcheck, toml: str, expected: str) -> None:
    mc.model(ECHO_CHAT)
    mc.config(f"[tool.modelcheck]\n{toml}\n")

    outcome = mc.run(f"--modelcheck={TARGET}")

    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR
    outcome.result.stderr.fnmatch_lines(
        [f"ERROR: modelcheck: {expected}*See modelcheck README.md#configuring-a-target."]
    )
    assert "Traceback" not in outcome.text()


def test_unknown_skip_id_lists_the_catalog(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT)
    mc.config('[tool.modelcheck]\nskip = ["streem"]\n')

    outcome = mc.run(f"--modelcheck={TARGET}")

    outcome.result.stderr.fnmatch_lines(
        [
            "ERROR: modelcheck: [[]tool.modelcheck[]] skip names unknown check ids [[]'streem'[]]; "
            "the check ids are: invoke, ainvoke, batch, abatch, stream, astream, *"
        ]
    )


def test_params_from_the_target_table_build_the_model(mc: Modelcheck) -> None:
    mc.model(NEEDS_REGION)
    mc.config(f'[tool.modelcheck."{TARGET}"]\nparams = {{region = "eu-west"}}\nskip = ["batch", "abatch"]\n')

    outcome = mc.run(f"--modelcheck={TARGET}", "-rs")

    verdicts = outcome.of(TARGET)
    assert verdicts.pop("batch") == verdicts.pop("abatch") == "skipped"
    assert outcomes(verdicts) == {"passed"}
    outcome.result.stdout.fnmatch_lines(
        [f"SKIPPED [[]2[]] pyproject.toml: skipped by `skip` in [[]tool.modelcheck[]] for {TARGET}"]
    )


def test_cli_params_complete_the_pyproject_params(mc: Modelcheck) -> None:
    mc.model(NEEDS_REGION)
    mc.config('[tool.modelcheck]\nparams = {model_name = "echo-eu"}\n')

    outcome = mc.run(
        f"--modelcheck={TARGET}", '--modelcheck-params={"region": "eu-west"}', *only("batch", "abatch")
    )

    assert outcome.of(TARGET) == {"batch": "passed", "abatch": "passed"}
