"""Targets as users give them: the forms that work, the one-paragraph UsageErrors, and plugin hygiene."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from support.harness import ECHO_CHAT, Modelcheck, Outcome, finish, only, outcomes, start_subprocess

from modelcheck import __version__

CHAT = "mymodel:Chat"


def usage_error(outcome: Outcome) -> str:
    """The UsageError paragraph of a run that stopped at configuration, without a traceback."""
    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in outcome.text()
    lines = [line for line in outcome.result.errlines if line.startswith("ERROR: modelcheck:")]
    assert len(lines) == 1, outcome.result.errlines
    return lines[0]


@pytest.mark.parametrize(
    ("target", "files", "expected"),
    [
        (
            "mymodel.Chat",
            {},
            "ERROR: modelcheck: the target 'mymodel.Chat' is not of the form 'module.path:Name'. "
            "A target is 'module.path:Name' where Name is a LangChain model class *",
        ),
        (
            "no_such_module:Chat",
            {},
            "ERROR: modelcheck: cannot import module 'no_such_module' for target 'no_such_module:Chat': "
            "ModuleNotFoundError: No module named 'no_such_module'. Is the package installed "
            "(pip install -e .) or on PYTHONPATH. Fix the import, then run again.",
        ),
        (
            "mymodel:Chat",
            {"mymodel": "import provider_sdk_not_installed\n"},
            "ERROR: modelcheck: cannot import module 'mymodel' *: "
            "ModuleNotFoundError: No module named 'provider_sdk_not_installed'. *",
        ),
        (
            "mymodel:Chat",
            {"mymodel": "def broken(:\n    pass\n"},
            "ERROR: modelcheck: cannot import module 'mymodel' for target 'mymodel:Chat': "
            "the module has a syntax error: * (*mymodel.py, line 1). Fix the import, then run again.",
        ),
        (
            "mymodel:Chat",
            {"mymodel": "import sys\nsys.exit(3)\n"},
            "ERROR: modelcheck: cannot import module 'mymodel' *: "
            "the module called sys.exit(3) while it was imported. Fix the import, then run again.",
        ),
        (
            "mymodel:Chat",
            {"mymodel": "raise ValueError('no config file')\n"},
            "ERROR: modelcheck: cannot import module 'mymodel' *: "
            "importing it raised ValueError: no config file. Fix the import, then run again.",
        ),
        (
            "mymodel:Caht",
            {"mymodel": ECHO_CHAT},
            "ERROR: modelcheck: module 'mymodel' has no attribute 'Caht' (target 'mymodel:Caht'). "
            "Did you mean 'Chat'? A target is 'module.path:Name' *",
        ),
        (
            "mymodel:Settings",
            {"mymodel": "class Settings:\n    pass\n"},
            "ERROR: modelcheck: target 'mymodel:Settings' is the class Settings, which is not a LangChain "
            "language model (its bases: object). A target is *",
        ),
        (
            "mymodel:RETRIES",
            {"mymodel": "RETRIES = 3\n"},
            "ERROR: modelcheck: target 'mymodel:RETRIES' is an int, not a model. A target is *",
        ),
        (
            "mymodel:Half",
            {
                "mymodel": "from langchain_core.language_models import BaseChatModel\n\n"
                "class Half(BaseChatModel):\n    pass\n"
            },
            "ERROR: modelcheck: target 'mymodel:Half' is an abstract class: it does not implement "
            "_generate, _llm_type. Point modelcheck at a concrete model class that implements them.",
        ),
        (
            "mymodel:make",
            {"mymodel": "def make():\n    return 'a string'\n"},
            "ERROR: modelcheck: factory 'mymodel:make' returned a str, not a LangChain model. A target is *",
        ),
        (
            "mymodel:make",
            {"mymodel": "def make(api_key):\n    pass\n"},
            "ERROR: modelcheck: calling factory 'mymodel:make' with no arguments failed: *missing 1 "
            "required positional argument: 'api_key'. A factory target must take no arguments. *",
        ),
        (
            "mymodel:make",
            {"mymodel": "def make():\n    raise KeyError('PROVIDER_URL')\n"},
            "ERROR: modelcheck: factory 'mymodel:make' raised KeyError: 'PROVIDER_URL'. "
            "Fix the factory so that it returns a model.",
        ),
    ],
    ids=[
        "bad-form",
        "module-missing",
        "dependency-missing",
        "syntax-error",
        "sys-exit",
        "import-raises",
        "close-match",
        "not-a-model-class",
        "not-a-model-value",
        "abstract",
        "factory-returns-str",
        "factory-takes-args",
        "factory-raises",
    ],
)
def test_bad_target_is_one_paragraph(
    mc: Modelcheck, target: str, files: dict[str, str], expected: str
) -> None:
    for name, source in files.items():
        mc.model(source, name)

    outcome = mc.run(f"--modelcheck={target}")

    outcome.result.stderr.fnmatch_lines([expected])
    usage_error(outcome)


def test_failed_constructor_shows_params_with_secrets_masked(mc: Modelcheck) -> None:
    mc.model(
        ECHO_CHAT
        + '''
    region: str
    """Where the service runs."""
'''
    )

    outcome = mc.run(
        f"--modelcheck={CHAT}",
        '--modelcheck-params={"api_key": "sk-live-0123456789abcdef", "model_name": "echo-big"}',
    )

    assert usage_error(outcome) == (
        "ERROR: modelcheck: constructing Chat(**{'api_key': '***', 'model_name': 'echo-big'}) for target "
        "'mymodel:Chat' failed with ValidationError: 1 validation error(s) for Chat: region: Field required. "
        "Give the constructor arguments it needs with --modelcheck-params='{...}' or params in "
        '[tool.modelcheck."mymodel:Chat"].'
    )
    assert "sk-live" not in outcome.text()


def test_params_for_an_instance_target_are_refused(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT + "\n\nINSTANCE = Chat()\n")

    outcome = mc.run("--modelcheck=mymodel:INSTANCE", '--modelcheck-params={"model_name": "x"}')

    assert usage_error(outcome) == (
        "ERROR: modelcheck: target 'mymodel:INSTANCE' is an instance, so constructor params cannot be "
        "applied to it. Drop the params, or point the target at the model class."
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "{model_name: 1}",
            "ERROR: modelcheck: --modelcheck-params is not valid JSON (Expecting property name enclosed in "
            "double quotes at character 1). Give a JSON object of constructor arguments, e.g. "
            '--modelcheck-params=\'{"model_name": "x"}\'. See modelcheck README.md#configuring-a-target.',
        ),
        (
            '["model_name", "x"]',
            "ERROR: modelcheck: --modelcheck-params must be a JSON object of constructor arguments, got a "
            "JSON list. Write it as '{\"name\": value, ...}'. See modelcheck README.md#configuring-a-target.",
        ),
    ],
    ids=["bad-json", "json-list"],
)
def test_bad_params_option(mc: Modelcheck, raw: str, expected: str) -> None:
    assert usage_error(mc.run(f"--modelcheck={CHAT}", f"--modelcheck-params={raw}")) == expected


def test_params_without_a_target(mc: Modelcheck) -> None:
    assert usage_error(mc.run('--modelcheck-params={"model_name": "x"}')) == (
        "ERROR: modelcheck: --modelcheck-params was given without a target. "
        "Add --modelcheck=module.path:Name."
    )


def test_every_target_form_is_checked(mc: Modelcheck) -> None:
    mc.model(
        ECHO_CHAT
        + """

