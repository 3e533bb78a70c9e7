"""Table 三 (applications): 25 rows × 7 applicant columns.

Steps, each a pure function: bands → value-column boundaries (consensus of the rulings, or the
header words for borderless tables) → per band (label text, 7 token groups) → in-order label
alignment → cells. The old single （六）其他处理 row is recognised and mapped (its three 2021
sub-rows stay empty and flagged).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from service import settings
from service.formats import T3_COLUMN_LABELS, T3_COLUMNS, T3_OLD_OTHER_ROW, T3_OTHER_SUBROWS, T3_ROWS, RowSpec
from service.grid import Band
from service.model import BBox, Cell, Flag, Source, Token
from service.numbers import looks_numeric
from service.tables.labels import matching_rows, row_similarity
from service.tables.reading import cell_text, read_cell
from service.tables.registration import (
    BandEvidence,
    BandKind,
    Placement,
    Slot,
    at_page_edge,
    confirmed_loose,
    header_words,
    placed_between_firm_anchors,
    register,
    registration_score,
)
from service.textlines import centre, group_lines, normalise

N_COLS = len(T3_COLUMNS)


@dataclass(frozen=True)
class RowReading:
    """One printed row: its label text and, per value column, (tokens, box)."""

    band: Band
    label: str
    values: tuple[tuple[tuple[Token, ...], BBox], ...]
    spanning: tuple[Token, ...] = ()  # label tokens left out as ``spans_rows``


def value_columns(bands: list[Band]) -> list[float] | None:
    """The 8 x-boundaries of the 7 value columns (left of 自然人 … right of 总计)."""
    ruled = [b.verticals[-(N_COLS + 1):] for b in bands if b.ruled and len(b.cells) > N_COLS]
    if ruled:
        return [median(xs[i] for xs in ruled) for i in range(N_COLS + 1)]
    return header_columns(bands)


def page_columns(bands: list[Band], table_bounds: list[float]) -> dict[int, list[float]]:
    """Value-column boundaries per page. Each page is scanned (and may be cut or shifted) on its
    own, so a page with ruled value bands keeps its own columns; a page without takes the
    table's consensus ``table_bounds``."""
    out: dict[int, list[float]] = {}
    for page in sorted({b.page for b in bands}):
        ruled = [b for b in bands if b.page == page and b.ruled and len(b.cells) > N_COLS]
        out[page] = value_columns(ruled) or table_bounds if ruled else table_bounds
    return out


def header_columns(bands: list[Band]) -> list[float] | None:
    """Borderless fallback: column centres from the header words, boundaries halfway between."""
    centres: list[float] = []
    tokens = [t for b in bands for t in b.tokens]
    for col in T3_COLUMNS:
        hits = [t for t in tokens if any(normalise(t.text).startswith(lab[:2]) for lab in T3_COLUMN_LABELS[col])]
        if not hits:
            return None
        centres.append(centre(hits[0].bbox)[0])
    if centres != sorted(centres):
        return None
    mids = [(a + b) / 2 for a, b in zip(centres, centres[1:], strict=False)]
    first = centres[0] - (mids[0] - centres[0])
    last = centres[-1] + (centres[-1] - mids[-1])
    return [first, *mids, last]


def value_line_bands(bands: list[Band], value_left: float) -> list[Band]:
    """Borderless table: one band per line of numbers; each label token joins the band whose
    number line is nearest (so labels wrapped above/below their numbers stay with them)."""
    out: list[Band] = []
    for page in sorted({b.page for b in bands}):
        tokens = [t for b in bands if b.page == page for t in b.tokens]
        numbers = [t for t in tokens if centre(t.bbox)[0] >= value_left and looks_numeric(t.text)]
        lines = group_lines(numbers, page)
        if not lines:
            continue
        ys = [line.y for line in lines]
        reach = median([b - a for a, b in zip(ys, ys[1:], strict=False)] or [40.0])
        cuts = [(a + b) / 2 for a, b in zip(ys, ys[1:], strict=False)]
        edges = [ys[0] - reach / 2, *cuts, ys[-1] + reach / 2]
        for top, bottom in zip(edges, edges[1:], strict=False):
            inside = tuple(t for t in tokens if top <= centre(t.bbox)[1] < bottom)
            out.append(Band(page, top, bottom, (), inside, ruled=False))
    return out


def spans_rows(token: Token, band: Band) -> bool:
    """Whether an OCR token's printed cell reaches past the middle of the band above or below
    (``band``'s own height standing for theirs): a label region that holds several rows' labels,
    because the ruling between the sub-label column and the item labels was lost. Its text
    names many rows (and the last one fully), so it is evidence for none of them."""
    half = (band.y1 - band.y0) / 2
    return token.source is Source.OCR and (token.bbox[1] < band.y0 - half or token.bbox[3] > band.y1 + half)


