"""Secrets: credential fields are SecretStr; a canary never surfaces; modelcheck never shows a secret.

The models here record every key they were built with (or read from the environment) in
`keys_seen.txt`, so the tests know the canaries and real keys modelcheck used, and can look for
each of them, as is and in base64, in everything the run printed and wrote.
"""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

# Inner runs print hypothesis' report header, which imports it; imported here it stays loaded,
# instead of being imported (and assertion-rewritten) again by every pytester run.
import hypothesis  # noqa: F401
import pytest

MASKING = "secret-masking"
RECORDING = """
import base64
import os
from pathlib import Path
from typing import Any

from pydantic import model_validator

from reference_models import EchoChatModel, EchoLLM

SEEN = Path(__file__).with_name("keys_seen.txt")


def seen(value: Any) -> None:
    if value is not None and hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    if value:
        with SEEN.open("a", encoding="utf-8") as f:
            f.write(value + "\\n")


class Recording:
    @model_validator(mode="after")
    def _record(self):
        seen(getattr(self, "api_key", None))
        return self
"""


def secret_forms(secret: str) -> list[str]:
    """The secret, and its base64 at each alignment inside a longer encoded text."""
    forms = [secret]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):
            n = shift + len(secret)
            text = encode(b"\0" * shift + secret.encode()).decode()
            forms.append(text[4 if shift else 0 : 4 * (n // 3) + n % 3])
    return forms


def keys_seen(path: Path) -> list[str]:
    file = path / "keys_seen.txt"
    return sorted(set(file.read_text().split())) if file.exists() else []


def assert_hidden(outcome, secrets: list[str]) -> None:
    """None of the secrets, in any form, is in the terminal output, the JSON report or a snapshot."""
    assert secrets
    places = {"terminal output": outcome.text()}
    written = [outcome.path / "report.json", *outcome.path.glob("__snapshots__/**/*.json")]
    places.update({str(f.relative_to(outcome.path)): f.read_text() for f in written if f.is_file()})
    for place, text in places.items():
        assert "mc-canary" not in text, place
        for secret in secrets:
            for form in secret_forms(secret):
                assert form not in text, f"a form of a secret is in the {place}"


def write_models(mc, body: str) -> None:
    mc.model(RECORDING + textwrap.dedent(body))


def test_leaking_model_fails_masking_and_its_key_never_shows(mc) -> None:
    write_models(
        mc,
        '''
        class Leaky(Recording, EchoLLM):
            """Copies its key into `_identifying_params` (https://example.com/api)."""

            @property
            def _identifying_params(self) -> dict[str, Any]:
                key = self.api_key.get_secret_value() if self.api_key else None
                return {"model_name": self.model_name, "api_key": key}
        ''',
    )
    outcome = mc.run("--modelcheck=mymodel:Leaky", "-rA", report=True)
    assert outcome.failing("mymodel:Leaky") >= {MASKING}
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]secret-masking[]] a secret leaked: the canary put in api_key showed in "
            "*callback on_llm_start invocation_params (in abatch, ainvoke, astream and * more calls)*"
            "str()*_identifying_params*Keep credentials as `SecretStr`*"
            "See modelcheck docs/secrets.md#secret-masking."
        ]
    )
    # The canary in api_key; init-from-env builds the model once more with a canary in ECHO_API_KEY,
    # and standard-params with a stand-in key: none of them may show either.
    seen = keys_seen(outcome.path)
    assert [k for k in seen if k.startswith("mc-canary-api_key-")]
    assert_hidden(outcome, seen)
    report = {c["id"]: c for c in outcome.report()["targets"][0]["checks"]}
    assert "_identifying_params" in report[MASKING]["message"]


def test_the_broken_variant_leaking_its_key_never_shows_the_canary(mc) -> None:
    target = "reference_models.broken_checklist:LLMKeyInParams"
    outcome = mc.run(f"--modelcheck={target}", "-rA", report=True)
    assert outcome.failing(target) == {MASKING}
    assert list(outcome.path.glob("__snapshots__/**/*.json"))
    # Every canary starts with this prefix: its forms are in every form of the canary.
    assert_hidden(outcome, ["mc-canary-api_key-"])


def test_key_in_an_exception_message_is_caught_and_masked(mc) -> None:
    write_models(
        mc,
        '''
        class KeyInError(Recording, EchoChatModel):
            """Puts its key in the error it raises (https://example.com/api)."""

            def _answer(self, messages, stop):
                raise ValueError(f"401: key {self.api_key.get_secret_value()} was rejected")
        ''',
    )
    outcome = mc.run("--modelcheck=mymodel:KeyInError", "-rA", report=True)
    verdicts = outcome.of("mymodel:KeyInError")
    assert verdicts["invoke"] == verdicts[MASKING] == "failed"
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]invoke[]] invoke(*) raised in * ValueError: 401: key *** was rejected.*",
            "[[]secret-masking[]] a secret leaked: the canary put in api_key showed in *"
            "the text of the ValueError raised (in *)*",
        ]
    )
    assert_hidden(outcome, keys_seen(outcome.path))


