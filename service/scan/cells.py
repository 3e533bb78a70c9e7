"""Cell crops → text-line crops → readings (rapidocr rec per line, tesseract digits for numbers).

Inputs are the lighting-normalised deskewed page (uint8, paper ≈ 255), its ink mask (255 = ink)
and the rulings mask, all at ``settings.OCR_RENDER_DPI``; boxes are ``(x0, y0, x1, y1)`` pixels
of that image with exclusive ``x1``/``y1``. Line crops handed to the engines are greyscale,
padded with paper, upscaled when their glyphs are small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

from models.base import DigitReader, LineRecognizer
from service import settings
from service.model import Source, Token
from service.scan.creases import heal_cut_strokes
from service.scan.rejected_lines import clear_of, crossed_by, hides_no_stroke
from service.scan.ticks import drop_tick

Box = tuple[int, int, int, int]
_NUMERIC = re.compile(settings.SCAN_NUMERIC_PATTERN)
_LOOKALIKES = str.maketrans(settings.SCAN_DIGIT_LOOKALIKES)


def as_digits(text: str) -> str:
    """``text`` with digit look-alikes mapped to digits (``SCAN_DIGIT_LOOKALIKES``; a lone
    ``SCAN_LONE_ZERO_LOOKALIKES`` glyph is a 0)."""
    return "0" if text in settings.SCAN_LONE_ZERO_LOOKALIKES else text.translate(_LOOKALIKES)


@dataclass(frozen=True)
class CellCrops:
    """One inked cell: its box, one crop per text line, and one crop of all its ink.

    ``doubt``: why the reading may be damaged (a rejected non-table line or a lost fax scan line
    crosses the text), or "". ``clear``: the lines pass the text without touching it
    (``clear_of``) or hide no stroke along them (``hides_no_stroke``): the doubt is lifted when
    both engines read exactly the same number (``read_cells``). ``clear_if_zeros``: only a lost
    scan line may have taken a stroke (a one-row bar: a 7 left as a "1"); lifted too when both
    engines read the same zeros, since no digit that lost a bar is read as a 0.
    """

    box: Box
    lines: tuple[np.ndarray, ...]
    whole: np.ndarray
    doubt: str = ""
    clear: bool = False
    clear_if_zeros: bool = False


def clean_ink(ink: np.ndarray) -> np.ndarray:
    """Ink mask without specks (components up to ``SCAN_SPECK_MAX_AREA_PX``)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] > settings.SCAN_SPECK_MAX_AREA_PX
    keep[0] = False
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def clean_cell_ink(ink: np.ndarray) -> np.ndarray:
    """A cell's ink without specks and without small marks far from the text (noise dots that
    would otherwise stretch a line crop). A decimal point next to its digits is kept."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    keep = area > settings.SCAN_SPECK_MAX_AREA_PX
    keep[0] = False
    big = np.flatnonzero(keep & (area > settings.SCAN_ISOLATED_MARK_MAX_AREA_PX))
    if big.size:
        x, y = stats[big, 0], stats[big, 1]
        x1, y1 = x + stats[big, 2], y + stats[big, 3]
        for i in np.flatnonzero(keep & (area <= settings.SCAN_ISOLATED_MARK_MAX_AREA_PX)):
            sx, sy, sw, sh = (int(v) for v in stats[i, :4])
            dx = np.maximum(0, np.maximum(x - (sx + sw), sx - x1))
            dy = np.maximum(0, np.maximum(y - (sy + sh), sy - y1))
            keep[i] = bool((np.maximum(dx, dy) <= settings.SCAN_ISOLATED_MARK_GAP_PX).any())
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def loose_lines(ink: np.ndarray) -> np.ndarray:
    """The components of a cell's ink (``ink``: cell mask, 255 = ink) that are horizontal lines,
    not text: at most ``SCAN_CELL_LINE_MAX_THICK_PX`` high and at least ``SCAN_CELL_LINE_MIN_REL_LEN``
    × the cell's width and ``SCAN_CELL_LINE_MIN_LEN_PX`` long (upright strokes are left alone). A
    fold crease that no line finder saw, running through a tall cell under its number, would
    otherwise join the number's line crop ("0" over a line reads "°"). A crease touching the
    digits is one component with them and stays."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    w = ink.shape[1]
    cw, ch = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    rel, thick = settings.SCAN_CELL_LINE_MIN_REL_LEN, settings.SCAN_CELL_LINE_MAX_THICK_PX
    least = settings.SCAN_CELL_LINE_MIN_LEN_PX
    line = (cw >= rel * w) & (cw >= least) & (ch <= thick)
    line[0] = False
    if not line.any():
        return np.zeros_like(ink)
    return np.where(line[labels], 255, 0).astype(np.uint8)


