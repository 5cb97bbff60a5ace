"""Targets from langchain-tests subclasses: modelcheck reads `chat_model_class`, `chat_model_params`
and the capability flags the subclass sets.

langchain-tests itself pins syrupy<6, so it is not in the test extra: these tests give the pytester
project a stand-in `langchain_tests` with the same class layout (`ChatModelTests`, its unit and
integration subclasses, properties with langchain-tests' defaults). tests/plugin/test_coexistence.py runs
the same targets against the real langchain-tests (MODELCHECK_SLOW=1).
"""

from __future__ import annotations

import json
import textwrap

import pytest
from support.harness import CHECK_ARGS

from modelcheck.checks.catalog import checks_for

ARGS = ("-p", "no:cacheprovider", "-v", *CHECK_ARGS)
CHAT_IDS = {c.id for c in checks_for("chat")}

STAND_IN = {
    "langchain_tests/__init__.py": "",
    "langchain_tests/unit_tests/__init__.py": "from langchain_tests.unit_tests.chat_models import "
    "ChatModelTests, ChatModelUnitTests\n",
    "langchain_tests/unit_tests/chat_models.py": """
        class ChatModelTests:
            @property
            def chat_model_class(self):
                raise NotImplementedError

            @property
            def chat_model_params(self):
                return {}

            @property
            def standard_chat_model_params(self):
                return {"temperature": 0, "max_tokens": 100, "stop": []}

            @property
            def has_tool_calling(self):
                return self.chat_model_class.bind_tools is not object

            @property
            def supports_image_inputs(self):
                return False

            @property
            def returns_usage_metadata(self):
                return True


        class ChatModelUnitTests(ChatModelTests):
            @property
            def standard_chat_model_params(self):
                return {**super().standard_chat_model_params, "api_key": "test"}
        """,
}
STAND_IN_EMBEDDINGS = {
    "langchain_tests/unit_tests/embeddings.py": """
        class EmbeddingsTests:
            @property
            def embeddings_class(self):
                raise NotImplementedError

            @property
            def embedding_model_params(self):
                return {}


        class EmbeddingsUnitTests(EmbeddingsTests):
            @property
            def init_from_env_params(self):
                return {}, {}, {}
        """,
    "langchain_tests/integration_tests/__init__.py": "",
    "langchain_tests/integration_tests/embeddings.py": """
        from langchain_tests.unit_tests.embeddings import EmbeddingsTests


        class EmbeddingsIntegrationTests(EmbeddingsTests):
            pass
        """,
    "test_embeddings_standard.py": """
        from langchain_tests.integration_tests.embeddings import EmbeddingsIntegrationTests
        from langchain_tests.unit_tests.embeddings import EmbeddingsUnitTests

        from modelcheck.reference_models import EchoEmbeddings


        class TestEchoEmbeddings(EmbeddingsIntegrationTests):
            @property
            def embeddings_class(self):
                return EchoEmbeddings

            @property
            def embedding_model_params(self):
                return {"model": "echo-standard-embed", "dimensions": 12}


        class TestEchoEmbeddingsUnit(EmbeddingsUnitTests):
            @property
            def embeddings_class(self):
                return EchoEmbeddings

            @property
            def init_from_env_params(self):
                return {"ECHO_API_KEY": "api_key"}, {}, {"api_key": "api_key"}
        """,
}

STANDARD = """
from langchain_tests.unit_tests import ChatModelUnitTests

from modelcheck.reference_models import EchoChatModel


class TestEchoUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self):
        return EchoChatModel

    @property
    def chat_model_params(self):
        return {"model_name": "echo-standard"}

    @property
    def returns_usage_metadata(self):
        return False


class TestBroken(ChatModelUnitTests):
    @property
    def chat_model_params(self):
        return {"model_name": "x"}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    for name, source in {**STAND_IN, "test_standard.py": STANDARD}.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return pytester


def test_a_standard_tests_subclass_is_a_target(project: pytest.Pytester) -> None:
    result = project.runpytest(*ARGS, "--modelcheck=test_standard:TestEchoUnit", "--modelcheck-report=r.json")

    (target,) = json.loads((project.path / "r.json").read_text())["targets"]
    outcomes = {c["id"]: c["outcome"] for c in target["checks"]}
    assert set(outcomes) == CHAT_IDS
    assert {k for k, v in outcomes.items() if v == "failed"} == set(), result.stdout.str()
    assert target["kind"] == "chat"
    # chat_model_params reached the constructor (the model reports its model_name in the events).
    snapshot = project.path / "__snapshots__/modelcheck/test_standard.TestEchoUnit.json"
    assert '"ls_model_name": "echo-standard"' in snapshot.read_text()
    # Only the flag the subclass sets is a declaration; the defaults are left to detection.
    declared = {row["name"]: row["declared"] for row in target["capabilities"] if row["declared"] is not None}
    assert declared == {"usage_metadata": False}


def test_a_suite_takes_a_standard_tests_subclass(project: pytest.Pytester) -> None:
    (project.path / "test_suite.py").write_text(
        "import modelcheck\nfrom test_standard import TestEchoUnit\n\n"
        "TestEchoChecks = modelcheck.suite(TestEchoUnit, params={'model_name': 'echo-override'})\n"
    )

    result = project.runpytest(*ARGS, "test_suite.py")

    assert result.ret == 0, result.stdout.str()
    snapshot = project.path / "__snapshots__/modelcheck/test_suite.py..TestEchoChecks.json"
    assert '"ls_model_name": "echo-override"' in snapshot.read_text()  # the target's params win


UNIT_WITH_TESTS = """
from langchain_tests.unit_tests import ChatModelUnitTests

