"""The PDF text layer as "one more engine": words and ruling lines with coordinates, no OCR.

Glyphs, words and edges come from pypdfium2 (``models.pdfium_layer``, C) in pdfplumber's terms;
pages outside what that reader replicates exactly are read with pdfplumber (pdfminer) instead,
with the same results. Input coordinates are PDF points (origin top-left); output is pixels at
the working DPI so that digital and scanned pages share one coordinate system.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models.pdf_structure import PdfStructure
from models.pdfium_layer import (
    UNREPLICABLE,
    PageLayer,
    PdfChar,
    PdfEdge,
    PdfWord,
    extract_words,
    page_layer,
    text_and_images,
)
from service import settings
from service.errors import CorruptInput
from service.model import Page, PageMode, Ruling, Source, Token

_INVISIBLE_RENDER_MODE = 3


@dataclass(frozen=True)
class TextLayerCheck:
    """Whether a page's text layer can be trusted as the page's visible content."""

    usable: bool
    chars: int
    invisible_ratio: float
    image_coverage: float
    reason: str


def read_layer(pdfium_page: Any, structure: PdfStructure | None, number: int,
               plumber_page: Callable[[], Any]) -> PageLayer:
    """Page ``number``'s glyphs and edges: pdfium when it reproduces pdfplumber exactly, else pdfplumber.

    A page that no description can make exact (``UNREPLICABLE``) goes to pdfplumber at once,
    without parsing the file's structure with pdfminer for a second description."""
    for info in structure.infos(number, pdfium_page) if structure is not None else ():
        layer = page_layer(pdfium_page, info)
        if isinstance(layer, PageLayer):
            return layer
        if layer is UNREPLICABLE:
            break
    try:
        page = plumber_page()
    except Exception as exc:  # noqa: BLE001 — as ``check_pdf_structure`` once found at open (pdfminer's
        # parser or page tree failing on a file pdfium reads): a permanent error, not a crash
        raise CorruptInput(f"the PDF's structure is broken ({type(exc).__name__}: {str(exc)[:120]})") from exc
    return plumber_layer(page)


def plumber_layer(plumber_page: Any) -> PageLayer:
    """The same layer read with pdfplumber (rotated pages, ligatures, Type3 fonts, forms …)."""
    words = plumber_page.extract_words(x_tolerance=settings.PDF_WORD_X_TOLERANCE_PT,
                                       y_tolerance=settings.PDF_WORD_Y_TOLERANCE_PT, keep_blank_chars=False)
    return PageLayer(
        width=float(plumber_page.width),
        height=float(plumber_page.height),
        chars=tuple(PdfChar(c["text"], c["x0"], c["x1"], c["top"], c["bottom"]) for c in plumber_page.chars),
        edges=tuple(PdfEdge(e["x0"], e["x1"], e["top"], e["bottom"]) for e in plumber_page.edges),
        words=tuple(PdfWord(w["text"], w["x0"], w["x1"], w["top"], w["bottom"]) for w in words),
    )


def check_text_layer(layer: PageLayer, pdfium_page: Any) -> TextLayerCheck:
    """A layer is usable when it has enough real glyphs and is not an invisible OCR overlay.

    ``image_coverage`` is the fraction of the page area covered by the largest image.
    """
    n = len(layer.chars)
    cid = sum(1 for c in layer.chars if c.text.startswith("(cid:"))
    invisible, coverage = _pdfium_text_and_images(pdfium_page)
    if n < settings.MIN_TEXT_CHARS_PER_PAGE:
        return TextLayerCheck(False, n, invisible, coverage, f"only {n} characters in the text layer")
    if cid / n > settings.TEXT_LAYER_MAX_CID_RATIO:
        return TextLayerCheck(False, n, invisible, coverage, "text layer has glyphs without unicode")
    if invisible > settings.TEXT_LAYER_MAX_INVISIBLE_RATIO:
        return TextLayerCheck(False, n, invisible, coverage,
                              "text layer is invisible (an OCR overlay on a scanned image)")
    return TextLayerCheck(True, n, invisible, coverage, "")


def _pdfium_text_and_images(pdfium_page: Any) -> tuple[float, float]:
    """(share of text objects drawn invisibly, largest image's share of the page area)."""
    fast = text_and_images(pdfium_page)
    if fast is not None:
        return fast
    import pypdfium2.raw as pdfium_c

    width, height = pdfium_page.get_size()
    page_area = max(width * height, 1.0)
    texts = invisible = 0
    largest = 0.0
    for obj in pdfium_page.get_objects(max_depth=2):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
            texts += 1
            if pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) == _INVISIBLE_RENDER_MODE:
                invisible += 1
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            left, bottom, right, top = obj.get_bounds()
            largest = max(largest, (right - left) * (top - bottom) / page_area)
    return (invisible / texts if texts else 0.0), min(largest, 1.0)


def read_text_page(layer: PageLayer, number: int, dpi: int = settings.WORKING_DPI) -> Page:
    """Words and rulings of one page, scaled from points to pixels at ``dpi``."""
    scale = dpi / 72.0
    words = layer.words if layer.words is not None else extract_words(
        layer.chars, settings.PDF_WORD_X_TOLERANCE_PT, settings.PDF_WORD_Y_TOLERANCE_PT)
    # Validated construction: pydantic-core checks the five fields faster than model_construct
    # fills them in Python (~4 µs against ~6.5 µs a token, ~100 tokens a page).
    tokens = tuple(
        Token(
            text=w.text,
            bbox=(w.x0 * scale, w.top * scale, w.x1 * scale, w.bottom * scale),
            confidence=settings.TEXT_CONFIDENCE,
            alt_text=None,
            source=Source.PDF_TEXT,
        )
        for w in words
    )
    return Page(
        number=number,
        width=float(layer.width) * scale,
        height=float(layer.height) * scale,
        mode=PageMode.TEXT,
        tokens=tokens,
        rulings=tuple(_rulings(layer.edges, scale)),
    )


def _rulings(edges: tuple[PdfEdge, ...], scale: float) -> list[Ruling]:
    """Horizontal and vertical edges of lines and rectangles, longer than the minimum length."""
    out: list[Ruling] = []
    min_len = settings.RULING_MIN_LENGTH_PX / scale
    for e in edges:
        x0, x1, top, bottom = e.x0, e.x1, e.top, e.bottom
        if max(x1 - x0, bottom - top) < min_len:
            continue
        if (x1 - x0) >= (bottom - top):
            y = (top + bottom) / 2
            out.append(Ruling(x0=x0 * scale, y0=y * scale, x1=x1 * scale, y1=y * scale))
        else:
            x = (x0 + x1) / 2
            out.append(Ruling(x0=x * scale, y0=top * scale, x1=x * scale, y1=bottom * scale))
    return out
