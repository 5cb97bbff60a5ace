"""A hostile or careless model: no secret in any form, no hang, no crash, no silent bad input.

Each model here does one thing a real model (or its author) does by mistake or on purpose: shows a
key URL-encoded, hex or upper-cased in an error, keys a metadata dict with it, raises `SystemExit`
from `__repr__` or `_agenerate`, never returns from its constructor. Every run's outputs (terminal
under `-vv -rA --tb=long -l`, the JSON and Markdown reports, the event snapshots) are scanned for
the key in every form `forms()` lists.
"""

from __future__ import annotations

import base64
import json
import os
import re
import textwrap
import time
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support.harness import BASE_ARGS, ECHO_CHAT, Modelcheck, Outcome, finish, start_subprocess

KEY = "AKIA/Zq+9xw=Secret-Key-42"
LOUD = ("-vv", "-rA", "--tb=long", "-l", "--modelcheck-markdown=checklist.md")


def forms(secret: str) -> dict[str, str]:
    """Every form the issue lists a key leaking in (split forms: the halves, each alone)."""
    raw = secret.encode()
    half = len(secret) // 2
    return {
        "raw": secret,
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "urlsafe base64": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
        "upper": secret.upper(),
        "lower": secret.lower(),
        "reversed": secret[::-1],
        "url-encoded": quote(secret, safe=""),
        "url-encoded, lower-case escapes": quote(secret, safe="").replace("%2F", "%2f").replace("%2B", "%2b"),
    } | ({"first half": secret[:half], "second half": secret[half:]} if half >= 10 else {})


def outputs(outcome: Outcome) -> dict[str, str]:
    """Everything a run printed or wrote."""
    places = {"terminal output": outcome.text()}
    for path in outcome.path.rglob("*"):
        if (
            path.is_file()
            and path.suffix in (".json", ".md", ".xml", ".txt")
            and path.name != "keys_seen.txt"
        ):
            places[str(path.relative_to(outcome.path))] = path.read_text(encoding="utf-8", errors="replace")
    return places


def verdicts(outcome: Outcome, target: str) -> dict[str, str]:
    """check id -> outcome for one target, from the JSON report (`-vv` changes the terminal lines)."""
    entries = [t for t in outcome.report()["targets"] if t["target"] == target]
    return {c["id"]: c["outcome"] for e in entries for c in e.get("checks", [])}


def failing(outcome: Outcome, target: str) -> set[str]:
    return {c for c, o in verdicts(outcome, target).items() if o == "failed"}


def assert_never_shown(outcome: Outcome, *secrets: str) -> None:
    for place, text in outputs(outcome).items():
        for secret in secrets:
            for name, form in forms(secret).items():
                assert form not in text, f"the key ({name}) is in {place}"
        assert "mc-canary" not in text.lower(), place
        assert "yranac-cm" not in text.lower(), place


def assert_no_traceback(outcome: Outcome) -> None:
    text = outcome.text()
    for bad in (
        "INTERNALERROR",
        "Traceback",
        "internal error",
        "modelcheck/observe/",
        "modelcheck/pytest/run.py",
    ):
        assert bad not in text, text


SECRET_MODELS = '''
import binascii
import os
from typing import Any
from urllib.parse import quote

from pydantic import SecretStr

from reference_models import EchoChatModel


class ShowsKey(EchoChatModel):
    """Shows its key in an error, in the form `form` says (https://example.com/api)."""

    api_key: SecretStr | None = None
    """The key."""
    form: str = "url"
    """How the key is shown."""

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        key = self.api_key.get_secret_value() if self.api_key else ""
        shown = {
            "url": "https://api.example.com/v1/chat?key=" + quote(key, safe=""),
            "upper": key.upper(),
            "lower": key.lower(),
            "hex": binascii.hexlify(key.encode()).decode(),
            "HEX": binascii.hexlify(key.encode()).decode().upper(),
            "reversed": key[::-1],
        }[self.form]
        raise RuntimeError(f"request failed: {shown}")


class KeyAsMetadataKey(EchoChatModel):
    """Uses its key as a key of response_metadata (https://example.com/api)."""

    api_key: SecretStr | None = None
    """The key."""

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        for chunk in super()._stream(messages, stop, run_manager, **kwargs):
            chunk.message.response_metadata = {self.api_key.get_secret_value(): "account"}
            yield chunk

    async def _astream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            chunk.message.response_metadata = {self.api_key.get_secret_value(): "account"}
            yield chunk
'''


