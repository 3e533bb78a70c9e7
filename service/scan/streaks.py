"""Table rulings hidden inside a rejected straight streak (fax sensor streak, scan-line dropout).

Input: a mask (uint8 H×W, 255 = stroke) of line strokes of one direction that were judged not to
be table rulings, and the mask of the crossing direction's rulings, at ``settings.OCR_RENDER_DPI``.

A dirty fax sensor draws a straight line down the whole sheet; a lost scan line draws one across
it. Where such a line touches a table ruling, both become one stroke that runs through the
margins, so the ruling is rejected with it. Such a line is straight and of even width over its
whole length (a ruling beside it widens it only where they touch): its width is measured where
it runs alone, in the margins beyond the outermost crossing rulings (a lost scan line that lies
almost on a ruling is one stroke with it over most of the table, so the whole stroke's median
width would be both together), its centre line is fitted on the columns where the stroke is as
thin as the line itself, and the pixels within its width are taken away. What is left and still
long enough to be a ruling is the table's ruling; where the line covered the ruling's own rows,
the ruling is filled back along those rows, but only inside a table (a crossing ruling passes
within the gap): the gap between two tables stays open; an end the line's width ate short of a
crossing ruling is drawn on to it.

Lines that are not straight (a curved fold crease) are left to ``lines._rescue``.
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings
from service.scan.masks import components


def _centre_line(own: np.ndarray, min_len: int | None = None,
                 alone: np.ndarray | None = None) -> tuple[np.ndarray, float] | None:
    """(fitted centre row per column, line width in px) of a straight thin stroke (horizontal
    frame: the stroke runs along x, inked over at least ``min_len`` columns, default
    ``SCAN_STREAK_MIN_PX``), or ``None`` when it is not a straight line of even width.
    ``alone`` (bool per column of ``own``): the columns where the line runs alone (the margins,
    beyond the crossing rulings); its width is their median stroke width, and at least
    ``SCAN_STREAK_MIN_THIN_SHARE`` of them must be that thin, when at least
    ``SCAN_STREAK_MIN_ALONE_PX`` of them are inked (else the whole stroke's: a ruling merged
    into the line over most of its length is not the line's own width)."""
    cols = np.flatnonzero(own.any(axis=0))
    if cols.size < (settings.SCAN_STREAK_MIN_PX if min_len is None else min_len):
        return None
    sub = own[:, cols]
    top = sub.argmax(axis=0)
    bottom = sub.shape[0] - 1 - sub[::-1].argmax(axis=0)
    width = bottom - top + 1
    ref = np.ones(cols.size, bool)
    if alone is not None and int(alone[cols].sum()) >= settings.SCAN_STREAK_MIN_ALONE_PX:
        ref = alone[cols]
    line_w = float(np.median(width[ref]))
    thin = width <= line_w + 1
    if thin[ref].sum() < settings.SCAN_STREAK_MIN_THIN_SHARE * ref.sum():
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


def is_straight(own: np.ndarray) -> bool:
    """Whether the stroke ``own`` (bool, horizontal frame) is a straight line of even width."""
    return _centre_line(own, min_len=2 * settings.SCAN_VLINE_MIN_PX) is not None


def _ruling_pixels(own: np.ndarray, other: np.ndarray) -> np.ndarray | None:
    """The ruling pixels (bool, same shape) inside one straight streak component ``own``
    (horizontal frame), ``None`` when the component is no straight streak. ``other``: the
    crossing rulings in the same window."""
    cross = np.flatnonzero(other.any(axis=0))
    alone = None
    if cross.size:
        cols, t = np.arange(own.shape[1]), settings.SCAN_RULING_END_TOLERANCE_PX
        alone = (cols < cross[0] - t) | (cols > cross[-1] + t)
    fitted = _centre_line(own, alone=alone)
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
    _reach_crossings(out, own, cross)
    if cross.size:  # nothing beyond the outermost crossing rulings (the frame) is this table's ruling
        out[:, :cross[0]] = False
        out[:, cross[-1] + 1:] = False
    return out


def _reach_crossings(found: np.ndarray, own: np.ndarray, cross: np.ndarray) -> None:
    """Draw each piece of ruling ``found`` (bool, horizontal frame; in place) on along the rows
    of its end, over the streak's pixels ``own``, to the crossing ruling (``cross``: its columns)
    that lies within ``SCAN_RULING_END_TOLERANCE_PX`` beyond that end: the streak's width, taken
    away, ate the ruling's last pixels there, and the corner must close (a gap of a few pixels
    joins the cells on both sides of the ruling)."""
    if cross.size == 0:
        return
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    n, labels, stats, _ = cv2.connectedComponentsWithStats(found.astype(np.uint8), connectivity=8)
    for j in range(1, n):
        x, w = int(stats[j, cv2.CC_STAT_LEFT]), int(stats[j, cv2.CC_STAT_WIDTH])
        for end, step in ((x, -1), (x + w - 1, 1)):
            ahead = cross[(cross - end) * step > 0]
            if ahead.size == 0:
                continue
            hit = int(ahead[np.argmin(np.abs(ahead - end))])
            if abs(hit - end) > t:
                continue
            rows = np.flatnonzero(labels[:, end] == j)
            lo, hi = min(end, hit), max(end, hit) + 1
            found[rows[0]:rows[-1] + 1, lo:hi] |= own[rows[0]:rows[-1] + 1, lo:hi]


def streak_rulings(dropped: np.ndarray, other: np.ndarray, horizontal: bool) -> tuple[np.ndarray, np.ndarray]:
    """(ruling pixels recovered from straight streaks, mask of the streak components handled)
    for rejected strokes ``dropped`` of one direction; both uint8 255 masks of ``dropped``'s shape.
    A streak is straight, of even width, and runs at least ``SCAN_STREAK_OVERRUN_PX`` past the
    outermost crossing ruling (into the margin); other components are in neither mask."""
    if not horizontal:
        rec, done = streak_rulings(dropped.T.copy(), other.T.copy(), True)
        return np.ascontiguousarray(rec.T), np.ascontiguousarray(done.T)
    recovered = np.zeros_like(dropped)
    handled = np.zeros_like(dropped)
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (settings.SCAN_RULING_BREAK_BRIDGE_PX + 1, 1))
    chains = cv2.morphologyEx(dropped, cv2.MORPH_CLOSE, k)  # a broken streak is judged whole
    n, labels, stats = components(chains)
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if w < settings.SCAN_STREAK_MIN_PX:
            continue
        own = (labels[y:y + h, x:x + w] == i) & (dropped[y:y + h, x:x + w] > 0)
        crossing = np.flatnonzero(other[y:y + h, x:x + w].any(axis=0))
        if crossing.size and max(int(crossing[0]), w - 1 - int(crossing[-1])) < settings.SCAN_STREAK_OVERRUN_PX:
            continue  # ends within the crossing rulings' reach: a ruling, not a line through the margins
        found = _ruling_pixels(own, other[y:y + h, x:x + w] > 0)
        if found is None:
            continue
        handled[y:y + h, x:x + w][own] = 255
        recovered[y:y + h, x:x + w][found] = 255
    return recovered, handled


