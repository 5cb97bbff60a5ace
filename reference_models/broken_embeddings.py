"""Reference embeddings models broken on purpose: each fails exactly one check, named in its docstring.

modelcheck's own tests run the embeddings catalog on each and expect that one failure. Each
changes one thing of `EchoEmbeddings`, as a real integration gets it wrong.
"""

from __future__ import annotations

from langchain_core.runnables.config import run_in_executor
from pydantic import Field

from .echo_embeddings import EchoEmbeddings


class EmbedIntVectors(EchoEmbeddings):
    """Fails `embed-shape`: vectors of ints (int8-quantized values), not of Python floats.

    A provider that offers quantized embeddings answers with integers; handing them on as they
    come gives vector stores a list of ints where `list[float]` was promised.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_embeddings/.
    """

    def _request(self, batch: list[str]) -> list[list[float]]:
        return [[round(x * 127) for x in vector] for vector in super()._request(batch)]


class EmbedBatchesReversed(EchoEmbeddings):
    """Fails `embed-order`: joins the answers of its batches in the reverse order.

    Texts that fit in one batch come back right; a larger input comes back with each batch's
    vectors at another batch's place (answers gathered from a stack, not a queue).

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_embeddings/.
    """

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        answers = [self._request(batch) for batch in self._batches(list(texts))]
        return [vector for answer in reversed(answers) for vector in answer]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents(texts)


class EmbedAsyncPrefixed(EchoEmbeddings):
    """Fails `embed-agreement`: the async methods embed the texts with a "passage: " prefix the sync
    ones do not send, so `aembed_query(t)` and `embed_query(t)` give different vectors.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_embeddings/.
    """

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await super().aembed_documents([f"passage: {t}" for t in texts])


class EmbedRefusesNoTexts(EchoEmbeddings):
    """Fails `embed-empty`: `embed_documents([])` raises instead of returning `[]`.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_embeddings/.
    """

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            raise ValueError("texts must not be empty")
        return super().embed_documents(texts)


class EmbedSkipsBlank(EchoEmbeddings):
    """Fails `embed-odd-input`: drops empty strings silently, so `embed_documents([""])` returns no
    vector at all (fewer vectors than texts, and the caller's indices shift).

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_embeddings/.
    """

    def _request(self, batch: list[str]) -> list[list[float]]:
        return super()._request([t for t in batch if t])


class EmbedThreadedAsync(EchoEmbeddings):
    """Fails `embed-native-async`: `aembed_documents` runs `embed_documents` in a thread pool, as
    langchain-core's default does, though it is overridden.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_embeddings/.
    """

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await run_in_executor(None, self.embed_documents, texts)


class EmbedNoModelName(EchoEmbeddings):
    """Fails `embed-model-name`: its `model` is empty, so nothing tells which model made a vector.

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_embeddings/.
    """

    model: str = ""
    """Name of the embedding model (left empty)."""


class EmbedPlainKey(EchoEmbeddings):
    """Fails `secret-fields`: its key is a plain `str` (hidden from repr and dumps, but not a SecretStr).

    Built on the echo model of https://python.langchain.com/docs/how_to/custom_embeddings/.
    """

    api_key: str | None = Field(default=None, repr=False, exclude=True)  # type: ignore[assignment]
    """Key for the (pretend) service, wrongly a plain string."""
