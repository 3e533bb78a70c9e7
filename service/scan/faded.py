"""Table rulings that faded out over a few cells (a 1-px ruling of a 98-dpi fax lost in the
threshold), restored from the pieces that survive on both sides.

Masks are uint8 H×W (255 = set) of the deskewed page at ``settings.OCR_RENDER_DPI``, in the
horizontal frame: ``lines`` holds the rulings of the direction to mend (they run along x),
``crossing`` the rulings that cross them, ``ink`` the page's ink mask.

A ruling of the national template that stops in mid-table and goes on further along the same
row, with crossing rulings running *through* the break, would be the edge of a block of merged
cells in the middle of a row — the template has none (its merged cells are label and header
cells at a table's left or top, whose rulings start on one side only). The break is filled
only when that is what the page shows too: over the whole break the ruling's rows are paper
(no glyph crosses them, as the text of a merged cell would) and at least one cell of the
break holds text both above and below them — two rows of numbers, not one merged cell.
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings
from service.scan.masks import components


def _pieces(lines: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``(x0, x1, y0, y1)`` (exclusive ends) of every ruling stroke, in order of x0."""
    n, _, stats = components(lines)
    boxes = [(int(x), int(x + w), int(y), int(y + h)) for x, y, w, h, _ in stats[1:n]]
    return sorted(b for b in boxes if b[3] - b[2] <= settings.SCAN_LINE_MAX_THICKNESS_PX)


def _breaks(lines: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``(x0, x1, y0, y1)`` of the paper between each ruling piece and the nearest piece to its
    right on the same rows (rows overlapping, ``SCAN_FADED_MAX_BREAK_PX`` at most)."""
    pieces = _pieces(lines)
    out = []
    for i, (_, ax1, ay0, ay1) in enumerate(pieces):
        right = [p for p in pieces[i + 1:] if p[0] > ax1 and p[2] < ay1 and p[3] > ay0]
        if not right:
            continue
        bx0, _, by0, by1 = min(right)
        if bx0 - ax1 <= settings.SCAN_FADED_MAX_BREAK_PX:
            out.append((ax1, bx0, min(ay0, by0), max(ay1, by1)))
    return out


def _text_on_both_sides(text: np.ndarray, lines: np.ndarray, a: int, b: int, y0: int, y1: int) -> bool:
    """Whether the cell stretch ``a``–``b`` holds text both above rows ``y0``–``y1`` and below
    them, up to the next parallel ruling or one cell row (``SCAN_STREAK_MAX_CELL_PX``) away: the
    numbers of a tall row may sit at its top."""
    reach, need = settings.SCAN_STREAK_MAX_CELL_PX, settings.SCAN_STREAK_SIDE_MIN_INK_PX
    if b <= a:
        return False
    for lo, hi, up in ((max(0, y0 - reach), y0, True), (y1, min(text.shape[0], y1 + reach), False)):
        if hi <= lo:
            return False
        walls = np.flatnonzero(lines[lo:hi, a:b].mean(axis=1) > 127)
        if walls.size:
            lo, hi = (lo + int(walls[-1]) + 1, hi) if up else (lo, lo + int(walls[0]))
        if int(np.count_nonzero(text[lo:hi, a:b])) < need:
            return False
    return True


def _glyph_crosses(text: np.ndarray, x0: int, x1: int, y0: int, y1: int) -> bool:
    """Whether more than ``SCAN_FADED_MAX_ROW_INK_PX`` of text ink crosses rows ``y0``–``y1``
    (± ``SCAN_FADED_ROW_SLACK_PX``) between ``x0`` and ``x1``: strokes that reach beyond those
    rows. Ink that stays within them is what is left of the faded ruling itself."""
    g = settings.SCAN_FADED_ROW_SLACK_PX
    top, bottom = max(0, y0 - 4 * g), min(text.shape[0], y1 + 4 * g)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(text[top:bottom, x0:x1], connectivity=8)
    lo, hi = y0 - g - top, y1 + g - top  # the ruling's rows, in the window
    ys, hs, area = stats[1:, cv2.CC_STAT_TOP], stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    touches = (ys < hi) & (ys + hs > lo)
    beyond = (ys < lo) | (ys + hs > hi)
    return int(area[touches & beyond].sum()) > settings.SCAN_FADED_MAX_ROW_INK_PX


def faded_rulings(lines: np.ndarray, crossing: np.ndarray, ink: np.ndarray, rejected: np.ndarray) -> np.ndarray:
    """The ruling pixels (uint8 255) to add to ``lines``: each break between two collinear
    ruling pieces that crossing rulings pass through (see module doc), filled along the rows of
    the pieces. Crossing rulings within ``SCAN_FADED_CROSS_MARGIN_PX`` are left out when
    the break's rows are checked for glyphs and the cells for text, and so are the lines judged
    not to be rulings (``rejected``: a streak crossing the break is no glyph)."""
    out = np.zeros_like(lines)
    m = settings.SCAN_FADED_CROSS_MARGIN_PX
    rulings = cv2.dilate(cv2.bitwise_or(cv2.bitwise_or(lines, crossing), rejected),
                         np.ones((2 * m + 1, 2 * m + 1), np.uint8))
    text = cv2.bitwise_and(ink, cv2.bitwise_not(rulings))
    for x0, x1, y0, y1 in _breaks(lines):
        cross = np.flatnonzero(crossing[y0:y1, x0:x1].any(axis=0)) + x0
        if cross.size == 0:
            continue  # a plain break along a ruling is ``lines._mend``'s business
        if _glyph_crosses(text, x0, x1, y0, y1):
            continue  # a merged cell's text, not a lost ruling
        starts = cross[np.r_[True, np.diff(cross) > 1]]
        cuts = [x0, *starts.tolist(), x1]
        if any(_text_on_both_sides(text, lines, a, b, y0, y1) for a, b in zip(cuts, cuts[1:], strict=False)):
            out[y0:y1, x0:x1] = 255
    return out


def with_faded_rulings(lines: np.ndarray, crossing: np.ndarray, ink: np.ndarray,
                       rejected: np.ndarray) -> np.ndarray:
    """``lines`` with its faded stretches restored (``faded_rulings``); ``lines`` itself, not a
    copy, when there is none."""
    faded = faded_rulings(lines, crossing, ink, rejected)
    return cv2.bitwise_or(lines, faded) if faded.any() else lines