@pytest.mark.parametrize("form", ["url", "upper", "lower", "hex", "HEX", "reversed"])
def test_a_key_shown_transformed_fails_masking_and_never_shows(mc: Modelcheck, form: str) -> None:
    mc.model(SECRET_MODELS)
    mc.config(f'[tool.modelcheck."mymodel:ShowsKey"]\nparams = {{ api_key = "{KEY}", form = "{form}" }}\n')
    outcome = mc.run("--modelcheck=mymodel:ShowsKey", *LOUD, report=True)
    assert "secret-masking" in failing(outcome, "mymodel:ShowsKey")
    outcome.result.stdout.fnmatch_lines(
        ["*secret-masking*the canary put in api_key showed in*the text of the RuntimeError raised*"]
    )
    assert_never_shown(outcome, KEY)


def test_a_key_used_as_a_metadata_key_is_scrubbed_from_the_snapshot(mc: Modelcheck) -> None:
    mc.model(SECRET_MODELS)
    mc.config(f'[tool.modelcheck."mymodel:KeyAsMetadataKey"]\nparams = {{ api_key = "{KEY}" }}\n')
    outcome = mc.run("--modelcheck=mymodel:KeyAsMetadataKey", *LOUD, report=True)
    assert "secret-masking" in failing(outcome, "mymodel:KeyAsMetadataKey")
    snapshots = outcome.path.glob("__snapshots__/modelcheck/*.json")
    (snapshot,) = [p for p in snapshots if not p.name.endswith(".serialized.json")]  # the events'
    assert '"***": "account"' in snapshot.read_text()
    assert_never_shown(outcome, KEY)


LOAD_ERRORS = '''
import os
from typing import Any

from pydantic import SecretStr

from reference_models import EchoChatModel


class Strict(EchoChatModel):
    """A model with a key and a float (https://example.com/api)."""

    api_key: SecretStr
    """The key."""
    temperature: float = 0.0
    """Sampling temperature."""


def echoes_env():
    raise ValueError("cannot log in with " + os.environ["MY_API_KEY"].upper())


def fails_validation():
    return Strict(api_key=os.environ["MY_API_KEY"], temperature="hot")
'''


@pytest.mark.parametrize("factory", ["echoes_env", "fails_validation"])
def test_a_load_error_never_shows_a_secret_env_value(
    mc: Modelcheck, monkeypatch: pytest.MonkeyPatch, factory: str
) -> None:
    monkeypatch.setenv("MY_API_KEY", KEY)
    mc.model(LOAD_ERRORS)
    mc.config(
        f'[tool.modelcheck."mymodel:{factory}"]\nsecret_env = ["MY_API_KEY"]\n'
        '[tool.modelcheck."mymodel:Strict"]\nsecret_env = ["MY_API_KEY"]\n'
    )
    outcome = mc.run(f"--modelcheck=mymodel:{factory}", "--modelcheck=mymodel:Strict", *LOUD, report=True)
    assert f"modelcheck: factory 'mymodel:{factory}' raised " in outcome.text()
    assert "constructing Strict(**{}) for target 'mymodel:Strict' failed" in outcome.text()
    assert_never_shown(outcome, KEY)


def test_a_secret_in_params_never_shows_in_a_validation_error(mc: Modelcheck) -> None:
    mc.model(LOAD_ERRORS)
    mc.config(f'[tool.modelcheck."mymodel:Strict"]\nparams = {{ api_key = "{KEY}", temperature = "hot" }}\n')
    outcome = mc.run("--modelcheck=mymodel:Strict", *LOUD, report=True)
    outcome.result.stderr.fnmatch_lines(["*constructing Strict(**{'api_key': '***', 'temperature': 'hot'})*"])
    assert_never_shown(outcome, KEY)


SETUP_ERRORS = '''
from typing import Any

from pydantic import SecretStr

from reference_models import EchoChatModel


class ParamsExit(EchoChatModel):
    """Raises SystemExit from `_identifying_params` (https://example.com/api)."""

    api_key: SecretStr | None = None
    """The key."""

    @property
    def _identifying_params(self) -> dict[str, Any]:
        raise SystemExit(f"no params for {self.api_key.get_secret_value()}")


class ReprExit(EchoChatModel):
    """Raises SystemExit from `__repr__` (https://example.com/api)."""

    api_key: SecretStr | None = None
    """The key."""

    def __repr__(self) -> str:
        raise SystemExit(2)
'''


