"""The public API (`modelcheck.suite`, `modelcheck.check`, the `modelcheck` fixture) and fixture
targets (`fixture:NAME`), driven as users drive them: a test module and a conftest in a pytester
project, run by pytest."""

from __future__ import annotations

import json
import textwrap
from importlib.util import find_spec
from pathlib import Path

import pytest
from real.test_models import OPENAI, OPENAI_CAPABILITIES
from support.harness import CHECK_ARGS, only

import modelcheck
from modelcheck.checks.catalog import IDS, checks_for
from modelcheck.reference_models import EchoChatModel
from modelcheck.reference_models.broken_checklist import ChatIgnoresStop

ARGS = ("-p", "no:cacheprovider", "-v", *CHECK_ARGS)
CHAT_IDS = [c.id for c in checks_for("chat")]

COUNTING = '''
from modelcheck.reference_models import EchoChatModel

CALLS = []


class CountingChat(EchoChatModel):
    """The reference chat model, counting every model call (https://example.com/api)."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        CALLS.append("generate")
        return super()._generate(messages, stop, run_manager, **kwargs)

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        CALLS.append("agenerate")
        return await super()._agenerate(messages, stop, run_manager, **kwargs)

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        CALLS.append("stream")
        yield from super()._stream(messages, stop, run_manager, **kwargs)

    async def _astream(self, messages, stop=None, run_manager=None, **kwargs):
        CALLS.append("astream")
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            yield chunk
'''

SUITES = """
import pytest

import modelcheck
from counting import CountingChat
from modelcheck.reference_models.broken_checklist import ChatIgnoresStop

TestChat = modelcheck.suite(CountingChat, params={"model_name": "echo-x"})
TestBroken = modelcheck.suite(ChatIgnoresStop)
"""

REPORTING = """
def pytest_sessionfinish(session):
    from counting import CALLS
    print(f"\\nMODEL CALLS {len(CALLS)}")
"""


def write(pytester: pytest.Pytester, **files: str) -> None:
    for name, source in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")


def verdicts(result: pytest.RunResult, prefix: str) -> dict[str, str]:
    """check id -> outcome for the `-v` lines of one test class or target."""
    found = {}
    for line in result.outlines:
        if line.startswith(prefix + "::test_check[") and " " in line:
            nodeid, outcome = line.split(" ")[:2]
            found[nodeid.split("[", 1)[1].rstrip("]")] = outcome.lower()
    return found


def failed(found: dict[str, str]) -> set[str]:
    return {check for check, outcome in found.items() if outcome == "failed"}


