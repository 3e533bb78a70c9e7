"""Line strokes of one direction (connected components of a line mask) and where their ends lie.

Masks are uint8 H×W (255 = line) of the deskewed page at ``settings.OCR_RENDER_DPI``; points are
``(x, y)`` pixels of it, origin top-left. A table ruling ends on a crossing ruling at both ends;
a stroke with a loose end is a candidate for rejection (``lines._reject_foreign``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from service import settings
from service.scan.masks import components


@dataclass
class Strokes:
    """Line strokes of one direction and their connected components (``keep`` flags survivors)."""

    mask: np.ndarray
    labels: np.ndarray
    stats: np.ndarray
    keep: np.ndarray
    horizontal: bool

    @property
    def lengths(self) -> np.ndarray:
        return self.stats[:, cv2.CC_STAT_WIDTH if self.horizontal else cv2.CC_STAT_HEIGHT]


def relabel(mask: np.ndarray, horizontal: bool) -> Strokes:
    """The strokes of ``mask`` as a fresh ``Strokes`` (every component kept)."""
    _, labels, stats = components(mask)
    keep = np.ones(len(stats), bool)
    keep[0] = False
    return Strokes(mask, labels, stats, keep, horizontal)


def end_anchored(other: np.ndarray, x: int, y: int) -> bool:
    """Whether a crossing line's pixels lie within ``SCAN_RULING_END_TOLERANCE_PX`` of (x, y)."""
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    return bool(other[max(0, y - t):y + t + 1, max(0, x - t):x + t + 1].any())


def end_reaches(other: np.ndarray, x: int, y: int, step: tuple[int, int]) -> bool:
    """Whether the end (x, y) of a stroke meets a crossing line of ``other``: within
    ``SCAN_RULING_END_TOLERANCE_PX`` around it, or up to ``SCAN_RULING_SHORT_END_PX`` further on
    in the stroke's direction ``step`` (a faxed ruling that lost its last pixels falls short)."""
    t, u = settings.SCAN_RULING_END_TOLERANCE_PX, settings.SCAN_RULING_SHORT_END_PX
    dx, dy = step
    x0, x1 = (x - t, x + t) if dx == 0 else ((x - t, x + u) if dx > 0 else (x - u, x + t))
    y0, y1 = (y - t, y + t) if dy == 0 else ((y - t, y + u) if dy > 0 else (y - u, y + t))
    return bool(other[max(0, y0):y1 + 1, max(0, x0):x1 + 1].any())


def stroke_ends(lines: Strokes, i: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The two end points (x, y) of stroke ``i`` (box centre line)."""
    x, y, w, h = (int(v) for v in lines.stats[i, :4])
    if lines.horizontal:
        return (x, y + h // 2), (x + w - 1, y + h // 2)
    return (x + w // 2, y), (x + w // 2, y + h - 1)


def loose_ends(lines: Strokes, other: np.ndarray) -> np.ndarray:
    """Strokes of ``lines`` with an end that touches no line of ``other``, unless at least two
    other strokes end loose at the same place (a table cut by a page break) away from the
    paper's edge (a sensor streak runs to the edge)."""
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    edge = settings.SCAN_STREAK_OVERRUN_PX
    size = other.shape[1] if lines.horizontal else other.shape[0]
    idx = np.flatnonzero(lines.keep)
    loose: list[tuple[int, int, int]] = []  # (stroke, which end 0/1, position along the stroke)
    for i in idx:
        for k, (x, y) in enumerate(stroke_ends(lines, i)):
            step = (2 * k - 1, 0) if lines.horizontal else (0, 2 * k - 1)
            if not end_reaches(other, x, y, step):
                loose.append((int(i), k, x if lines.horizontal else y))
    drop = np.zeros(len(lines.stats), bool)
    for i, k, pos in loose:
        fellows = sum(1 for j, kk, p in loose if j != i and kk == k and abs(p - pos) <= t)
        at_edge = pos < edge or pos >= size - edge
        if fellows < 2 or at_edge:
            drop[i] = True
    return drop
