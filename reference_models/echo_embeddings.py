"""The reference embeddings model: deterministic vectors from a hash of each text, in small batches.

It follows LangChain's custom embeddings guide and the contract the chat model reference keeps:
a `model` field, the standard init params (`model`, `timeout`, `max_retries`, `base_url`,
`api_key`), a key read from `ECHO_API_KEY` as a `SecretStr`, every field documented. Its own batch
size is small (`chunk_size`), so that splitting a batch and joining the answers is exercised
whenever more than four texts are embedded, and its async methods are its own coroutines.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Iterator

from langchain_core.embeddings import Embeddings
from langchain_core.utils import secret_from_env
from pydantic import BaseModel, ConfigDict, Field, SecretStr

NATURAL_SIZE = 32


def hashed_vector(model: str, text: str, size: int) -> list[float]:
    """A unit vector of `size` Python floats from a hash of the model and the text: the same text
    always gets the same vector, and any two texts are far apart."""
    digest = hashlib.shake_256(f"{model}\0{text}".encode()).digest(2 * size)
    raw = [int.from_bytes(digest[i : i + 2], "big") / 65535 - 0.5 for i in range(0, 2 * size, 2)]
    scale = math.sqrt(math.fsum(x * x for x in raw)) or 1.0
    return [x / scale for x in raw]


class EchoEmbeddings(BaseModel, Embeddings):
    """An embeddings model whose vectors are a hash of each text: deterministic, of one length.

    It stands in for a service-backed embeddings model whose API is described at
    https://python.langchain.com/docs/how_to/custom_embeddings/ and passes every modelcheck check.
    `embed_documents` sends the texts in batches of `chunk_size` (as a provider's request limit
    makes a real model do) and joins the answers in order; `embed_query(t)` is
    `embed_documents([t])[0]`; `embed_documents([])` is `[]` without a batch. Any text embeds,
    the empty string and text outside ASCII included.
    """

    model_config = ConfigDict(populate_by_name=True)

    model: str = "echo-embed-1"
    """Name of the embedding model; it seeds the hash, so two models give different vectors."""

    dimensions: int | None = None
    """Length of the vectors; None gives the model's natural 32."""

    api_key: SecretStr | None = Field(default_factory=secret_from_env("ECHO_API_KEY", default=None))
    """Key for the (pretend) service, read from ECHO_API_KEY when not given; a `SecretStr`."""

    base_url: str | None = None
    """Where the (pretend) service is; unused by the echo."""

    timeout: float | None = None
    """Seconds a request to the (pretend) service may take."""

    max_retries: int = 2
    """How often a failed request would be retried."""

    chunk_size: int = 4
    """Most texts sent in one (pretend) request; `embed_documents` splits larger inputs."""

    latency_s: float = 0.0
    """Seconds each (pretend) request takes, to imitate a remote service."""

    @property
    def vector_size(self) -> int:
        return self.dimensions or NATURAL_SIZE

    def _batches(self, texts: list[str]) -> Iterator[list[str]]:
        step = max(1, self.chunk_size)
        for start in range(0, len(texts), step):
            yield texts[start : start + step]

    def _request(self, batch: list[str]) -> list[list[float]]:
        """What the (pretend) service answers for one batch: a vector per text, in order."""
        return [hashed_vector(self.model, text, self.vector_size) for text in batch]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for batch in self._batches(list(texts)):
            if self.latency_s:
                time.sleep(self.latency_s)
            vectors.extend(self._request(batch))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for batch in self._batches(list(texts)):
            await asyncio.sleep(self.latency_s)
            vectors.extend(self._request(batch))
        return vectors

    async def aembed_query(self, text: str) -> list[float]:
        return (await self.aembed_documents([text]))[0]