from modelcheck.reference_models import EchoChatModel


class TestEchoUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self):
        return EchoChatModel

    def test_standard_one(self):
        \"\"\"Stands for langchain-tests' own tests, which the class brings along.\"\"\"
"""


def test_a_suite_by_dotted_name_does_not_collect_the_standard_tests_again(project: pytest.Pytester) -> None:
    """`modelcheck.suite(TestEchoUnit)` puts the class in the test module, where pytest collects its
    tests a second time; the dotted name is imported when the first check runs."""
    project.makepyfile(
        test_unit_echo=UNIT_WITH_TESTS,
        test_checks=(
            "import modelcheck\n\n"
            "TestEchoChecks = modelcheck.suite('test_unit_echo:TestEchoUnit', stop_policy='include')\n"
        ),
    )

    result = project.runpytest(*ARGS, "test_unit_echo.py", "test_checks.py", "-k", "standard_one or invoke")

    result.assert_outcomes(passed=3)  # the standard test once, invoke and ainvoke
    result.stdout.fnmatch_lines(
        [
            "test_unit_echo.py::TestEchoUnit::test_standard_one PASSED*",
            "test_checks.py::TestEchoChecks::test_check[[]invoke[]] PASSED*",
        ]
    )
    assert "test_checks.py::TestEchoUnit" not in result.stdout.str()
    wrong = project.makepyfile(
        test_wrong="import modelcheck\n\nTestX = modelcheck.suite('test_unit_echo.TestEchoUnit')\n"
    )
    bad = project.runpytest(*ARGS, str(wrong))
    bad.stdout.fnmatch_lines(
        [
            "*modelcheck.suite('test_unit_echo.TestEchoUnit'): the target 'test_unit_echo.TestEchoUnit' "
            "is not of the form 'module.path:Name'.*"
        ]
    )


def test_a_subclass_that_cannot_be_read_is_not_loaded_and_says_why(project: pytest.Pytester) -> None:
    result = project.runpytest(*ARGS, "--modelcheck=test_standard:TestBroken")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*modelcheck: target 'test_standard:TestBroken': reading chat_model_class, chat_model_params "
            "and the capability flags of the langchain-tests class TestBroken raised "
            "NotImplementedError: . Fix the class, then run again."
        ]
    )


def test_an_embeddings_tests_subclass_is_a_target_of_its_own_kind(project: pytest.Pytester) -> None:
    for name, source in STAND_IN_EMBEDDINGS.items():
        (project.path / name).parent.mkdir(parents=True, exist_ok=True)
        (project.path / name).write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    targets = (
        "test_embeddings_standard:TestEchoEmbeddings",
        "test_embeddings_standard:TestEchoEmbeddingsUnit",
    )
    result = project.runpytest(*ARGS, *(f"--modelcheck={t}" for t in targets), "--modelcheck-report=r.json")

    report = {t["target"]: t for t in json.loads((project.path / "r.json").read_text())["targets"]}
    for target in targets:
        outcomes = {c["id"]: c["outcome"] for c in report[target]["checks"]}
        assert report[target]["kind"] == "embeddings"
        assert set(outcomes) == {c.id for c in checks_for("embeddings")}
        assert set(outcomes.values()) == {"passed"}, result.stdout.str()
    # embedding_model_params reached the constructor; init_from_env_params named the key's env var.
    messages = {c["id"]: c["message"] for c in report[targets[0]]["checks"]}
    assert messages["embed-shape"].endswith("12 numbers long")
    unit = {c["id"]: c["message"] for c in report[targets[1]]["checks"]}
    assert "api_key read ECHO_API_KEY as a SecretStr" in unit["init-from-env"]
