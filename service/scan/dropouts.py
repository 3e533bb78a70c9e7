"""Lost scan lines of a 1-bit fax page: rows the receiver got no data for, left as paper.

A fax receiver that loses a scan line in transmission leaves that row white across the page. It
cuts every stroke and ruling it crosses by one row (digits come out notched), and a stroke lying
in it (the one-row bar of a 7 at 98 dpi) vanishes without a trace. The rows are found here on the
page as received; the reader heals the strokes they cut and keeps the cells whose text they
cross in doubt unless every stroke merely crosses them (``rejected_lines.hides_no_stroke``).

Input: a bi-level page as a bool array (H×W, ``True`` = ink), native pixels, rows top to bottom.
"""

from __future__ import annotations

import numpy as np

from service import settings


def lost_rows(ink: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges ``[y0, y1)`` (at most ``SCAN_LOST_LINE_MAX_ROWS`` tall) that cut at least
    ``SCAN_LOST_LINE_MIN_CUTS`` columns inked just above and just below them, while at most
    ``SCAN_LOST_LINE_MAX_THROUGH_SHARE`` of such columns carry ink through them (a stroke that
    goes on: the row was received). Printed text never leaves a row of paper inside its strokes
    across a whole page, so prose and tables give none."""
    h = ink.shape[0]
    found: list[tuple[int, int]] = []
    for k in range(1, settings.SCAN_LOST_LINE_MAX_ROWS + 1):
        if h < k + 2:
            break
        above, below = ink[: h - k - 1], ink[k + 1:]
        inside = np.zeros_like(above)
        for d in range(1, k + 1):
            inside |= ink[d: h - k - 1 + d]
        both = above & below
        cuts = np.count_nonzero(both & ~inside, axis=1)
        through = np.count_nonzero(both & inside, axis=1)
        share = settings.SCAN_LOST_LINE_MAX_THROUGH_SHARE
        lost = (cuts >= settings.SCAN_LOST_LINE_MIN_CUTS) & (through <= share * cuts)
        found += [(int(y) + 1, int(y) + 1 + k) for y in np.flatnonzero(lost)]
    kept: list[tuple[int, int]] = []
    for a, b in sorted(found):  # a 2-row loss is not also two 1-row ones (those have no ink beside)
        if not kept or a >= kept[-1][1]:
            kept.append((a, b))
    return kept


def lost_row_mask(ink: np.ndarray, size: tuple[int, int]) -> np.ndarray | None:
    """uint8 mask (255 = lost, ``size`` = (width, height) pixels) of the rows of ``ink`` that
    were lost (``lost_rows``), the page stretched to ``size``: a target row belongs to a lost
    span when linear interpolation would give it at least a quarter of the span's value (what
    ``at_half`` keeps of a resampled mask). ``None`` when no row was lost."""
    spans = lost_rows(ink)
    if not spans:
        return None
    sy = size[1] / ink.shape[0]
    mask = np.zeros((size[1], size[0]), np.uint8)
    for a, b in spans:
        top, bottom = np.ceil(sy * (a - 0.25) - 0.5), np.floor(sy * (b + 0.25) - 0.5)
        mask[max(0, int(top)):max(0, int(bottom) + 1)] = 255
    return mask


def at_half(mask: np.ndarray) -> np.ndarray:
    """A resampled or rotated mask back to 0/255, kept where it is at least a quarter on: a lost
    row keeps about the width it has in the resampled page, not the interpolation's tails."""
    import cv2

    return cv2.threshold(mask, 63, 255, cv2.THRESH_BINARY)[1]
