"""Tables pasted as screenshots into a born-digital report: the prose keeps its text layer.

Every ruled table of every page (pdfplumber's table finder, PDF points) is rendered at a screen
resolution (96–150 dpi, anti-aliased), passed through JPEG, and pasted back over its own area
as an image; the table's text and ruling objects are removed from the page, so the text layer
holds the prose only. The printed values (the truth) are unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.conditions._render import jpeg_roundtrip

NAME = "screenshot"
DESCRIPTION = "tables pasted as 96–150 dpi JPEG screenshots into a digital report (prose keeps its text)"

MARGIN_PT = 3.0   # the screenshot reaches this far beyond the table's outer rulings


def table_boxes(pdf: Path) -> list[list[tuple[float, float, float, float]]]:
    """Per page, the ruled tables' boxes ``(x0, top, x1, bottom)`` in PDF points, origin top-left."""
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:
        return [[tuple(t.bbox) for t in page.find_tables()] for page in doc.pages]


def _inside(bounds: tuple[float, float, float, float], box: tuple[float, float, float, float],
            height: float) -> bool:
    """Whether a pdfium object's bounds (left, bottom, right, top; origin bottom-left) lie in ``box``."""
    left, bottom, right, top = bounds
    cx, cy = (left + right) / 2, height - (bottom + top) / 2
    x0, y0, x1, y1 = box
    return x0 - MARGIN_PT <= cx <= x1 + MARGIN_PT and y0 - MARGIN_PT <= cy <= y1 + MARGIN_PT


def generate(pdf: Path, out_dir: Path, stem: str, rng: np.random.Generator) -> Path:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    boxes = table_boxes(pdf)
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for index, page_boxes in enumerate(boxes):
            if not page_boxes:
                continue
            page = doc[index]
            width, height = page.get_size()
            dpi = float(rng.uniform(96, 150))
            quality = int(rng.integers(70, 93))
            picture = page.render(scale=dpi / 72).to_pil().convert("RGB")
            for obj in list(page.get_objects(max_depth=1)):
                if obj.type in (pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH) and any(
                        _inside(obj.get_bounds(), box, height) for box in page_boxes):
                    page.remove_obj(obj)
            for x0, y0, x1, y1 in page_boxes:
                _paste(doc, page, picture, (x0 - MARGIN_PT, y0 - MARGIN_PT, x1 + MARGIN_PT, y1 + MARGIN_PT),
                       dpi, quality, height)
            page.gen_content()
        path = out_dir / f"{stem}.screenshot.pdf"
        doc.save(str(path))
    finally:
        doc.close()
    return path


def _paste(doc: object, page: object, picture: object, box: tuple[float, float, float, float],
           dpi: float, quality: int, height: float) -> None:
    """Crop ``box`` (points, top-left origin) of the page ``picture`` rendered at ``dpi`` and place
    it as a JPEG image over the same area."""
    import io

    import pypdfium2 as pdfium

    x0, y0, x1, y1 = box
    scale = dpi / 72
    crop = jpeg_roundtrip(picture.crop((round(x0 * scale), round(y0 * scale),
                                        round(x1 * scale), round(y1 * scale))), quality)
    buffer = io.BytesIO()
    crop.save(buffer, "JPEG", quality=95)
    buffer.seek(0)
    image = pdfium.PdfImage.new(doc)
    image.load_jpeg(buffer, inline=True)
    image.set_matrix(pdfium.PdfMatrix(a=x1 - x0, d=y1 - y0, e=x0, f=height - y1))
    page.insert_obj(image)
