"""Ruling lines and table cells of a deskewed page, by OpenCV morphology on the ink mask.

Input: the ink mask (uint8 H×W, ink = 255) of the deskewed page at ``settings.OCR_RENDER_DPI``.
Output coordinates are pixels of that image, origin top-left, boxes ``(x0, y0, x1, y1)`` with
exclusive ``x1``/``y1``. A cell is a region enclosed by rulings, so merged cells come out as one
box. A table cut by a page break is closed by the bounding box of its line network.

Lines that are not table rulings are rejected before the network is built (``_reject_foreign``):
a ruling of these all-ruled tables ends on a crossing ruling at both ends (or, where a page break
cut the table, on a common edge shared by several rulings away from the paper's edge). Fax sensor
streaks and fold creases run past the table frame through margins and prose; seal rings, punch
holes and dark borders leave short or thick strokes ending in mid-cell. Their pixels are kept in
``Grid.rejected`` so that cells can drop them and say when one crosses their text. A rejected
line that the rows of a table end on is its frame after all (``frames``). A ruling recovered
from inside a rejected stroke is cut back to its outermost crossing rulings
(``_trimmed_to_crossings``): what runs on into mid-cell is left of the streak.

A ruling that lost a stretch of its ink along its length (a fax line dropout or light crease
running nearly parallel to it, after deskew) is judged as one ruling across the break, and the
break is closed where a crossing ruling ends in it (``_foreign``, ``_mend``); a break where no
crossing ruling ends is a merged cell and stays open, unless the ruling goes on beyond it on
the same rows and two rows of text show it divided cells there (``faded``: a faxed 1-px
ruling lost over a few cells). A rejected piece is given back, with the stretch to the frame,
where the page shows why its ink is missing (``faded.erased_rulings``): a lost fax scan line
runs along it, or both its ends were rubbed off a worn copy in mid-table.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from service import settings
from service.model import Ruling
from service.scan.faded import erased_rulings, with_faded_rulings
from service.scan.frames import frame_pixels
from service.scan.masks import close_along, components
from service.scan.streaks import (
    copy_covered_rows,
    crossing_columns,
    flanked,
    inside_tables,
    is_straight,
    streak_candidates,
    streak_rulings,
)
from service.scan.strokes import Strokes, end_anchored, loose_ends, relabel, stroke_ends

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Grid:
    """The line network of one page: a mask of the rulings (255 = line), rulings and cell boxes.

    ``rejected``: 255 on line-like strokes that were judged not to be table rulings (or ``None``).
    """

    mask: np.ndarray
    rulings: tuple[Ruling, ...]
    cells: tuple[Box, ...]
    rejected: np.ndarray | None = None


def _line_strokes(ink: np.ndarray, horizontal: bool) -> Strokes:
    """Long thin strokes in one direction: gaps bridged, text removed by a long opening (paper
    beyond the image's edge: OpenCV's default border would keep half-length strokes of a dark
    border that touches it), components thicker than ``SCAN_LINE_MAX_THICKNESS_PX`` (filled
    blocks) dropped."""
    gap = settings.SCAN_LINE_GAP_BRIDGE_PX
    length = settings.SCAN_HLINE_MIN_PX if horizontal else settings.SCAN_VLINE_MIN_PX
    bridge = (gap + 1, 1) if horizontal else (1, gap + 1)
    open_k = (length, 1) if horizontal else (1, length)
    m = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, bridge))
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, open_k),
                         borderType=cv2.BORDER_CONSTANT, borderValue=0)  # a short stroke at the edge is short too
    lines = relabel(m, horizontal)
    thick = lines.stats[:, cv2.CC_STAT_AREA] / np.maximum(lines.lengths, 1) > settings.SCAN_LINE_MAX_THICKNESS_PX
    lines.keep &= ~thick
    _erase(m, lines.labels, lines.stats, thick & (np.arange(len(lines.stats)) > 0))
    return lines


def _erase(mask: np.ndarray, labels: np.ndarray, stats: np.ndarray, drop: np.ndarray) -> None:
    """Clear the components flagged in ``drop`` from ``mask`` (in place, window by window)."""
    for i in np.flatnonzero(drop):
        x, y, w, h = (int(v) for v in stats[i, :4])
        window = mask[y:y + h, x:x + w]
        window[labels[y:y + h, x:x + w] == i] = 0


def _keep_table_lines(lines: Strokes, tables: np.ndarray) -> None:
    """Drop strokes that neither touch a table network nor are table-wide on their own."""
    drop = lines.keep & (lines.lengths < settings.SCAN_TABLE_MIN_W_PX)
    for i in np.flatnonzero(drop):
        x, y, w, h = (int(v) for v in lines.stats[i, :4])
        own = lines.labels[y:y + h, x:x + w] == i
        drop[i] = not bool((tables[y:y + h, x:x + w][own] > 0).any())
    _erase(lines.mask, lines.labels, lines.stats, drop)
    lines.keep &= ~drop


def _rulings(lines: Strokes) -> list[Ruling]:
    """One ``Ruling`` per kept component (the centre line of its box), top to bottom, then
    left to right (a stable order whatever numbering the component labelling used)."""
    out: list[Ruling] = []
    for i in np.flatnonzero(lines.keep):
        x, y, w, h = (int(v) for v in lines.stats[i, :4])
        if lines.horizontal:
            out.append(Ruling(x0=float(x), y0=y + h / 2, x1=float(x + w), y1=y + h / 2))
        else:
            out.append(Ruling(x0=x + w / 2, y0=float(y), x1=x + w / 2, y1=float(y + h)))
    return sorted(out, key=lambda r: (r.y0, r.x0, r.y1, r.x1))


def _extend(mask: np.ndarray, horizontal: bool) -> np.ndarray:
    """Lengthen every line a little along its direction so that near-miss corners close."""
    e = settings.SCAN_LINE_EXTEND_PX
    k = (2 * e + 1, 1) if horizontal else (1, 2 * e + 1)
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, k))


def _tables(grid: np.ndarray) -> np.ndarray:
    """The line networks big enough to be tables (glyph strokes of large titles are dropped),
    each closed by its bounding box (a table cut at a page edge then still has closed cells)."""
    _, labels, stats = components(grid)
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
    """Boxes of the regions enclosed by table lines (background components off the page edge).

    Only the box around the lines plus a one-pixel ring of paper is searched: a region that
    touches that ring belongs to the paper around the tables, as one touching the page edge does.
    """
    h, w = tables.shape
    x, y, bw, bh = cv2.boundingRect(tables)
    if bw == 0 or bh == 0:
        return []
    x0, y0, x1, y1 = max(0, x - 1), max(0, y - 1), min(w, x + bw + 1), min(h, y + bh + 1)
    _, _, stats, _ = cv2.connectedComponentsWithStats(cv2.bitwise_not(tables[y0:y1, x0:x1]), connectivity=4)
    max_area = settings.SCAN_CELL_MAX_AREA_RATIO * h * w
    out: list[Box] = []
    for cx, cy, cw, ch, area in (tuple(int(v) for v in row) for row in stats[1:]):
        if cx == 0 or cy == 0 or cx + cw >= x1 - x0 or cy + ch >= y1 - y0:
            continue
        if cw < settings.SCAN_CELL_MIN_W_PX or ch < settings.SCAN_CELL_MIN_H_PX or cw * ch > max_area:
            continue
        if area < 0.5 * cw * ch:  # not a box-like region (a gap between networks)
            continue
        out.append((cx + x0, cy + y0, cx + x0 + cw, cy + y0 + ch))
    out.sort(key=lambda b: (b[1], b[0]))
    return out


def _bridge(mask: np.ndarray, horizontal: bool) -> np.ndarray:
    """``mask`` with breaks of up to ``SCAN_RULING_BREAK_BRIDGE_PX`` along its lines closed
    (with a blank margin: a small crop's ruling must not look like a streak running off the paper)."""
    return close_along(mask, settings.SCAN_RULING_BREAK_BRIDGE_PX, horizontal)


def _foreign(lines: Strokes, other: np.ndarray, bridged: np.ndarray) -> np.ndarray:
    """Strokes of ``lines`` that are not table rulings: an end that touches no crossing line
    (see ``strokes.loose_ends``). A ruling broken along its length (a fax line dropout or a light
    crease running nearly parallel to it erases a stretch) is still one ruling: the crossing
    lines are judged with such breaks closed (a ruling ending where the crossing ruling lost
    its ink is anchored), and a stroke with a loose end is kept when the ruling it is a piece
    of (its collinear pieces joined across breaks) ends anchored at both ends. Conversely every
    piece of a long straight chain with a loose end goes, even one whose own ends happen to lie
    near crossing rulings, when it is less than half of the chain: a streak broken by dropouts
    (the rulings inside it are given back by ``_recover``). ``other`` and ``bridged`` are the
    crossing lines and ``lines.mask``, both with their breaks closed (``_bridge``)."""
    drop = loose_ends(lines, other)
    chains = relabel(bridged, lines.horizontal)
    chain_drop = loose_ends(chains, other)
    if not chain_drop.any():
        return drop & False
    streak = chain_drop & (chains.lengths >= settings.SCAN_STREAK_MIN_PX)
    for j in np.flatnonzero(streak):  # only a straight one: a crease beside a ruling leaves it
        x, y, w, h = (int(v) for v in chains.stats[j, :4])
        own = (chains.labels[y:y + h, x:x + w] == j) & (lines.mask[y:y + h, x:x + w] > 0)
        streak[j] = is_straight(own if lines.horizontal else own.T)
    for i in np.flatnonzero(lines.keep):
        x, y, w, h = (int(v) for v in lines.stats[i, :4])
        own = lines.labels[y:y + h, x:x + w] == i
        chain = np.unique(chains.labels[y:y + h, x:x + w][own])
        if drop[i]:
            drop[i] = bool(chain_drop[chain].any())
        else:  # an anchored piece goes with its streak only when it is a small part of it
            drop[i] = bool((streak[chain] & (chains.lengths[chain] > 2 * lines.lengths[i])).any())
    return drop


def _rescue(dropped: np.ndarray, other: np.ndarray, horizontal: bool) -> np.ndarray:
    """Table rulings inside rejected strokes (a crease that runs into a ruling makes one
    component of both): the rows of a rejected stroke that it covers almost completely
    (``SCAN_RESCUE_MIN_COVER``) between the outermost crossing rulings, when the stroke also
    holds other, partial rows (the crease); a lone straight streak is not rescued. Returns pixels."""
    if not horizontal:
        return np.ascontiguousarray(_rescue(dropped.T.copy(), other.T.copy(), True).T)
    out = np.zeros_like(dropped)
    n, labels, stats = components(dropped)
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        crossing = crossing_columns(other, x, y, w, h)
        if crossing.size >= 2:  # a lone straight streak (nothing merged into it) is not rescued
            copy_covered_rows(out, labels, i, y, h, x + int(crossing[0]), x + int(crossing[-1]) + 1,
                              straight_only=True)
    return out


def _recover(dropped: np.ndarray, other: np.ndarray, same: np.ndarray, ink: np.ndarray,
             horizontal: bool) -> np.ndarray:
    """Table ruling pixels inside rejected strokes: what is left of a straight streak once its
    own width is taken away (``streaks.streak_rulings``: a ruling it touched), and the rows a
    stroke covers completely between crossing rulings (``_rescue``: a ruling a curved crease
    or a nearly parallel streak ran into; for a straight streak only where it divides printed
    cells, ``streaks.flanked``). ``same``: the kept rulings of ``dropped``'s direction."""
    recovered, handled = streak_rulings(dropped, other, horizontal)
    out = cv2.bitwise_or(recovered, _rescue(cv2.bitwise_and(dropped, cv2.bitwise_not(handled)), other, horizontal))
    straight = streak_candidates(handled, other, horizontal) if handled.any() else handled
    if not straight.any():
        return out
    # a streak lying on a ruling: kept only where it divides printed cells
    seen = cv2.bitwise_or(same, inside_tables(out, other, horizontal))
    divides = flanked(straight, ink, handled, other, same, horizontal, seen)
    return _trimmed_to_crossings(cv2.bitwise_or(out, divides), other, divides, horizontal)


def _trimmed_to_crossings(pieces: np.ndarray, other: np.ndarray, divides: np.ndarray, horizontal: bool) -> np.ndarray:
    """``pieces`` (uint8 255) with each component that holds a stretch seen to divide printed
    cells (``divides``, from ``streaks.flanked``) and passes two or more crossing rulings of
    ``other`` cut back to its outermost ones (± ``SCAN_RULING_END_TOLERANCE_PX``): that is a
    ruling, and a ruling ends on a crossing one, so what it runs on into mid-cell is left of the
    streak it came from (and would give it a loose end: on the next pass it would go whole).
    A piece nothing showed to divide cells is left to that next pass (a crease's thicker spots)."""
    if not horizontal:
        t = [np.ascontiguousarray(m.T) for m in (pieces, other, divides)]
        return np.ascontiguousarray(_trimmed_to_crossings(*t, horizontal=True).T)
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    out = pieces.copy()
    n, labels, stats = components(pieces)
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if not divides[y:y + h, x:x + w][labels[y:y + h, x:x + w] == i].any():
            continue
        x0 = max(0, x - t)  # a crossing the piece ends on may lie just beyond its box
        cross = crossing_columns(other, x0, y, x + w + t - x0, h) + x0
        starts = cross[np.r_[True, np.diff(cross) > 1]] if cross.size else cross
        if starts.size < 2:
            continue
        own = labels[y:y + h, x:x + w] == i
        own[:, max(0, int(cross[0]) - t - x):max(0, int(cross[-1]) + t + 1 - x)] = False  # kept: crossing to crossing
        out[y:y + h, x:x + w][own] = 0
    return out


def _reject_foreign(hl: Strokes, vl: Strokes, ink: np.ndarray) -> tuple[Strokes, Strokes, np.ndarray]:
    """Erase non-table strokes from both directions (two passes: a rejected streak anchors
    nothing), keeping straight rulings found inside them (``ink``: the page's ink mask, to see
    which cells a ruling divides); returns the (possibly relabelled)
    strokes and the mask of what was rejected (255)."""
    rejected = np.zeros_like(hl.mask)
    for _ in range(2):
        bh, bv = _bridge(hl.mask, True), _bridge(vl.mask, False)
        dh = _foreign(hl, bv, bh)
        dv = _foreign(vl, bh, bv)
        if not (dh.any() or dv.any()):
            break
        out = []
        for lines, drop, other in ((hl, dh, vl.mask), (vl, dv, hl.mask)):
            dropped = np.zeros_like(lines.mask)
            for i in np.flatnonzero(drop):
                x, y, w, h = (int(v) for v in lines.stats[i, :4])
                dropped[y:y + h, x:x + w][lines.labels[y:y + h, x:x + w] == i] = 255
            _erase(lines.mask, lines.labels, lines.stats, drop)
            lines.keep &= ~drop
            rescued = dropped
            if drop.any():
                crossing, gone = (out[0], None) if out else (vl, dv)  # the kept rulings of the other direction
                rescued = cv2.bitwise_or(_recover(dropped, other, lines.mask, ink, lines.horizontal),
                                         frame_pixels(dropped, crossing, gone, lines.mask, lines.horizontal))
            if rescued.any():
                lines = relabel(cv2.bitwise_or(lines.mask, rescued), lines.horizontal)
            rejected |= cv2.bitwise_and(dropped, cv2.bitwise_not(rescued))
            out.append(lines)
        hl, vl = out
    return hl, vl, rejected


def _mend(lines: Strokes, other: Strokes) -> Strokes:
    """Close the breaks of ``lines`` (collinear pieces up to ``SCAN_RULING_BREAK_BRIDGE_PX``
    apart) in which a crossing ruling of ``other`` ends: a ruling cannot end in mid-cell, so the
    break is lost ink (a fax dropout along the ruling), not a merged cell (whose bounding
    rulings run through the break). Returns the (relabelled, when mended) strokes."""
    gaps = cv2.bitwise_and(_bridge(lines.mask, lines.horizontal), cv2.bitwise_not(lines.mask))
    n, labels, _ = components(gaps)
    if n <= 1:
        return lines
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    mend: set[int] = set()
    for j in np.flatnonzero(other.keep):
        for x, y in stroke_ends(other, j):
            if not end_anchored(lines.mask, x, y):
                near = labels[max(0, y - t):y + t + 1, max(0, x - t):x + t + 1]
                mend.update(int(v) for v in np.unique(near) if v)
    if not mend:
        return lines
    fill = np.where(np.isin(labels, list(mend)), 255, 0).astype(np.uint8)
    return relabel(cv2.bitwise_or(lines.mask, fill), lines.horizontal)


def _close_short_ends(lines: Strokes, other: Strokes, rejected: np.ndarray) -> Strokes:
    """Fill the gap between a ruling's end and the crossing ruling it falls short of by more
    than ``SCAN_RULING_END_TOLERANCE_PX`` and at most ``SCAN_RULING_SHORT_END_PX`` (a fax line
    dropout erased its last pixels; ``strokes.end_reaches`` already took it for a ruling), along the
    rows (columns) of its end, so that the cells on both sides of it close. Only a stroke
    longer than twice that, anchored at its other end and crossing no ruling over that length
    before its end (a piece that overshoots a crossing into a merged cell), and only across paper: a
    gap that a rejected line (``rejected``) runs through is the rest of a streak the piece was
    recovered from, not a lost end."""
    t, u = settings.SCAN_RULING_END_TOLERANCE_PX, settings.SCAN_RULING_SHORT_END_PX
    mask = other.mask if lines.horizontal else other.mask.T
    labels = lines.labels if lines.horizontal else lines.labels.T
    streaks = cv2.dilate(rejected if lines.horizontal else rejected.T, np.ones((5, 5), np.uint8))
    fill = np.zeros_like(mask)
    for i in np.flatnonzero(lines.keep):
        ends = stroke_ends(lines, i)
        anchored = [end_anchored(other.mask, *e) for e in ends]
        if anchored == [False, False] or lines.lengths[i] <= 2 * u:
            continue  # a ruling is anchored at its other end (a glyph stroke nowhere)
        for end, sign, done in zip(ends, (-1, 1), anchored, strict=True):
            if done:
                continue
            at = end[0] if lines.horizontal else end[1]
            x, y, w, h = (int(v) for v in lines.stats[i, :4])
            lo, hi = (y, y + h) if lines.horizontal else (x, x + w)
            rows = np.flatnonzero(labels[lo:hi, at] == i) + lo
            if rows.size == 0:
                continue
            back = mask[rows[0]:rows[-1] + 1, max(0, min(at, at - sign * 2 * u)):max(at, at - sign * 2 * u) + 1]
            if back.any():
                continue  # it crossed a ruling just before: an overshoot into a merged cell, not a lost end
            ahead = [c for c in range(at + sign, at + sign * (u + 1), sign) if 0 <= c < mask.shape[1]]
            hit = next((c for c in ahead if mask[rows[0]:rows[-1] + 1, c].any()), None)
            if hit is None or abs(hit - at) <= t:
                continue
            gap = (slice(rows[0], rows[-1] + 1), slice(min(at, hit) + 1, max(at, hit)))
            if not streaks[gap].any():
                fill[rows[0]:rows[-1] + 1, min(at, hit):max(at, hit) + 1] = 255
    if not fill.any():
        return lines
    return relabel(cv2.bitwise_or(lines.mask, fill if lines.horizontal else np.ascontiguousarray(fill.T)),
                    lines.horizontal)


def find_grid(ink: np.ndarray, lost: np.ndarray | None = None) -> Grid:
    """Rulings and enclosed cells of a page (see module doc for units); ``lost`` (same frame,
    255 = a fax scan line lost in transmission, or ``None``) lets a ruling that runs along one
    be restored to the table's frame (``faded``)."""
    hl = _line_strokes(ink, horizontal=True)
    vl = _line_strokes(ink, horizontal=False)
    hl, vl, rejected = _reject_foreign(hl, vl, ink)
    hl, vl = _mend(hl, vl), _mend(vl, hl)
    hl, vl = _close_short_ends(hl, vl, rejected), _close_short_ends(vl, hl, rejected)
    if (back := erased_rulings(hl.mask, vl.mask, ink, rejected, lost)).any():
        hl, rejected = relabel(cv2.bitwise_or(hl.mask, back), True), cv2.bitwise_and(rejected, cv2.bitwise_not(back))
    if (mask := with_faded_rulings(hl.mask, vl.mask, ink, rejected)) is not hl.mask:
        hl = relabel(mask, True)
    tables = _tables(cv2.bitwise_or(_extend(hl.mask, True), _extend(vl.mask, False)))
    _keep_table_lines(hl, tables)
    _keep_table_lines(vl, tables)
    rulings = (*_rulings(hl), *_rulings(vl))
    return Grid(mask=cv2.bitwise_or(hl.mask, vl.mask), rulings=tuple(rulings), cells=tuple(_cells(tables)),
                rejected=rejected)