def test_base64_of_the_key_in_response_metadata_is_caught(mc) -> None:
    write_models(
        mc,
        '''
        from langchain_core.messages import AIMessage
        from langchain_core.outputs import ChatGeneration, ChatResult


        def reply(text, meta):
            return ChatResult(generations=[ChatGeneration(message=AIMessage(text, response_metadata=meta))])


        class RawB64(Recording, EchoChatModel):
            """Echoes the base64 of its key (https://example.com/api)."""

            def _result(self, text):
                key = self.api_key.get_secret_value().encode()
                return reply(text, {"key_b64": base64.b64encode(key).decode()})


        class BasicAuth(RawB64):
            """Echoes its Basic auth header (https://example.com/api)."""

            def _result(self, text):
                auth = base64.b64encode(f"user:{self.api_key.get_secret_value()}".encode()).decode()
                return reply(text, {"authorization": "Basic " + auth})
        ''',
    )
    outcome = mc.run("--modelcheck=mymodel:RawB64", "--modelcheck=mymodel:BasicAuth", "-rA", report=True)
    for target in ("mymodel:RawB64", "mymodel:BasicAuth"):
        assert outcome.failing(target) == {MASKING}, outcome.text()
    outcome.result.stdout.fnmatch_lines(
        ["[[]secret-masking[]] a secret leaked: the canary put in api_key showed in *output (in *ainvoke*"]
        * 2
    )
    assert_hidden(outcome, keys_seen(outcome.path))


ENV_MODEL = '''
from langchain_core.language_models.llms import LLM


class EnvKeyed(LLM):
    """Reads its key from MYSVC_KEY and shows it in `_identifying_params` (https://example.com/api)."""

    model_name: str = "env-1"
    """Name of the model."""

    @property
    def _llm_type(self) -> str:
        return "env-keyed"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "key": os.environ.get("MYSVC_KEY")}

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        seen(os.environ.get("MYSVC_KEY"))
        return prompt


class EnvKeyedQuiet(EnvKeyed):
    """Reads its key from MYSVC_KEY and keeps it to itself (https://example.com/api)."""

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}
'''


