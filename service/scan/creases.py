"""Heal thin paper-white lines (a light fold crease, a fax line dropout) that cut the print.

Input: the lighting-normalised page (uint8 H×W, paper ≈ 255) and its ink mask (255 = ink), at
``settings.OCR_RENDER_DPI``. A white line across the sheet leaves the same kind of gap in every
table ruling it crosses: gaps of up to ``SCAN_CREASE_MAX_GAP_PX`` in at least
``SCAN_CREASE_MIN_RULINGS`` rulings, lined up (within ``SCAN_CREASE_ALIGN_PX``) along the other
axis, trace its path. Along that path a pixel becomes as dark as the *lighter* of the two pixels
just beside the gap: strokes of digits cut by the line are joined again, paper stays paper (dark
only where both sides are dark).
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings
from service.model import Ruling

Gap = tuple[float, int, int]  # (ruling's row, gap start, gap end) in pixels


def _gaps(ink: np.ndarray, rulings: list[tuple[float, float, float]]) -> list[Gap]:
    """Every interruption (up to ``SCAN_CREASE_MAX_GAP_PX``) of the horizontal ``rulings``
    ``(y, x0, x1)`` in the raw ink: columns with no ink within ±2 px of the ruling's row."""
    h, w = ink.shape
    out: list[Gap] = []
    for y, x0, x1 in rulings:
        r0, r1 = max(0, round(y) - 2), min(h, round(y) + 3)
        a0, a1 = max(0, int(x0)), min(w, int(x1))
        if a1 - a0 < 3:
            continue
        gap_cols = ~(ink[r0:r1, a0:a1] > 0).any(axis=0)
        edges = np.diff(np.concatenate(([0], gap_cols.astype(np.int8), [0])))
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            if 0 < a and b < a1 - a0 and b - a <= settings.SCAN_CREASE_MAX_GAP_PX:
                out.append((y, a0 + int(a), a0 + int(b)))
    return out


def _paths(gaps: list[Gap], rulings: list[tuple[float, float, float]]) -> list[list[Gap]]:
    """Groups of gaps lined up across at least ``SCAN_CREASE_MIN_RULINGS`` rulings (by x) and
    at least ``SCAN_CREASE_MIN_COVER`` of the rulings that cross the group's place."""
    t = settings.SCAN_CREASE_ALIGN_PX
    groups: list[list[Gap]] = []
    for gap in sorted(gaps, key=lambda g: (g[1] + g[2]) / 2):
        mid = (gap[1] + gap[2]) / 2
        if groups and abs(mid - np.mean([(a + b) / 2 for _, a, b in groups[-1]])) <= t:
            groups[-1].append(gap)
        else:
            groups.append([gap])
    out = []
    for g in groups:
        cut = {round(r) for r, _, _ in g}
        mid = float(np.mean([(a + b) / 2 for _, a, b in g]))
        lo, hi = min(r for r, _, _ in g), max(r for r, _, _ in g)
        crossing = {round(y) for y, x0, x1 in rulings if x0 < mid < x1 and lo <= y <= hi}
        if len(cut) >= settings.SCAN_CREASE_MIN_RULINGS and len(cut) >= settings.SCAN_CREASE_MIN_COVER * len(crossing):
            out.append(g)
    return out


def _heal_vertical(norm: np.ndarray, ink: np.ndarray, rulings: list[tuple[float, float, float]]) -> int:
    """Heal white lines that run top to bottom (gaps in horizontal ``rulings`` ``(y, x0, x1)``);
    in place. Returns how many were healed. The healed band is at most
    ``2 · SCAN_CREASE_MAX_HALF_PX + 1`` wide (never the inside of a printed 0)."""
    h, w = norm.shape
    healed = 0
    for path in _paths(_gaps(ink, rulings), rulings):
        path.sort()
        ys = np.array([r for r, _, _ in path])
        xs = np.array([(a + b) / 2 for _, a, b in path])
        half = min(settings.SCAN_CREASE_MAX_HALF_PX, int(np.median([b - a for _, a, b in path])) // 2 + 1)
        spacing = float(np.diff(ys).max()) if len(ys) > 1 else 0.0
        rows = np.arange(max(0, int(ys[0] - spacing)), min(h, int(ys[-1] + spacing) + 1))
        xc = np.round(np.interp(rows, ys, xs)).astype(int)
        left, right = np.clip(xc - half - 1, 0, w - 1), np.clip(xc + half + 1, 0, w - 1)
        side = np.maximum(norm[rows, left], norm[rows, right])
        for d in range(-half, half + 1):
            cols = np.clip(xc + d, 0, w - 1)
            norm[rows, cols] = np.minimum(norm[rows, cols], side)
        healed += 1
    return healed


def heal_white_lines(norm: np.ndarray, ink: np.ndarray, rulings: tuple[Ruling, ...]) -> tuple[np.ndarray, int]:
    """(healed copy of ``norm``, number of white lines healed) — both directions; ``rulings``
    are the table rulings found on the page (only their gaps are evidence)."""
    hor = [(r.y0, r.x0, r.x1) for r in rulings if not r.vertical]
    ver = [(r.x0, r.y0, r.y1) for r in rulings if r.vertical]
    out = norm.copy()
    n = _heal_vertical(out, ink, hor)
    transposed = np.ascontiguousarray(out.T)
    n += _heal_vertical(transposed, np.ascontiguousarray(ink.T), ver)
    return np.ascontiguousarray(transposed.T), n


def heal_cut_strokes(grey: np.ndarray, ink: np.ndarray, cut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(grey with the pixels of ``cut`` filled from across it, ink mask of the strokes joined).

    ``cut`` (255 = a removed line that crosses the text: a dark crease or streak lying over the
    digits; same shape as ``grey``/``ink``, one cell) would leave a paper-white cut through every
    stroke it crossed ("0" cut near its top reads "û"). Each run of ``cut`` pixels across a
    line (along a column for a lying line, along a row for an upright one), at most
    ``SCAN_CREASE_MAX_GAP_PX`` long, takes the *lighter* of the two pixels
    ``SCAN_CREASE_HEAL_REACH_PX`` beside it (past the line's own fringe, which the removed mask
    may not cover: a streak's edges must not rebuild it as a "1"): a
    stroke crossing the line (dark on both sides) is joined, paper stays paper; a longer run (or
    one at the cell's edge) becomes paper. A pixel is ink when both of those pixels are ink.
    """
    out = grey.copy()
    joined = np.zeros_like(ink)
    reach = settings.SCAN_CREASE_HEAL_REACH_PX
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cut, connectivity=8)
    for k in range(1, n):
        x, y, w, h = (int(v) for v in stats[k, :4])
        lying = w >= h
        for j in range(x, x + w) if lying else range(y, y + h):
            along = labels[:, j] == k if lying else labels[j, :] == k
            g = out[:, j] if lying else out[j, :]
            m = ink[:, j] if lying else ink[j, :]
            o = joined[:, j] if lying else joined[j, :]
            edges = np.diff(np.concatenate(([0], along.astype(np.int8), [0])))
            for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
                lo, hi = a - reach, b + reach - 1
                if lo < 0 or hi >= g.size or b - a > settings.SCAN_CREASE_MAX_GAP_PX:
                    g[a:b] = 255  # too wide to heal (or at the cell's edge): paper, as a removed line
                    continue
                g[a:b] = max(g[lo], g[hi])
                if m[lo] and m[hi]:
                    o[a:b] = 255
    return out, joined