def report(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    data = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    return {t["target"]: t for t in data["targets"]}


# --- modelcheck.suite ----------------------------------------------------------------------------


def test_a_suite_is_one_ordinary_test_per_check(pytester: pytest.Pytester) -> None:
    write(pytester, **{"counting.py": COUNTING, "test_models.py": SUITES, "conftest.py": REPORTING})

    result = pytester.runpytest(*ARGS, "-s", "--modelcheck-report=report.json", "--modelcheck-markdown=c.md")

    chat = verdicts(result, "test_models.py::TestChat")
    assert set(chat) == set(CHAT_IDS) and failed(chat) == set()
    broken = verdicts(result, "test_models.py::TestBroken")
    assert {k for k, v in broken.items() if v == "failed"} == {"stop-respected"}
    result.stdout.fnmatch_lines(
        [
            "[[]stop-respected[]] invoke with stop=* gave *: text follows the stop string; *"
            "See modelcheck docs/stop.md#stop-respected.",
            "*modelcheck checklist*",
            "test_models.py::TestChat (chat model): * passed*; * model calls",
            "test_models.py::TestBroken (chat model): * passed*, 1 failed, * skipped; * model calls",
        ]
    )
    targets = report(pytester)
    chat_entry = targets["test_models.py::TestChat"]
    assert chat_entry["kind"] == "chat" and [c["id"] for c in chat_entry["checks"]] == CHAT_IDS
    # Observed once for the whole class: the model calls made are the calls reported.
    assert f"MODEL CALLS {chat_entry['calls']}" in result.stdout.str()
    assert "`test_models.py::TestBroken` (chat model)" in (pytester.path / "c.md").read_text()


def test_k_lf_and_marks_work_on_suite_items(pytester: pytest.Pytester) -> None:
    write(pytester, **{"counting.py": COUNTING, "test_models.py": SUITES})
    write(
        pytester,
        **{
            "test_marked.py": """
            import pytest
            import modelcheck
            from modelcheck.reference_models.broken_checklist import ChatIgnoresStop

            TestKnown = modelcheck.suite(
                ChatIgnoresStop, marks={"stop-respected": pytest.mark.xfail(reason="known", strict=True)}
            )
            """
        },
    )

    selected = pytester.runpytest(*ARGS, "-k", "TestChat and stop-respected")
    first = pytester.runpytest("-q", *CHECK_ARGS)
    last_failed = pytester.runpytest("-v", "--lf")

    assert verdicts(selected, "test_models.py::TestChat") == {"stop-respected": "passed"}
    selected.assert_outcomes(passed=1, deselected=len(CHAT_IDS) * 3 - 1)
    counts = first.parseoutcomes()
    assert (counts["failed"], counts["xfailed"]) == (1, 1)
    assert sum(counts.get(k, 0) for k in ("passed", "skipped", "failed", "xfailed")) == len(CHAT_IDS) * 3
    assert verdicts(last_failed, "test_models.py::TestBroken") == {"stop-respected": "failed"}
    last_failed.assert_outcomes(failed=1, deselected=len(CHAT_IDS) * 3 - 1)


def test_parametrize_over_model_variants_observes_each_variant(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        **{
            "test_variants.py": """
            import pytest
            import modelcheck
            from modelcheck.reference_models import EchoChatModel

            @pytest.fixture
            def chat_model(model_name):
                return EchoChatModel(model_name=model_name)

            @pytest.mark.parametrize("model_name", ["echo-small", "echo-large"])
            class TestVariants(modelcheck.suite(fixture="chat_model", stop_policy="include")):
                pass
            """
        },
    )

    result = pytester.runpytest(*ARGS, "--modelcheck-report=report.json")

    counts = result.parseoutcomes()
    # A fixture's kind is known only once it has run: the suite lists every check (those for another
    # kind of model skip).
    assert "failed" not in counts and counts["passed"] + counts.get("skipped", 0) == len(IDS) * 2
    assert set(report(pytester)) == {
        "test_variants.py::TestVariants[echo-small]",
        "test_variants.py::TestVariants[echo-large]",
    }
    result.stdout.fnmatch_lines(["*TestVariants::test_check[[]invoke-echo-small[]] PASSED*"])


def test_a_suite_uses_fixtures_of_its_own_directory(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        **{
            "tests/conftest.py": """
            import pytest
            from modelcheck.reference_models import EchoChatModel

            @pytest.fixture(scope="module")
            def chat_model(tmp_path_factory):
                (tmp_path_factory.getbasetemp() / "setup").write_text("up")
                yield EchoChatModel()
                print("\\nTEARDOWN AFTER THE LAST CHECK")
            """,
            "tests/test_chat.py": """
            import modelcheck

            TestChat = modelcheck.suite(fixture="chat_model", skip=["docs"])
            """,
        },
    )

    result = pytester.runpytest(*ARGS, "-s", "tests")

    found = verdicts(result, "tests/test_chat.py::TestChat")
    assert set(found) == set(IDS) and failed(found) == set() and found["docs"] == "skipped"
    last_check = max(i for i, line in enumerate(result.outlines) if "::test_check[" in line)
    teardown = result.outlines.index("TEARDOWN AFTER THE LAST CHECK")
    assert teardown > last_check


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "modelcheck.suite(EchoChatModel, fixture='chat_model')",
            "modelcheck.suite() takes either a model * or fixture='name' *, not both and not neither.*",
        ),
        (
            "modelcheck.suite(EchoChatModel, stop_policy='sometimes')",
            "modelcheck.suite(...) stop_policy is 'sometimes'; it must be one of 'include', "
            "'exclude', 'any'.*",
        ),
        (
            "modelcheck.suite(EchoChatModel, marks={'stop': None})",
            "modelcheck.suite(marks=...) names unknown check ids ?'stop'?; the check ids are:*",
        ),
        ("modelcheck.suite(dict)", "modelcheck.suite(dict): dict is not a LangChain language model*"),
    ],
)
def test_a_bad_suite_is_a_collection_error_that_names_the_fix(
    pytester: pytest.Pytester, call: str, message: str
) -> None:
    source = f"import modelcheck\nfrom modelcheck.reference_models import EchoChatModel\nTestBad = {call}\n"
    write(pytester, **{"test_bad.py": source})

    result = pytester.runpytest(*ARGS)

    result.assert_outcomes(errors=1)
    # One paragraph naming the author's line; no source line (it may hold a key) and no traceback.
    result.stdout.fnmatch_lines([f"test_bad.py:3: {message}"])
    assert "src/modelcheck" not in result.stdout.str() and "TestBad = " not in result.stdout.str()