INSTANCE = Chat(model_name="echo-instance")


def make() -> Chat:
    return Chat(model_name="echo-factory")
"""
    )
    targets = [CHAT, "mymodel:INSTANCE", "mymodel:make", "reference_models:EchoLLM"]

    outcome = mc.run(*(f"--modelcheck={t}" for t in targets))

    assert outcome.result.ret == pytest.ExitCode.OK
    for target in targets:
        assert outcome.of(target), f"no check ran for {target}"
        assert outcomes(outcome.of(target)) == {"passed"}, outcome.of(target)


def test_bad_target_beside_good_ones_fails_alone(mc: Modelcheck) -> None:
    outcome = mc.run(
        "--modelcheck=reference_models:EchoLLM",
        "--modelcheck=no_such_module:Chat",
        "--modelcheck=reference_models:EchoChatModel",
        report=True,
    )

    assert outcome.result.ret == pytest.ExitCode.TESTS_FAILED
    outcome.result.stdout.fnmatch_lines(
        [
            "modelcheck::no_such_module:Chat::load FAILED*",
            "*modelcheck no_such_module:Chat (not loaded)*",
            "modelcheck: cannot import module 'no_such_module' for target 'no_such_module:Chat': "
            "ModuleNotFoundError: No module named 'no_such_module'. *",
        ]
    )
    assert "Traceback" not in outcome.text()
    for good in ("reference_models:EchoLLM", "reference_models:EchoChatModel"):
        assert outcomes(outcome.of(good)) == {"passed"}
    broken = next(t for t in outcome.report()["targets"] if t["target"] == "no_such_module:Chat")
    assert broken["checks"] == []
    assert broken["error"].startswith("modelcheck: cannot import module 'no_such_module'")


def test_k_selects_checks_by_id(mc: Modelcheck) -> None:
    outcome = mc.run("--modelcheck", "-k", "astream")

    assert outcome.verdicts == {
        ("modelcheck.reference_models:EchoLLM", "astream"): "passed",
        ("modelcheck.reference_models:EchoChatModel", "astream"): "passed",
    }
    outcome.result.stdout.fnmatch_lines(["*2 passed, * deselected*"])


def test_a_target_twice_is_checked_once(mc: Modelcheck) -> None:
    outcome = mc.run("--modelcheck=reference_models:EchoLLM", "--modelcheck=reference_models:EchoLLM")

    assert list({t for t, _ in outcome.verdicts}) == ["reference_models:EchoLLM"]
    outcome.result.assert_outcomes(passed=len(outcome.of("reference_models:EchoLLM")) - 1, skipped=1)


USER_TEST = "def test_users_own():\n    assert True\n"


def test_checks_alone_do_not_collect_the_users_tests(mc: Modelcheck) -> None:
    mc.pytester.makepyfile(test_user=USER_TEST)

    outcome = mc.run("--modelcheck=reference_models:EchoLLM")

    assert "test_users_own" not in outcome.text()
    assert outcome.of("reference_models:EchoLLM")


def test_checks_with_a_path_run_the_users_tests_too(mc: Modelcheck) -> None:
    mc.pytester.mkdir("tests")
    (mc.pytester.path / "tests" / "test_user.py").write_text(USER_TEST)

    outcome = mc.run("--modelcheck=reference_models:EchoLLM", "tests")

    outcome.result.stdout.fnmatch_lines(["tests/test_user.py::test_users_own PASSED*"])
    assert outcomes(outcome.of("reference_models:EchoLLM")) == {"passed"}


def test_ini_targets_run_with_the_users_tests(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT)
    mc.config('[tool.pytest.ini_options]\nmodelcheck_targets = ["mymodel:Chat"]\n')
    mc.pytester.makepyfile(test_user=USER_TEST)

    outcome = mc.run()

    outcome.result.stdout.fnmatch_lines(["test_user.py::test_users_own PASSED*"])
    assert outcomes(outcome.of(CHAT)) == {"passed"}


def test_a_run_that_names_test_paths_runs_only_those_not_the_ini_targets(mc: Modelcheck) -> None:
    """`pytest tests/test_x.py::test_one` with `modelcheck_targets` set runs that one test; the
    catalog runs when the run selects it: no path, a `modelcheck::` node id, or the flag."""
    mc.model(ECHO_CHAT)
    mc.config('[tool.pytest.ini_options]\nmodelcheck_targets = ["mymodel:Chat"]\n')
    mc.pytester.makepyfile(test_user=USER_TEST + "\n\ndef test_other():\n    pass\n")

    one = mc.run("test_user.py::test_users_own")
    one.result.assert_outcomes(passed=1)
    assert not [line for line in one.result.outlines if line.startswith("modelcheck")]

    check = mc.run("modelcheck::mymodel:Chat::invoke", "test_user.py::test_other")
    check.result.assert_outcomes(passed=2)
    assert check.of(CHAT) == {"invoke": "passed"}
    check.result.stdout.fnmatch_lines(["test_user.py::test_other PASSED*"])

    target = mc.run("modelcheck::mymodel:Chat", *only("invoke"))
    assert target.of(CHAT) == {"invoke": "passed"} and "test_users_own" not in target.text()

    flag = mc.run("--modelcheck=mymodel:Chat", "-k", f"{only('invoke')[1]} or own", "test_user.py")
    assert flag.of(CHAT) == {"invoke": "passed"}
    flag.result.assert_outcomes(passed=2)

    wrong = mc.run("modelcheck::mymodel:Other")
    assert wrong.result.ret == pytest.ExitCode.USAGE_ERROR
    wrong.result.stderr.fnmatch_lines(
        [
            "ERROR: modelcheck: the argument 'modelcheck::mymodel:Other' names no check of this run. "
            "Its targets are: mymodel:Chat; *"
        ]
    )


def test_report_header_names_versions_and_targets(mc: Modelcheck) -> None:
    outcome = mc.run("--modelcheck=reference_models:EchoLLM", *only("invoke"))

    outcome.result.stdout.fnmatch_lines(
        [
            f"modelcheck {__version__} (langchain-core {version('langchain-core')}, "
            f"syrupy {version('syrupy')}): reference_models:EchoLLM"
        ]
    )


def test_no_header_without_modelcheck(mc: Modelcheck) -> None:
    mc.pytester.makepyfile(test_user=USER_TEST)

    outcome = mc.run()

    assert not [line for line in outcome.result.outlines if line.startswith("modelcheck")]
    outcome.result.assert_outcomes(passed=1)


def test_plugin_can_be_disabled(mc: Modelcheck) -> None:
    outcome = mc.run("-p", "no:modelcheck", "--modelcheck")

    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR
    outcome.result.stderr.fnmatch_lines(["*unrecognized arguments: --modelcheck*"])


LANGCHAIN_PROBE = """
import sys

def test_langchain_core_imported():
    print("langchain_core loaded:", "langchain_core" in sys.modules)
    wings = {m.split(".")[1] for m in sys.modules if m.startswith("modelcheck.")}
    print("modelcheck's working wings loaded:", sorted(wings & {"checks", "observe", "replay", "report"}))
"""


def test_langchain_is_imported_only_when_asked_for(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_probe=LANGCHAIN_PROBE)

    without = start_subprocess(pytester.path, "-s", "test_probe.py")
    with_checks = start_subprocess(
        pytester.path, "-s", "--modelcheck=reference_models:EchoLLM", "-k", "probe or batch", "test_probe.py"
    )

    (code, output), (code_with, output_with) = finish(without), finish(with_checks)
    assert "langchain_core loaded: False" in output, output
    assert "langchain_core loaded: True" in output_with, output_with
    # The plugin's start-up imports none of the observer, the checks, the cassettes or the reports.
    assert "modelcheck's working wings loaded: []" in output, output
    assert "modelcheck's working wings loaded: ['checks', 'observe', 'replay']" in output_with, output_with
    assert code == code_with == 0
