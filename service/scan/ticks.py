"""Hand-drawn pen ticks (√) beside or touching a printed number, told from its digits by shape.

Masks are one cell's ink (uint8, 255 = ink) at ``settings.OCR_RENDER_DPI``; columns/rows are
pixels of that mask.
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings


def drop_tick(cell_ink: np.ndarray) -> np.ndarray:
    """The cell's ink without a hand-drawn tick (√) beside a printed number, else unchanged.

    A tick is the rightmost component, as wide as it is tall (``SCAN_TICK_MIN_ASPECT``), sparse
    (ink ≤ ``SCAN_TICK_MAX_FILL`` of its box), at least ``SCAN_TICK_MIN_REL_H`` × the digits'
    height, and apart from them; every other mark must look like a digit (narrower than
    ``SCAN_DIGIT_MAX_ASPECT``) or a decimal point. A tick touching the last digit is cut off
    where the stroke meets the digit (``drop_touching_tick``); one that cannot be told apart is
    left (the reading then fails and the cell is flagged).
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cell_ink, connectivity=8)
    if n < 2:
        return cell_ink
    touching = drop_touching_tick(cell_ink, labels, stats)
    if touching is not cell_ink or n < 3:
        return touching
    return _drop_separate_tick(cell_ink, labels, stats)


def _drop_separate_tick(cell_ink: np.ndarray, labels: np.ndarray, stats: np.ndarray) -> np.ndarray:
    """``drop_tick`` for a tick apart from the digits (its own component), else ``cell_ink``."""
    comps = stats[1:]
    right = int(np.argmax(comps[:, 0] + comps[:, 2]))
    x, _, w, h, area = (int(v) for v in comps[right])
    rest = np.delete(comps, right, axis=0)
    glyphs = rest[rest[:, cv2.CC_STAT_AREA] > settings.SCAN_ISOLATED_MARK_MAX_AREA_PX]
    if glyphs.size == 0:
        return cell_ink
    digit_h = int(glyphs[:, cv2.CC_STAT_HEIGHT].max())
    narrow = glyphs[:, cv2.CC_STAT_WIDTH] <= settings.SCAN_DIGIT_MAX_ASPECT * glyphs[:, cv2.CC_STAT_HEIGHT]
    apart = x >= int((rest[:, 0] + rest[:, 2]).max()) + 1
    sparse = w >= settings.SCAN_TICK_MIN_ASPECT * h and area <= settings.SCAN_TICK_MAX_FILL * w * h
    if not (bool(narrow.all()) and apart and sparse and h >= settings.SCAN_TICK_MIN_REL_H * digit_h):
        return cell_ink
    own = labels[:, x:x + w] == right + 1
    if not _tick_shaped(own):
        return cell_ink
    if _stroke_start(own[np.flatnonzero(own.any(axis=1))], settings.SCAN_TICK_STROKE_MAX_REL * h) != 0:
        return cell_ink  # a digit's side in it: a digit with a tick touching it ("1√"), not a tick alone
    return np.where(labels == right + 1, 0, cell_ink).astype(np.uint8)


def drop_touching_tick(cell_ink: np.ndarray, labels: np.ndarray | None = None,
                       stats: np.ndarray | None = None) -> np.ndarray:
    """The cell's ink without a tick (√) drawn touching the last digit ("0√"), else unchanged.

    The rightmost component is walked column by column from its right edge while each column
    holds one short run of ink (a thin pen stroke: at most ``SCAN_TICK_STROKE_MAX_REL`` × the
    component's height); the first column that holds a digit's side or two strokes is where the
    digit ends. What lies right of it is a tick only when it passes the tests of a separate tick
    (``SCAN_TICK_*``: as wide as tall, sparse, as tall as the digits, √-shaped) and every mark
    left of it looks like a digit; a stroke that is part of a digit (7, 2, 4) fails them.
    """
    if labels is None or stats is None:
        _, labels, stats, _ = cv2.connectedComponentsWithStats(cell_ink, connectivity=8)
    comps = stats[1:]
    if comps.shape[0] == 0:
        return cell_ink
    right = int(np.argmax(comps[:, 0] + comps[:, 2]))
    x, y, w, h, _ = (int(v) for v in comps[right])
    own = labels[y:y + h, x:x + w] == right + 1
    cut = _stroke_start(own, settings.SCAN_TICK_STROKE_MAX_REL * h)
    if cut <= 0 or cut >= w:
        return cell_ink
    tick = np.zeros(cell_ink.shape, bool)
    tick[y:y + h, x + cut:x + w] = own[:, cut:]
    rest = np.where(tick, 0, cell_ink).astype(np.uint8)
    return rest if _is_tick_beside_digits(tick, rest, x + cut - 1) else cell_ink


def _stroke_start(own: np.ndarray, max_run: float) -> int:
    """The first column (from the left of ``own``) of the run of columns at its right edge that
    each hold exactly one vertical run of ink no longer than ``max_run`` pixels."""
    col = own.shape[1]
    while col > 0:
        ys = np.flatnonzero(own[:, col - 1])
        if ys.size == 0 or ys[-1] - ys[0] + 1 > max_run or ys.size != ys[-1] - ys[0] + 1:
            break
        col -= 1
    return col


def _is_tick_beside_digits(tick: np.ndarray, rest: np.ndarray, edge: int) -> bool:
    """Whether the mark ``tick`` (bool mask) is a pen tick after the digits of ``rest`` (ink)
    that it touches at column ``edge``: the digit there must stay whole (as tall as the others),
    the tick no wider than ``SCAN_TICK_MAX_ASPECT`` × its height."""
    ys, xs = np.nonzero(tick)
    h, w = int(ys.max() - ys.min() + 1), int(xs.max() - xs.min() + 1)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    big = stats[:, cv2.CC_STAT_AREA] > settings.SCAN_ISOLATED_MARK_MAX_AREA_PX
    big[0] = False
    glyphs = stats[big]
    if glyphs.size == 0 or w > settings.SCAN_TICK_MAX_ASPECT * h:
        return False
    digit_h = int(glyphs[:, cv2.CC_STAT_HEIGHT].max())
    touched = [int(v) for v in np.unique(labels[:, edge]) if v and big[v]]
    touched_h = max((int(stats[v, cv2.CC_STAT_HEIGHT]) for v in touched), default=0)
    if touched_h < settings.SCAN_TOUCHED_DIGIT_MIN_REL_H * digit_h:
        return False
    narrow = glyphs[:, cv2.CC_STAT_WIDTH] <= settings.SCAN_DIGIT_MAX_ASPECT * glyphs[:, cv2.CC_STAT_HEIGHT]
    sparse = w >= settings.SCAN_TICK_MIN_ASPECT * h and ys.size <= settings.SCAN_TICK_MAX_FILL * w * h
    if not (bool(narrow.all()) and sparse and h >= settings.SCAN_TICK_MIN_REL_H * digit_h):
        return False
    return _tick_shaped(tick[ys.min():ys.max() + 1, xs.min():xs.max() + 1])


def _tick_shaped(own: np.ndarray) -> bool:
    """A √: its highest ink in the right part of its box, its lowest ink (the vertex) left of
    centre — unlike two digits run together, whose tops and bottoms spread over the box."""
    rows = np.flatnonzero(own.any(axis=1))
    w = own.shape[1]
    top = np.flatnonzero(own[rows[0]]) / w
    bottom = np.flatnonzero(own[rows[-1]]) / w
    return bool(top.min() >= settings.SCAN_TICK_TOP_MIN_X and bottom.max() <= settings.SCAN_TICK_VERTEX_MAX_X)
