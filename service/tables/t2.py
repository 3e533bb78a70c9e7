"""Table 二 (proactive disclosure): six labelled rows, 1–3 values each; also the 2019 layout.

Each data row is a band whose first cell is the label and whose next cells hold the values in
column order. Bands are registered to the template's sequence of sections (sub-header, 信息内容
header, rows) structurally, so a garbled label keeps its row when its neighbours are known.
The 2019 layout is recognised by its column headers (本年新制作数量, 上一年项目数量…).
"""

from __future__ import annotations

import re

from service import settings
from service.formats import (
    T2_2019_COLUMNS,
    T2_2019_ROWS,
    T2_2019_SECTIONS,
    T2_COLUMNS,
    T2_HEADER_LABEL,
    T2_ROWS,
    T2_SECTIONS,
    ReportFormat,
    RowSpec,
)
from service.grid import Band
from service.model import BBox, Cell, Flag, Source, Token
from service.numbers import looks_numeric
from service.tables.labels import matched_chars, row_similarity
from service.tables.reading import cell_text, read_cell
from service.tables.registration import (
    BandEvidence,
    BandKind,
    Placement,
    Slot,
    at_page_edge,
    header_words,
    register,
)
from service.textlines import join_texts, normalise

_SUBHEADER = re.compile(r"第.{0,4}条|条第|第.{1,3}项")
_2019_MARKERS = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "采购项目数量")


def detect_format(bands: list[Band]) -> ReportFormat:
    text = normalise("".join(t.text for b in bands for t in b.tokens))
    hits = sum(1 for marker in _2019_MARKERS if normalise(marker) in text)
    return ReportFormat.F2019 if hits >= 2 else ReportFormat.F2021


def band_label_and_values(band: Band) -> tuple[str, list[tuple[tuple[Token, ...], BBox]]]:
    """(label text, value slots left to right) of one table-二 band."""
    if band.ruled and len(band.cells) >= 2:
        first, rest = band.cells[0], band.cells[1:]
        return first.text, [(c.tokens, c.bbox) for c in rest]
    tokens = sorted(band.tokens, key=lambda t: t.bbox[0])
    label = join_texts([t.text for t in tokens if not looks_numeric(t.text)])
    values = [((t,), t.bbox) for t in tokens if looks_numeric(t.text)]
    return label, values


def band_evidence(band: Band, page_edge: bool = False) -> BandEvidence:
    """Kind and value-cell count of one table-二 band (see ``service.tables.registration``).

    A band without value cells is a sub-header, or the 信息内容 header whose verticals were lost
    (its words read as one label), or other text. ``page_edge``: the band is the first or last of
    its page — without any ink it is half of a row the page break cut (``split_part``).

    A band with value cells is the header when they hold words (``header_words``)."""
    label, values = band_label_and_values(band)
    texts = [cell_text(toks) for toks, _ in values]
    filled = [t for t in texts if t.strip()]
    if not values or (band.ruled and len(band.cells) < 2):
        norm = normalise(label)
        kind = BandKind.SUBHEADER if _SUBHEADER.search(norm) else (
            BandKind.HEADER if _starts_as_header(norm) else BandKind.OTHER)
    elif header_words(filled):
        kind = BandKind.HEADER
    else:
        kind = BandKind.DATA
    return BandEvidence(label, kind, len(values), split_part=page_edge and not band.tokens)


def _starts_as_header(norm: str) -> bool:
    """Whether a label starts with 信息内容, all but one of its characters read (信息内作 on a fax)."""
    head = normalise(T2_HEADER_LABEL)
    return matched_chars(head, norm[:len(head)]) >= len(head) - 1


def t2_template(fmt: ReportFormat) -> list[Slot]:
    """Sub-header, 信息内容 header and data rows of every section, in printed order."""
    rows, columns, sections = (T2_2019_ROWS, T2_2019_COLUMNS, T2_2019_SECTIONS) if fmt is ReportFormat.F2019 \
        else (T2_ROWS, T2_COLUMNS, T2_SECTIONS)
    by_key = {r.key: r for r in rows}
    slots: list[Slot] = []
    for title, keys in sections:
        slots.append(Slot(RowSpec(f"section {title}", (title,)), BandKind.SUBHEADER))
        slots.append(Slot(RowSpec("header", (T2_HEADER_LABEL,)), BandKind.HEADER))
        slots.extend(Slot(by_key[k], BandKind.DATA, len(columns[k])) for k in keys)
    return slots


def map_t2(bands: list[Band], fmt: ReportFormat) -> dict[str, Cell]:
    """Cells of table 二: bands registered to the template by label, order, kind and cell count.

    OCR cells also need a second reading that agrees (table 二 has no identities to check them)
    and a confident placement; otherwise they are flagged.
    """
    columns, prefix = (T2_2019_COLUMNS, "t2_2019") if fmt is ReportFormat.F2019 else (T2_COLUMNS, "t2")
    template = t2_template(fmt)
    pages = [b.page for b in bands]
    evidence = [band_evidence(b, at_page_edge(pages, i)) for i, b in enumerate(bands)]
    placements = register(evidence, template, settings.T2_MIN_LABEL_SIMILARITY)
    cells: dict[str, Cell] = {}
    for p in placements:
        slot, band = template[p.slot], bands[p.band]
        if slot.kind is not BandKind.DATA:
            continue
        _, values = band_label_and_values(band)
        for col, (toks, box) in zip(columns[slot.spec.key], values, strict=False):
            key = f"{prefix}.{slot.spec.key}.{col}"
            cells[key] = _placement_doubt(_single_reading(read_cell(key, toks, band.page, box), toks), p, slot)
    return cells


def _single_reading(cell: Cell, tokens: tuple[Token, ...]) -> Cell:
    """An OCR number that no second engine confirmed is flagged (no identity can confirm it)."""
    if cell.source is Source.OCR and cell.value is not None and all(t.alt_text is None for t in tokens):
        return cell.with_flag(Flag.LOW_CONFIDENCE, "one OCR reading only, and table 二 has no sums to check it")
    return cell


def _placement_doubt(cell: Cell, placement: Placement, slot: Slot) -> Cell:
    if not placement.count_ok:
        return cell.with_flag(Flag.PLACEMENT_DOUBT, f"row “{slot.spec.labels[0]}” printed with an unexpected "
                                                    f"number of value cells: a value may sit in the wrong column")
    if placement.in_doubt:
        return cell.with_flag(Flag.PLACEMENT_DOUBT, f"row placed as “{slot.spec.labels[0]}” by its position only, "
                                                    "next to the table's edge")
    return cell


def best_row(label: str, rows: tuple[RowSpec, ...]) -> RowSpec | None:
    """The row whose label matches best (exact after normalisation wins), or None."""
    norm = normalise(label)
    exact = [r for r in rows if norm in {normalise(v) for v in r.labels}]
    if exact:
        return exact[0]
    scored = max(rows, key=lambda r: row_similarity(label, r))
    return scored if row_similarity(label, scored) >= settings.T2_MIN_LABEL_SIMILARITY else None


