"""How a rejected non-table line (sensor streak, lost fax scan line, crease) lies against a cell's
text: near it, clear of it, or crossing it without hiding any glyph stroke.

All masks are one cell's crop, uint8, 255 = set: ``rejected`` the rejected lines, ``cell_ink``
the text ink left once rulings and rejected lines are taken away. Rows and columns are pixels of
the page at ``settings.OCR_RENDER_DPI``. A cell whose text a line crosses is in doubt; the doubt
is lifted (when both engines read the same number, ``cell_reading.read_cells``) only when the line is
``clear_of`` the text or ``hides_no_stroke``.
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings


def crossed_by(rejected: np.ndarray | None, cell_ink: np.ndarray) -> bool:
    """Whether a rejected non-table line passes within ``SCAN_REJECTED_NEAR_PX`` of the text."""
    if rejected is None or not rejected.any():
        return False
    ys, xs = np.nonzero(cell_ink)
    n = settings.SCAN_REJECTED_NEAR_PX
    y0, x0 = max(0, int(ys.min()) - n), max(0, int(xs.min()) - n)
    return bool(rejected[y0:int(ys.max()) + n + 1, x0:int(xs.max()) + n + 1].any())


def clear_of(rejected: np.ndarray, cell_ink: np.ndarray) -> bool:
    """Whether the rejected lines leave a gap of paper of at least ``SCAN_REJECTED_CLEAR_GAP_PX``
    to every pixel of the text ink: a line that touches no glyph took nothing of one away."""
    g = 2 * settings.SCAN_REJECTED_CLEAR_GAP_PX + 1
    near = cv2.dilate(rejected, np.ones((g, g), np.uint8))
    return not bool(np.count_nonzero(cv2.bitwise_and(near, cell_ink)))


def side_contacts(rejected: np.ndarray, cell_ink: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Per text row along the line (rows for an upright line, columns for a lying one): whether
    text ink touches the pixel just before / just after the line's edge (left / right; above /
    below). ``None`` when the line is not one thin line (at most ``SCAN_LINE_MAX_THICKNESS_PX``)
    across every row of the text: no line, two lines side by side, or lines that cross."""
    ys, xs = np.nonzero(rejected)
    if ys.size == 0 or not cell_ink.any():
        return None
    upright = np.ptp(ys) >= np.ptp(xs)
    rej, ink = (rejected, cell_ink) if upright else (rejected.T, cell_ink.T)
    rows = np.flatnonzero(ink.any(axis=1))
    before, after = np.zeros(rows.size, bool), np.zeros(rows.size, bool)
    for k, y in enumerate(rows):
        cols = np.flatnonzero(rej[y])
        if cols.size == 0 or cols[-1] - cols[0] >= settings.SCAN_LINE_MAX_THICKNESS_PX:
            return None
        left, right = int(cols[0]) - 1, int(cols[-1]) + 1
        before[k] = left >= 0 and bool(ink[y, left])
        after[k] = right < ink.shape[1] and bool(ink[y, right])
    return before, after


def only_crossings(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether every run of rows where text touches the line is a stroke crossing it: ink on
    both sides within the run, and the run at most ``SCAN_STREAK_CROSS_MAX_RUN_PX`` long and at
    most ``SCAN_STREAK_CROSS_MAX_RUN_SHARE`` of the text's extent along the line.

    A stroke the line covers but for a sliver (a "1" under a sensor streak) touches it along its
    whole length; a stroke that ends on it (the diagonal of a 7 whose bar a lost scan line
    covers, the stem of a 5) touches one side only. A glyph the line merely crosses (the two
    sides of a 0 cut by a lying line, its top and bottom arcs cut by an upright one) touches
    both sides over a stroke's width."""
    touched = before | after
    longest = min(settings.SCAN_STREAK_CROSS_MAX_RUN_PX, settings.SCAN_STREAK_CROSS_MAX_RUN_SHARE * touched.size)
    edges = np.diff(np.concatenate(([0], touched.astype(np.int8), [0])))
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        if stop - start > longest or not (before[start:stop].any() and after[start:stop].any()):
            return False
    return True


def rarely_touched(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether text touches the line in at most ``SCAN_STREAK_CONTACT_MAX_SHARE`` of its rows: a
    stroke the line covered but for a sliver would touch it along the whole text."""
    return int(np.count_nonzero(before | after)) <= settings.SCAN_STREAK_CONTACT_MAX_SHARE * before.size


def hides_no_stroke(rejected: np.ndarray, cell_ink: np.ndarray) -> bool:
    """Whether the rejected line crossing the text is one thin straight line that could hide no
    glyph stroke along it (``side_contacts``, then ``rarely_touched`` or ``only_crossings``).
    Lines that cross or lie side by side are not judged: the doubt stays."""
    contacts = side_contacts(rejected, cell_ink)
    return contacts is not None and (rarely_touched(*contacts) or only_crossings(*contacts))


def hidden_ink(lines: np.ndarray, cell_ink: np.ndarray) -> np.ndarray | None:
    """The pixels of ``lines`` (a cell's non-table lines) that could hide a stroke of the text:
    of each line, the part along the text's extent (its rows for an upright line, its columns for
    a lying one) and within ``SCAN_REJECTED_NEAR_PX`` of the text across it. ``None`` when no
    line runs by the text. Inking them gives the other extreme of what the cell might hold:
    the crops without the lines assume they hid nothing, these that they hid strokes all along.
    """
    ys, xs = np.nonzero(cell_ink)
    if ys.size == 0:
        return None
    n = settings.SCAN_REJECTED_NEAR_PX
    ty0, ty1, tx0, tx1 = int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max())
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    rows, cols = np.indices(lines.shape)
    out = np.zeros_like(lines)
    for k in range(1, count):
        upright = stats[k, cv2.CC_STAT_HEIGHT] >= stats[k, cv2.CC_STAT_WIDTH]
        along, across = (rows, cols) if upright else (cols, rows)
        (a0, a1), (c0, c1) = ((ty0, ty1), (tx0, tx1)) if upright else ((tx0, tx1), (ty0, ty1))
        keep = (labels == k) & (along >= a0) & (along <= a1) & (across >= c0 - n) & (across <= c1 + n)
        out[keep] = 255
    return out if out.any() else None
