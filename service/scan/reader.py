"""Read one scanned page image into a ``Page``: deskew → rulings/cells → per-cell OCR → free text.

Input: 8-bit page at ``settings.OCR_RENDER_DPI``, RGB (H×W×3) or greyscale (H×W). Coloured ink
(seals, pen ticks, signatures) is separated first (``colour.separate_ink``); rulings and digits
are read from the black print only. Output coordinates are pixels of the *deskewed* image (same
size as the input), origin top-left — the image returned alongside the ``Page`` (in the input's
colours) is the one a review UI must crop from.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models.base import DigitReader, LineRecognizer, PageTextDetector
from service import settings
from service.model import Page, PageMode, Source, Token
from service.scan.cell_reading import read_cells
from service.scan.cells import cell_crops, clean_ink
from service.scan.colour import separate_ink, straighten_colour
from service.scan.creases import heal_white_lines
from service.scan.deskew import binarise, deskew, normalise_lighting, straighten
from service.scan.dropouts import at_half
from service.scan.lines import Grid, find_grid


def noise_level(norm: np.ndarray) -> float:
    """Grey-level noise of a normalised page: std of the residual of a 3×3 median, on paper only."""
    small = norm[::2, ::2]
    resid = small.astype(np.int16) - cv2.medianBlur(small, 3).astype(np.int16)
    paper = small > 200
    return float(resid[paper].std()) if paper.any() else 0.0


def _table_mask(grid: Grid) -> np.ndarray:
    """255 where the page belongs to a table (cell boxes and rulings, slightly dilated)."""
    mask = cv2.dilate(grid.mask, np.ones((5, 5), np.uint8))
    for x0, y0, x1, y1 in grid.cells:
        mask[y0:y1, x0:x1] = 255
    return mask


def text_bands(outside: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges ``[y0, y1)`` of the page that hold ink outside the tables, padded and merged.

    One band covering the whole page when the bands would cover most of it anyway.
    """
    h = outside.shape[0]
    rows = np.flatnonzero(np.count_nonzero(outside, axis=1) >= settings.SCAN_FREE_TEXT_ROW_MIN_INK_PX)
    if rows.size == 0:
        return []
    pad, gap = settings.SCAN_FREE_TEXT_BAND_PAD_PX, settings.SCAN_FREE_TEXT_BAND_GAP_PX
    bands = [[int(rows[0]), int(rows[0]) + 1]]
    for r in rows[1:]:
        if r - bands[-1][1] <= gap:
            bands[-1][1] = int(r) + 1
        else:
            bands.append([int(r), int(r) + 1])
    out = [(max(0, a - pad), min(h, b + pad)) for a, b in bands]
    if sum(b - a for a, b in out) > settings.SCAN_FREE_TEXT_FULL_PAGE_RATIO * h:
        return [(0, h)]
    return out


def free_text_tokens(norm: np.ndarray, ink: np.ndarray, table: np.ndarray,
                     detector: PageTextDetector) -> list[Token]:
    """One token per text line found outside the tables (det+rec on bands of such ink).

    bbox = line box in page pixels.
    """
    outside = clean_ink(cv2.bitwise_and(ink, cv2.bitwise_not(table)))
    if int(np.count_nonzero(outside)) < settings.SCAN_FREE_TEXT_MIN_INK_PX:
        return []
    page = norm.copy()
    page[table > 0] = 255
    tokens: list[Token] = []
    for y0, y1 in text_bands(outside):
        for b in detector.detect_and_read(page[y0:y1]):
            x0, by0, x1, by1 = b.bbox
            tokens.append(Token(text=b.text, bbox=(x0, by0 + y0, x1, by1 + y0), confidence=b.score,
                                source=Source.OCR))
    return tokens


def _recognizers(recognizer: LineRecognizer | None,
                 digits: DigitReader | None) -> tuple[LineRecognizer, DigitReader]:
    """The given engines, or the process-wide defaults (lazy import; may raise EngineUnavailable)."""
    if recognizer is None:
        from models.rapid_ocr import get_rapid_engine

        recognizer = get_rapid_engine()
    if digits is None:
        from models.tesseract import get_digit_reader

        digits = get_digit_reader()
    return recognizer, digits