def test_systemexit_while_facts_are_read_is_the_models_failure(mc: Modelcheck) -> None:
    mc.model(SETUP_ERRORS + ECHO_CHAT)
    mc.config(f'[tool.modelcheck."mymodel:ParamsExit"]\nparams = {{ api_key = "{KEY}" }}\n')
    outcome = mc.run("--modelcheck=mymodel:ParamsExit", *LOUD, report=True)
    assert_no_traceback(outcome)
    assert {"invoke", "identifying-params"} <= failing(outcome, "mymodel:ParamsExit")
    outcome.result.stdout.fnmatch_lines(
        ["*[[]invoke[]]*raised in _identifying_params (mymodel.py:*): SystemExit: no params for ****"]
    )
    assert_never_shown(outcome, KEY)


def test_repr_raising_systemexit_is_no_internal_error_and_other_targets_are_checked(mc: Modelcheck) -> None:
    mc.model(SETUP_ERRORS + ECHO_CHAT)
    mc.config(f'[tool.modelcheck."mymodel:ReprExit"]\nparams = {{ api_key = "{KEY}" }}\n')
    outcome = mc.run("--modelcheck=mymodel:ReprExit", "--modelcheck=mymodel:Chat", *LOUD, report=True)
    assert_no_traceback(outcome)
    assert failing(outcome, "mymodel:Chat") == set()
    assert len(verdicts(outcome, "mymodel:Chat")) == len(verdicts(outcome, "mymodel:ReprExit")) > 10
    assert_never_shown(outcome, KEY)


HANGING = '''
import threading
from typing import Any

from pydantic import SecretStr, model_validator

from reference_models import EchoChatModel

HANG_S = 6  # longer than the timeout; bounded, so an in-process run leaves no thread for good


class HangsBuilding(EchoChatModel):
    """Its constructor does not return (https://example.com/api)."""

    @model_validator(mode="after")
    def _connect(self) -> Any:
        threading.Event().wait(HANG_S)
        return self


def hanging_factory():
    threading.Event().wait(HANG_S)
    return EchoChatModel()


class HangsWithCanary(EchoChatModel):
    """Its constructor hangs when given a key it does not know (https://example.com/api)."""

    api_key: SecretStr | None = None
    """The key."""

    @model_validator(mode="after")
    def _log_in(self) -> Any:
        if self.api_key is not None and "canary" in self.api_key.get_secret_value():
            threading.Event().wait(HANG_S)
        return self


class HangsInRepr(EchoChatModel):
    """Its repr does not return (https://example.com/api)."""

    api_key: SecretStr | None = None
    """The key."""

    def __repr__(self) -> str:
        threading.Event().wait(HANG_S)
        return "HangsInRepr()"


class HangsInParams(EchoChatModel):
    """Its _identifying_params does not return (https://example.com/api)."""

    @property
    def _identifying_params(self) -> dict[str, Any]:
        threading.Event().wait(HANG_S)
        return {"model_name": "x"}


class HangsInLlmType(EchoChatModel):
    """Its _llm_type does not return (https://example.com/api)."""

    @property
    def _llm_type(self) -> str:
        threading.Event().wait(HANG_S)
        return "x"
'''
TIMEOUT_1 = "[tool.modelcheck]\ntimeout = 1\n"


@pytest.mark.parametrize("target", ["HangsBuilding", "hanging_factory"])
def test_a_build_that_never_returns_fails_to_load_and_other_targets_are_checked(
    mc: Modelcheck, target: str
) -> None:
    mc.model(HANGING + ECHO_CHAT)
    mc.config(TIMEOUT_1)
    outcome = mc.run(f"--modelcheck=mymodel:{target}", "--modelcheck=mymodel:Chat", *LOUD, report=True)
    assert_no_traceback(outcome)
    assert outcome.result.duration < 5
    outcome.result.stdout.fnmatch_lines(
        ["*mymodel:*did not return within 1 s (the target's timeout)*must not block*"]
    )
    assert failing(outcome, "mymodel:Chat") == set()
    (broken,) = (t for t in outcome.report()["targets"] if t["target"] == f"mymodel:{target}")
    assert "did not return within 1 s" in broken["error"]