def side_ink(text: np.ndarray, same: np.ndarray, y0: int, y1: int, a: int, b: int, up: bool,
             reach: int = settings.SCAN_STREAK_SIDE_PX, gap: int = settings.SCAN_STREAK_TOUCH_PX) -> int:
    """Text ink pixels beside a ruling (rows ``y0``–``y1`` of the ruling, columns ``a``–``b``),
    above it (``up``) or below, up to ``reach`` away or to the next parallel ruling of ``same``
    (bool), leaving out the ``gap`` rows next to the ruling."""
    lo, hi = (max(0, y0 - reach), y0) if up else (y1, min(text.shape[0], y1 + reach))
    walls = np.flatnonzero(same[lo:hi, a:b].mean(axis=1) > 0.5)  # a ruling right beside the streak too
    if walls.size:
        lo, hi = (lo + int(walls[-1]) + 1, hi) if up else (lo, lo + int(walls[0]))
    lo, hi = (lo, min(hi, y0 - gap)) if up else (max(lo, y1 + gap), hi)
    return int(np.count_nonzero(text[lo:hi, a:b])) if hi > lo else 0


def _touches(text: np.ndarray, y0: int, y1: int, a: int, b: int) -> bool:
    """Whether text ink lies within ``SCAN_STREAK_TOUCH_PX`` beyond the streak's rows ``y0``–``y1``
    (one pixel of edge left aside): a glyph the streak cuts."""
    g = settings.SCAN_STREAK_TOUCH_PX
    near = np.count_nonzero(text[max(0, y0 - 1 - g):max(0, y0 - 1), a:b]) + np.count_nonzero(
        text[y1 + 1:y1 + 1 + g, a:b])
    return near >= settings.SCAN_STREAK_TOUCH_MIN_PX


