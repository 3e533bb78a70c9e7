"""Ruling lines and table cells of a deskewed page, by OpenCV morphology on the ink mask.

Input: the ink mask (uint8 H×W, ink = 255) of the deskewed page at ``settings.OCR_RENDER_DPI``.
Output coordinates are pixels of that image, origin top-left, boxes ``(x0, y0, x1, y1)`` with
exclusive ``x1``/``y1``. A cell is a region enclosed by rulings, so merged cells come out as one
box. A table cut by a page break is closed by the bounding box of its line network.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from service import settings
from service.model import Ruling

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Grid:
    """The line network of one page: a mask of the rulings (255 = line), rulings and cell boxes."""

    mask: np.ndarray
    rulings: tuple[Ruling, ...]
    cells: tuple[Box, ...]


@dataclass
class _Lines:
    """Line strokes of one direction and their connected components (``keep`` flags survivors)."""

    mask: np.ndarray
    labels: np.ndarray
    stats: np.ndarray
    keep: np.ndarray
    horizontal: bool

    @property
    def lengths(self) -> np.ndarray:
        return self.stats[:, cv2.CC_STAT_WIDTH if self.horizontal else cv2.CC_STAT_HEIGHT]


def _line_strokes(ink: np.ndarray, horizontal: bool) -> _Lines:
    """Long thin strokes in one direction: gaps bridged, text removed by a long opening,
    components thicker than ``SCAN_LINE_MAX_THICKNESS_PX`` (filled blocks) dropped."""
    gap = settings.SCAN_LINE_GAP_BRIDGE_PX
    length = settings.SCAN_HLINE_MIN_PX if horizontal else settings.SCAN_VLINE_MIN_PX
    bridge = (gap + 1, 1) if horizontal else (1, gap + 1)
    open_k = (length, 1) if horizontal else (1, length)
    m = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, bridge))
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, open_k))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    lines = _Lines(m, labels, stats, np.ones(len(stats), bool), horizontal)
    thick = stats[:, cv2.CC_STAT_AREA] / np.maximum(lines.lengths, 1) > settings.SCAN_LINE_MAX_THICKNESS_PX
    lines.keep = ~thick
    lines.keep[0] = False
    _erase(m, labels, stats, thick & (np.arange(len(stats)) > 0))
    return lines


def _erase(mask: np.ndarray, labels: np.ndarray, stats: np.ndarray, drop: np.ndarray) -> None:
    """Clear the components flagged in ``drop`` from ``mask`` (in place, window by window)."""
    for i in np.flatnonzero(drop):
        x, y, w, h = (int(v) for v in stats[i, :4])
        window = mask[y:y + h, x:x + w]
        window[labels[y:y + h, x:x + w] == i] = 0


def _keep_table_lines(lines: _Lines, tables: np.ndarray) -> None:
    """Drop strokes that neither touch a table network nor are table-wide on their own."""
    drop = lines.keep & (lines.lengths < settings.SCAN_TABLE_MIN_W_PX)
    for i in np.flatnonzero(drop):
        x, y, w, h = (int(v) for v in lines.stats[i, :4])
        own = lines.labels[y:y + h, x:x + w] == i
        drop[i] = not bool((tables[y:y + h, x:x + w][own] > 0).any())
    _erase(lines.mask, lines.labels, lines.stats, drop)
    lines.keep &= ~drop


def _rulings(lines: _Lines) -> list[Ruling]:
    """One ``Ruling`` per kept component (the centre line of its box)."""
    out: list[Ruling] = []
    for i in np.flatnonzero(lines.keep):
        x, y, w, h = (int(v) for v in lines.stats[i, :4])
        if lines.horizontal:
            out.append(Ruling(x0=float(x), y0=y + h / 2, x1=float(x + w), y1=y + h / 2))
        else:
            out.append(Ruling(x0=x + w / 2, y0=float(y), x1=x + w / 2, y1=float(y + h)))
    return out


def _extend(mask: np.ndarray, horizontal: bool) -> np.ndarray:
    """Lengthen every line a little along its direction so that near-miss corners close."""
    e = settings.SCAN_LINE_EXTEND_PX
    k = (2 * e + 1, 1) if horizontal else (1, 2 * e + 1)
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, k))


def _tables(grid: np.ndarray) -> np.ndarray:
    """The line networks big enough to be tables (glyph strokes of large titles are dropped),
    each closed by its bounding box (a table cut at a page edge then still has closed cells)."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    keep = (stats[:, cv2.CC_STAT_WIDTH] >= settings.SCAN_TABLE_MIN_W_PX) & (
        stats[:, cv2.CC_STAT_HEIGHT] >= settings.SCAN_TABLE_MIN_H_PX)
    keep[0] = True
    out = grid.copy()
    _erase(out, labels, stats, ~keep)
    for i in np.flatnonzero(keep[1:]) + 1:
        x, y, w, h = (int(v) for v in stats[i, :4])
        cv2.rectangle(out, (x, y), (x + w - 1, y + h - 1), 255, 2)
    return out


def _cells(tables: np.ndarray) -> list[Box]:
    """Boxes of the regions enclosed by table lines (background components off the page edge)."""
    h, w = tables.shape
    _, _, stats, _ = cv2.connectedComponentsWithStats(cv2.bitwise_not(tables), connectivity=4)
    max_area = settings.SCAN_CELL_MAX_AREA_RATIO * h * w
    out: list[Box] = []
    for x, y, bw, bh, area in (tuple(int(v) for v in row) for row in stats[1:]):
        if x == 0 or y == 0 or x + bw >= w or y + bh >= h:
            continue
        if bw < settings.SCAN_CELL_MIN_W_PX or bh < settings.SCAN_CELL_MIN_H_PX or bw * bh > max_area:
            continue
        if area < 0.5 * bw * bh:  # not a box-like region (a gap between networks)
            continue
        out.append((x, y, x + bw, y + bh))
    out.sort(key=lambda b: (b[1], b[0]))
    return out


def find_grid(ink: np.ndarray) -> Grid:
    """Rulings and enclosed cells of a page (see module doc for units)."""
    hl = _line_strokes(ink, horizontal=True)
    vl = _line_strokes(ink, horizontal=False)
    tables = _tables(cv2.bitwise_or(_extend(hl.mask, True), _extend(vl.mask, False)))
    _keep_table_lines(hl, tables)
    _keep_table_lines(vl, tables)
    rulings = (*_rulings(hl), *_rulings(vl))
    return Grid(mask=cv2.bitwise_or(hl.mask, vl.mask), rulings=tuple(rulings), cells=tuple(_cells(tables)))
