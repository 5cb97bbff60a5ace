"""A small stub of Ollama's REST API on 127.0.0.1, for running langchain-ollama offline.

It answers `POST /api/chat` and `POST /api/generate`. Like Ollama, it streams unless the request
says `"stream": false`, as newline-delimited JSON: one object per piece (`message.content` for
chat, `response` for generate) with `"done": false`, then a final object with `"done": true`,
`done_reason` and the counts Ollama reports (`prompt_eval_count`, `eval_count`, durations in
nanoseconds). The answer is a deterministic echo of the last user message (chat) or of the prompt
(generate). `options.stop` is applied as Ollama applies it: the text ends right before the
earliest stop string, which is left out. A model the server does not have gets Ollama's 404
`{"error": "model '...' not found"}`. Ollama has no API key; the server takes none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from loopback import LoopbackServer, Reply, answer_for, cut_at_stop, cut_tokens, pieces, word_count

CREATED_AT = "2026-01-01T00:00:00.000000Z"


class OllamaServer(LoopbackServer):
    """Point clients at `root_url`; only the models in `models` exist."""

    name = "ollama-server"

    def __init__(self, models: tuple[str, ...] = ("mc-echo",)) -> None:
        super().__init__(api_key="")
        self.models = models

    def respond(self, path: str, headers: Mapping[str, str], body: dict[str, Any]) -> Reply:
        if path not in ("/api/chat", "/api/generate"):
            return Reply(404, {"error": f"404 page not found: {path}"})
        model = str(body.get("model", ""))
        if model not in self.models:
            return Reply(404, {"error": f"model '{model}' not found"})
        chat = path == "/api/chat"
        asked = self._asked(body) if chat else str(body.get("prompt", ""))
        text, _ = cut_at_stop(answer_for(asked), (body.get("options") or {}).get("stop"))
        text = cut_tokens(text, (body.get("options") or {}).get("num_predict"))
        prompt = " ".join(str(m.get("content", "")) for m in body.get("messages") or []) if chat else asked
        final = self._final(model, word_count(prompt), word_count(text))
        if body.get("stream", True):
            return Reply(events=((None, e) for e in self._pieces(model, chat, text, final)), format="ndjson")
        return Reply(body={**final, **self._piece(model, chat, text)})

    @staticmethod
    def _asked(body: dict[str, Any]) -> str:
        users = [m for m in body.get("messages") or [] if m.get("role") == "user"]
        return str(users[-1].get("content", "")) if users else ""

    @staticmethod
    def _piece(model: str, chat: bool, text: str) -> dict[str, Any]:
        said = {"message": {"role": "assistant", "content": text}} if chat else {"response": text}
        return {"model": model, "created_at": CREATED_AT, **said}

    def _pieces(self, model: str, chat: bool, text: str, final: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for piece in pieces(text):
            yield {**self._piece(model, chat, piece), "done": False}
        yield {**final, **self._piece(model, chat, "")}

    @staticmethod
    def _final(model: str, prompt_tokens: int, output_tokens: int) -> dict[str, Any]:
        return {
            "model": model,
            "created_at": CREATED_AT,
            "done": True,
            "done_reason": "stop",
            "total_duration": 5_000_000,
            "load_duration": 1_000_000,
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": 1_000_000,
            "eval_count": output_tokens,
            "eval_duration": 2_000_000,
        }
