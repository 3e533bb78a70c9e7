"""Whole-page mask operations done on the box that holds the mask's ink only.

Ruling masks are mostly empty paper: a table fills part of the page and its rulings a few
percent of that. Connected components and closings cost every pixel they scan, so these helpers
run OpenCV on the bounding box of the nonzero pixels and return results in page coordinates
that are the same as OpenCV's on the whole page (same labels, numbering and foreground stats).

Masks are uint8 H×W, 255 (any nonzero) = set; coordinates are pixels, origin top-left.
"""

from __future__ import annotations

import cv2
import numpy as np


def components(mask: np.ndarray, connectivity: int = 8) -> tuple[int, np.ndarray, np.ndarray]:
    """``(count, labels, stats)`` as ``cv2.connectedComponentsWithStats(mask)`` gives them.

    Labels are numbered in raster order of each component's first pixel, which cropping away
    empty rows and columns does not change. Row 0 of ``stats`` (the background) is the whole
    page with the page's count of unset pixels.
    """
    x, y, w, h = cv2.boundingRect(mask)
    labels = np.zeros(mask.shape, np.int32)
    if w == 0 or h == 0:
        background = np.array([[0, 0, mask.shape[1], mask.shape[0], mask.size]], np.int32)
        return 1, labels, background
    count, sub, stats, _ = cv2.connectedComponentsWithStats(mask[y:y + h, x:x + w], connectivity=connectivity)
    labels[y:y + h, x:x + w] = sub
    stats[1:, cv2.CC_STAT_LEFT] += x
    stats[1:, cv2.CC_STAT_TOP] += y
    stats[0] = (0, 0, mask.shape[1], mask.shape[0], mask.size - int(stats[1:, cv2.CC_STAT_AREA].sum()))
    return count, labels, stats


def close_along(mask: np.ndarray, length_px: int, horizontal: bool) -> np.ndarray:
    """``mask`` closed with a ``length_px + 1`` long line along one direction, with a blank
    margin around the paper (OpenCV's default border would stretch a line ending near the
    image edge out to the edge). A closing with a one-pixel-thin line only fills between set
    pixels of the same row (column), so nothing outside the ink's bounding box changes.
    ``length_px`` must be even (an odd-sized, centred line: an even one shifts the closing)."""
    if length_px % 2:
        raise ValueError(f"close_along needs an even length, got {length_px}")
    x, y, w, h = cv2.boundingRect(mask)
    out = np.zeros_like(mask)
    if w == 0 or h == 0:
        return out
    k = (length_px + 1, 1) if horizontal else (1, length_px + 1)
    m = length_px // 2 + 1
    pad = cv2.copyMakeBorder(mask[y:y + h, x:x + w], m, m, m, m, cv2.BORDER_CONSTANT, value=0)
    closed = cv2.morphologyEx(pad, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, k))
    out[y:y + h, x:x + w] = closed[m:-m, m:-m]
    return out
