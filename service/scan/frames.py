"""A table's frame told from a streak by the rulings that end on it.

Masks are uint8 H×W (255 = set) of the deskewed page at ``settings.OCR_RENDER_DPI``, points
``(x, y)`` pixels of it. ``lines._reject_foreign`` rejects a line whose end touches no crossing
ruling; a frame can lose that anchor (on a fax the top border merges into a black scan line
running off the table and goes with it, and then the frame's top end touches nothing). What
no streak has is rows that stop at it: every row ruling of the table ends on its frame, from
the inside, and goes no further. A streak through a table is crossed, not ended on.
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings
from service.scan.masks import close_along, components
from service.scan.strokes import Strokes, end_anchored, stroke_ends


def frame_pixels(dropped: np.ndarray, crossing: Strokes, gone: np.ndarray | None, same: np.ndarray,
                 horizontal: bool) -> np.ndarray:
    """The stretch of each rejected line (``dropped``, 255; its collinear pieces joined across
    breaks of up to ``SCAN_RULING_BREAK_BRIDGE_PX``: a dashed frame is one line) between the
    outermost of the ``SCAN_FRAME_MIN_ENDS`` or more kept crossing rulings (``crossing``) that end
    on it from the same side, with no crossing ink beyond it (``_ending_side``): the line's own
    pixels there, over the stretches between them that are rows of the table (``_inside_table``;
    breaks are left to ``lines._mend``, which closes those that rows end in).

    Only crossing rulings ``SCAN_FRAME_MIN_CROSSING_PX`` long whose other end is anchored on a
    kept ruling of ``dropped``'s direction (``same``) count, and only at an end no kept ruling
    anchors already: the pieces of glyph strokes a streak joins count for nothing, nor do rows
    ending on the kept frame beside a streak. ``gone``: crossing strokes being rejected too (or
    ``None``). Returns pixels (255)."""
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    kept = crossing.keep & (True if gone is None else ~gone)
    near = cv2.dilate(_free_ends(crossing, kept, same), np.ones((2 * t + 1, 2 * t + 1), np.uint8))
    other = np.where(kept[crossing.labels], crossing.mask, 0).astype(np.uint8)
    out = np.zeros_like(dropped)
    n, labels, stats = components(close_along(dropped, settings.SCAN_RULING_BREAK_BRIDGE_PX, horizontal))
    for k in range(1, n):
        x, y, w, h = (int(v) for v in stats[k, :4])
        own = labels[y:y + h, x:x + w] == k
        hits = np.flatnonzero((own & (near[y:y + h, x:x + w] > 0)).any(axis=0 if horizontal else 1))
        if hits.size == 0:
            continue
        groups = np.split(hits, np.flatnonzero(np.diff(hits) > 2 * t) + 1)  # one per crossing ruling
        sides = [_ending_side(other, (x, y, w, h), int(np.median(g)), horizontal) for g in groups]
        ink = own & (dropped[y:y + h, x:x + w] > 0)  # its own pixels: the breaks are left to _mend
        for side in (-1, 1):
            framed = [g for g, s in zip(groups, sides, strict=True) if s == side]
            if len(framed) < settings.SCAN_FRAME_MIN_ENDS:
                continue
            centres = [int(np.median(g)) for g in framed]
            for p, q in zip(centres, centres[1:], strict=False):
                if _inside_table(same, (x, y, w, h), p, q, horizontal):
                    a, b = max(0, p - 2), q + 3
                    span = ink[:, a:b] if horizontal else ink[a:b]
                    target = out[y:y + h, x + a:x + b] if horizontal else out[y + a:y + b, x:x + w]
                    target[span] = 255
    return out


def _inside_table(same: np.ndarray, box: tuple[int, int, int, int], p: int, q: int, horizontal: bool) -> bool:
    """Whether a kept ruling parallel to the line in ``box`` (``same``) runs along
    ``SCAN_FRAME_MIN_PARALLEL_SHARE`` of the stretch ``p``–``q`` between two crossing rulings
    that end on it (positions along it from its start): a row of the table (its column
    dividers run through it), not the gap between two tables whose frames line up (the heading
    of the next one lies there)."""
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    x, y, w, h = box
    lo, hi = p + t, q - t
    if hi <= lo:
        return True  # rulings this close leave no room for a gap between tables
    along = same[:, x + lo:x + hi] if horizontal else same[y + lo:y + hi]
    return float((along > 0).mean(axis=1 if horizontal else 0).max()) >= settings.SCAN_FRAME_MIN_PARALLEL_SHARE


def _free_ends(crossing: Strokes, kept: np.ndarray, same: np.ndarray) -> np.ndarray:
    """A dot (255) at each end of the ``kept`` crossing rulings ``SCAN_FRAME_MIN_CROSSING_PX``
    long that no ruling of ``same`` anchors while their other end is anchored on one."""
    dots = np.zeros_like(same)
    for i in np.flatnonzero(kept & (crossing.lengths >= settings.SCAN_FRAME_MIN_CROSSING_PX)):
        ends = stroke_ends(crossing, i)
        for (x, y), other_end in ((ends[0], ends[1]), (ends[1], ends[0])):
            if end_anchored(same, *other_end) and not end_anchored(same, x, y):
                dots[y, x] = 255
    return dots


def _ending_side(other: np.ndarray, box: tuple[int, int, int, int], at: int, horizontal: bool) -> int:
    """From which side a crossing ruling meets the stroke in ``box`` (x, y, w, h) at ``at`` (along
    the stroke, from its start): -1 (above / left) or 1 (below / right) when its ink lies within
    ``2 × SCAN_RULING_END_TOLERANCE_PX`` of the stroke on that side only (beyond an overshoot of
    ``SCAN_FRAME_OVERSHOOT_PX``), 0 when on both (it runs on through) or neither."""
    t, o = settings.SCAN_RULING_END_TOLERANCE_PX, settings.SCAN_FRAME_OVERSHOOT_PX
    x, y, w, h = box
    if horizontal:
        cols = slice(max(0, x + at - 2), x + at + 3)
        before, after = other[max(0, y - 2 * t):max(0, y - o), cols], other[y + h + o:y + h + 2 * t, cols]
    else:
        rows = slice(max(0, y + at - 2), y + at + 3)
        before, after = other[rows, max(0, x - 2 * t):max(0, x - o)], other[rows, x + w + o:x + w + 2 * t]
    ink_before, ink_after = bool(before.any()), bool(after.any())
    return 0 if ink_before == ink_after else (-1 if ink_before else 1)
