"""Table 二 (proactive disclosure): six labelled rows, 1–3 values each; also the 2019 layout.

Each data row is a band whose first cell is the label and whose next cells hold the values in
column order. The 2019 layout is recognised by its column headers (本年新制作数量, 上一年项目数量…).
"""

from __future__ import annotations

from service.formats import T2_2019_COLUMNS, T2_2019_ROWS, T2_COLUMNS, T2_ROWS, ReportFormat, RowSpec
from service.grid import Band
from service.model import BBox, Cell, Token
from service.numbers import looks_numeric
from service.tables.labels import row_similarity
from service.tables.reading import read_cell
from service.textlines import join_texts, normalise

T2_MIN_LABEL_SIMILARITY = 0.75   # t2 labels are short and alike (行政许可/行政处罚): demand a close match
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


def map_t2(bands: list[Band], fmt: ReportFormat) -> dict[str, Cell]:
    rows, columns, prefix = (T2_2019_ROWS, T2_2019_COLUMNS, "t2_2019") if fmt is ReportFormat.F2019 \
        else (T2_ROWS, T2_COLUMNS, "t2")
    cells: dict[str, Cell] = {}
    for band in bands:
        label, values = band_label_and_values(band)
        spec = best_row(label, rows)
        if spec is None or f"{prefix}.{spec.key}.{columns[spec.key][0]}" in cells:
            continue
        for col, (toks, box) in zip(columns[spec.key], values, strict=False):
            key = f"{prefix}.{spec.key}.{col}"
            cells[key] = read_cell(key, toks, band.page, box)
    return cells


def best_row(label: str, rows: tuple[RowSpec, ...]) -> RowSpec | None:
    """The row whose label matches best (exact after normalisation wins), or None."""
    norm = normalise(label)
    exact = [r for r in rows if norm in {normalise(v) for v in r.labels}]
    if exact:
        return exact[0]
    scored = max(rows, key=lambda r: row_similarity(label, r))
    return scored if row_similarity(label, scored) >= T2_MIN_LABEL_SIMILARITY else None


