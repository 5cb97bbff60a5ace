"""Proof on real embeddings classes: package-index integrations against loopback stubs of their APIs.

OpenAIEmbeddings, OllamaEmbeddings, MistralAIEmbeddings, TogetherEmbeddings and langchain-community's
InfinityEmbeddings, each built by a factory that points it at a stub on 127.0.0.1
(tests/support/embeddings_api.py: OpenAI's and Mistral's `/v1/embeddings`, Ollama's `/api/embed`;
Infinity serves the OpenAI shape without a key), and langchain-core's two fakes. Every failed or
skipped verdict was checked by hand against the class's source; `why` says what in it makes the
check fail. A package that is not installed skips its targets and says so.

Verified on langchain-core 1.8.3 (openai 1.8.1, ollama 1.1.0, mistralai 1.1.6, together 0.4.0,
community 0.4.2) and 0.3.86 (openai 0.3.35, ollama 0.3.10, mistralai 0.2.12, together 0.3.1,
community 0.3.31); the pins that differ say so (MISTRAL_1).

Offline, OpenAIEmbeddings runs with `check_embedding_ctx_length=False` (the setting its docstring
gives for OpenAI-compatible servers): its default counts tokens with tiktoken, which downloads its
encoding on first use. MistralAIEmbeddings downloads a tokenizer from Hugging Face to size its
batches; offline it warns and counts characters instead (HF_HUB_OFFLINE=1 makes that immediate).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from support.ollama_server import OllamaServer
from support.openai_server import OpenAIServer
from support.realpins import NO_ENV, Pin, assert_pin, failed, major, params, passed, pins, run_report, skipped


@dataclass(frozen=True)
class Target:
    """One embeddings class, and how its factory builds it against a stub."""

    cls: str
    module: str
    args: str
    """Constructor arguments, formatted with the stubs' root URLs (`openai`, `keyless`, `ollama`)."""

    @property
    def dist(self) -> str:
        return self.module.split(".")[0].replace("_", "-")


KEYED = "api_key=OPENAI_KEY, max_retries=0, timeout=10"
# langchain-mistralai 0.2 (the last for core 0.3) retries a 400; 1.x does not.
MISTRAL_1 = (major("langchain-mistralai") or 0) >= 1
TARGETS = {
    "openai_embeddings": Target(
        "OpenAIEmbeddings",
        "langchain_openai",
        "model='mc-openai-embed', base_url={openai!r} + '/v1', check_embedding_ctx_length=False, " + KEYED,
    ),
    "ollama_embeddings": Target(
        "OllamaEmbeddings", "langchain_ollama", "model='mc-embed', base_url={ollama!r}"
    ),
    "mistral_embeddings": Target(
        "MistralAIEmbeddings",
        "langchain_mistralai",
        "model='mc-mistral-embed', endpoint={openai!r} + '/v1/', api_key=OPENAI_KEY, timeout=10",
    ),
    "together_embeddings": Target(
        "TogetherEmbeddings",
        "langchain_together",
        "model='mc-together-embed', base_url={openai!r} + '/v1', " + KEYED,
    ),
    "community_infinity": Target(
        "InfinityEmbeddings",
        "langchain_community.embeddings",
        "model='mc-infinity-embed', infinity_api_url={keyless!r} + '/v1'",
    ),
    "core_fake": Target("FakeEmbeddings", "langchain_core.embeddings", "size=8"),
    "core_deterministic": Target("DeterministicFakeEmbedding", "langchain_core.embeddings", "size=8"),
}
INSTALLED = {name for name, t in TARGETS.items() if find_spec(t.module.split(".")[0]) is not None}