@pytest.mark.parametrize(
    ("target", "check", "line"),
    [
        (
            "HangsWithCanary",
            "secret-masking",
            "*rebuilding HangsWithCanary with canary secrets did not return within 1 s*",
        ),
        ("HangsInRepr", "secret-masking", "*repr() did not return within 1 s*"),
        ("HangsInParams", "identifying-params", "*reading `_identifying_params` did not return within 1 s*"),
        ("HangsInLlmType", "invoke", "*timed out after 1 s*"),
    ],
)
def test_model_code_that_never_returns_is_a_clear_failure(
    mc: Modelcheck, target: str, check: str, line: str
) -> None:
    mc.model(HANGING)
    mc.config(TIMEOUT_1)
    outcome = mc.run(f"--modelcheck=mymodel:{target}", *LOUD, report=True)
    assert_no_traceback(outcome)
    assert check in failing(outcome, f"mymodel:{target}")
    assert len(verdicts(outcome, f"mymodel:{target}")) > 10
    outcome.result.stdout.fnmatch_lines([f"*[[]{check}[]]{line}"])
    assert outcome.result.duration < 60


CRASHES = '''
import asyncio
from typing import Any

from reference_models import EchoChatModel, EchoLLM


class ExitsInAgenerate(EchoChatModel):
    """Raises SystemExit in _agenerate (https://example.com/api)."""

    async def _agenerate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        raise SystemExit(3)


class InterruptsInAstream(EchoChatModel):
    """Raises KeyboardInterrupt in _astream (https://example.com/api)."""

    async def _astream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        raise KeyboardInterrupt
        yield


class ExitsInAcall(EchoLLM):
    """Raises SystemExit in _acall, from a task of its own (https://example.com/api)."""

    async def _acall(self, prompt: str, stop: Any = None, run_manager: Any = None, **kw: Any) -> str:
        async def inner() -> str:
            raise SystemExit(4)

        return await asyncio.ensure_future(inner())


class StopsTheLoop(EchoChatModel):
    """Calls loop.stop() in _agenerate, then answers (https://example.com/api)."""

    async def _agenerate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        asyncio.get_running_loop().stop()
        return await super()._agenerate(messages, stop=stop, run_manager=run_manager, **kw)
'''


@pytest.mark.parametrize(
    ("target", "failed", "line"),
    [
        (
            "ExitsInAgenerate",
            {"ainvoke", "abatch", "native-async"},
            "*[[]ainvoke[]]*raised in _agenerate (mymodel.py:*): SystemExit: 3*",
        ),
        (
            "InterruptsInAstream",
            {"astream", "native-async-stream"},
            "*[[]astream[]]*raised in _astream (mymodel.py:*): KeyboardInterrupt*",
        ),
        (
            "ExitsInAcall",
            {"ainvoke", "abatch", "native-async"},
            "*[[]ainvoke[]]*raised in inner (mymodel.py:*): SystemExit: 4*",
        ),
        ("StopsTheLoop", set(), "*passed*"),
    ],
)
def test_an_async_model_that_exits_or_stops_the_loop_is_the_models_failure(
    tmp_path: Path, target: str, failed: set[str], line: str
) -> None:
    """In a fresh interpreter with hypothesis loaded: no thread traceback, no SystemError at exit."""
    (tmp_path / "mymodel.py").write_text(textwrap.dedent(CRASHES))
    process = start_subprocess(
        tmp_path, f"--modelcheck=mymodel:{target}", "-p", "hypothesis", "--modelcheck-report=report.json"
    )
    code, output = finish(process)
    for bad in ("Traceback", "SystemError", "blocked", "Exception in thread", "INTERNALERROR"):
        assert bad not in output, output
    assert code == (1 if failed else 0), output
    lines = output.splitlines()
    shown = {t.split("::")[2].split()[0] for t in lines if t.startswith("modelcheck::") and " FAILED" in t}
    assert shown >= failed
    assert any(fnmatch(t, line) for t in lines), output


# --- bad input -------------------------------------------------------------------------------


def test_an_empty_target_value_is_a_usage_error(mc: Modelcheck) -> None:
    outcome = mc.run("--modelcheck=")
    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR
    outcome.result.stderr.fnmatch_lines(
        ["*--modelcheck was given an empty value*the bare flag --modelcheck*"]
    )


def test_a_blank_target_value_is_a_usage_error_too(mc: Modelcheck) -> None:
    outcome = mc.run("--modelcheck=  ", "--modelcheck=mymodel:Chat")
    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR


