"""Cell crops → text-line crops (read by ``cell_reading.read_cells``).

Inputs are the lighting-normalised deskewed page (uint8, paper ≈ 255), its ink mask (255 = ink)
and the rulings mask, all at ``settings.OCR_RENDER_DPI``; boxes are ``(x0, y0, x1, y1)`` pixels
of that image with exclusive ``x1``/``y1``. Line crops handed to the engines are greyscale,
padded with paper, upscaled when their glyphs are small.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from service import settings
from service.scan.creases import heal_cut_strokes
from service.scan.rejected_lines import clear_of, crossed_by, hidden_ink, hides_no_stroke
from service.scan.ticks import drop_tick

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class CellCrops:
    """One inked cell: its box, one crop per text line, and one crop of all its ink.

    ``doubt``: why the reading may be damaged (a rejected non-table line or a lost fax scan line
    crosses the text), or "". ``clear``: the lines pass the text without touching it
    (``clear_of``) or hide no stroke along them (``hides_no_stroke``): the doubt is lifted when
    both engines read exactly the same number (``read_cells``). ``clear_if_zeros``: only a lost
    scan line may have taken a stroke (a one-row bar: a 7 left as a "1"); lifted too when both
    engines read the same zeros, since no digit that lost a bar is read as a 0. ``filled``: for a
    cell in doubt that is not ``clear``, the same cell's crops with its non-table lines inked
    where they run along the text (``rejected_lines.hidden_ink``: what the cell would show had the
    lines hidden strokes all along); the doubt is lifted too when both engines read both versions
    as the same number (``cell_reading.settle_by_filling``).
    """

    box: Box
    lines: tuple[np.ndarray, ...]
    whole: np.ndarray
    doubt: str = ""
    clear: bool = False
    clear_if_zeros: bool = False
    filled: CellCrops | None = None
    ink: np.ndarray | None = None
    hidden: np.ndarray | None = None


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
    source, joined, off_rulings = norm[y0:y1, x0:x1], None, None
    if rej is not None:
        rej = lines_beyond_text(rej, cv2.bitwise_and(ink[y0:y1, x0:x1], cv2.bitwise_not(drop)))
        drop = cv2.bitwise_or(drop, rej)
        if rej.any():
            off_rulings = cv2.bitwise_and(rej, cv2.bitwise_not(rulings))
            source, joined = heal_cut_strokes(source, ink[y0:y1, x0:x1], off_rulings)
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
    crops, whole = _line_crops(grey, cell_ink)
    doubt, clear, lost_only = _line_doubt(rej, gap, cell_ink)
    hidden = _either(off_rulings, gap) if doubt else None
    made = CellCrops(box=box, lines=crops, whole=whole, doubt=doubt, clear=clear, clear_if_zeros=lost_only,
                     ink=cell_ink, hidden=hidden)
    if not doubt or clear:
        return made
    fill = hidden_ink(hidden, cell_ink) if hidden is not None else None
    if fill is None:
        return made
    inked = np.where(fill > 0, int(np.median(grey[cell_ink > 0])), grey).astype(np.uint8)
    filled, filled_whole = _line_crops(inked, cv2.bitwise_or(cell_ink, fill))
    return replace(made, filled=CellCrops(box=box, lines=filled, whole=filled_whole))


def _line_crops(grey: np.ndarray, cell_ink: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """(one crop per text line, one crop of all the ink) of a cell's ``grey`` print, cut by its
    ``cell_ink`` (``text_bands``, ``_crop``)."""
    bands = text_bands(cell_ink)
    crops = tuple(_crop(grey, cell_ink, a, b) for a, b in bands)
    return crops, _crop(grey, cell_ink, bands[0][0], bands[-1][1])


def _either(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """The union of two optional masks that may hide strokes (a cell's rejected lines off its
    rulings, its lost scan lines), or ``None`` when neither sets a pixel."""
    parts = [m for m in (a, b) if m is not None and m.any()]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else cv2.bitwise_or(parts[0], parts[1])


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
