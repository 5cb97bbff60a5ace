"""The GitHub side: the workflow and the action pass actionlint, shellcheck and zizmor, and the
action's shell steps, run here as the runner runs them with fake `GITHUB_*` variables, write the
step summary, the annotations, the outputs and the artifact directory.

The `uses:` steps of the action (actions/setup-python, actions/upload-artifact) cannot run here and
are skipped: the steps run with the Python running these tests, and the tests check the directory
the upload step would upload. The install step is not run against the real pip either (tests must
not install packages): `test_install_step_*` runs it with a `python` that records its arguments.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
ACTION_DIR = ROOT  # action.yml at the root: `uses: <owner>/modelcheck@<ref>`
ACTION = yaml.safe_load((ACTION_DIR / "action.yml").read_text(encoding="utf-8"))
BROKEN = "reference_models.broken_checklist:ChatIgnoresStop"
# Plugins the workspace does not use; they only slow down each pytest the action starts.
FAST = "-p no:langsmith_plugin -p no:hypothesispytest"


def tool(name: str) -> str:
    """A tool of the test extra (next to this Python, or on PATH); in CI a missing one fails."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        message = f"{name} is not installed; it comes with the test extra: pip install -e '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def lint(*cmd: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


# --- linters -------------------------------------------------------------------------------------