def test_two_spellings_of_one_target_are_refused(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT, name="mymodel")
    mc.pytester.mkpydir("pkg")
    mc.pytester.makepyfile(**{"pkg/mod": ECHO_CHAT})
    outcome = mc.run("--modelcheck=pkg.mod:Chat", "--modelcheck=pkg:mod.Chat")
    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR
    outcome.result.stderr.fnmatch_lines(
        ["*the targets 'pkg.mod:Chat' and 'pkg:mod.Chat' name the same model*"]
    )


def test_a_trailing_space_is_the_same_target(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT)
    outcome = mc.run("--modelcheck=mymodel:Chat ", "--modelcheck= mymodel:Chat", report=True)
    assert [t["target"] for t in outcome.report()["targets"]] == ["mymodel:Chat"]
    assert outcome.result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize("option", ["--modelcheck-report", "--modelcheck-markdown"])
@pytest.mark.parametrize("path", [".", "sub", "sub/", "not-a-dir/x.json"])
def test_a_report_path_that_cannot_be_written_is_a_usage_error_before_any_model_call(
    mc: Modelcheck, option: str, path: str
) -> None:
    mc.model(ECHO_CHAT + "\nimport pathlib\npathlib.Path('built.txt').write_text('imported')\n")
    mc.pytester.mkdir("sub")
    mc.pytester.makefile("", **{"not-a-dir": "a file"})
    outcome = mc.run("--modelcheck=mymodel:Chat", f"{option}={path}")
    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR, outcome.text()
    outcome.result.stderr.fnmatch_lines([f"*{option}={path} *Give the path of a file to write*"])
    assert not (outcome.path / "built.txt").exists()


PROCESS = '''
import os
import threading
import time
from typing import Any

from reference_models import EchoChatModel


class ExitsTheProcess(EchoChatModel):
    """Calls os._exit(0) when invoked (https://example.com/api)."""

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        os._exit(0)


class LeavesAThread(EchoChatModel):
    """Starts a non-daemon thread that never ends (https://example.com/api)."""

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        threading.Thread(target=threading.Event().wait, name="poller", daemon=False).start()
        return super()._generate(messages, stop, run_manager, **kw)


class RaisesInDel(EchoChatModel):
    """Raises from __del__ (https://example.com/api)."""

    def __del__(self) -> None:
        raise RuntimeError("closing failed")
'''


def run_fresh(tmp_path: Path, target: str, *args: str) -> tuple[int, str]:
    (tmp_path / "mymodel.py").write_text(textwrap.dedent(PROCESS))
    process = start_subprocess(
        tmp_path, f"--modelcheck=mymodel:{target}", "--modelcheck-report=report.json", *args
    )
    return finish(process, timeout=90)


def test_a_model_calling_os_exit_fails_its_checks_and_the_run_reports(tmp_path: Path) -> None:
    code, output = run_fresh(tmp_path, "ExitsTheProcess")
    assert code == 1, output
    assert "[invoke] invoke('<probe prompt>') raised in _generate (mymodel.py:" in output
    assert (
        "ProcessExitRefused: os._exit(0) was called; modelcheck refused it so that the run can report"
        in output
    )
    assert (tmp_path / "report.json").is_file()


def test_a_thread_the_model_leaves_running_does_not_keep_the_process_alive(tmp_path: Path) -> None:
    code, output = run_fresh(tmp_path, "LeavesAThread")
    assert code == 0, output
    assert "modelcheck: the model left" in output
    assert "thread(s) running (poller); exiting without waiting for them." in output
    assert (tmp_path / "report.json").is_file()


def test_a_del_that_raises_gives_the_same_run_every_time(tmp_path: Path) -> None:
    run_fresh(tmp_path, "RaisesInDel")  # writes the event snapshot
    runs = [run_fresh(tmp_path, "RaisesInDel") for _ in range(2)]
    outputs = [re.sub(r"\d+\.\d+s", "<t>", output) for _, output in runs]
    assert runs[0][0] == runs[1][0] == 0, outputs[0]
    assert outputs[0] == outputs[1]
    assert (tmp_path / "report.json").is_file()


