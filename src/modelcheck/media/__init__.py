"""The tiny media files modelcheck sends to multimodal models, shipped inside the package.

`image.png` (a 2x2 PNG), `document.pdf` (one page saying "modelcheck") and `audio.wav` (a tenth of
a second of silence) are written by `python -m modelcheck.media.make`, byte for byte the same on
every run, so anyone can see what a model is sent. Nothing is downloaded at test time: a model
author's CI must not depend on a third-party website.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files


@dataclass(frozen=True)
class Media:
    """One shipped file: what it is for LangChain's blocks and for the OpenAI-style ones."""

    kind: str
    """The standard block type: "image", "file" or "audio"."""
    filename: str
    mime_type: str

    @property
    def data(self) -> bytes:
        return files(__name__).joinpath(self.filename).read_bytes()

    @property
    def label(self) -> str:
        return {"image": "image", "file": "PDF", "audio": "audio"}[self.kind]


IMAGE = Media("image", "image.png", "image/png")
PDF = Media("file", "document.pdf", "application/pdf")
AUDIO = Media("audio", "audio.wav", "audio/wav")