def test_secret_env_plants_a_canary_in_the_environment(mc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYSVC_KEY", "sk-real-env-0123456789abcdef")
    write_models(mc, ENV_MODEL)
    mc.config('[tool.modelcheck]\nsecret_env = ["MYSVC_KEY"]\n')
    outcome = mc.run("--modelcheck=mymodel:EnvKeyed", "--modelcheck=mymodel:EnvKeyedQuiet", report=True)
    assert outcome.of("mymodel:EnvKeyed")[MASKING] == "failed"
    assert outcome.of("mymodel:EnvKeyedQuiet")[MASKING] == "passed"
    outcome.result.stdout.fnmatch_lines(
        ["[[]secret-masking[]] a secret leaked: the canary put in MYSVC_KEY showed in *_identifying_params*"]
    )
    seen = keys_seen(outcome.path)
    assert "sk-real-env-0123456789abcdef" in seen
    assert any(k.startswith("mc-canary-mysvc_key-") for k in seen)
    assert_hidden(outcome, seen)


def test_without_secret_env_a_model_with_no_secret_field_is_skipped(mc) -> None:
    write_models(mc, ENV_MODEL)
    outcome = mc.run("--modelcheck=mymodel:EnvKeyed", "-rs")
    verdicts = outcome.of("mymodel:EnvKeyed")
    assert verdicts["secret-fields"] == verdicts[MASKING] == "skipped"
    outcome.result.stdout.fnmatch_lines(
        [
            "SKIPPED * EnvKeyed declares no field whose name looks like a credential "
            "(secret_pattern in [[]tool.modelcheck[]] sets which names do).",
            "SKIPPED * the model has no secret field and no secret_env, so there is no secret to track.",
        ]
    )


LEAKY_WITH_ENDPOINT = '''
from pydantic import SecretStr, field_validator


class Leaky(Recording, EchoLLM):
    """Shows its key in `_identifying_params` (https://example.com/api)."""

    endpoint: str
    """Where the service is; required, so a rebuild must carry the instance's own value."""

    @property
    def _identifying_params(self) -> dict[str, Any]:
        key = self.api_key.get_secret_value() if self.api_key else None
        return {"model_name": self.model_name, "endpoint": self.endpoint, "api_key": key}


instance = Leaky(endpoint="https://example.com/v1", api_key="sk-instance-0123456789abcdef")


def factory():
    return Leaky(endpoint="https://example.com/v1", api_key="sk-factory-0123456789abcdef")


class Strict(Recording, EchoLLM):
    """Accepts only keys that start with 'sk-' (https://example.com/api)."""

    @field_validator("api_key")
    @classmethod
    def _sk_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("sk-"):
            raise ValueError("api_key must start with 'sk-'")
        return value


strict = Strict(api_key="sk-strict-0123456789abcdef")
'''


@pytest.mark.parametrize(
    ("target", "real"),
    [("instance", "sk-instance-0123456789abcdef"), ("factory", "sk-factory-0123456789abcdef")],
)
def test_instance_and_factory_targets_are_rebuilt_with_canaries(mc, target: str, real: str) -> None:
    write_models(mc, LEAKY_WITH_ENDPOINT)
    outcome = mc.run(f"--modelcheck=mymodel:{target}", "-rA", report=True)
    assert outcome.failing(f"mymodel:{target}") == {MASKING}, outcome.text()
    outcome.result.stdout.fnmatch_lines(
        ["[[]secret-masking[]] a secret leaked: the canary put in api_key showed in *_identifying_params*"]
    )
    seen = keys_seen(outcome.path)
    assert real in seen
    assert any(k.startswith("mc-canary-api_key-") for k in seen)
    assert_hidden(outcome, seen)


STRICT_LEAKY = """
class StrictLeaky(Strict):
    \"\"\"Accepts only 'sk-' keys and shows its key in `_identifying_params` (https://example.com/api).\"\"\"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "key": self.api_key.get_secret_value()}


strict_leaky = StrictLeaky(api_key="sk-strict-0123456789abcdef")
"""


def test_a_target_that_cannot_be_rebuilt_is_checked_with_the_real_secret_it_was_given(mc) -> None:
    """No canary can be planted (the validator refuses it): the real key is looked for everywhere."""
    write_models(mc, LEAKY_WITH_ENDPOINT + STRICT_LEAKY)
    outcome = mc.run("--modelcheck=mymodel:strict", "--modelcheck=mymodel:strict_leaky", "-rA", report=True)
    assert outcome.of("mymodel:strict")[MASKING] == "passed"
    assert outcome.failing("mymodel:strict_leaky") == {MASKING}, outcome.text()
    checks = {c["id"]: c["message"] for c in outcome.report()["targets"][0]["checks"]}
    assert checks[MASKING].startswith(
        "the secret given for api_key stayed hidden everywhere (Strict could not be rebuilt with "
        "canary secrets (ValidationError: "
    )
    assert checks[MASKING].endswith(
        "masking could not be observed with canaries: the secrets it was given were traced instead)"
    )
    outcome.result.stdout.fnmatch_lines(
        ["[[]secret-masking[]] a secret leaked: the secret given for api_key showed in *_identifying_params*"]
    )
    assert_hidden(outcome, ["sk-strict-0123456789abcdef"])


ALIASED = """
from pydantic import ConfigDict, Field, SecretStr, model_validator

from modelcheck.reference_models.minimal import MinimalChatModel


class Aliased(MinimalChatModel):
    \"\"\"Its key is the field `token`, given as `api_key` (https://example.com/api).\"\"\"

    token: SecretStr | None = Field(default=None, alias="api_key")
    \"\"\"Key for the service.\"\"\"

    @model_validator(mode="after")
    def _record(self):
        seen(self.token)
        return self


class AliasedLeaky(Aliased):
    \"\"\"Shows its key in repr (https://example.com/api).\"\"\"

    def __repr__(self) -> str:
        return f"AliasedLeaky(token={self.token.get_secret_value() if self.token else None})"


class ByName(AliasedLeaky):
    \"\"\"Takes the key as `api_key` or `token` (https://example.com/api).\"\"\"

    model_config = ConfigDict(populate_by_name=True)


class Vault(Aliased):
    \"\"\"Replaces whatever key it is given by the one in its vault (https://example.com/api).\"\"\"

    @model_validator(mode="before")
    @classmethod
    def _from_vault(cls, data):
        return {**data, "api_key": "vault-0123456789abcdef"}
"""


@pytest.mark.parametrize(
    "params", ['{"api_key": "sk-real-alias-0123456789abcdef"}', "{}"], ids=["given", "none"]
)
def test_a_canary_is_planted_under_the_alias_the_constructor_accepts(mc, params: str) -> None:
    write_models(mc, ALIASED)
    targets = ("mymodel:Aliased", "mymodel:AliasedLeaky", "mymodel:ByName")
    outcome = mc.run(
        *(f"--modelcheck={t}" for t in targets), f"--modelcheck-params={params}", "-rA", report=True
    )
    assert [outcome.of(t)[MASKING] for t in targets] == ["passed", "failed", "failed"], outcome.text()
    outcome.result.stdout.fnmatch_lines(
        ["[[]secret-masking[]] a secret leaked: the canary put in token showed in *repr()*"] * 2
    )
    seen = keys_seen(outcome.path)
    assert any(k.startswith("mc-canary-token-") for k in seen)
    assert_hidden(outcome, seen)


def test_a_canary_that_does_not_reach_the_instance_never_makes_a_pass(mc) -> None:
    write_models(mc, ALIASED)
    outcome = mc.run("--modelcheck=mymodel:Vault", "-rA", report=True)
    checks = {c["id"]: c["message"] for c in outcome.report()["targets"][0]["checks"]}
    assert outcome.of("mymodel:Vault")[MASKING] == "passed"
    assert checks[MASKING] == (
        "the secret given for token stayed hidden everywhere (Vault could not be rebuilt with "
        "canary secrets (the canary given as `api_key=` for `token` was not in the instance built), so "
        "masking could not be observed with canaries: the secrets it was given were traced instead)"
    )
    assert_hidden(outcome, keys_seen(outcome.path))


def test_a_real_secret_from_the_command_line_never_shows(mc) -> None:
    real = "sk-real-cli-0123456789abcdef"
    write_models(
        mc,
        '''
        class Leaky(Recording, EchoChatModel):
            """Shows its key in `_identifying_params` and in every answer (https://example.com/api)."""

            @property
            def _identifying_params(self) -> dict[str, Any]:
                key = self.api_key.get_secret_value() if self.api_key else None
                return {"model_name": self.model_name, "api_key": key}

            def _answer(self, messages, stop):
                seen(self.api_key)
                return super()._answer(messages, stop) + " " + self.api_key.get_secret_value()
        ''',
    )
    outcome = mc.run(
        "--modelcheck=mymodel:Leaky", f'--modelcheck-params={{"api_key": "{real}"}}', "-rA", report=True
    )
    assert outcome.of("mymodel:Leaky")[MASKING] == "failed"
    outcome.result.stdout.fnmatch_lines(
        ["[[]secret-masking[]] a secret leaked: the canary put in api_key showed in *_identifying_params*"]
    )
    seen = keys_seen(outcome.path)
    # The real key drove the behaviour checks; a canary instance was observed for masking.
    assert real in seen
    assert any(k.startswith("mc-canary-api_key-") for k in seen)
    assert_hidden(outcome, seen)


PATTERN_MODEL = '''
class Codes(EchoLLM):
    """Has an access code and a sort key (https://example.com/api)."""

    access_code: str = "x"
    """A credential the default pattern does not know."""

    sort_key: str = "name"
    """Not a credential, though its name ends in _key."""
'''


def test_secret_pattern_decides_which_fields_are_credentials(mc) -> None:
    write_models(mc, PATTERN_MODEL)
    default = mc.run("--modelcheck=mymodel:Codes", "-k", "secret-fields")
    default.result.stdout.fnmatch_lines(
        ["[[]secret-fields[]] these credential fields are plain strings: sort_key (str). *"]
    )
    mc.config('[tool.modelcheck]\nsecret_pattern = "(^|_)(api_key|code)$"\n')
    custom = mc.run("--modelcheck=mymodel:Codes", "-k", "secret-fields")
    custom.result.stdout.fnmatch_lines(
        ["[[]secret-fields[]] these credential fields are plain strings: access_code (str). *"]
    )
    assert custom.failing("mymodel:Codes") == {"secret-fields"}


PLAIN_KEY = '''
from modelcheck.reference_models.minimal import MinimalChatModel


class PlainKey(MinimalChatModel):
    """Keeps its key as a plain str (https://example.com/api)."""

    api_key: str | None = None
    """Key for the service, wrongly a plain string."""
'''


def test_a_plain_str_key_is_traced_by_masking_too(mc) -> None:
    """secret-fields names the type; secret-masking still finds the key where it shows, in repr."""
    mc.model(PLAIN_KEY)
    real = "sk-plain-0123456789abcdef"
    outcome = mc.run(
        "--modelcheck=mymodel:PlainKey", f'--modelcheck-params={{"api_key": "{real}"}}', report=True
    )
    failing = outcome.failing("mymodel:PlainKey")
    assert {"secret-fields", MASKING} <= failing, outcome.text()
    outcome.result.stdout.fnmatch_lines(
        [
            "[[]secret-masking[]] a secret leaked: the canary put in api_key showed in *repr()*"
            "the secret given for api_key*"
        ]
    )
    assert_hidden(outcome, [real])
