"""Write the media files modelcheck ships: `python -m modelcheck.media.make` (deterministic).

Each file is built here from its format's specification with the standard library only, so a
reader can see every byte a model is sent: no timestamps, no random ids, no encoder version.
tests/plugin/test_media.py checks that the shipped files are exactly what this writes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def png(width: int = 2, height: int = 2) -> bytes:
    """An RGB PNG, `width` x `height`, red on the top row and blue below it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + (b"\xff\x00\x00" if y == 0 else b"\x00\x00\xff") * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", _stored(rows)) + chunk(b"IEND", b"")


def pdf(text: str = "modelcheck") -> bytes:
    """A one-page PDF (A7) that says `text`, with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 20 150 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 210 298] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def wav(seconds: float = 0.1, rate: int = 8000) -> bytes:
    """A mono 16-bit PCM WAV of silence."""
    data = b"\x00\x00" * int(seconds * rate)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = (
        b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _stored(data: bytes) -> bytes:
    """`data` as a zlib stream of one stored (uncompressed) block: the same bytes whatever zlib
    build runs this, where compressed output may differ between zlib versions."""
    block = b"\x01" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data
    return b"\x78\x01" + block + struct.pack(">I", zlib.adler32(data))


FILES: dict[str, Callable[[], bytes]] = {"image.png": png, "document.pdf": pdf, "audio.wav": wav}


def main(folder: Path = HERE) -> None:
    for name, build in FILES.items():
        (folder / name).write_bytes(build())


if __name__ == "__main__":
    main()
