"""Reference models for modelcheck: echo models that pass every check, and broken variants.

`EchoLLM` and `EchoChatModel` follow every item of LangChain's custom LLM and custom chat model
guides; `EchoEmbeddings` is the embeddings model beside them. `reference_models.broken` holds
variants that each fail exactly one check; modelcheck's own tests use them to prove each check
catches what it should.
"""

from .echo_chat import EchoChatModel
from .echo_embeddings import EchoEmbeddings
from .echo_llm import EchoLLM

__all__ = ["EchoChatModel", "EchoEmbeddings", "EchoLLM"]
