"""Bad input gets a clear one-line error for that file, fast, and never a crash or a hang."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from service.errors import CorruptInput, EncryptedInput, GoujiError, NotAReport, UnsupportedInput
from service.pipeline import extract

FIXTURES = Path(__file__).parent / "fixtures"


def blank_pdf(pages: int) -> bytes:
    doc = pdfium.PdfDocument.new()
    for _ in range(pages):
        doc.new_page(595, 842)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width``×``height`` pixels but holds almost no data (a bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


CASES: dict[str, tuple[bytes, type[GoujiError], str]] = {
    "empty.pdf": (b"", UnsupportedInput, "empty"),
    "page.html.pdf": (b"<!doctype html><html><body>report</body></html>", UnsupportedInput, "unsupported"),
    "truncated.pdf": (blank_pdf(2)[:200], CorruptInput, "cannot open"),
    "garbage.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 40, CorruptInput, "cannot open"),
    "huge.pdf": (blank_pdf(10_000), UnsupportedInput, "10000 pages"),
    "bomb.png": (png_header_only(30_000, 30_000), UnsupportedInput, "pixel"),
    "notes.txt": ("政府信息公开工作年度报告".encode(), UnsupportedInput, "unsupported"),
    "blank.pdf": (blank_pdf(1), NotAReport, "tables"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_a_clear_error(tmp_path: Path, name: str) -> None:
    data, error, words = CASES[name]
    path = tmp_path / name
    path.write_bytes(data)
    start = time.perf_counter()
    with pytest.raises(error) as info:
        extract(path)
    assert time.perf_counter() - start < 20
    message = str(info.value)
    assert words in message and "\n" not in message


def test_encrypted_pdf_is_refused() -> None:
    with pytest.raises(EncryptedInput, match="password"):
        extract(FIXTURES / "encrypted.pdf")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedInput, match="no such file"):
        extract(tmp_path / "nope.pdf")
