"""Table rulings that faded out over a few cells (a 1-px ruling of a 98-dpi fax lost in the
threshold), restored from the pieces that survive.

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

Three kinds of break are looked at: crossing rulings run through it; none does and none meets
either end (a ruling cannot stop in mid-cell); or it starts at an inner corner (``_corner``: a
crossing ruling ends where the piece ends, an L the template never draws inside a table) and
runs to the next crossing ruling. A break beside a crossing ruling with none within is the
edge of a merged cell and stays open.
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings
from service.scan.masks import components
from service.scan.streaks import side_ink
from service.scan.strokes import end_anchored


def _boxes(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``(x0, x1, y0, y1)`` (exclusive ends) of every stroke of ``mask``."""
    n, _, stats = components(mask)
    return [(int(x), int(x + w), int(y), int(y + h)) for x, y, w, h, _ in stats[1:n]]


def _pieces(lines: np.ndarray, crossing: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``(x0, x1, y0, y1)`` of every ruling stroke of ``lines`` that meets a crossing ruling
    (within ``SCAN_RULING_END_TOLERANCE_PX``), in order of x0: a ruling divides cells, a long
    glyph stroke inside one meets none."""
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    boxes = [b for b in _boxes(lines) if b[3] - b[2] <= settings.SCAN_LINE_MAX_THICKNESS_PX]
    return sorted(b for b in boxes if crossing[max(0, b[2] - t):b[3] + t, max(0, b[0] - t):b[1] + t].any())


def _uprights(crossing: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``(x0, x1, y0, y1)`` of the crossing rulings no thicker than ``SCAN_LINE_MAX_THICKNESS_PX``."""
    return [b for b in _boxes(crossing) if b[1] - b[0] <= settings.SCAN_LINE_MAX_THICKNESS_PX]


Break = tuple[int, int, int, int, bool]  # x0, x1, y0, y1 (exclusive ends), from an end that lost its ruling
# (an inner corner, a free end): no merged cell's edge, even when no crossing ruling runs through it


def _breaks(lines: np.ndarray, crossing: np.ndarray) -> list[Break]:
    """The paper between each ruling piece and the nearest piece to its right on the same rows
    (rows overlapping), and from a piece's ``_corner`` end to the nearest crossing ruling that
    runs through its rows; ``SCAN_FADED_MAX_BREAK_PX`` long at most."""
    pieces = _pieces(lines, crossing)
    upright = _uprights(crossing)
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    out: list[Break] = []
    for i, (ax0, ax1, ay0, ay1) in enumerate(pieces):
        right = [p for p in pieces[i + 1:] if p[0] > ax1 and p[2] < ay1 and p[3] > ay0]
        left = [p for p in pieces[:i] if p[1] < ax0 and p[2] < ay1 and p[3] > ay0]
        if right:
            bx0, _, by0, by1 = min(right)
            out.append((ax1, bx0, min(ay0, by0), max(ay1, by1), False))
        elif _corner(upright, ax1, ay0, ay1):
            through = [v[0] for v in upright if v[0] > ax1 + t and v[2] < ay0 - t and v[3] > ay1 + t]
            out.extend((ax1, min(through), ay0, ay1, True) for _ in through[:1])
        if not left and _corner(upright, ax0, ay0, ay1):
            through = [v[1] for v in upright if v[1] < ax0 - t and v[2] < ay0 - t and v[3] > ay1 + t]
            out.extend((max(through), ax0, ay0, ay1, True) for _ in through[:1])
    return [b for b in out if b[1] - b[0] <= settings.SCAN_FADED_MAX_BREAK_PX]


def _wall(crossing: np.ndarray, x: int, rows: slice, step: int) -> int:
    """The nearest column from ``x`` on (``step`` -1: leftwards, +1: rightwards) where a crossing
    ruling runs through ``rows``: where the cell beside a break ends; ``x`` when there is none."""
    cols = np.flatnonzero(crossing[rows].any(axis=0))
    side = cols[cols <= x] if step < 0 else cols[cols >= x]
    return int(side.max() if step < 0 else side.min()) if side.size else x


def _anchored_end(crossing: np.ndarray, x0: int, x1: int, y0: int, y1: int) -> bool:
    """Whether a crossing ruling passes or ends within ``SCAN_RULING_END_TOLERANCE_PX`` of
    either end of the break ``x0``–``x1`` (rows ``y0``–``y1``)."""
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    rows = crossing[max(0, y0 - t):y1 + t]
    return bool(rows[:, max(0, x0 - t):x0 + 1].any() or rows[:, x1 - 1:x1 + t].any())


def _corner(upright: list[tuple[int, int, int, int]], x: int, y0: int, y1: int) -> bool:
    """Whether a ruling piece's end at ``x`` (rows ``y0``–``y1``) is an inner corner: a crossing
    ruling (``upright``: ``(x0, x1, y0, y1)`` boxes) ends there, and none runs on through it. A
    ruling of the template meets a crossing one in a T or a cross; an L inside the table is
    a ruling that lost its ink from the corner on."""
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    near = [v for v in upright if v[0] - t <= x <= v[1] + t]
    through = any(v[2] < y0 - t and v[3] > y1 + t for v in near)
    ends = any(abs(v[3] - y1) <= t or abs(v[2] - y0) <= t for v in near)
    return ends and not through


def _text_on_both_sides(text: np.ndarray, parallel: np.ndarray, crossing: np.ndarray, a: int, b: int,
                        y0: int, y1: int) -> bool:
    """Whether the cells beside the stretch ``a``–``b`` of a break hold text both above rows
    ``y0``–``y1`` and below them (``streaks.side_ink``): each cell reaching to the crossing
    rulings around the stretch on its own side (``_wall``), up to the next parallel ruling
    (``parallel``, bool) or one cell row (``SCAN_STREAK_MAX_CELL_PX``) away (the numbers of a
    tall row may sit at its top)."""
    reach, need = settings.SCAN_STREAK_MAX_CELL_PX, settings.SCAN_STREAK_SIDE_MIN_INK_PX
    t = settings.SCAN_STREAK_TOUCH_PX  # crossing rulings are looked for this far off (past an overshoot)
    if b <= a:
        return False
    for up in (True, False):
        near = slice(max(0, y0 - 2 * t), max(0, y0 - t)) if up else slice(y1 + t, y1 + 2 * t)
        left, right = _wall(crossing, a, near, -1), _wall(crossing, b, near, 1)
        if right <= left or side_ink(text, parallel, y0, y1, left, right, up, reach=reach, gap=0) < need:
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
    ruling pieces or from a piece's inner corner on (see module doc), filled along the rows of
    the pieces (``_filled``)."""
    return _filled(_breaks(lines, crossing), lines, crossing, ink, rejected)


def _filled(breaks: list[Break], lines: np.ndarray, crossing: np.ndarray, ink: np.ndarray,
            rejected: np.ndarray) -> np.ndarray:
    """The ``breaks`` (255) whose rows are crossed by no glyph and whose cells hold text above and
    below them. Crossing rulings within ``SCAN_FADED_CROSS_MARGIN_PX`` are left out when the
    break's rows are checked for glyphs and the cells for text, and so are the lines judged not
    to be rulings (``rejected``: a streak crossing the break is no glyph)."""
    out = np.zeros_like(lines)
    if not breaks:
        return out
    m = settings.SCAN_FADED_CROSS_MARGIN_PX
    rulings = cv2.dilate(cv2.bitwise_or(cv2.bitwise_or(lines, crossing), rejected),
                         np.ones((2 * m + 1, 2 * m + 1), np.uint8))
    text = cv2.bitwise_and(ink, cv2.bitwise_not(rulings))
    parallel = lines > 0
    for x0, x1, y0, y1, from_lost_end in breaks:
        cross = np.flatnonzero(crossing[y0:y1, x0:x1].any(axis=0)) + x0
        if cross.size == 0 and not from_lost_end and _anchored_end(crossing, x0, x1, y0, y1):
            continue  # a break beside a crossing ruling, none within: a merged cell's edge
        if _glyph_crosses(text, x0, x1, y0, y1):
            continue  # a merged cell's text, not a lost ruling
        starts = cross[np.r_[True, np.diff(cross) > 1]] if cross.size else cross
        cuts = [x0, *starts.tolist(), x1]
        stretches = zip(cuts, cuts[1:], strict=False)
        if any(_text_on_both_sides(text, parallel, crossing, a, b, y0, y1) for a, b in stretches):
            out[y0:y1, x0:x1] = 255
    return out


def with_faded_rulings(lines: np.ndarray, crossing: np.ndarray, ink: np.ndarray,
                       rejected: np.ndarray) -> np.ndarray:
    """``lines`` with its faded stretches restored (``faded_rulings``); ``lines`` itself, not a
    copy, when there is none."""
    faded = faded_rulings(lines, crossing, ink, rejected)
    return cv2.bitwise_or(lines, faded) if faded.any() else lines


# --- erased from a point on: along a lost fax scan line, or worn away at both ends ------------
def erased_rulings(lines: np.ndarray, crossing: np.ndarray, ink: np.ndarray, rejected: np.ndarray,
                   lost: np.ndarray | None) -> np.ndarray:
    """Rulings erased from some point to the table's frame: the pieces left of them end in
    mid-cell, so ``lines._reject_foreign`` took them for streaks (in ``rejected``). Each such
    horizontal piece with a free end from which a crossing ruling runs through its rows further
    on is given back with the stretch to the farthest such ruling, when ``_filled`` finds the
    rows free of glyphs and text on both sides, and when the page shows why the ink is missing:
    a lost fax scan line (``lost``, 255 = lost, or ``None``) covers the stretch (``_lost_along``;
    from a free end only: an end on a crossing ruling is where the template's ruling ends,
    beside a merged label cell), or both ends are free and the piece crosses at least
    ``SCAN_WORN_MIN_CROSSINGS`` rulings on its way (a worn copy rubbed both ends of a ruling off;
    a streak or crease runs past the frame, where no crossing ruling is left to reach). Returns
    the pixels (255) to move from ``rejected`` to ``lines``."""
    out = np.zeros_like(lines)
    upright = _uprights(crossing)
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    lying = cv2.morphologyEx(rejected, cv2.MORPH_OPEN, np.ones((1, settings.SCAN_HLINE_MIN_PX), np.uint8))
    for x0, x1, y0, y1 in _boxes(lying):  # apart from the streaks they touch
        if y1 - y0 > settings.SCAN_LINE_MAX_THICKNESS_PX:
            continue
        through = [v for v in upright if v[2] < y0 - t and v[3] > y1 + t]
        right = max((v[0] for v in through if v[0] > x1 + t), default=None)
        left = min((v[1] for v in through if v[1] < x0 - t), default=None)
        ends = ((x1, right, y0, y1, True) if right and _free_end(crossing, x1 - 1, y0, y1) else None,
                (left, x0, y0, y1, True) if left and _free_end(crossing, x0, y0, y1) else None)
        crossed = sum(x0 + t < v[0] and v[1] < x1 - t for v in through)
        worn = None not in ends and crossed >= settings.SCAN_WORN_MIN_CROSSINGS
        breaks: list[Break] = [b for b in ends if b is not None and (
            worn or (lost is not None and _lost_along(lost, b[0], b[1], y0, y1)))]
        fill = _filled([b for b in breaks if b[1] - b[0] <= settings.SCAN_FADED_MAX_BREAK_PX],
                       lines, crossing, ink, rejected)
        if fill.any():
            out[y0:y1, x0:x1] |= lying[y0:y1, x0:x1]
            out |= fill
    return out


def _free_end(crossing: np.ndarray, x: int, y0: int, y1: int) -> bool:
    """Whether no crossing ruling passes or ends near the piece's end at column ``x`` (rows
    ``y0``–``y1``, at most a ruling's thickness: ``strokes.end_anchored`` at its first and last
    row covers them all): an end in mid-cell."""
    return not (end_anchored(crossing, x, y0) or end_anchored(crossing, x, y1 - 1))


def _lost_along(lost: np.ndarray, x0: int, x1: int, y0: int, y1: int) -> bool:
    """Whether ``lost`` covers the rows ``y0``–``y1`` (± ``SCAN_FADED_ROW_SLACK_PX``) in at least
    ``SCAN_FADED_LOST_MIN_SHARE`` of the columns ``x0``–``x1``: the ruling is missing there
    because the receiver got no data for it."""
    g = settings.SCAN_FADED_ROW_SLACK_PX
    covered = lost[max(0, y0 - g):y1 + g, x0:x1].any(axis=0)
    return bool(covered.size) and float(covered.mean()) >= settings.SCAN_FADED_LOST_MIN_SHARE
