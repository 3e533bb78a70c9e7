"""Helpers shared by the geometry conditions: which page holds a table, plain-scan ageing.

Page indexes are 0-based here (PIL image lists); text search uses the born-digital PDF's layer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.conditions._render import add_noise, jpeg_roundtrip, rotate

TABLE_THREE_HEADING = "收到和处理政府信息公开申请"


def page_texts(pdf: Path) -> list[str]:
    """The text layer of every page of ``pdf``."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def page_with(pdf: Path, needle: str) -> int:
    """Index of the first page whose text holds ``needle`` (0 when none does)."""
    for i, text in enumerate(page_texts(pdf)):
        if needle in text.replace(" ", "").replace("\n", ""):
            return i
    return 0


def plain_scan(page: Image.Image, rng: np.random.Generator, max_skew: float = 1.5) -> Image.Image:
    """A greyscale page aged like an office scan: slight skew, noise, JPEG."""
    return jpeg_roundtrip(add_noise(rotate(page, float(rng.uniform(-max_skew, max_skew))), rng))