def _glyph_ink(ink: np.ndarray, streak: np.ndarray, rulings: np.ndarray) -> np.ndarray:
    """Ink that is no ruling (nor next to one), no streak pixel (nor its edge) and no speck
    (bool, horizontal frame): glyph strokes."""
    off = cv2.bitwise_or(cv2.dilate(rulings, np.ones((5, 5), np.uint8)),
                         cv2.dilate(streak, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 3))))
    text = cv2.bitwise_and(ink, cv2.bitwise_not(off))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
    big = stats[:, cv2.CC_STAT_AREA] > settings.SCAN_ISOLATED_MARK_MAX_AREA_PX // 2
    big[0] = False
    return big[labels]


def _divides(text: np.ndarray, streak: np.ndarray, same: np.ndarray, y: int, h: int, a: int,
             b: int) -> bool | None:
    """Whether the rescued ruling rows ``y``–``y+h`` divide two printed cells over columns
    ``a``–``b``; ``None`` where the streak cuts glyphs there (no ruling there, but no word on
    whether one lies under the streak elsewhere)."""
    t = settings.SCAN_STREAK_TOUCH_PX + 2
    rows = np.flatnonzero(streak[max(0, y - t):y + h + t, a:b].any(axis=1)) + max(0, y - t)
    s0, s1 = (int(rows[0]), int(rows[-1]) + 1) if rows.size else (y, y + h)
    if _touches(text, s0, s1, a, b):
        return None
    need = settings.SCAN_STREAK_SIDE_MIN_INK_PX
    return (side_ink(text, same, s0, s1, a, b, up=True) >= need
            and side_ink(text, same, s0, s1, a, b, up=False) >= need)


def _layout(same: np.ndarray, a: int, b: int, skip: slice) -> np.ndarray:
    """Rows (one per ruling) where a parallel ruling of ``same`` (bool) crosses the whole stretch
    ``a``–``b`` of one row of cells, leaving out the rows ``skip`` (the streak and the ruling
    under it): how that row of cells is divided."""
    rows = same[:, a + 1:b].mean(axis=1) >= settings.SCAN_RESCUE_MIN_COVER
    rows[skip] = False
    found = np.flatnonzero(rows)
    return found[np.r_[True, np.diff(found) > 1]] if found.size else found


def _same_layout(same: np.ndarray, one: tuple[int, int], two: tuple[int, int], skip: slice) -> bool:
    """Whether the rows of cells ``one`` and ``two`` (stretches between crossing rulings) are
    divided by the same parallel rulings (within ``SCAN_RULING_END_TOLERANCE_PX``): one table's
    rows, not a table and the title or header rows beyond its frame."""
    p, q = _layout(same, *one, skip), _layout(same, *two, skip)
    if p.size == 0 or p.size != q.size:
        return False
    return bool((np.abs(p - q) <= settings.SCAN_RULING_END_TOLERANCE_PX).all())


def _run(crossing: np.ndarray, at: int, step: int) -> int:
    """The last column of the run of crossing-ruling columns (``crossing``: bool per column)
    that holds ``at``, walking by ``step`` (+1 or -1)."""
    while 0 <= at + step < crossing.size and crossing[at + step]:
        at += step
    return at