def test_a_suite_whose_model_cannot_be_built_fails_once(pytester: pytest.Pytester) -> None:
    source = """
    import modelcheck
    from modelcheck.reference_models import EchoChatModel

    TestChat = modelcheck.suite(EchoChatModel, params={"no_such_field": 1, "model_name": 3})
    """
    write(pytester, **{"test_chat.py": source})

    result = pytester.runpytest(*ARGS, "-rs")

    result.assert_outcomes(failed=1, skipped=len(CHAT_IDS) - 1)
    result.stdout.fnmatch_lines(
        [
            "modelcheck: constructing EchoChatModel(**{*}) for target 'test_chat.py::TestChat' failed "
            "with ValidationError: *",
            "*the model could not be loaded; test_chat.py::TestChat::test_check[[]invoke[]] says why",
        ]
    )


# --- fixture targets -----------------------------------------------------------------------------

OPENAI_CONFTEST = """
import pytest
from support.openai_server import OpenAIServer

EVENTS = []


@pytest.fixture(scope="session")
def openai_server():
    server = OpenAIServer().start()
    EVENTS.append("server up")
    yield server
    server.stop()


@pytest.fixture
def chat_model(openai_server, monkeypatch):
    from langchain_openai import ChatOpenAI

    monkeypatch.setenv("OPENAI_API_KEY", openai_server.api_key)
    EVENTS.append("model")
    return ChatOpenAI(
        model="mc-echo", base_url=openai_server.base_url, max_retries=0, timeout=10
    )


def pytest_sessionfinish(session):
    print(f"\\nEVENTS {EVENTS[:2]} x{EVENTS.count('model')}")
"""

OPENAI_CONFIG = f"""
[tool.pytest.ini_options]
modelcheck_targets = ["fixture:chat_model"]

[tool.modelcheck."fixture:chat_model"]
stop_policy = "exclude"
secret_env = ["OPENAI_API_KEY"]
{OPENAI_CAPABILITIES}
"""


@pytest.mark.skipif(find_spec("langchain_openai") is None, reason="needs the integrations extra")
def test_a_fixture_target_is_set_up_by_pytest_with_its_own_fixtures(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parents[1]))  # for tests/support/openai_server.py
    write(pytester, **{"conftest.py": OPENAI_CONFTEST, "pyproject.toml": OPENAI_CONFIG})

    # In a subprocess: the openai clients the fixture builds hold sockets this process would not close.
    result = pytester.runpytest_subprocess(*ARGS, "-s", "--modelcheck-report=report.json")

    found = verdicts(result, "modelcheck::fixture:chat_model")
    # The verdicts pinned for ChatOpenAI given by name (real/test_models.py), with stop_policy "exclude".
    expected = {check: pin.outcome for check, pin in OPENAI["chat"].items()} | {"stop-included": "passed"}
    if "init-from-env" in expected:  # the fixture's key comes from OPENAI_API_KEY, named in secret_env
        expected["init-from-env"] = "passed"
    # A fixture's kind is known only once it is set up: the checks of other kinds are collected and
    # skipped with the reason.
    assert {k: v for k, v in found.items() if k in CHAT_IDS} == expected
    assert {k: v for k, v in found.items() if k not in CHAT_IDS} == dict.fromkeys(
        set(IDS) - set(CHAT_IDS), "skipped"
    )
    result.stdout.fnmatch_lines(
        [
            f"EVENTS ?'server up', 'model'? x{len(IDS)}",
            "fixture:chat_model (chat model): * passed*, 2 failed*; * model calls",  # docs, usage-metadata
        ]
    )
    assert "mc-real-key-for-the-loopback-server" not in result.stdout.str()
    assert report(pytester)["fixture:chat_model"]["kind"] == "chat"