PRINTS = '''
import logging
import sys
from typing import Any

from pydantic import SecretStr

from reference_models import EchoChatModel

log = logging.getLogger("mymodel.client")


class Prints(EchoChatModel):
    """Prints or logs its key while answering (https://example.com/api)."""

    api_key: SecretStr | None = None
    """The key."""
    where: str = "stdout"
    """Where the key goes."""

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        key = self.api_key.get_secret_value() if self.api_key else ""
        if self.where == "stdout":
            print("calling the API with", key)
        elif self.where == "stderr":
            print("auth:", key.upper(), file=sys.stderr)
        else:
            log.warning("request headers: %s", {"Authorization": "Bearer " + key})
        return super()._generate(messages, stop, run_manager, **kw)
'''


@pytest.mark.parametrize(
    ("where", "place"),
    [
        ("stdout", "what the model printed to stdout"),
        ("stderr", "what the model printed to stderr"),
        ("log", "a WARNING log record of logger 'mymodel.client'"),
    ],
)
def test_a_key_the_model_prints_or_logs_fails_masking_and_is_scrubbed_from_pytests_sections(
    mc: Modelcheck, where: str, place: str
) -> None:
    mc.model(PRINTS)
    mc.config(f'[tool.modelcheck."mymodel:Prints"]\nparams = {{ api_key = "{KEY}", where = "{where}" }}\n')
    junit = ("--junitxml=junit.xml", "-o", "junit_logging=all")
    outcome = mc.run("--modelcheck=mymodel:Prints", *LOUD, *junit, report=True)
    assert failing(outcome, "mymodel:Prints") == {"secret-masking"}
    message = {c["id"]: c for c in outcome.report()["targets"][0]["checks"]}["secret-masking"]["message"]
    assert f"the canary put in api_key showed in {place}" in message
    assert f"the secret given for api_key showed in {place}" in message
    assert_never_shown(outcome, KEY)


PATCHER = '''
from langchain_core.language_models.chat_models import BaseChatModel

from reference_models import EchoChatModel

_original = BaseChatModel.stream


def _stream_twice(self, *args, **kwargs):
    for chunk in _original(self, *args, **kwargs):
        yield chunk
        yield chunk


BaseChatModel.stream = _stream_twice


class Patched(EchoChatModel):
    """A model whose module patches langchain-core (https://example.com/api)."""
'''


def test_a_module_patching_langchain_core_is_named_and_other_targets_are_unaffected(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT)
    mc.model(PATCHER, name="patcher")
    outcome = mc.run("--modelcheck=patcher:Patched", "--modelcheck=mymodel:Chat", report=True)
    assert_no_traceback(outcome)
    assert failing(outcome, "mymodel:Chat") == set()
    (broken,) = (t for t in outcome.report()["targets"] if t["target"] == "patcher:Patched")
    assert broken["error"].startswith(
        "modelcheck: importing 'patcher' (target 'patcher:Patched') replaced "
        "langchain_core.language_models.chat_models.BaseChatModel.stream in langchain-core."
    )
    from langchain_core.language_models.chat_models import BaseChatModel

    assert BaseChatModel.stream.__module__ == "langchain_core.language_models.chat_models"


# --- the scrubber itself ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in forms(KEY) if "half" not in n])
def test_the_scrubber_masks_and_finds_each_form(name: str) -> None:
    from modelcheck.secrets.scrub import Scrubber

    scrub = Scrubber([KEY])
    text = f"error: GET /v1?key={forms(KEY)[name]}&x=1 failed"
    assert scrub.found(text)
    assert forms(KEY)[name] not in scrub(text)
    assert scrub(text).startswith("error: GET /v1?key=***")


@given(
    secret=st.text(min_size=4, max_size=24).filter(lambda s: "*" not in s),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    form=st.sampled_from(["raw", "upper", "lower", "hex", "url-encoded", "reversed", "base64"]),
)
@example(secret="000µ", before="", after="", form="upper")  # the micro sign upper-cases to Greek mu
@example(secret="Straße-key", before="ßx", after="", form="upper")  # ß upper-cases to SS
@settings(max_examples=500, deadline=None)
def test_what_the_scrubber_finds_it_masks_and_nothing_it_finds_is_left(
    secret: str, before: str, after: str, form: str
) -> None:
    from modelcheck.secrets.scrub import Scrubber

    scrub = Scrubber([secret])
    shown = {"upper": secret.upper(), "lower": secret.lower()}.get(form) or forms(secret)[form]
    text = before + shown + after
    masked = scrub(text)
    assert scrub.found(text) == (masked != text)
    assert not scrub.found(masked)
    if len(shown) == len(secret) or form not in ("upper", "lower"):
        assert scrub.found(text)