def _beside(crossing: np.ndarray, a: int, b: int) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The rows of cells (stretches between two crossing rulings; ``crossing``: bool per column)
    just before column ``a`` and just after column ``b`` of the stretch ``a``–``b`` (both columns
    of crossing rulings), ``None`` where no crossing ruling closes one within
    ``SCAN_STREAK_MAX_CELL_PX``."""
    far = settings.SCAN_STREAK_MAX_CELL_PX
    start, end = _run(crossing, a, -1), _run(crossing, b, 1)
    back = np.flatnonzero(crossing[max(0, start - far):start])
    fwd = np.flatnonzero(crossing[end + 1:end + 1 + far])
    before = (max(0, start - far) + int(back[-1]), start) if back.size else None
    after = (end, end + 1 + int(fwd[0])) if fwd.size else None
    return before, after


def _hidden_ruling(rescued: np.ndarray, same: np.ndarray, y: int, h: int, a: int, b: int,
                   other: np.ndarray, kept: np.ndarray) -> slice | None:
    """The rows of a parallel ruling of ``same`` that runs into the stretch ``a``–``b`` (between
    two crossing rulings) from either side, within ``SCAN_STREAK_HIDDEN_REACH_PX`` of it, and
    whose line the streak candidate ``rescued`` covers over the whole stretch in at least one of
    those rows: the ruling goes on under the streak (a slanted streak that met a ruling swallows
    it row of cells by row of cells). ``None`` when there is none. Rows ``y``–``y+h`` (the
    candidate's extent, widened by ``SCAN_STREAK_TOUCH_PX``) are searched. The ruling
    is followed only from a row of cells (between the crossing rulings of ``other`` next to
    ``a`` and ``b``) divided like this one by the other parallel rulings ``kept`` (bool;
    ``_same_layout``): never across the gap between two tables."""
    g, reach = settings.SCAN_STREAK_TOUCH_PX, settings.SCAN_STREAK_HIDDEN_REACH_PX
    lo, hi = max(0, y - g), min(same.shape[0], y + h + g)
    beside = _beside(other[lo:hi].any(axis=0), a, b)
    for k, near in enumerate(beside):
        if near is None or not _same_layout(kept, near, (a, b), slice(lo, hi)):
            continue
        p, q = near[0] + 1, near[1]  # the neighbouring row of cells, its crossing rulings left out
        win = same[lo:hi, max(p, q - reach):q] if k == 0 else same[lo:hi, p:min(q, p + reach)]
        if win.shape[1] == 0:
            continue
        line = np.flatnonzero((win > 0).mean(axis=1) >= settings.SCAN_RESCUE_MIN_COVER)
        if line.size == 0 or line[-1] - line[0] + 1 > settings.SCAN_LINE_MAX_THICKNESS_PX:
            continue
        r0, r1 = lo + int(line[0]), lo + int(line[-1]) + 1
        full = (rescued[lo:hi, a + 1:b] > 0).mean(axis=1) >= settings.SCAN_RESCUE_MIN_COVER
        if not full.any() or int(full.sum()) > r1 - r0 + 2:  # no streak here, or more than one line
            continue
        cover = full[max(0, r0 - 1 - lo):r1 + 1 - lo]  # its line, ±1 px of slant
        if cover.size and bool(cover.any()):
            return slice(r0, r1)
    return None


def inside_tables(pieces: np.ndarray, other: np.ndarray, horizontal: bool) -> np.ndarray:
    """The components of ``pieces`` (uint8 255, one direction's recovered ruling pixels) that lie
    between the outermost crossing rulings of ``other`` along their rows and end at one of them
    at least (within ``SCAN_RULING_END_TOLERANCE_PX``), as a table's ruling does: what runs on
    into the margin or ends in mid-cell is left of the streak (or crease) itself."""
    if not horizontal:
        return np.ascontiguousarray(inside_tables(pieces.T.copy(), other.T.copy(), True).T)
    out = np.zeros_like(pieces)
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    n, labels, stats, _ = cv2.connectedComponentsWithStats(pieces, connectivity=8)
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        cross = np.flatnonzero(other[max(0, y - t):y + h + t].any(axis=0))
        ends = cross.size and bool(np.abs(cross - x).min() <= t or np.abs(cross - (x + w - 1)).min() <= t)
        if ends and cross[0] - t <= x and x + w - 1 <= cross[-1] + t:
            out[y:y + h, x:x + w][labels[y:y + h, x:x + w] == i] = 255
    return out


def flanked(rescued: np.ndarray, ink: np.ndarray, streak: np.ndarray, other: np.ndarray, same: np.ndarray,
            horizontal: bool, beyond: np.ndarray | None = None) -> np.ndarray:
    """The parts of rulings ``rescued`` from a straight streak that divide printed cells: between
    two crossing rulings at most ``SCAN_STREAK_MAX_CELL_PX`` apart (one row of cells), text ink
    on both sides and none touching the streak (a streak lying in a cell has empty paper on one
    side or cuts the glyphs it passes), in at least half of the rows where it cuts no glyph (one
    that passes a gap between the glyphs of one number does not make it a ruling). ``streak``: the rejected
    streaks; ``other``: the crossing rulings; ``same``: the parallel rulings. uint8 255 masks.
    A row of cells where the streak covers the line of a parallel ruling of ``beyond`` (default
    ``same``; e.g. with the rulings recovered from streaks) that runs on beside it, in a row of
    cells divided alike, is kept as that ruling whatever the text (``_hidden_ruling``); the
    rulings of ``beyond`` and those so followed bound the text looked for beside the streak (a
    streak running just beside a ruling divides no cells)."""
    beyond = same if beyond is None else beyond
    if not horizontal:
        t = [np.ascontiguousarray(m.T) for m in (rescued, ink, streak, other, same)]
        return np.ascontiguousarray(flanked(*t, horizontal=True, beyond=np.ascontiguousarray(beyond.T)).T)
    text = _glyph_ink(ink, streak, cv2.bitwise_or(other, same))
    out = np.zeros_like(rescued)
    beyond = beyond.copy()
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    n, labels, stats = components(rescued)
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        cross = crossing_columns(other, x, y, w, h) + x
        cuts = [x, *cross.tolist(), x + w]
        stretches = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False)
                     if settings.SCAN_CELL_MIN_W_PX <= b - a - 2 * settings.SCAN_STREAK_TOUCH_PX
                     <= settings.SCAN_STREAK_MAX_CELL_PX]
        hidden = set()
        for order in (stretches, stretches[::-1]):  # a ruling followed under the streak, either way
            for a, b in order:
                rows = None if (a, b) in hidden else _hidden_ruling(rescued, beyond, y, h, a, b, other, same > 0)
                if rows is not None:
                    hidden.add((a, b))
                    out[rows, max(x, a - t):min(x + w, b + t + 1)] = 255
                    beyond[rows, a:b + 1] = 255
        judged, kept = 0, []
        for a, b in stretches:
            if (a, b) in hidden:
                continue
            verdict = _divides(text, streak, beyond > 0, y, h, a + settings.SCAN_STREAK_TOUCH_PX,
                               b - settings.SCAN_STREAK_TOUCH_PX)
            judged += verdict is not None
            if verdict:
                kept.append((max(x, a - t), min(x + w, b + t + 1)))
        if len(kept) * 2 < judged:  # mostly lying in cells: a streak that passed a gap between glyphs
            continue
        for lo, hi in kept:
            out[y:y + h, lo:hi][labels[y:y + h, lo:hi] == i] = 255
    return out


def crossing_columns(other: np.ndarray, x: int, y: int, w: int, h: int) -> np.ndarray:
    """Columns (from ``x``) of the stroke box ``x, y, w, h`` where a crossing ruling of ``other``
    passes within ``SCAN_RULING_END_TOLERANCE_PX`` of the stroke's rows (horizontal frame)."""
    t = settings.SCAN_RULING_END_TOLERANCE_PX
    return np.flatnonzero(other[max(0, y - t):y + h + t, x:x + w].any(axis=0))


def copy_covered_rows(out: np.ndarray, labels: np.ndarray, i: int, y: int, h: int, xl: int,
                      xr: int, straight_only: bool = False) -> None:
    """Write into ``out`` (255) the pixels of component ``i`` in the rows of ``y``–``y+h`` that it
    covers for at least ``SCAN_RESCUE_MIN_COVER`` of columns ``xl``–``xr`` (horizontal frame).
    ``straight_only``: nothing when those rows are all it has there, give or take one (a lone
    straight line, into which nothing was merged)."""
    own = labels[y:y + h, xl:xr] == i
    full = own.mean(axis=1) >= settings.SCAN_RESCUE_MIN_COVER
    if straight_only and int(own.any(axis=1).sum()) <= int(full.sum()) + 1:
        return
    out[y:y + h, xl:xr][full] = np.where(own[full], 255, 0)


def streak_candidates(handled: np.ndarray, other: np.ndarray, horizontal: bool) -> np.ndarray:
    """Where a straight streak may lie on a ruling: between each two consecutive crossing
    rulings of ``other``, the rows of the streak covered for at least ``SCAN_RESCUE_MIN_COVER``
    of that stretch. For ``flanked`` to judge, stretch by stretch."""
    if not horizontal:
        return np.ascontiguousarray(streak_candidates(handled.T.copy(), other.T.copy(), True).T)
    out = np.zeros_like(handled)
    n, labels, stats = components(handled)
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        cols = crossing_columns(other, x, y, w, h)
        if cols.size < 2:
            continue
        starts = cols[np.r_[True, np.diff(cols) > 1]]  # one position per crossing ruling
        for a, b in zip(starts, starts[1:], strict=False):
            copy_covered_rows(out, labels, i, y, h, x + int(a), x + int(b) + 1)
    return out
