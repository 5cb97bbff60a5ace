"""An embeddings model's HTTP recorded once and replayed: the same verdicts, with no server and no key.

OpenAIEmbeddings against the loopback stub's `/v1/embeddings`; the replay runs with the stub
stopped. The requests each call sent are counted from the clients either way, so `embed-order`
and `embed-empty` judge the same requests when replayed.
"""

from __future__ import annotations

from importlib.util import find_spec

import pytest
from support.harness import Modelcheck
from support.openai_server import OpenAIServer

from plugin.test_replay import cassette, messages, outcomes, record, run

pytestmark = pytest.mark.skipif(
    find_spec("langchain_openai") is None,
    reason="langchain-openai is not installed; install the integrations extra: "
    "pip install -e '.[integrations]'",
)
TARGETS = '''
"""OpenAIEmbeddings on the loopback server; the key comes from the environment."""

from langchain_openai import OpenAIEmbeddings


def embeddings():
    return OpenAIEmbeddings(
        model="mc-openai-embed",
        base_url={base_url!r},
        check_embedding_ctx_length=False,
        max_retries=0,
        timeout=10,
    )
'''
CONFIG = """
[tool.modelcheck]
timeout = 20
secret_env = ["OPENAI_API_KEY"]
"""
TARGET = "embedding_targets:embeddings"


def test_openai_embeddings_replay_with_the_same_verdicts(mc: Modelcheck, server: OpenAIServer) -> None:
    mc.model(TARGETS.format(base_url=server.base_url), name="embedding_targets")
    mc.config(CONFIG)
    recorded = record(mc, server, TARGET)
    assert cassette(mc, TARGET).is_file()
    assert server.statuses[200] > 0 and server.statuses[401] == 0  # canary calls never went out
    server.stop()

    replayed = run(mc, f"--modelcheck={TARGET}")

    assert outcomes(replayed) == outcomes(recorded)
    assert set(outcomes(replayed)[TARGET].values()) == {"passed", "failed"}  # docs fails, as live
    said = messages(replayed, TARGET)
    assert "went out in 3 requests (2, 2, 1)" in said["embed-order"]
    assert said["embed-empty"] == "returned [] without a request"
