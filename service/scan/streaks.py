"""Table rulings hidden inside a rejected straight streak (fax sensor streak, scan-line dropout).

Input: a mask (uint8 H×W, 255 = stroke) of line strokes of one direction that were judged not to
be table rulings, and the mask of the crossing direction's rulings, at ``settings.OCR_RENDER_DPI``.

A dirty fax sensor draws a straight line down the whole sheet; a lost scan line draws one across
it. Where such a line touches a table ruling, both become one stroke that runs through the
margins, so the ruling is rejected with it. Such a line is straight and of even width over its
whole length (a ruling beside it widens it only where they touch): its centre line is fitted on
the columns where the stroke is as thin as the line itself, and the pixels within its width are
taken away. What is left and still long enough to be a ruling is the table's ruling; where the
line covered the ruling's own rows, the ruling is filled back along those rows, but only inside a
table (a crossing ruling passes within the gap): the gap between two tables stays open.

Lines that are not straight (a curved fold crease) are left to ``lines._rescue``.
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings


def _centre_line(own: np.ndarray) -> tuple[np.ndarray, float] | None:
    """(fitted centre row per column, line width in px) of a straight thin stroke (horizontal
    frame: the stroke runs along x), or ``None`` when it is not a straight line of even width."""
    cols = np.flatnonzero(own.any(axis=0))
    if cols.size < settings.SCAN_STREAK_MIN_PX:
        return None
    sub = own[:, cols]
    top = sub.argmax(axis=0)
    bottom = sub.shape[0] - 1 - sub[::-1].argmax(axis=0)
    width = bottom - top + 1
    line_w = float(np.median(width))
    thin = width <= line_w + 1
    if thin.sum() < settings.SCAN_STREAK_MIN_THIN_SHARE * cols.size:
        return None
    x, c = cols[thin].astype(float), (top[thin] + bottom[thin]) / 2.0
    fit = np.polyfit(x, c, 1)
    for _ in range(2):
        res = np.abs(c - np.polyval(fit, x))
        inl = res <= settings.SCAN_STREAK_MAX_RESIDUAL_PX
        if inl.sum() < 2:
            return None
        fit = np.polyfit(x[inl], c[inl], 1)
    if inl.mean() < settings.SCAN_STREAK_MIN_STRAIGHT_SHARE:
        return None
    return np.polyval(fit, np.arange(own.shape[1], dtype=float)), line_w


def _ruling_pixels(own: np.ndarray, other: np.ndarray) -> np.ndarray | None:
    """The ruling pixels (bool, same shape) inside one straight streak component ``own``
    (horizontal frame), ``None`` when the component is no straight streak. ``other``: the
    crossing rulings in the same window."""
    fitted = _centre_line(own)
    if fitted is None:
        return None
    centre, line_w = fitted
    rows = np.arange(own.shape[0], dtype=float)[:, None]
    streak = np.abs(rows - centre[None, :]) <= line_w / 2.0 + 0.5
    rest = (own & ~streak).astype(np.uint8) * 255
    length = settings.SCAN_HLINE_MIN_PX
    rest = cv2.morphologyEx(rest, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    if not rest.any():
        return np.zeros_like(own)
    n = settings.SCAN_RULING_BREAK_BRIDGE_PX
    closed = cv2.morphologyEx(rest, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (n + 1, 1)))
    gaps = (closed > 0) & (rest == 0) & own
    out = rest > 0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(gaps.astype(np.uint8), connectivity=8)
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    for j in range(1, count):
        x, y, w, h = (int(v) for v in stats[j, :4])
        if other[max(0, y - t):y + h + t, x:x + w].any():  # inside a table: a crossing ruling passes
            out[y:y + h, x:x + w] |= labels[y:y + h, x:x + w] == j
    return out


def streak_rulings(dropped: np.ndarray, other: np.ndarray, horizontal: bool) -> tuple[np.ndarray, np.ndarray]:
    """(ruling pixels recovered from straight streaks, mask of the streak components handled)
    for rejected strokes ``dropped`` of one direction; both uint8 255 masks of ``dropped``'s shape.
    Components that are not straight streaks are in neither mask."""
    if not horizontal:
        rec, done = streak_rulings(dropped.T.copy(), other.T.copy(), True)
        return np.ascontiguousarray(rec.T), np.ascontiguousarray(done.T)
    recovered = np.zeros_like(dropped)
    handled = np.zeros_like(dropped)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dropped, connectivity=8)
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if w < settings.SCAN_STREAK_MIN_PX:
            continue
        own = labels[y:y + h, x:x + w] == i
        found = _ruling_pixels(own, other[y:y + h, x:x + w] > 0)
        if found is None:
            continue
        handled[y:y + h, x:x + w][own] = 255
        recovered[y:y + h, x:x + w][found] = 255
    return recovered, handled