def band_to_row(band: Band, bounds: list[float]) -> RowReading:
    """Split a band into its label (rightmost label cell only, less any ``spans_rows`` token)
    and 7 value token groups."""
    left = bounds[0] - settings.T3_LABEL_GAP_PX
    label_start = max((x for x in band.verticals if x < left), default=float("-inf"))
    placed = [((t.bbox[0] + t.bbox[2]) / 2, t) for t in band.tokens]  # centre x, once per token
    in_label = [t for x, t in placed if label_start - settings.T3_LABEL_GAP_PX <= x < left]
    spanning = tuple(t for t in in_label if spans_rows(t, band))
    values = []
    for x0, x1 in zip(bounds, bounds[1:], strict=False):
        toks = tuple(t for x, t in placed if x0 <= x < x1)
        values.append((toks, (x0, band.y0, x1, band.y1)))
    label = cell_text(tuple(t for t in in_label if t not in spanning))
    return RowReading(band, label, tuple(values), spanning)


def shared_labels(rows: list[RowReading]) -> list[tuple[str, int]]:
    """Per row, the text of the ``spans_rows`` label regions (of any row) that cover the middle
    of its band on its page — the labels it shares with its neighbours, "" when none — and how
    many rows those regions cover."""
    regions = [(r.band.page, t) for r in rows for t in r.spanning]

    def covering(r: RowReading) -> tuple[int, ...]:
        mid = (r.band.y0 + r.band.y1) / 2
        return tuple(k for k, (page, t) in enumerate(regions) if page == r.band.page and t.bbox[1] <= mid <= t.bbox[3])

    cover = [covering(r) for r in rows]
    out = []
    for mine in cover:
        together = sum(1 for other in cover if set(other) & set(mine))
        out.append((cell_text(tuple(regions[k][1] for k in mine)), together if mine else 0))
    return out


def map_t3(bands: list[Band]) -> tuple[dict[str, Cell], dict[str, Cell]]:
    """(cells of table 三, cells of an old single 其他处理 row keyed by column — usually empty).

    Both are empty when the table cannot be found at all. Bands are registered to the row
    sequence of the 2021 layout and of the old layout (single （六）其他处理 row); the variant
    that explains the bands better wins.
    """
    bounds = value_columns(bands)
    if bounds is None:
        return {}, {}
    if not any(b.ruled for b in bands):
        bands = value_line_bands(bands, bounds[0])
    per_page = page_columns(bands, bounds)
    rows = [band_to_row(b, per_page[b.page]) for b in bands]
    pages = [b.page for b in bands]
    evidence = [row_evidence(r, per_page[r.band.page], at_page_edge(pages, i)) for i, r in enumerate(rows)]
    specs, placements = _best_variant(evidence)
    template = [Slot(s, BandKind.DATA, N_COLS) for s in specs]
    placed_alike = confirmed_loose(evidence, template, placements, settings.ROW_LABEL_SURE_SIMILARITY)
    between_firm = placed_between_firm_anchors(evidence, template, placements, settings.ROW_LABEL_SURE_SIMILARITY)
    shared = shared_labels(rows)
    cells: dict[str, Cell] = {}
    old_row: RowReading | None = None
    for p in placements:
        spec, row = specs[p.slot], rows[p.band]
        if spec is T3_OLD_OTHER_ROW:
            old_row = row
            continue
        row_cells = _row_cells(spec.key, row)
        if not (p.by_structure and p.bounded):
            row_cells = _flag_doubtful_row(row_cells, row.label, spec, specs, p.band in placed_alike)
        elif shared[p.band][0] and p.band not in between_firm:
            row_cells = _flag_unnamed_row(row_cells, *shared[p.band], spec, specs)
        cells.update(_flag_placement(row_cells, p, spec, row.label))
    if old_row is None or any(f"t3.{r}.total" in cells for r in T3_OTHER_SUBROWS):
        return cells, {}
    return {**cells, **_old_layout_subrows(old_row)}, _old_row_cells(old_row)


def row_evidence(row: RowReading, bounds: list[float], page_edge: bool = False) -> BandEvidence:
    """Kind (data: value slots hold numbers or nothing; header: words) and, for ruled bands,
    the number of value cells the band's own verticals make between the consensus bounds."""
    texts = [cell_text(toks) for toks, _ in row.values]
    filled = [t for t in texts if t.strip()]
    band = row.band
    if band.ruled and len(band.cells) < N_COLS:
        kind = BandKind.OTHER
    elif header_words(filled) or (not filled and not band.ruled):
        kind = BandKind.HEADER
    else:
        kind = BandKind.DATA
    count = None
    if band.ruled:
        tol = settings.REG_VERTICAL_MATCH_PX
        inner = [x for x in band.verticals if bounds[0] - tol <= x <= bounds[-1] + tol]
        count = max(len(inner) - 1, 0)
    split = page_edge and not row.band.tokens
    return BandEvidence(row.label, kind, count, split_part=split)


