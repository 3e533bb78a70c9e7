"""pdfminer's and pdfplumber's geometry rules in pure Python, for glyphs and paths read elsewhere.

Coordinates are PDF points, origin top-left of the MediaBox (pdfplumber's ``top``/``bottom``).
``models.pdfium_layer`` feeds these with pdfium's glyphs and path segments; the rules are those of
pdfminer.six (path classification into line / rect / curve) and pdfplumber 0.11 (edges of each,
``extract_words``), in the same order of floating-point operations.
"""

from __future__ import annotations

import itertools
import operator
from typing import NamedTuple

SNAP_DECIMALS = 3            # pdfium's float32 values are rounded to 1/1000 pt
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}

Point = tuple[float, float]
PathOps = list[tuple[str, Point]]


def snap(v: float) -> float:
    return round(v, SNAP_DECIMALS)


class PdfChar(NamedTuple):
    """One glyph (pdfplumber's ``char``): points, origin top-left of the page.

    A named tuple (immutable, built ~3× faster than a frozen dataclass: ~500 a page)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


class PdfEdge(NamedTuple):
    """One edge of a line, rectangle or curve (pdfplumber's ``edge``): points, origin top-left."""

    x0: float
    x1: float
    top: float
    bottom: float


class PdfWord(NamedTuple):
    """Characters grouped into one word as ``pdfplumber.extract_words`` groups them."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def apply_matrix(m: tuple[float, ...], pt: Point) -> Point:
    """pdfminer's apply_matrix_pt."""
    a, b, c, d, e, f = m
    x, y = pt
    return a * x + c * y + e, b * x + d * y + f


def is_re(ops: PathOps) -> bool:
    """pdfium stores ``x y w h re`` as m, l, l, l, l(back to start) + close: an axis-aligned loop."""
    if [op for op, _ in ops] != ["m", "l", "l", "l", "l", "h"]:
        return False
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), p4 = (pt for _, pt in ops[:5])
    return y1 == y0 and x2 == x1 and x3 == x0 and y3 == y2 and p4 == (x0, y0)


def as_re(ops: PathOps) -> PathOps:
    """The path pdfminer builds from ``re``: corners as x + w and y + h, computed in doubles."""
    (x, y), (x1, _), (_, y2) = ops[0][1], ops[1][1], ops[2][1]
    w, h = snap(x1 - x), snap(y2 - y)
    return [("m", (x, y)), ("l", (x + w, y)), ("l", (x + w, y + h)), ("l", (x, y + h)), ("h", (x, y))]


def subpaths(ops: PathOps) -> list[PathOps]:
    """Split at every 'm' as pdfminer does (``m[^m]+``: a lone 'm' is dropped)."""
    out: list[PathOps] = []
    for op in ops:
        if op[0] == "m" or not out:
            out.append([op])
        else:
            out[-1].append(op)
    return [s for s in out if s[0][0] == "m" and len(s) > 1]


def subpath_edges(sub: PathOps, height: float) -> tuple[str, list[PdfEdge]]:
    """pdfminer's paint_path for one subpath ('h' takes the start point), then pdfplumber's edges."""
    shape = "".join(op for op, _ in sub)
    pts = [sub[0][1] if op == "h" else pt for op, pt in sub]
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts.pop()
    if shape in {"mlh", "ml"}:
        return "line", [_line_edge(pts[0], pts[1], height)]
    if shape in {"mlllh", "mllll"}:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3
                                                                        and x3 == x0)
        if pts[0] == pts[4] and square:
            return "rect", _rect_edges(pts[0], pts[2], height)
    return "curve", _curve_edges(pts, height)


def _line_edge(p0: Point, p1: Point, height: float) -> PdfEdge:
    x0, x1 = min(p0[0], p1[0]), max(p0[0], p1[0])
    y0, y1 = min(p0[1], p1[1]), max(p0[1], p1[1])
    return PdfEdge(x0=x0, x1=x1, top=(height - y1) + 0.0, bottom=(height - y0) + 0.0)


def _rect_edges(p0: Point, p2: Point, height: float) -> list[PdfEdge]:
    """pdfplumber's rect_to_edges: top, bottom, left, right (bottom edge's top = top + height)."""
    corners = [(p0[0], p0[1]), (p2[0], p0[1]), (p2[0], p2[1]), (p0[0], p2[1])]
    x0, x1 = min(p[0] for p in corners), max(p[0] for p in corners)
    y0, y1 = min(p[1] for p in corners), max(p[1] for p in corners)
    top, bottom = (height - y1) + 0.0, (height - y0) + 0.0
    return [
        PdfEdge(x0, x1, top, top),
        PdfEdge(x0, x1, top + (y1 - y0), bottom),
        PdfEdge(x0, x0, top, bottom),
        PdfEdge(x1, x1, top, bottom),
    ]


def _curve_edges(pts: list[Point], height: float) -> list[PdfEdge]:
    flipped = [(0.0 + x, 0.0 + height - y) for x, y in pts]
    return [
        PdfEdge(min(p[0], q[0]), max(p[0], q[0]), min(p[1], q[1]), max(p[1], q[1]))
        for p, q in itertools.pairwise(flipped)
    ]


def extract_words(chars: tuple[PdfChar, ...], x_tolerance: float, y_tolerance: float) -> list[PdfWord]:
    """pdfplumber's ``extract_words`` for upright characters (``keep_blank_chars=False``).

    Lines are clusters of ``top`` values chained within ``y_tolerance``; inside a line characters
    are sorted by ``x0`` (stable); a blank, a step back, a gap over ``x_tolerance`` or a ``top``
    jump over ``y_tolerance`` ends a word.
    """
    if not chars:
        return []
    cluster_of = _cluster_ids({ch.top for ch in chars}, y_tolerance)
    line_of = lambda ch: cluster_of[ch.top]  # noqa: E731
    ordered = sorted(chars, key=line_of)
    words: list[PdfWord] = []
    for _, line in itertools.groupby(ordered, key=line_of):
        current: list[PdfChar] = []
        for ch in sorted(line, key=_X0):
            if ch.text.isspace():
                _flush(current, words)
                current = []
            elif current and (ch.x0 < current[-1].x0 or ch.x0 > current[-1].x1 + x_tolerance
                              or abs(ch.top - current[-1].top) > y_tolerance):
                _flush(current, words)
                current = [ch]
            else:
                current.append(ch)
        _flush(current, words)
    return words


_X0 = operator.attrgetter("x0")


def _cluster_ids(values: set[float], tolerance: float) -> dict[float, int]:
    """pdfplumber's cluster_list: sorted values, a new cluster when a value is over last + tolerance."""
    ids: dict[float, int] = {}
    cluster, last = -1, None
    for v in sorted(values):
        if last is None or v > last + tolerance:
            cluster += 1
        ids[v] = cluster
        last = v
    return ids


def _flush(chars: list[PdfChar], words: list[PdfWord]) -> None:
    if len(chars) == 1:  # the common case (a digit in a cell), without the five passes below
        ch = chars[0]
        words.append(PdfWord(LIGATURES.get(ch.text, ch.text), ch.x0, ch.x1, ch.top, ch.bottom))
    elif chars:
        words.append(PdfWord(
            text="".join(LIGATURES.get(ch.text, ch.text) for ch in chars),
            x0=min(ch.x0 for ch in chars), x1=max(ch.x1 for ch in chars),
            top=min(ch.top for ch in chars), bottom=max(ch.bottom for ch in chars),
        ))