def test_the_scrubber_is_fast_on_a_huge_text() -> None:
    """Linear on 50 MB: about 0.6 s on a quiet 2-core machine. The bound is 50 times that, so a
    loaded CI machine cannot trip it, while a search that grew quadratic would take hours."""
    import time

    from modelcheck.secrets.scrub import Scrubber

    scrub = Scrubber([KEY, "mc-canary-api_key-Mc0123456789abcdef"])
    text = "x" * 50_000_000 + quote(KEY, safe="")
    start = time.perf_counter()
    assert scrub.found(text)
    assert scrub(text).endswith("x***")
    assert time.perf_counter() - start < 30


# --- huge answers (slow, and 6 GB of memory for the 200 MB one: MODELCHECK_SLOW=1) ---------------

HUGE = '''
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from reference_models import EchoChatModel, EchoLLM


class HugeAnswer(EchoLLM):
    """Answers 200 MB (https://example.com/api)."""

    def _call(self, prompt: str, stop: Any = None, run_manager: Any = None, **kw: Any) -> str:
        return "x" * 200_000_000

    async def _acall(self, prompt: str, stop: Any = None, run_manager: Any = None, **kw: Any) -> str:
        return "x" * 200_000_000


class ManyChunks(EchoChatModel):
    """Streams 100,000 chunks (https://example.com/api)."""

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        for _ in range(100_000):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content="ab"))
            if run_manager:
                run_manager.on_llm_new_token("ab", chunk=chunk)
            yield chunk

    async def _astream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        for _ in range(100_000):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content="ab"))
            if run_manager:
                await run_manager.on_llm_new_token("ab", chunk=chunk)
            yield chunk
'''


@pytest.mark.skipif(not os.environ.get("MODELCHECK_SLOW"), reason="slow and memory-hungry: MODELCHECK_SLOW=1")
@pytest.mark.parametrize("target", ["HugeAnswer", "ManyChunks"])
def test_a_huge_answer_ends_within_a_few_timeouts(tmp_path: Path, target: str) -> None:
    (tmp_path / "mymodel.py").write_text(textwrap.dedent(HUGE))
    (tmp_path / "pyproject.toml").write_text("[tool.modelcheck]\ntimeout = 5\n")
    start = time.monotonic()
    code, output = finish(start_subprocess(tmp_path, f"--modelcheck=mymodel:{target}"), timeout=600)
    took = time.monotonic() - start
    assert code in (0, 1), output
    assert "Traceback" not in output and "INTERNALERROR" not in output
    assert took < 10 * 5, f"{took:.0f} s"


@pytest.mark.parametrize("args", [("--log-cli-level=DEBUG",), ("-n", "2")], ids=["live-log", "xdist"])
def test_live_logging_and_xdist_never_show_the_key(mc: Modelcheck, args: tuple[str, ...]) -> None:
    mc.model(PRINTS)
    mc.config(f'[tool.modelcheck."mymodel:Prints"]\nparams = {{ api_key = "{KEY}", where = "log" }}\n')
    outcome = mc.run("--modelcheck=mymodel:Prints", "-rA", *args, report=True)
    assert failing(outcome, "mymodel:Prints") == {"secret-masking"}
    assert_never_shown(outcome, KEY)


def test_with_capture_off_what_the_model_prints_is_masked(tmp_path: Path) -> None:
    (tmp_path / "mymodel.py").write_text(textwrap.dedent(PRINTS))
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.modelcheck."mymodel:Prints"]\nparams = {{ api_key = "{KEY}", where = "stdout" }}\n'
    )
    code, output = finish(start_subprocess(tmp_path, "--modelcheck=mymodel:Prints", "-s", "-rA"))
    assert code == 1, output
    assert "calling the API with ***" in output
    for name, form in forms(KEY).items():
        assert form not in output, name


WARNS_WHILE_BUILT = f'''
import warnings

from reference_models import EchoChatModel


class Deprecated(EchoChatModel):
    """Warns when built, pointing at the line that builds it (https://example.com/api)."""

    def __init__(self, **kwargs):
        warnings.warn("Deprecated is deprecated; use EchoChatModel", UserWarning, stacklevel=2)
        super().__init__(**kwargs)


def build():
    return Deprecated(api_key="{KEY}")  # a key written in the source, as a quick script has it
'''


