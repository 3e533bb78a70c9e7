"""Recover table rows ("bands") and their cells from ruling lines and tokens.

A band is the strip between two consecutive horizontal rulings of a table region on one page.
Its cells are the intervals between the vertical rulings that cross the band's middle, so
merged cells (a label spanning several rows or columns) never split a band. Without rulings
(borderless tables) each text line becomes a band and cells are left to the mapping stage.
Coordinates: working-DPI pixels.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from service import settings
from service.model import BBox, Page, Ruling, Source, Token
from service.tables.reading import cell_text
from service.textlines import centre, page_lines


@dataclass(frozen=True)
class GridCell:
    """One cell of a band: its box and the tokens whose centres fall inside it."""

    bbox: BBox
    tokens: tuple[Token, ...]

    @property
    def text(self) -> str:
        return cell_text(self.tokens)


@dataclass(frozen=True)
class Band:
    """One printed row of a table on one page; ``cells`` left to right (empty if borderless)."""

    page: int
    y0: float
    y1: float
    cells: tuple[GridCell, ...]
    tokens: tuple[Token, ...]
    ruled: bool

    @property
    def verticals(self) -> list[float]:
        """x of the boundaries between cells (left edge of each cell, then the right edge)."""
        if not self.cells:
            return []
        return [c.bbox[0] for c in self.cells] + [self.cells[-1].bbox[2]]


def cluster(values: list[float], tolerance: float = settings.GRID_MERGE_TOLERANCE_PX) -> list[float]:
    """Sorted values merged into the means of runs closer than ``tolerance``."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tolerance:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(run) / len(run) for run in out]


SPANS_ROWS_DOUBT = ("the printed cell spans two rows (the ruling between them was not found): "
                    "its number may belong to either")


def _in_span(tok: Token, y0: float, y1: float) -> bool:
    return y0 <= centre(tok.bbox)[1] < y1


def span_to_bands(page: Page, y_top: float, y_bottom: float) -> list[Band]:
    """All bands of the table part that lies between ``y_top`` and ``y_bottom`` on ``page``."""
    slack = settings.GRID_SPAN_SLACK_PX
    rulings = [r for r in page.rulings if _overlaps(r, y_top - slack, y_bottom + slack)]
    horizontals = [r for r in rulings if not r.vertical]
    tokens = tuple(t for t in page.tokens if _in_span(t, y_top, y_bottom))
    ys = cluster([r.y0 for r in horizontals])
    if len(ys) < settings.GRID_MIN_RULINGS:
        return lines_to_bands(page, tokens)
    verticals = [r for r in rulings if r.vertical]
    rows = [(top, bottom) for top, bottom in zip(ys, ys[1:], strict=False)
            if bottom - top >= settings.GRID_MIN_BAND_HEIGHT_PX]
    placed = _mark_row_spanning([(centre(t.bbox), t) for t in tokens], rows)  # centres once
    bands = []
    for top, bottom in rows:
        mid = (top + bottom) / 2
        in_band = [(c[0], t) for c, t, spans in placed
                   if top <= c[1] < bottom or (spans and t.bbox[1] < mid < t.bbox[3])]
        band_tokens = tuple(t for _, t in in_band)
        xs = _crossing_verticals(verticals, mid)
        spans = [(x0, x1) for x0, x1 in zip(xs, xs[1:], strict=False)
                 if x1 - x0 >= settings.GRID_MIN_CELL_WIDTH_PX]
        cells = tuple(GridCell((x0, top, x1, bottom), toks)
                      for (x0, x1), toks in zip(spans, _by_span(in_band, spans), strict=True))
        bands.append(Band(page.number, top, bottom, cells, band_tokens, ruled=True))
    return bands


def _mark_row_spanning(placed: list[tuple[tuple[float, float], Token]],
                       rows: list[tuple[float, float]]) -> list[tuple[tuple[float, float], Token, bool]]:
    """The placed tokens with whether each spans rows: an OCR number whose printed cell box
    covers the middle of more than one band, marked with ``SPANS_ROWS_DOUBT`` (it is then placed
    in every band it covers).

    An OCR token's box is the printed cell found in the ink; when a ruling between two rows is
    lost on the scan (a crease lying on it) while a piece of it still separates the bands, one
    cell holds both rows' numbers: the band above would look like a printed blank (a silent
    wrong value) and the number read may belong to either row.
    """
    mids = [(top + bottom) / 2 for top, bottom in rows]
    out = []
    for c, t in placed:
        spans = t.source is Source.OCR and t.alt_text is not None and sum(t.bbox[1] < m < t.bbox[3] for m in mids) > 1
        if spans:
            t = t.model_copy(update={"placement": SPANS_ROWS_DOUBT})  # the one placement doubt a token gets
        out.append((c, t, spans))
    return out


def _by_span(placed: list[tuple[float, Token]], spans: list[tuple[float, float]]) -> list[tuple[Token, ...]]:
    """Per span [x0, x1) (sorted, not overlapping) the tokens whose centre x lies in it, in their
    order: each token is placed by bisection instead of being tested against every span."""
    starts = [x0 for x0, _ in spans]
    groups: list[list[Token]] = [[] for _ in spans]
    for x, token in placed:
        k = bisect.bisect_right(starts, x) - 1
        if k >= 0 and x < spans[k][1]:
            groups[k].append(token)
    return [tuple(g) for g in groups]


def _overlaps(r: Ruling, y0: float, y1: float) -> bool:
    return min(r.y0, r.y1) <= y1 and max(r.y0, r.y1) >= y0


def _crossing_verticals(verticals: list[Ruling], y: float) -> list[float]:
    slack = settings.GRID_VERTICAL_CROSS_SLACK_PX
    return cluster([r.x0 for r in verticals if min(r.y0, r.y1) - slack <= y <= max(r.y0, r.y1) + slack])


def lines_to_bands(page: Page, tokens: tuple[Token, ...]) -> list[Band]:
    """Borderless fallback: every text line is a band without cells."""
    return [
        Band(page.number, line.bbox[1], line.bbox[3], (), line.tokens, ruled=False)
        for line in page_lines(page, tokens)
    ]


def region_bands(pages: tuple[Page, ...], spans: tuple[tuple[int, float, float], ...]) -> list[Band]:
    """Bands of a whole table region, in reading order across its pages."""
    bands: list[Band] = []
    for number, top, bottom in spans:
        bands.extend(span_to_bands(pages[number - 1], top, bottom))
    return bands