def _without_loose_lines(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(``ink`` less its ``loose_lines``, those lines)."""
    lines = loose_lines(ink)
    return (cv2.bitwise_and(ink, cv2.bitwise_not(lines)) if lines.any() else ink), lines


def text_bands(ink: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges ``[y0, y1)`` of the text lines in a cell's ink, by horizontal projection.

    Gaps up to ``SCAN_TEXT_LINE_MERGE_GAP_PX`` are inside glyphs; bands lower than
    ``SCAN_TEXT_LINE_MIN_REL_H`` × the tallest band are joined to their nearest neighbour.
    """
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return []
    bands: list[list[int]] = [[int(rows[0]), int(rows[0]) + 1]]
    for r in rows[1:]:
        if r - bands[-1][1] <= settings.SCAN_TEXT_LINE_MERGE_GAP_PX:
            bands[-1][1] = int(r) + 1
        else:
            bands.append([int(r), int(r) + 1])
    return [(a, b) for a, b in _merge_low_bands(bands)]


def _merge_low_bands(bands: list[list[int]]) -> list[list[int]]:
    while len(bands) > 1:
        tallest = max(b - a for a, b in bands)
        low = [i for i, (a, b) in enumerate(bands) if b - a < settings.SCAN_TEXT_LINE_MIN_REL_H * tallest]
        if not low:
            break
        i = min(low, key=lambda k: bands[k][1] - bands[k][0])
        gap_up = bands[i][0] - bands[i - 1][1] if i > 0 else 1 << 30
        gap_down = bands[i + 1][0] - bands[i][1] if i + 1 < len(bands) else 1 << 30
        j = i - 1 if gap_up <= gap_down else i + 1
        lo, hi = min(i, j), max(i, j)
        bands[lo:hi + 1] = [[bands[lo][0], bands[hi][1]]]
    return bands


def _pad_scale(grey: np.ndarray, glyph_h: int, target_h: int) -> np.ndarray:
    """Upscale so that glyphs are at least ``target_h`` tall, then pad with paper."""
    if 0 < glyph_h < target_h:
        f = target_h / glyph_h
        grey = cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    p = settings.SCAN_CROP_PAD_PX
    return cv2.copyMakeBorder(grey, p, p, p, p, cv2.BORDER_CONSTANT, value=255)


def _crop(grey: np.ndarray, ink: np.ndarray, y0: int, y1: int) -> np.ndarray:
    """The grey rows ``[y0, y1)`` cut to the columns that hold ink, scaled and padded for rec."""
    cols = np.flatnonzero(ink[y0:y1].any(axis=0))
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    return _pad_scale(grey[y0:y1, x0:x1], y1 - y0, settings.SCAN_MIN_GLYPH_PX)


def _faint_ink(norm: np.ndarray, not_lines: np.ndarray) -> np.ndarray | None:
    """The cell's ink at the faint threshold (``SCAN_FAINT_INK_THRESHOLD``), when it holds a
    glyph-sized mark (``SCAN_FAINT_GLYPH_MIN_H_PX`` tall): a pale digit is ink, not a blank."""
    faint = np.where(norm < int(255 * settings.SCAN_FAINT_INK_THRESHOLD), 255, 0).astype(np.uint8)
    away = cv2.erode(not_lines, np.ones((5, 5), np.uint8))  # the pale edges of rulings are no ink
    faint = clean_cell_ink(cv2.bitwise_and(faint, away))
    if int(np.count_nonzero(faint)) < settings.SCAN_INK_NOISE_FLOOR_PX:
        return None
    _, _, stats, _ = cv2.connectedComponentsWithStats(faint, connectivity=8)
    h, w = faint.shape
    x, y, cw, ch = (stats[1:, k] for k in range(4))
    inside = (x > 1) & (y > 1) & (x + cw < w - 1) & (y + ch < h - 1)  # residue hugs the cell's edge
    glyph = inside & (ch >= settings.SCAN_FAINT_GLYPH_MIN_H_PX)
    return faint if bool(glyph.any()) else None


def lines_beyond_text(rej: np.ndarray, cell_ink: np.ndarray) -> np.ndarray:
    """The rejected non-table lines of a cell (``rej``, cell mask) that reach beyond its text.

    A run of digits' bottom strokes ("12322" on a 1-bit scan) can be found as a short line and
    rejected as no ruling; it lies inside the text's box, while a streak or crease crosses the
    cell. A component of ``rej`` within ``SCAN_REJECTED_NEAR_PX`` of the box of the ink left
    without any rejected line (``cell_ink``: the cell's ink less its rulings) is the text's own
    stroke: it stays ink and puts nothing in doubt.
    """
    if not rej.any():
        return rej
    rest = clean_cell_ink(cv2.bitwise_and(cell_ink, cv2.bitwise_not(rej)))
    ys, xs = np.nonzero(rest)
    if ys.size == 0:
        return rej
    n = settings.SCAN_REJECTED_NEAR_PX
    tx0, ty0, tx1, ty1 = int(xs.min()) - n, int(ys.min()) - n, int(xs.max()) + n, int(ys.max()) + n
    count, labels, stats, _ = cv2.connectedComponentsWithStats(rej, connectivity=8)
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    inside = (x >= tx0) & (y >= ty0) & (x + stats[:, cv2.CC_STAT_WIDTH] - 1 <= tx1) & (
        y + stats[:, cv2.CC_STAT_HEIGHT] - 1 <= ty1)
    inside[0] = True  # background
    if count == 1 or not inside[1:].any():
        return rej
    return np.where(inside[labels], 0, rej).astype(np.uint8)


def cell_crops(norm: np.ndarray, ink: np.ndarray, lines: np.ndarray, box: Box,
               denoise: bool, rejected: np.ndarray | None = None,
               lost: np.ndarray | None = None) -> CellCrops | None:
    """Crops of one cell, or ``None`` when the cell holds no ink (it is blank).

    ``rejected`` (optional, page mask, 255 = a line judged not to be a table ruling) is removed
    from the ink like the rulings; when it crosses the text the crops carry a ``doubt``. A cell
    whose ink is too pale for the ink mask but holds a glyph-sized mark at the faint threshold is
    read from that faint ink (ink is never a blank; unreadable ink becomes an empty reading).
    """
    i = settings.SCAN_CELL_INSET_PX
    x0, y0, x1, y1 = box[0] + i, box[1] + i, box[2] - i, box[3] - i
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    rulings = drop = lines[y0:y1, x0:x1]
    rej = rejected[y0:y1, x0:x1] if rejected is not None else None
    source, joined = norm[y0:y1, x0:x1], None
    if rej is not None:
        rej = lines_beyond_text(rej, cv2.bitwise_and(ink[y0:y1, x0:x1], cv2.bitwise_not(drop)))
        drop = cv2.bitwise_or(drop, rej)
        if rej.any():
            source, joined = heal_cut_strokes(source, ink[y0:y1, x0:x1], cv2.bitwise_and(rej, cv2.bitwise_not(rulings)))
    gap = lost[y0:y1, x0:x1] if lost is not None and lost[y0:y1, x0:x1].any() else None
    if gap is not None:  # a lost fax scan line: the strokes it cut are joined across it
        source, filled = heal_cut_strokes(source, ink[y0:y1, x0:x1], gap)
        joined = filled if joined is None else cv2.bitwise_or(joined, filled)
    not_lines = cv2.bitwise_not(drop)
    inked = cv2.bitwise_and(ink[y0:y1, x0:x1], not_lines)
    if joined is not None:
        inked = cv2.bitwise_or(inked, joined)
    cell_ink, creases = _without_loose_lines(clean_cell_ink(inked))
    if int(np.count_nonzero(cell_ink)) < settings.SCAN_CELL_MIN_INK_PX:
        faint = _faint_ink(norm[y0:y1, x0:x1], not_lines)
        if faint is None:
            return None
        cell_ink, more = _without_loose_lines(faint)
        if int(np.count_nonzero(cell_ink)) < settings.SCAN_CELL_MIN_INK_PX:
            return None  # the faint mark was a line too
        creases = cv2.bitwise_or(creases, more)
    marked = cell_ink
    cell_ink = drop_tick(cell_ink)
    grey = source.copy()
    if denoise:
        grey = cv2.medianBlur(grey, 3)
    grey[(drop > 0) if joined is None else (rulings > 0)] = 255  # a healed cut keeps its filled pixels
    grey[creases > 0] = 255
    grey[(marked > 0) & (cell_ink == 0)] = 255
    bands = text_bands(cell_ink)
    crops = tuple(_crop(grey, cell_ink, a, b) for a, b in bands)
    whole = _crop(grey, cell_ink, bands[0][0], bands[-1][1])
    doubt, clear, lost_only = _line_doubt(rej, gap, cell_ink)
    return CellCrops(box=box, lines=crops, whole=whole, doubt=doubt, clear=clear, clear_if_zeros=lost_only)


_LINE_REASON = "a line that is not a table ruling (streak, crease) crosses the text"
_LOST_REASON = "a fax scan line lost in transmission crosses the text"


def _line_doubt(rej: np.ndarray | None, gap: np.ndarray | None,
                cell_ink: np.ndarray) -> tuple[str, bool, bool]:
    """(doubt, clear, clear if zeros) of a cell whose text a rejected line (``rej``) or a lost fax
    scan line (``gap``) may cross (cell masks, 255 = set): each crossing one adds its reason;
    ``clear`` when every crossing one is clear of the text or hides no stroke
    (``rejected_lines``); the third when only the lost line may hide one (see ``CellCrops``)."""
    line, lost = _harmless(rej, cell_ink), _harmless(gap, cell_ink)
    reasons = [reason for reason, judged in ((_LINE_REASON, line), (_LOST_REASON, lost)) if judged is not None]
    clear = bool(reasons) and line is not False and lost is not False
    return "; ".join(reasons), clear, lost is False and line is not False


def _harmless(mask: np.ndarray | None, cell_ink: np.ndarray) -> bool | None:
    """``None`` when the line ``mask`` (cell mask, or ``None``) does not cross the text, else
    whether it is clear of it or hides no stroke along it."""
    if mask is None or not crossed_by(mask, cell_ink):
        return None
    return clear_of(mask, cell_ink) or hides_no_stroke(mask, cell_ink)


def _for_tesseract(crop: np.ndarray, blur_px: float = 0.0, glyph_px: int | None = None,
                   close_px: int = 0) -> np.ndarray:
    """A digit crop for tesseract: glyphs scaled to ``glyph_px`` (default ``SCAN_TESS_GLYPH_PX``),
    Otsu-binarised, trimmed to the ink and padded with ``SCAN_TESS_PAD_PX`` of paper. ``blur_px``
    (Gaussian sigma, pixels of ``crop``) smooths the staircase edges of a 1-bit capture first;
    ``close_px`` (disc diameter, pixels of the scaled crop) then closes gaps in the strokes (a
    1-bit 0 whose thin top and bottom were lost reads "()")."""
    if blur_px > 0:
        crop = cv2.GaussianBlur(crop, (0, 0), blur_px)
    p = settings.SCAN_CROP_PAD_PX
    f = (glyph_px or settings.SCAN_TESS_GLYPH_PX) / max(crop.shape[0] - 2 * p, 1)
    crop = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    _, bw = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if close_px > 0:  # closing of the ink (black) = opening of the paper
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (close_px, close_px))
        bw = cv2.morphologyEx(bw, cv2.MORPH_OPEN, disc)
    ys, xs = np.nonzero(bw < 128)
    if ys.size:
        bw = bw[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    q = settings.SCAN_TESS_PAD_PX
    return cv2.copyMakeBorder(bw, q, q, q, q, cv2.BORDER_CONSTANT, value=255)


# (blur sigma, glyph height or None, closing disc, kept also where nothing was read so far)
_RETRIES = ((settings.SCAN_TESS_RETRY_BLUR_PX, None, 0, True),
            (0.0, settings.SCAN_TESS_RETRY_GLYPH_PX, 0, True),
            (settings.SCAN_TESS_CLOSE_BLUR_PX, None, settings.SCAN_TESS_CLOSE_PX, False))


def second_opinions(digits: DigitReader, wholes: list[np.ndarray], texts: list[str]) -> list[str]:
    """Tesseract's digit reading of each numeric cell (``wholes``: its whole-ink crops), given
    the first engine's ``texts``.

    A reading that is empty or differs from the first engine's is read again, in the ways of
    ``_RETRIES`` in turn, while it still differs: from a smoothed crop
    (``SCAN_TESS_RETRY_BLUR_PX``: on a 1-bit page the staircase edges of a glyph make tesseract
    read nothing or a stray digit, a hollow 0 as "9", "00"), with glyphs scaled larger
    (``SCAN_TESS_RETRY_GLYPH_PX``: a faxed 0 at 100 dpi is ~13 px tall, its staircase edges blown
    up to 28 px), with its strokes closed (``SCAN_TESS_CLOSE_BLUR_PX``, ``SCAN_TESS_CLOSE_PX``: a
    1-bit 0 that lost its thin top and bottom). A retry is kept when it reads exactly the first
    engine's digits (tesseract's steady view agrees) or, for the first two, when nothing was read
    so far; otherwise the disagreeing reading stands.
    """
    out = [r.text for r in digits.read_digits([_for_tesseract(w) for w in wholes])]
    wanted = [as_digits(t) for t in texts]
    for blur, glyph, close, fills_empty in _RETRIES:
        again = [i for i, (alt, want) in enumerate(zip(out, wanted, strict=True)) if alt != want]
        if not again:
            break
        retry = digits.read_digits([_for_tesseract(wholes[i], blur, glyph, close) for i in again])
        for i, r in zip(again, retry, strict=True):
            if r.text == wanted[i] or (fills_empty and not out[i]):
                out[i] = r.text
    return out


def wants_digit_reading(text: str) -> bool:
    """Digits, possibly with one decimal point or a leading minus (``SCAN_NUMERIC_PATTERN``),
    counting letters that OCR gives for digits (``as_digits``: "1l", "O", a lone "a")."""
    return bool(_NUMERIC.match(as_digits(text)))


def read_cells(cells: list[CellCrops], recognizer: LineRecognizer,
               digits: DigitReader | None) -> list[Token]:
    """One OCR token per inked cell: bbox = cell box, text = lines joined without spaces.

    ``confidence`` is the lowest line score; a cell with ink but no reading gets ``""`` and 0.0.
    Numeric readings get ``alt_text`` from ``digits`` (when given).
    """
    flat = [c for cell in cells for c in cell.lines]
    readings = recognizer.recognize(flat) if flat else []
    tokens: list[Token] = []
    numeric: list[int] = []
    k = 0
    for cell in cells:
        parts = readings[k:k + len(cell.lines)]
        k += len(cell.lines)
        text = "".join("".join(r.text.split()) for r in parts)
        conf = min((r.score for r in parts), default=0.0) if text else 0.0
        if wants_digit_reading(text):
            numeric.append(len(tokens))
        tokens.append(Token(text=text, bbox=tuple(float(v) for v in cell.box), confidence=conf,
                            source=Source.OCR, doubt=cell.doubt))
    if digits is not None and numeric:
        alts = second_opinions(digits, [cells[i].whole for i in numeric], [tokens[i].text for i in numeric])
        for i, alt in zip(numeric, alts, strict=True):
            tokens[i] = _with_alt(tokens[i], alt)
            zeros = set(alt) == {"0"}
            if tokens[i].text == alt and (cells[i].clear or (cells[i].clear_if_zeros and zeros)):  # engines alike
                tokens[i] = tokens[i].model_copy(update={"doubt": ""})
    return tokens


def _with_alt(token: Token, alt: str) -> Token:
    """``token`` with its digit second opinion; a reading with digit look-alikes ("1l", "o")
    becomes the digits when the second engine reads exactly those digits."""
    mapped = as_digits(token.text)
    text = mapped if mapped != token.text and mapped == alt else token.text
    return token.model_copy(update={"alt_text": alt, "text": text})
