"""The calls modelcheck makes to an `Embeddings` model, and the texts it sends: eleven calls in all.

Each probe is one call of one public method, named here so that the observer, the checks and the
tests agree on what was asked:

- `embed_query`: `embed_query(A)`; `aembed_query`: `aembed_query(A)`.
- `embed_documents`: `embed_documents([A, B, C])`; `aembed_documents`: the same, awaited;
  `embed_again`: the same once more, to tell a model that answers the same texts the same way
  from one that samples (a sampling model is judged on shapes only, as a sampling chat model is).
- `embed_single`: `embed_documents([A])`, to compare with A inside the larger batch, and with
  `embed_query(A)`.
- `embed_batch`: `embed_documents(BATCH)` on a copy of the model whose own batch-size setting
  (`chunk_size`, `batch_size`, ...) is set to BATCH_SIZE, so five texts go out in three requests:
  C repeated in the first and last, A and B at other places than in `embed_documents`, and D seen
  nowhere else. A model without such a setting gets the same five texts in one call.
- `embed_empty`: `embed_documents([])`, which must answer `[]` without asking the service.
- `embed_blank`, `embed_long`, `embed_unicode`: `embed_documents` of one odd text each: the empty
  string, a text of LONG_WORDS words (more than the 8,192 tokens one OpenAI input may hold), and
  text outside ASCII. Each must embed like any text or raise a clear error.

The checks that read them (checks/embeddings.py): embed-shape (the four plain calls), embed-order
(embed_batch against embed_documents), embed-agreement (embed_single, the async calls and
embed_query against embed_documents, if embed_again repeats it), embed-empty, embed-odd-input
and embed-native-async (the two async calls).
"""

from __future__ import annotations

from modelcheck.core import probe_ids as ids

A = "the quick brown fox jumps over a dog"
B = "pack my box with five dozen liquor jugs"
C = "how vexingly quick daft zebras jump"
D = "sphinx of black quartz, judge my vow"
DOCUMENTS = (A, B, C)
BATCH = (C, A, D, B, C)
BATCH_SIZE = 2
LONG_WORDS = 9000
# Words of one token each in OpenAI's encodings, so the long text is about LONG_WORDS tokens.
_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "fox", "golf", "hotel", "india", "kilo")
LONG = " ".join(_WORDS[i % len(_WORDS)] for i in range(LONG_WORDS))
UNICODE = "naïve café, Straße, 東京の夜景, Ελληνικά, emoji 🙂 and a zero\u200bwidth space"

ODD = {ids.EMBED_BLANK: "", ids.EMBED_LONG: LONG, ids.EMBED_UNICODE: UNICODE}
# probe -> (method, texts): every call modelcheck makes to an embeddings model.
PLAN: dict[str, tuple[str, tuple[str, ...]]] = {
    ids.EMBED_QUERY: ("embed_query", (A,)),
    ids.EMBED_DOCUMENTS: ("embed_documents", DOCUMENTS),
    ids.EMBED_SINGLE: ("embed_documents", (A,)),
    ids.AEMBED_QUERY: ("aembed_query", (A,)),
    ids.AEMBED_DOCUMENTS: ("aembed_documents", DOCUMENTS),
    ids.EMBED_AGAIN: ("embed_documents", DOCUMENTS),
    ids.EMBED_BATCH: ("embed_documents", BATCH),
    ids.EMBED_EMPTY: ("embed_documents", ()),
    **{probe: ("embed_documents", (text,)) for probe, text in ODD.items()},
}
# The fields an embeddings class sets its batch size with, and its output size with.
BATCH_FIELDS = ("chunk_size", "batch_size", "embed_batch_size", "max_batch_size")
DIMENSION_FIELDS = ("dimensions", "dimension", "output_dimension", "output_dimensionality", "size")