def test_a_fixture_target_the_rootdir_cannot_see_says_where_to_define_it(
    pytester: pytest.Pytester,
) -> None:
    write(
        pytester,
        **{
            "tests/conftest.py": "import pytest\n\n@pytest.fixture\ndef chat_model():\n    return None\n",
            "tests/test_nothing.py": "def test_nothing():\n    pass\n",
            "pyproject.toml": '[tool.pytest.ini_options]\nmodelcheck_targets = ["fixture:chat_model"]\n',
        },
    )

    result = pytester.runpytest(*ARGS)  # no path: the ini targets run

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "modelcheck: target 'fixture:chat_model': no fixture named 'chat_model' is visible from the "
            "rootdir (*). A fixture target's fixture must be defined in the rootdir's conftest.py or in a "
            "plugin; *write `TestModel = modelcheck.suite(fixture='chat_model')` in a test module instead."
        ]
    )


def test_a_misspelt_fixture_target_names_the_fixture_meant(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        **{
            "conftest.py": "import pytest\n\n@pytest.fixture\ndef chat_model():\n    return None\n",
            "pyproject.toml": '[tool.pytest.ini_options]\nmodelcheck_targets = ["fixture:chat_modle"]\n',
        },
    )

    result = pytester.runpytest(*ARGS)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "modelcheck: target 'fixture:chat_modle': no fixture named 'chat_modle' is visible from the "
            "rootdir (*). Did you mean 'chat_model'? A fixture target's fixture must be defined *"
        ]
    )


def test_a_suite_whose_fixture_is_misspelt_names_the_fixture_meant(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        **{
            "conftest.py": "import pytest\nfrom modelcheck.reference_models import EchoChatModel\n\n"
            "@pytest.fixture\ndef chat_model():\n    return EchoChatModel()\n",
            "test_model.py": "import modelcheck\n\nTestModel = modelcheck.suite(fixture='chat_modle')\n",
        },
    )

    result = pytester.runpytest(*ARGS, *only("invoke", "ainvoke", "batch", "abatch"))

    result.assert_outcomes(errors=4)  # invoke, ainvoke, batch, abatch
    result.stdout.fnmatch_lines(
        [
            "modelcheck.suite(fixture='chat_modle'): no fixture named 'chat_modle' is visible from "
            "test_model.py::TestModel. Did you mean 'chat_model'? Name a fixture "
            "defined in this test module, a conftest.py above it, or a plugin."
        ]
    )
    assert "available fixtures" not in result.stdout.str()


def test_a_fixture_that_returns_no_model_fails_once_and_says_so(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        **{
            "conftest.py": "import pytest\n\n@pytest.fixture\ndef chat_model():\n    return 42\n",
            "pyproject.toml": '[tool.pytest.ini_options]\nmodelcheck_targets = ["fixture:chat_model"]\n',
        },
    )

    result = pytester.runpytest(*ARGS)

    result.assert_outcomes(failed=1, skipped=len(IDS) - 1)
    result.stdout.fnmatch_lines(
        [
            "modelcheck: target 'fixture:chat_model' is an int, not a model. * (the model comes from "
            "the fixture 'chat_model')"
        ]
    )


# --- modelcheck.check and the modelcheck fixture -------------------------------------------------


def test_check_returns_verdicts_calls_and_the_observation() -> None:
    result = modelcheck.check(EchoChatModel(), only=["stream", "stream-callbacks"])

    assert {k: v.outcome for k, v in result.verdicts.items()} == {
        "stream": "passed",
        "stream-callbacks": "passed",
    }
    stream = result.observation.calls["stream"]
    assert stream.streamed_text and len(stream.chunks) == len(stream.token_callbacks())
    assert result.calls == result.observation.call_count > 0
    result.assert_passed()