NUMPY = failed(
    "returned a list of float64 (numpy scalars), not of Python floats",
    "`list(rng.normal(size=...))` keeps numpy float64 scalars; `.tolist()` would give floats",
)
CORE_THREADS = failed(
    "does not override aembed_documents or aembed_query",
    "only embed_documents/embed_query are defined: core runs them in a thread pool",
)
NO_MODEL = failed("names no model", "the fakes have only `size`")
NO_CREDENTIAL = skipped("declares no field whose name looks like a credential")
NO_SECRET = skipped("so there is no secret to track")
NO_LINK = "is service-backed (it has {}) but its class docstring has no http(s) link"
KEYLESS = {"secret_fields": NO_CREDENTIAL, "secret_masking": NO_SECRET, "init_from_env": NO_ENV}
PINS: dict[str, dict[str, Pin]] = {
    "openai_embeddings": pins(
        "embeddings",
        docs=failed(
            "OpenAIEmbeddings.deployment, OpenAIEmbeddings.openai_api_type, OpenAIEmbeddings.openai_proxy",
            "deployment, openai_api_type, openai_proxy, allowed_special, disallowed_special, headers, "
            "default_headers and default_query have no docstring (1.x: client and async_client too; "
            "0.3 leaves those out of serialization, and its class docstring links no API reference)",
        ),
        embed_order=passed(
            "5 texts with chunk_size=2 went out in 3 requests (2, 2, 1) and came back in order"
        ),
        # openai 1.x shows the API's message, 2.x the whole error body: both hold the message.
        embed_odd_input=Pin(
            "passed",
            "the empty string raised BadRequestError: Error code: 400",
            also=("'$.input' is invalid",),
        ),
    ),
    "ollama_embeddings": pins(
        "embeddings",
        embed_empty=failed(
            "returned [], but sent 1 request to the service for no texts",
            "embed_documents hands `texts` to the ollama client's `embed` with no early return, so an "
            "empty list is a request to /api/embed (Ollama answers it with no vectors after loading "
            "the model)",
        ),
        embed_order=passed("The model has no batch-size setting"),
        **KEYLESS,
    ),
    "mistral_embeddings": pins(
        "embeddings",
        docs=failed(
            "these init fields are undocumented: MistralAIEmbeddings.client, "
            "MistralAIEmbeddings.async_client, MistralAIEmbeddings.mistral_api_key, "
            "MistralAIEmbeddings.endpoint, MistralAIEmbeddings.tokenizer",
            "those five fields have no docstring",
        ),
        secret_masking=passed("the secret given for mistral_api_key stayed hidden everywhere"),
        # Offline, its validator falls back to a DummyTokenizer its own `tokenizer: Tokenizer` field
        # refuses, so no copy of it can be built to try the params on.
        standard_params=Pin("skipped", "a copy of the model built from its own field values raised"),
        embed_order=passed("The model has no batch-size setting"),
        embed_odd_input=passed("the empty string raised HTTPStatusError: Client error '400 Bad Request'")
        if MISTRAL_1
        else failed(
            "embed_documents of the empty string timed out after 20 s",
            "0.2 retries every HTTPStatusError, a 400 included, five times 30 s apart: the API's "
            "refusal of an empty or too long input keeps the caller waiting two minutes (1.x retries "
            "timeouts, 429 and 5xx only)",
        ),
    ),
    "together_embeddings": pins(
        "embeddings",
        docs=failed(
            "these init fields are undocumented: TogetherEmbeddings.default_headers, "
            "TogetherEmbeddings.default_query",
            "default_headers and default_query have no docstring, and the class docstring links no API "
            "reference",
            also=(NO_LINK.format("together_api_key"),),
        ),
        # chunk_size is "not yet supported": it sends one text per request whatever it is set to.
        embed_order=passed("5 texts with chunk_size=2 went out in 5 requests (1, 1, 1, 1, 1)"),
    ),
    "community_infinity": pins(
        "embeddings",
        embed_order=passed("The model has no batch-size setting"),
        embed_odd_input=passed("the empty string raised Exception: Infinity returned an unexpected response"),
        **KEYLESS,
    ),
    "core_fake": pins(
        "embeddings",
        embed_shape=NUMPY,
        embed_native_async=CORE_THREADS,
        embed_model_name=NO_MODEL,
        embed_order=skipped("it samples"),
        embed_agreement=skipped("it samples"),
        **KEYLESS,
    ),
    "core_deterministic": pins(
        "embeddings",
        embed_shape=NUMPY,
        embed_native_async=CORE_THREADS,
        embed_model_name=NO_MODEL,
        **KEYLESS,
    ),
}