def _variants() -> list[list[RowSpec]]:
    """The 2021 row sequence, and the old layout's (single 其他处理 row instead of its 3 sub-rows)."""
    new = list(T3_ROWS)
    at = [s.key for s in new].index(T3_OTHER_SUBROWS[0])
    old = [s for s in new if s.key not in T3_OTHER_SUBROWS]
    old.insert(at, T3_OLD_OTHER_ROW)
    return [new, old]


def _best_variant(evidence: list[BandEvidence]) -> tuple[list[RowSpec], list[Placement]]:
    """The layout variant (2021 or old) whose registration explains the bands best, and it."""
    best: tuple[float, list[RowSpec], list[Placement]] | None = None
    for specs in _variants():
        template = [Slot(s, BandKind.DATA, N_COLS) for s in specs]
        placed = register(evidence, template, settings.ROW_LABEL_MIN_SIMILARITY)
        score = registration_score(placed)
        if best is None or score > best[0]:
            best = (score, specs, placed)
    assert best is not None
    return best[1], best[2]


def _flag_placement(cells: dict[str, Cell], placement: Placement, spec: RowSpec, label: str) -> dict[str, Cell]:
    """PLACEMENT_DOUBT on a row whose position is not confirmed (identities cannot clear it)."""
    if not placement.count_ok:
        reason = (f"row “{spec.labels[0]}” printed with an unexpected number of value cells: "
                  "values may sit in the wrong column")
    elif placement.in_doubt:
        reason = f"row “{label}” placed as “{spec.labels[0]}” by its position next to the table's edge only"
    else:
        return cells
    return {k: c.with_flag(Flag.PLACEMENT_DOUBT, reason) for k, c in cells.items()}


def _flag_doubtful_row(cells: dict[str, Cell], label: str, spec: RowSpec, specs: list[RowSpec],
                      placed_alike: bool = False) -> dict[str, Cell]:
    """Flag a row whose printed label is barely like its row (unless the structure places it
    there too: ``placed_alike``), or clearly names another row too (borderless tables with
    blank rows glue several labels to one line of numbers)."""
    others = [r.key for r in matching_rows(label, specs, settings.ROW_LABEL_CLEAR_SIMILARITY) if r is not spec]
    if others:
        reason = f"row label “{label}” also names row(s) {', '.join(others)}: numbers may sit in the wrong row"
    elif row_similarity(label, spec) < settings.ROW_LABEL_SURE_SIMILARITY and not placed_alike:
        reason = f"row label “{label}” only loosely matches “{spec.labels[0]}”"
    else:
        return cells
    return {k: c.with_flag(Flag.UNCERTAIN_ROW, reason) for k, c in cells.items()}


def _flag_unnamed_row(cells: dict[str, Cell], shared: str, covered: int, spec: RowSpec,
                      specs: list[RowSpec]) -> dict[str, Cell]:
    """Flag a row placed by structure, not between sure anchors, unless its shared label region
    (``shared_labels``) names it and names as many rows as the region covers: the region's text
    is the evidence that confirms the place the order gave (a band too many or too few inside it
    would shift rows). Between sure anchors the count of bands already rules that out."""
    named = matching_rows(shared, [s for s in specs if s is not T3_OLD_OTHER_ROW], settings.ROW_LABEL_SURE_SIMILARITY)
    if spec in named and len(named) == covered:
        return cells
    reason = (f"row placed as “{spec.labels[0]}” by its position only; the label cell it shares "
              f"with other rows (“{shared[:40]}”) does not confirm it")
    return {k: c.with_flag(Flag.UNCERTAIN_ROW, reason) for k, c in cells.items()}


def _row_cells(row_key: str, row: RowReading) -> dict[str, Cell]:
    return {
        f"t3.{row_key}.{col}": read_cell(f"t3.{row_key}.{col}", toks, row.band.page, box)
        for col, (toks, box) in zip(T3_COLUMNS, row.values, strict=True)
    }


OLD_LAYOUT_REASON = ("report prints the single 2019 row （六）其他处理 ({}); "
                     "its split into the three sub-rows is unknown")


def _old_row_cells(row: RowReading) -> dict[str, Cell]:
    """The printed single row, keyed by column; kept beside the 200 keys for validation."""
    return {col: cell for col, cell in zip(T3_COLUMNS, _row_cells(T3_OLD_OTHER_ROW.key, row).values(),
                                            strict=True)}


def _old_layout_subrows(row: RowReading) -> dict[str, Cell]:
    """The three 2021 sub-rows stay empty (null) and flagged, naming the printed total."""
    printed = _old_row_cells(row)
    cells: dict[str, Cell] = {}
    for sub in T3_OTHER_SUBROWS:
        for col in T3_COLUMNS:
            key = f"t3.{sub}.{col}"
            shown = printed[col].text or "blank"
            cells[key] = Cell(key=key, page=row.band.page).with_flag(
                Flag.OLD_LAYOUT, OLD_LAYOUT_REASON.format(f"{col} = {shown}"))
    return cells