def test_assert_passed_fails_with_each_failed_checks_message() -> None:
    result = modelcheck.check(ChatIgnoresStop(), only=["invoke", "stop-respected", "stop-included"])

    with pytest.raises(pytest.fail.Exception) as failure:
        result.assert_passed()

    lines = str(failure.value).splitlines()
    assert lines[0] == "modelcheck: modelcheck.reference_models.broken_checklist:ChatIgnoresStop"
    assert len(lines) == 2 and lines[1].startswith("[stop-respected] invoke with stop=")
    assert lines[1].endswith("See modelcheck docs/stop.md#stop-respected.")
    assert result.verdicts["stop-included"].outcome == "skipped"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"only": ["stop"]},
            "modelcheck.check(only=...) names unknown check ids ['stop']; the check ids are: ",
        ),
        ({"timeout": -1}, "modelcheck: modelcheck.check(...) timeout is -1; it must be a positive number"),
        ({"params": {"model_name": "x"}}, "cannot be applied to it. Drop the params"),
    ],
)
def test_check_with_bad_input_fails_the_test_with_the_fix(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((pytest.fail.Exception, pytest.UsageError), match=None) as failure:
        modelcheck.check(EchoChatModel(), **kwargs)  # type: ignore[arg-type]

    assert message in str(failure.value)


def test_the_modelcheck_fixture_applies_the_projects_defaults(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        **{
            "pyproject.toml": '[tool.modelcheck]\nstop_policy = "exclude"\n',
            "test_adhoc.py": """
            from modelcheck.reference_models import EchoChatModel

            def test_excluding(modelcheck):
                result = modelcheck.check(EchoChatModel(), only=["stop-included", "event-snapshot"])
                assert result.verdicts["stop-included"].outcome == "failed"
                assert "stop_policy" in result.verdicts["stop-included"].message
                assert result.verdicts["event-snapshot"].outcome == "skipped"
                assert "modelcheck.suite" in result.verdicts["event-snapshot"].message
            """,
        },
    )

    pytester.runpytest(*ARGS).assert_outcomes(passed=1)


def test_the_api_is_typed_and_named_in_all() -> None:
    assert set(modelcheck.__all__) == {
        "CheckResult",
        "Observation",
        "Verdict",
        "__version__",
        "check",
        "suite",
    }
    assert modelcheck.CheckResult.__name__ == "CheckResult"
    assert (Path(modelcheck.__file__).parent / "py.typed").is_file()


def test_a_fixture_target_from_the_command_line_runs_alone(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        **{
            "conftest.py": """
            import pytest
            from modelcheck.reference_models import EchoLLM

            @pytest.fixture(scope="module")
            def text_model():
                return EchoLLM()
            """,
            "test_other.py": "def test_other():\n    raise AssertionError('not collected')\n",
        },
    )

    result = pytester.runpytest(*ARGS, "--modelcheck=fixture:text_model")

    found = verdicts(result, "modelcheck::fixture:text_model")
    # The fixture's kind is known only when it runs: checks for chat models alone are skipped.
    chat_only = set(IDS) - {c.id for c in checks_for("llm")}
    assert set(found) == set(IDS) and failed(found) == set()
    assert {check for check in chat_only if found[check] != "skipped"} == set()
    assert "test_other" not in result.stdout.str()
    result.stdout.fnmatch_lines(["modelcheck * (langchain-core *, syrupy *): fixture:text_model"])


def test_a_suite_is_skipped_with_the_plugin_turned_off(pytester: pytest.Pytester) -> None:
    write(pytester, **{"counting.py": COUNTING, "test_models.py": SUITES})

    result = pytester.runpytest(*ARGS, "-p", "no:modelcheck", "-k", "TestChat", "-rs")

    result.assert_outcomes(skipped=len(CHAT_IDS), deselected=len(CHAT_IDS))
    assert "modelcheck checklist" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*the modelcheck plugin is turned off in this run (-p no:modelcheck)*"])