def test_a_warning_that_points_at_a_line_holding_the_key_never_shows_that_line(mc: Modelcheck) -> None:
    """Python prints a warning with its source line: the factory's line holds the key literally."""
    mc.model(WARNS_WHILE_BUILT)
    # In a subprocess: pytest files a warning raised while it configures under the session's own
    # summary, which an in-process run hands to the enclosing session instead.
    args = ("--modelcheck=mymodel:build", "-W", "default::UserWarning", "--modelcheck-report=report.json")
    result = mc.pytester.runpytest_subprocess(*BASE_ARGS, *args, *LOUD)
    outcome = Outcome(result, mc.pytester.path)
    shown = "*mymodel.py (source line withheld: it holds a secret):15: UserWarning: Deprecated is deprecated*"
    assert any(fnmatch(line, shown) for line in outcome.text().splitlines()), outcome.text()
    assert_never_shown(outcome, KEY)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or not os.path.isdir("/proc"),
    reason="root may write anywhere but /proc: only a run as root shows permissions are not enough",
)
def test_a_report_path_the_permissions_allow_but_the_system_refuses_is_a_usage_error(mc: Modelcheck) -> None:
    mc.model(ECHO_CHAT)
    outcome = mc.run("--modelcheck=mymodel:Chat", "--modelcheck-report=/proc/modelcheck.json")
    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR, outcome.text()
    outcome.result.stderr.fnmatch_lines(["*--modelcheck-report=/proc/modelcheck.json cannot be written (*"])
    assert_no_traceback(outcome)


def test_a_report_path_that_can_be_written_is_left_as_it_was(mc: Modelcheck) -> None:
    """Writing to prove the path writable leaves no file behind, and an existing one untouched."""
    mc.model(ECHO_CHAT)
    kept = mc.pytester.path / "kept.md"
    kept.write_text("the author's notes\n", encoding="utf-8")
    mc.pytester.mkdir("sub")
    for report in ("new.json", "kept.md"):  # the markdown path, checked next, stops the run
        outcome = mc.run(
            "--modelcheck=mymodel:Chat", f"--modelcheck-report={report}", "--modelcheck-markdown=sub/"
        )
        assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR, outcome.text()
    assert not (mc.pytester.path / "new.json").exists()
    assert kept.read_text(encoding="utf-8") == "the author's notes\n"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://\t", "holds a space, tab, newline or other control character"),
        ("https://example.com/a\nb.png", "holds a space, tab, newline or other control character"),
        ("https://example.com/" + "a" * 100_000, "is longer than 2048 characters"),
        ("https:///modelcheck.png", "names no host"),
        ("ftp://example.com/x.png", "is not one"),
    ],
)
def test_an_image_url_that_is_no_url_to_fetch_is_a_usage_error(
    mc: Modelcheck, url: str, problem: str
) -> None:
    mc.model(ECHO_CHAT)
    mc.config(f'[tool.modelcheck."mymodel:Chat"]\nimage_url = {json.dumps(url)}\n')
    outcome = mc.run("--modelcheck=mymodel:Chat")
    assert outcome.result.ret == pytest.ExitCode.USAGE_ERROR, outcome.text()
    outcome.result.stderr.fnmatch_lines(
        [f"*image_url is *; it must be an http(s) URL *, and this one {problem}.*"]
    )
    assert len(outcome.text()) < 5_000  # a 100 kB URL is not echoed whole


TAKES_THE_PATH = """
import os


def pytest_sessionfinish(session):
    os.makedirs({path!r}, exist_ok=True)  # the report path, writable when the run began, is not now
"""


@pytest.mark.parametrize(
    ("option", "what"),
    [("--modelcheck-report", "JSON report"), ("--modelcheck-markdown", "Markdown checklist")],
)
def test_a_report_that_cannot_be_written_at_the_end_fails_the_run_in_one_paragraph(
    mc: Modelcheck, option: str, what: str
) -> None:
    mc.model(ECHO_CHAT)
    mc.pytester.makeconftest(TAKES_THE_PATH.format(path="out.txt"))
    outcome = mc.run("--modelcheck=mymodel:Chat", "-k", "invoke", f"{option}=out.txt")
    assert outcome.result.ret == pytest.ExitCode.INTERNAL_ERROR
    outcome.result.stderr.fnmatch_lines(
        [f"modelcheck: could not write the {what} to *out.txt (Is a directory)*"]
    )
    assert_no_traceback(outcome)