@dataclass
class Stubs:
    openai: OpenAIServer
    keyless: OpenAIServer
    ollama: OllamaServer

    def targets_module(self) -> str:
        urls = {
            "openai": self.openai.root_url,
            "keyless": self.keyless.root_url,
            "ollama": self.ollama.root_url,
        }
        lines = [
            '"""Embeddings classes pointed at the loopback stubs of the tests."""',
            "\nimport os\n",
            'os.environ.setdefault("HF_HUB_OFFLINE", "1")  # MistralAIEmbeddings\' tokenizer download',
            f"OPENAI_KEY = {self.openai.api_key!r}",
        ]
        for name, t in TARGETS.items():
            lines += [
                f"\n\ndef {name}():",
                f"    from {t.module} import {t.cls}",
                "",
                f"    return {t.cls}({t.args.format(**urls)})",
            ]
        return "\n".join(lines) + "\n"


@dataclass
class EmbeddingsRun:
    checks: dict[str, dict[str, Any]]
    output: str
    workdir: Path


@pytest.fixture(scope="module")
def stubs() -> Iterator[Stubs]:
    started = Stubs(OpenAIServer(), OpenAIServer(api_key=""), OllamaServer(models=("mc-embed",)))
    servers = (started.openai, started.keyless, started.ollama)
    for server in servers:
        server.start()
    try:
        yield started
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="module")
def embeddings_run(stubs: Stubs, tmp_path_factory: pytest.TempPathFactory) -> EmbeddingsRun:
    workdir = tmp_path_factory.mktemp("embeddings")
    (workdir / "real_embeddings.py").write_text(stubs.targets_module(), encoding="utf-8")
    (workdir / "pyproject.toml").write_text(
        textwrap.dedent("[tool.modelcheck]\ntimeout = 20\n"), encoding="utf-8"
    )
    targets = (f"--modelcheck=real_embeddings:{name}" for name in TARGETS if name in INSTALLED)
    report, output = run_report(workdir, *targets)
    return EmbeddingsRun({t.removeprefix("real_embeddings:"): c for t, c in report.items()}, output, workdir)


def installed(target: str) -> None:
    if target not in INSTALLED:
        pytest.skip(f"{TARGETS[target].dist} is not installed; install the integrations extra")


@pytest.mark.parametrize(("target", "check", "pin"), params(PINS))
def test_embeddings_verdict(embeddings_run: EmbeddingsRun, target: str, check: str, pin: Pin) -> None:
    installed(target)
    assert_pin(embeddings_run.checks[target][check], pin)


def test_every_check_of_every_embeddings_class_is_pinned(embeddings_run: EmbeddingsRun) -> None:
    assert {t: set(c) for t, c in embeddings_run.checks.items()} == {t: set(PINS[t]) for t in INSTALLED}


def test_no_secret_in_what_modelcheck_wrote(embeddings_run: EmbeddingsRun, stubs: Stubs) -> None:
    written = [
        embeddings_run.output,
        *(p.read_text(encoding="utf-8") for p in embeddings_run.workdir.rglob("*.json")),
    ]
    for text in written:
        assert stubs.openai.api_key not in text
        assert "mc-canary-" not in text


def test_each_canary_key_met_the_401_path(embeddings_run: EmbeddingsRun, stubs: Stubs) -> None:
    """secret-masking watched canary instances whose calls the stub refused: the canary reached the
    wire. MistralAIEmbeddings' canary instance could not be built (see its secret-masking pin)."""
    refused = {r["body"].get("model") for r in stubs.openai.requests if r["status"] == 401}
    keyed = {"openai_embeddings": "mc-openai-embed", "together_embeddings": "mc-together-embed"}
    assert {name for name, model in keyed.items() if name in INSTALLED and model in refused} == {
        name for name in keyed if name in INSTALLED
    }