def _default_detector() -> PageTextDetector:
    from models.rapid_ocr import get_rapid_engine

    return get_rapid_engine()


@dataclass(frozen=True)
class TablesRead:
    """A scanned page read up to its tables (``read_scanned_tables``): ``page`` holds the table
    cells' tokens only; ``straight`` is the deskewed image in the input's colours, ``norm`` its
    lighting-normalised grey print, ``ink`` the ink mask (255) and ``table`` the mask (255) of
    the page's tables. All arrays are page pixels of the deskewed page, origin top-left."""

    page: Page
    straight: np.ndarray
    norm: np.ndarray
    ink: np.ndarray
    table: np.ndarray


def read_scanned_tables(image: np.ndarray, number: int, *, recognizer: LineRecognizer | None = None,
                        digits: DigitReader | None = None, lost_lines: np.ndarray | None = None) -> TablesRead:
    """Deskew one RGB or greyscale page image and read its tables (``number`` is 1-based).

    Tokens: one per inked table cell (bbox = cell box, numbers with a tesseract ``alt_text``;
    ink without a reading → text ``""`` and confidence 0.0). ``skew_degrees`` is the skew found
    in the input, counter-clockwise positive; ``straight`` has been rotated by its opposite.
    Engines default to the cached rapidocr and tesseract adapters. ``lost_lines`` (uint8, 255 =
    a fax scan line lost in transmission, ``image``'s pixels) is healed across the digits and
    puts the cells whose text it crosses in doubt (``cells.cell_crops``).
    """
    if image.dtype != np.uint8 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError("read_scanned_tables expects an 8-bit greyscale or RGB image")
    if lost_lines is not None and lost_lines.shape != image.shape[:2]:
        raise ValueError(f"read_scanned_tables: lost_lines is {lost_lines.shape}, the image {image.shape[:2]}")
    rec, dig = _recognizers(recognizer, digits)
    print_grey, angle = deskew(separate_ink(image).grey)
    straight = straighten_colour(image, angle)
    norm = normalise_lighting(print_grey)
    ink = binarise(norm)
    lost = None if lost_lines is None else at_half(straighten(lost_lines, angle))
    grid = find_grid(ink, lost)
    norm, healed = heal_white_lines(norm, ink, grid.rulings)
    if healed:
        ink = binarise(norm)
    denoise = noise_level(norm) > settings.SCAN_NOISE_STD_MEDIAN
    crops = [c for c in (cell_crops(norm, ink, grid.mask, b, denoise, grid.rejected, lost) for b in grid.cells) if c]
    tokens = read_cells(crops, rec, dig)
    h, w = straight.shape[:2]
    note = "" if grid.cells else "no ruled table found: tokens are det+rec text lines"
    page = Page(number=number, width=float(w), height=float(h), mode=PageMode.OCR, tokens=tuple(tokens),
                rulings=grid.rulings, skew_degrees=-angle, note=note)
    return TablesRead(page=page, straight=straight, norm=norm, ink=ink, table=_table_mask(grid))


def with_free_text(read: TablesRead, detector: PageTextDetector | None = None) -> Page:
    """``read.page`` with one token per free text line outside its tables appended."""
    det = detector or _default_detector()
    tokens = read.page.tokens + tuple(free_text_tokens(read.norm, read.ink, read.table, det))
    return read.page.model_copy(update={"tokens": tokens})


def read_scanned_page(image: np.ndarray, number: int, *, recognizer: LineRecognizer | None = None,
                      digits: DigitReader | None = None,
                      detector: PageTextDetector | None = None,
                      free_text: bool = True) -> tuple[Page, np.ndarray]:
    """(``Page`` in OCR mode, deskewed image) for one RGB or greyscale page image; ``number`` is
    1-based. The deskewed image keeps the input's colours (and shape).

    Tokens: the table cells (``read_scanned_tables``), then one per free text line outside the
    tables (``with_free_text``). ``free_text=False`` skips the text outside tables (the slowest
    part of a prose page) when the caller knows it needs none.
    """
    read = read_scanned_tables(image, number, recognizer=recognizer, digits=digits)
    return (with_free_text(read, detector) if free_text else read.page), read.straight
