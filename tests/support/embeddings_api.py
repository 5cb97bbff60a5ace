"""The embeddings endpoints of the loopback stubs: OpenAI's and Mistral's `/v1/embeddings`, Ollama's
`/api/embed`, answered as each API answers, with deterministic vectors.

A text's vector is the reference embeddings model's (`hashed_vector` of the model name and the
text): the same text always gets the same vector, any two texts are far apart, every vector has
unit length. A token array (which OpenAIEmbeddings sends when it counts tokens with tiktoken) is
embedded as the text of its ids joined by spaces. Sizes are DIMENSIONS unless the request asks
for fewer.

OpenAI (`/v1/embeddings`): `input` is a string, an array of strings, an array of token ids or an
array of token arrays; answers are `data: [{"object": "embedding", "index": i, "embedding": ...}]`
in input order, with `usage`. `encoding_format` "float" gives lists of floats; "base64" (which the
openai SDK asks for unless told otherwise) the little-endian float32 bytes in base64. Refused with
400 as the API refuses them: an empty string or an empty array (`'$.input' is invalid`), more than
2,048 inputs, an input over 8,192 tokens, more than 300,000 tokens in one request, `dimensions` on
a model that cannot shorten its vectors (`text-embedding-ada-002`), another encoding format.
Tokens are counted as words (as the other stubs count them).

Mistral (model names starting `mc-mistral` or `mistral-embed`): strings only (a token array is a
422 validation error, as its API answers a body of the wrong shape), an empty array refused,
inputs over 8,192 tokens refused, `output_dimension` honoured, floats only.

Ollama (`/api/embed`): `input` a string or an array of strings; `{"model", "embeddings": [...],
"total_duration", "load_duration", "prompt_eval_count"}`. An empty input (`""` or `[]`) answers
`"embeddings": []`, as Ollama does after loading the model. A text longer than the context
(CONTEXT words) is cut to it when `truncate` is true (the default) and refused with 400 when it is
false. `dimensions` shortens each vector and normalizes it again.
"""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

from reference_models.echo_embeddings import hashed_vector

DIMENSIONS = 64
MAX_INPUTS = 2048
MAX_INPUT_TOKENS = 8192
MAX_REQUEST_TOKENS = 300_000
CONTEXT = 8192
FIXED_SIZE = ("text-embedding-ada-002",)
INVALID_INPUT = (
    "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
)


class Refused(Exception):
    """A request the API refuses: its status and its error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body


def openai_refusal(message: str, param: str | None = "input", status: int = 400) -> Refused:
    return Refused(
        status, {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}}
    )


def vector_for(model: str, text: str, size: int) -> list[float]:
    return hashed_vector(model, text, size)


def shortened(vector: list[float], size: int) -> list[float]:
    """The first `size` numbers, normalized again (what a Matryoshka model's shorter vector is)."""
    cut = vector[:size]
    scale = math.sqrt(math.fsum(x * x for x in cut)) or 1.0
    return [x / scale for x in cut]


def float32_base64(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def is_mistral(model: str) -> bool:
    return model.startswith(("mc-mistral", "mistral-embed"))


def _inputs(given: Any, mistral: bool) -> list[str | list[int]]:
    """The request's inputs, each a string or a token array; refused as the API refuses them."""
    if isinstance(given, str):
        items: list[Any] = [given]
    elif isinstance(given, list) and given and all(isinstance(t, int) for t in given):
        items = [given]  # one token array
    elif isinstance(given, list):
        items = list(given)
    else:
        raise openai_refusal(INVALID_INPUT)
    if mistral and not all(isinstance(i, str) for i in items):
        raise Refused(
            422,
            {
                "object": "error",
                "message": "input: Input should be a valid string",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            },
        )
    if not items or len(items) > MAX_INPUTS:
        raise openai_refusal(INVALID_INPUT)
    for item in items:
        valid = isinstance(item, str) or (isinstance(item, list) and all(isinstance(t, int) for t in item))
        if not valid or not item:
            raise openai_refusal(INVALID_INPUT)
    return items


def _tokens(item: str | list[int]) -> int:
    return len(item) if isinstance(item, list) else len(item.split())


def openai_embeddings(body: dict[str, Any]) -> dict[str, Any]:
    """The answer of OpenAI's (or Mistral's) `/v1/embeddings` to `body`; raises Refused."""
    model = str(body.get("model", ""))
    mistral = is_mistral(model)
    items = _inputs(body.get("input"), mistral)
    counts = [_tokens(i) for i in items]
    longest = max(counts)
    if longest > MAX_INPUT_TOKENS:
        raise openai_refusal(
            f"This model's maximum context length is {MAX_INPUT_TOKENS} tokens, however you requested "
            f"{longest} tokens ({longest} in your prompt; 0 for the completion). Please reduce your prompt; "
            "or completion length.",
            None,
        )
    if sum(counts) > MAX_REQUEST_TOKENS:
        raise openai_refusal(f"Requested {sum(counts)} tokens, max {MAX_REQUEST_TOKENS} tokens per request")
    size = _size(body, model, mistral)
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64") or (mistral and encoding != "float"):
        raise openai_refusal(
            f"Invalid value: '{encoding}'. Supported values are: 'float' and 'base64'.", "encoding_format"
        )
    data = []
    for index, item in enumerate(items):
        text = item if isinstance(item, str) else " ".join(map(str, item))
        vector = vector_for(model, text, size)
        data.append(
            {
                "object": "embedding",
                "index": index,
                "embedding": float32_base64(vector) if encoding == "base64" else vector,
            }
        )
    usage = {"prompt_tokens": sum(counts), "total_tokens": sum(counts)}
    answer = {"object": "list", "data": data, "model": model, "usage": usage}
    return {"id": "embd-mc0001", **answer} if mistral else answer


def _size(body: dict[str, Any], model: str, mistral: bool) -> int:
    name = "output_dimension" if mistral else "dimensions"
    asked = body.get(name)
    if asked is None:
        return DIMENSIONS
    if model in FIXED_SIZE:
        raise openai_refusal("This model does not support specifying dimensions.", "dimensions")
    if not isinstance(asked, int) or isinstance(asked, bool) or not 0 < asked <= DIMENSIONS:
        raise openai_refusal(f"Invalid '{name}': {asked}; it must be between 1 and {DIMENSIONS}.", name)
    return asked


def ollama_embed(body: dict[str, Any], model: str) -> dict[str, Any]:
    """The answer of Ollama's `/api/embed` to `body`; raises Refused (`{"error": ...}`)."""
    given = body.get("input")
    if isinstance(given, str):
        texts = [given] if given else []
    elif isinstance(given, list) and all(isinstance(t, str) for t in given):
        texts = list(given)
    elif given is None:
        texts = []
    else:
        raise Refused(400, {"error": "invalid input type"})
    embeddings = [_ollama_vector(model, text, body) for text in texts]
    counted = sum(min(len(t.split()), CONTEXT) for t in texts)
    return {
        "model": model,
        "embeddings": embeddings,
        "total_duration": 5_000_000,
        "load_duration": 1_000_000,
        "prompt_eval_count": counted,
    }


def _ollama_vector(model: str, text: str, body: dict[str, Any]) -> list[float]:
    words = text.split()
    if len(words) > CONTEXT:
        if body.get("truncate") is False:
            raise Refused(400, {"error": "input length exceeds maximum context length"})
        text = " ".join(words[:CONTEXT])
    vector = vector_for(model, text, DIMENSIONS)
    size = body.get("dimensions")
    if isinstance(size, int) and 0 < size < DIMENSIONS:
        return shortened(vector, size)
    return vector
