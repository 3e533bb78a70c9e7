"""Hostile input files for the bad-input and memory tests, generated (nothing big is committed).

* ``page_tree_loop.pdf``: the page tree's /Kids points back at the /Pages node itself;
* ``xref_loop.pdf``: a cross-reference section whose /Prev points at itself;
* ``one_pixel.png``: a valid 1×1 PNG;
* ``frames_tiff(n, side)``: an n-frame side×side TIFF (white, deflate: a few MB on disk);
* ``big_png(side)``: one side×side white PNG;
* ``pdf_from_objects(objects)``: any hand-made PDF from its object bodies.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image


def pdf_from_objects(objects: list[bytes], trailer_extra: bytes = b"", prev_self: bool = False) -> bytes:
    """A PDF with ``objects`` (numbered from 1, 1 = the catalog) and a correct xref table; the tests'
    hand-made PDFs are all built by this one function."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    prev = b" /Prev %d" % xref if prev_self else b""
    out.write(b"trailer\n<< /Size %d /Root 1 0 R%s%s >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, prev, trailer_extra, xref))
    return out.getvalue()


def page_tree_loop_pdf(path: Path) -> Path:
    path.write_bytes(pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R >>",
                           b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                           b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]))
    return path


def xref_loop_pdf(path: Path) -> Path:
    path.write_bytes(pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R >>",
                           b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                           b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"], prev_self=True))
    return path


def one_pixel_png(path: Path) -> Path:
    Image.new("L", (1, 1), 255).save(path)
    return path


def frames_tiff(path: Path, frames: int = 12, side: int = 8000) -> Path:
    """``frames`` white side×side frames; each frame decoded is side² bytes (64 MB at 8000)."""
    page = Image.new("L", (side, side), 255)
    page.save(path, save_all=True, append_images=[page] * (frames - 1), compression="tiff_adobe_deflate")
    return path


def big_png(path: Path, side: int = 8900) -> Path:
    Image.new("L", (side, side), 255).save(path, optimize=False)
    return path


def hog_extract(path: Path) -> object:
    """An extractor that tries to hold ``GOUJI_HOG_MB`` (default 1024) MiB: hits the horse's limit."""
    import os

    import numpy as np

    block = np.ones(int(os.environ.get("GOUJI_HOG_MB", "1024")) * 1024 * 1024, dtype=np.uint8)
    raise AssertionError(f"allocated {block.nbytes} bytes: no memory limit in effect")