def test_actionlint_passes_the_workflow_with_shellcheck() -> None:
    result = lint(
        tool("actionlint"),
        "-no-color",
        "-oneline",
        f"-shellcheck={tool('shellcheck')}",
        "-pyflakes=",
        ".github/workflows/ci.yml",
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_actionlint_checks_the_workflow_against_the_local_action(tmp_path: Path) -> None:
    """A misspelt input of the local action is an error: actionlint reads our action.yml."""
    shutil.copytree(GITHUB, tmp_path / ".github")
    shutil.copy(ACTION_DIR / "action.yml", tmp_path / "action.yml")
    git(tmp_path, "init", "-q")  # actionlint finds local actions from the repository's root
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    workflow.write_text(workflow.read_text().replace("snapshot-update:", "snapshot-updates:", 1))
    result = lint(tool("actionlint"), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", cwd=tmp_path)
    assert result.returncode == 1
    assert 'input "snapshot-updates" is not defined in action "modelcheck"' in result.stdout


@pytest.mark.parametrize("step", [s for s in ACTION["runs"]["steps"] if "run" in s], ids=lambda s: s["name"])
def test_action_scripts_pass_shellcheck(step: dict[str, Any]) -> None:
    """actionlint does not read an action's scripts, so shellcheck reads them here."""
    result = subprocess.run(
        [tool("shellcheck"), "--shell=bash", "--severity=style", "-"],
        input=step["run"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "")


def test_no_expression_is_expanded_inside_a_script() -> None:
    """Inputs and step outputs reach scripts through `env:` only (zizmor's template-injection)."""
    workflow = yaml.safe_load((GITHUB / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    steps = ACTION["runs"]["steps"] + [s for job in workflow["jobs"].values() for s in job["steps"]]
    scripts = [s["run"] for s in steps if "run" in s]
    assert len(scripts) > 10
    assert [s for s in scripts if "${{" in s] == []


def test_zizmor_finds_nothing() -> None:
    result = lint(tool("zizmor"), "--offline", "--no-progress", "--color=never", ".github", "action.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_zizmor_audits_the_action(tmp_path: Path) -> None:
    """The clean result above covers the action: an input expanded in its script is a finding."""
    action = tmp_path / "action.yml"
    text = (ACTION_DIR / "action.yml").read_text(encoding="utf-8")
    unsafe = text.replace('"--modelcheck=$line"', '"--modelcheck=${{ inputs.targets }}"')
    assert unsafe != text
    action.write_text(unsafe)
    result = lint(tool("zizmor"), "--offline", "--no-progress", "--color=never", str(action))
    assert result.returncode != 0
    assert "template-injection" in result.stdout


def test_the_documented_contributor_workflow_lints_clean(tmp_path: Path) -> None:
    """The copy-paste workflow in the docs passes both linters."""
    pattern = re.compile(r"```yaml\n(name: .*?)```", re.DOTALL)
    documented = [
        block
        for doc in (ROOT / "README.md", ROOT / "docs" / "github-actions.md", ROOT / "docs" / "replay.md")
        if doc.is_file()
        for block in pattern.findall(doc.read_text(encoding="utf-8"))
        if "<owner>/modelcheck@" in block
    ]
    assert documented, "no contributor workflow found in README.md or docs/github-actions.md"
    git(tmp_path, "init", "-q")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    pinned = "acme/modelcheck@" + "0" * 40 + " # v0.1.0"
    for number, block in enumerate(documented):
        text = block.replace("<owner>/modelcheck@<commit sha> # <version>", pinned)
        (tmp_path / ".github" / "workflows" / f"documented{number}.yml").write_text(text)
    result = lint(tool("actionlint"), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    result = lint(tool("zizmor"), "--offline", "--no-progress", "--color=never", ".github", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


# --- the action's shell steps, run as the runner runs them ---------------------------------------


@dataclass
class Step:
    name: str
    id: str | None
    ran: bool
    returncode: int
    stdout: str
    outputs: dict[str, str]


class Runner:
    """Runs the action's `run:` steps like GitHub's runner: `bash -eo pipefail`, `env:` resolved
    from the inputs and earlier steps' outputs, `if:` honoured, a fresh GITHUB_OUTPUT per step."""

    EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

    def __init__(self, workspace: Path, tmp: Path, inputs: dict[str, str], path: list[Path]) -> None:
        self.workspace, self.tmp = workspace, tmp
        defaults = {k: v.get("default", "") for k, v in ACTION["inputs"].items()}
        unknown = set(inputs) - set(defaults)
        assert not unknown, f"not inputs of the action: {unknown}"
        self.inputs = defaults | inputs
        self.outputs: dict[str, dict[str, str]] = {}
        self.failed = False
        self.summary = tmp / "step_summary.md"
        (tmp / "runner_temp").mkdir()
        self.env = {
            "PATH": os.pathsep.join([*map(str, path), str(Path(sys.executable).parent), os.defpath]),
            "HOME": str(tmp),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTION_PATH": str(ACTION_DIR),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_JOB": "check",
            "RUNNER_TEMP": str(tmp / "runner_temp"),
            "RUNNER_OS": "Linux",
            **{k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")},
        }

    def run(self, skip: tuple[str, ...] = ("install",)) -> list[Step]:
        steps = []
        for number, step in enumerate(ACTION["runs"]["steps"]):
            if "uses" in step or step.get("id") in skip:
                continue
            steps.append(self._step(number, step))
        return steps

    def step(self, step_id: str, steps: list[Step]) -> Step:
        return next(s for s in steps if s.id == step_id)

    def _step(self, number: int, step: dict[str, Any]) -> Step:
        if not self._condition(str(step.get("if", "success()"))):
            return Step(step["name"], step.get("id"), False, 0, "", {})
        output = self.tmp / f"github_output_{number}"
        output.touch()
        env = self.env | {k: self._resolve(str(v)) for k, v in step.get("env", {}).items()}
        env["GITHUB_OUTPUT"] = str(output)
        script = self.tmp / f"step_{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        assert step["shell"] == "bash"
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
            check=False,
        )
        outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
        if step.get("id"):
            self.outputs[step["id"]] = outputs
        self.failed = self.failed or result.returncode != 0
        return Step(step["name"], step.get("id"), True, result.returncode, result.stdout, outputs)

    def _resolve(self, value: str) -> str:
        return self.EXPRESSION.sub(lambda m: self._value(m.group(1)), value)

    def _value(self, expression: str) -> str:
        if match := re.fullmatch(r"inputs\.([\w-]+)", expression):
            return self.inputs[match.group(1)]
        if match := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
            return self.outputs.get(match.group(1), {}).get(match.group(2), "")
        raise AssertionError(f"this runner does not know the expression {expression!r}")

    def _condition(self, condition: str) -> bool:
        """The few forms of `if:` the action uses; anything else fails the test, to be added here."""
        inner = self.EXPRESSION.fullmatch(condition.strip())
        terms = [t.strip() for t in (inner.group(1) if inner else condition).split("&&")]
        status = {"success()": not self.failed, "!cancelled()": True, "always()": True}
        if not any(t in status for t in terms):
            terms.append("success()")
        return all(self._term(t, status) for t in terms)

    def _term(self, term: str, status: dict[str, bool]) -> bool:
        if term in status:
            return status[term]
        if match := re.fullmatch(r"(\S+) (==|!=) ''", term):
            empty = self._value(match.group(1)) == ""
            return empty if match.group(2) == "==" else not empty
        raise AssertionError(f"this runner does not know the condition {term!r}")


def git(workspace: Path, *args: str) -> None:
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *ident, *args], cwd=workspace, check=True, capture_output=True, timeout=30)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A contributor repo: a tiny model package, committed."""
    ws = tmp_path / "workspace"
    (ws / "tiny_models").mkdir(parents=True)
    (ws / "pyproject.toml").write_text('[project]\nname = "tiny-models"\nversion = "1.0"\n')
    (ws / "tiny_models" / "__init__.py").write_text(
        '"""A tiny model package."""\n\nfrom reference_models import EchoChatModel\n\n\n'
        'class TinyChat(EchoChatModel):\n    """Echoes the last message back, a few characters a chunk (https://example.com/api)."""\n'
    )
    git(ws, "init", "-q")
    git(ws, "add", ".")
    git(ws, "commit", "-q", "-m", "tiny models")
    return ws


def runner(workspace: Path, inputs: dict[str, str], path: list[Path] | None = None) -> Runner:
    tmp = workspace.parent / "runner"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return Runner(workspace, tmp, inputs, path or [])


def test_review_loop_snapshot_update_shows_the_diff_then_the_next_run_compares(workspace: Path) -> None:
    first = runner(workspace, {"targets": "tiny_models:TinyChat", "snapshot-update": "true", "args": FAST})
    steps = first.run()
    run, shown = first.step("run", steps), steps[-1]
    assert run.returncode == 0, run.stdout
    assert "--snapshot-update" in run.stdout.splitlines()[0]
    snapshot = "__snapshots__/modelcheck/tiny_models.TinyChat.json"
    assert (shown.ran, shown.returncode) == (True, 0)
    assert f"+++ b/{snapshot}" in shown.stdout
    assert '+  "target": "tiny_models:TinyChat",' in shown.stdout
    warning = (
        # the event snapshot and the serialized form's (serialization)
        "::warning title=modelcheck snapshots::2 snapshot or cassette file(s) changed: review the diff "
        "in the log"
    )
    assert warning in shown.stdout
    uploaded = Path(run.outputs["report"]).parent
    assert uploaded.name.startswith("modelcheck-")
    assert run.outputs["report"] == str(uploaded / "report.json")
    assert (uploaded / snapshot).read_text() == (workspace / snapshot).read_text()
    assert sorted(p.name for p in uploaded.iterdir()) == ["__snapshots__", "checklist.md", "report.json"]
    summary = first.summary.read_text()
    assert "| ✓ | `event-snapshot` | Event streams |  |" in summary
    assert summary.endswith(f"(the artifact {run.outputs['artifact']} has them).\n")
    assert run.outputs["artifact"] == f"modelcheck-check-{uploaded.name.removeprefix('modelcheck-')}"

    git(workspace, "add", snapshot, snapshot.replace(".json", ".serialized.json"))
    git(workspace, "commit", "-q", "-m", "event snapshot and serialized form")
    second = runner(workspace, {"targets": "tiny_models:TinyChat", "args": FAST})
    steps = second.run()
    run = second.step("run", steps)
    assert (run.returncode, run.outputs["failed"]) == (0, "0"), run.stdout
    assert re.search(r"Event streams\s+✓ event-stream  ✓ event-snapshot", run.stdout)
    assert steps[-1].stdout == "No snapshot or cassette changed.\n"
    assert sorted(p.name for p in Path(run.outputs["report"]).parent.iterdir()) == [
        "checklist.md",
        "report.json",
    ]


def test_a_failed_check_fails_the_step_with_an_annotation_and_a_summary(workspace: Path) -> None:
    targets = f"tiny_models:TinyChat\n  {BROKEN}  \n\n# a comment\n"
    act = runner(workspace, {"targets": targets, "args": f'{FAST} -k "not snapshot and not serialization"'})
    steps = act.run()
    run = act.step("run", steps)
    assert run.returncode == 1
    assert run.outputs["failed"] == "1"
    report = json.loads(Path(run.outputs["report"]).read_text())
    assert [t["target"] for t in report["targets"]] == ["tiny_models:TinyChat", BROKEN]
    assert [line for line in run.stdout.splitlines() if line.startswith("::")] == [
        f"::error title=stop-respected ({BROKEN.replace(':', '%3A')})::invoke with stop=['wn f'] gave "
        "'modelcheck probe: the quick brown fox jumps over the lazy dog': text follows the stop string; "
        "expected 'modelcheck probe: the quick brown f'. Cut the answer at the first occurrence of any "
        "stop string. See modelcheck docs/stop.md#stop-respected."
    ]
    summary = act.summary.read_text()
    assert summary == (Path(run.outputs["report"]).parent / "checklist.md").read_text()
    assert "### `tiny_models:TinyChat` (chat model)" in summary
    assert f"### `{BROKEN}` (chat model)" in summary
    assert "| ✗ | `stop-respected` | Stop tokens | invoke with stop=['wn f'] gave" in summary
    assert "<details><summary>✗ <code>stop-respected</code></summary>" in summary
    shown = steps[-1]
    assert (shown.ran, shown.stdout) == (True, "No snapshot or cassette changed.\n")


@pytest.mark.parametrize(
    ("inputs", "error"),
    [
        ({"targets": "\n  # nothing but a comment\n"}, "The targets input names no model."),
        ({"targets": "tiny_models:TinyChat", "snapshot-update": "yes"}, "snapshot-update must be true"),
        ({"targets": "tiny_models:TinyChat", "args": '-k "unclosed'}, "The args input is not a valid"),
    ],
)
def test_bad_inputs_fail_the_step_before_pytest(workspace: Path, inputs: dict[str, str], error: str) -> None:
    act = runner(workspace, inputs)
    steps = act.run()
    run = act.step("run", steps)
    assert run.returncode == 2
    assert f"::error title=modelcheck::{error}" in run.stdout
    assert "python -m pytest" not in run.stdout
    assert "failed" not in run.outputs


def test_a_run_that_ends_without_a_report_fails_the_step_even_with_status_0(workspace: Path) -> None:
    """Something ended the process with status 0 before the report was written (here a conftest;
    a model calling os._exit is refused by modelcheck itself): the job must not go green."""
    (workspace / "conftest.py").write_text("import os\n\n\ndef pytest_configure(config):\n    os._exit(0)\n")
    act = runner(workspace, {"targets": "tiny_models:TinyChat", "args": FAST})
    run = act.step("run", act.run())
    assert run.returncode == 1
    assert "::error title=modelcheck::pytest stopped (exit status 0) before writing the report" in run.stdout
    assert run.outputs["report"] == ""


def test_inputs_are_data_not_code(workspace: Path) -> None:
    """Quotes, `$(...)` and `;` in inputs are passed to pytest as text; none of them runs."""
    inputs = {
        "targets": "tiny_models:$(touch pwned1)\ntiny_models:TinyChat; touch pwned2",
        "params": '{"api_key": "sk-$(touch pwned3)"}',
        "args": f"{FAST} '$(touch pwned4)' `touch pwned5`",
    }
    act = runner(workspace, inputs)
    run = act.step("run", act.run())
    assert run.returncode != 0
    assert sorted(p.name for p in workspace.iterdir() if p.name.startswith("pwned")) == []
    # Neither target can be loaded (no such names): each counts as one failure.
    assert run.outputs["failed"] == "2"
    assert (
        "--modelcheck=tiny_models:$(touch pwned1) --modelcheck=tiny_models:TinyChat; touch pwned2"
        in run.stdout
    )
    assert " --modelcheck-params=...\n" in run.stdout
    assert "sk-$(touch" not in run.stdout


def fake_python(tmp_path: Path) -> tuple[Path, Path]:
    """A `python` that records its arguments, one a line, instead of installing anything."""
    bin_dir, log = tmp_path / "fakebin", tmp_path / "python-args.txt"
    bin_dir.mkdir()
    (bin_dir / "python").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\n')
    (bin_dir / "python").chmod(0o755)
    return bin_dir, log


@pytest.mark.parametrize(
    ("install", "version", "expected"),
    [
        (".", "", [".", "<action repo>"]),
        ("-e .[openai]\n  extra-pkg ", "0.2.0", ["-e", ".[openai]", "extra-pkg", "modelcheck==0.2.0"]),
        ("", "modelcheck>=0.2", ["modelcheck>=0.2"]),
    ],
)
def test_install_step_installs_the_model_and_modelcheck(
    workspace: Path, install: str, version: str, expected: list[str]
) -> None:
    bin_dir, log = fake_python(workspace.parent)
    act = runner(workspace, {"targets": "x:Y", "install": install, "modelcheck-version": version}, [bin_dir])
    steps = act.run(skip=("run",))
    assert act.step("install", steps).returncode == 0
    args = log.read_text().splitlines()
    assert args[:4] == ["-m", "pip", "install", "--disable-pip-version-check"]
    # The default is the repository the runner fetched for the action, at the action's ref.
    assert [os.path.realpath(a) if a.startswith("/") else a for a in args[4:]] == [
        str(ROOT) if a == "<action repo>" else a for a in expected
    ]


CASSETTE_TARGETS = '''
"""ChatOpenAI on the loopback server; the key comes from OPENAI_API_KEY."""

from langchain_openai import ChatOpenAI


def chat():
    return ChatOpenAI(model="mc-echo", base_url={base_url!r}, max_retries=0, timeout=10)
'''
CASSETTE_CONFIG = '\n[tool.modelcheck."openai_targets:chat"]\nsecret_env = ["OPENAI_API_KEY"]\n'


@pytest.mark.skipif(find_spec("langchain_openai") is None, reason="needs the integrations extra")
def test_maintainers_record_cassettes_then_pull_requests_replay_without_a_key(workspace: Path) -> None:
    from support.openai_server import OpenAIServer

    server = OpenAIServer().start()
    (workspace / "openai_targets.py").write_text(CASSETTE_TARGETS.format(base_url=server.base_url))
    with (workspace / "pyproject.toml").open("a") as config:
        config.write(CASSETTE_CONFIG)
    git(workspace, "add", ".")
    git(workspace, "commit", "-q", "-m", "an OpenAI-backed target")
    inputs = {"targets": "openai_targets:chat", "args": f'{FAST} -k "invoke or stream"'}
    try:
        maintainer = runner(workspace, {**inputs, "cassettes": "record"})
        maintainer.env["OPENAI_API_KEY"] = server.api_key  # the secret the re-recording job gets
        steps = maintainer.run()
    finally:
        server.stop()
    run, shown = maintainer.step("run", steps), steps[-1]
    assert run.returncode == 0, run.stdout
    assert "--modelcheck-record" in run.stdout.splitlines()[0]
    cassette = "__snapshots__/modelcheck/openai_targets.chat.cassette.yaml"
    assert f"+++ b/{cassette}" in shown.stdout
    assert "+    uri: http://127.0.0.1:" in shown.stdout
    assert "1 snapshot or cassette file(s) changed" in shown.stdout
    uploaded = Path(run.outputs["report"]).parent
    assert (uploaded / cassette).read_text() == (workspace / cassette).read_text()
    assert server.api_key not in (workspace / cassette).read_text()

    git(workspace, "add", cassette)
    git(workspace, "commit", "-q", "-m", "cassette")
    pull_request = runner(workspace, inputs)  # the default: replay, no key, the server is gone
    steps = pull_request.run()
    run = pull_request.step("run", steps)
    assert (run.returncode, run.outputs["failed"]) == (0, "0"), run.stdout
    assert "--modelcheck-replay-only" in run.stdout.splitlines()[0]
    assert steps[-1].stdout == "No snapshot or cassette changed.\n"


def test_an_unknown_cassettes_mode_fails_the_step_before_pytest(workspace: Path) -> None:
    act = runner(workspace, {"targets": "tiny_models:TinyChat", "args": FAST, "cassettes": "recorded"})
    run = act.step("run", act.run())
    assert run.returncode == 2
    assert "::error title=modelcheck::cassettes must be replay or record, not 'recorded'." in run.stdout
