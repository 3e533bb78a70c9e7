"""Pipeline stage: template mapping — bands of each located table → the canonical cells.

Every canonical key of the report's format is present afterwards; keys no printed cell was
matched to are empty and flagged ``missing``. A document where none of the three tables is
found raises ``NotAReport``.
"""

from __future__ import annotations

from service.errors import NotAReport
from service.formats import ReportFormat, all_keys
from service.grid import region_bands
from service.model import Cell, Document, Flag, ReportInfo
from service.tables.reading import missing_cell
from service.tables.t2 import detect_format, map_t2
from service.tables.t3 import map_t3
from service.tables.t4 import map_t4


def _expected_in_2019(cell: Cell) -> Cell:
    """In a 2019-format report the single 其他处理 row is the format itself, not a doubt:
    its sub-row keys stay empty with the reason, but are not flagged."""
    if cell.flags != (Flag.OLD_LAYOUT,):
        return cell
    return cell.model_copy(update={"flags": ()})


def map_cells(doc: Document, ctx: object) -> Document:
    bands = {r.table: region_bands(doc.pages, r.spans) for r in doc.regions}
    fmt = detect_format(bands.get("t2", []))
    t2 = map_t2(bands.get("t2", []), fmt)
    t3, old_other = map_t3(bands.get("t3", []))
    t4 = map_t4(bands.get("t4", []))
    if not (t2 or t3 or t4):
        raise NotAReport("none of the statistical tables 二/三/四 was found: not an annual report?")
    found: dict[str, Cell] = {**t2, **t3, **t4}
    if fmt is ReportFormat.F2019:
        found = {k: _expected_in_2019(c) for k, c in found.items()}
    cells = {key: found.get(key) or missing_cell(key, "no printed cell found for this item")
             for key in all_keys(fmt)}
    notes = list(doc.notes)
    for name, part in (("二", t2), ("三", t3), ("四", t4)):
        if not part:
            notes.append(f"table {name} not found")
    if old_other:
        notes.append("table 三 prints the single 2019 row （六）其他处理")
    report = ReportInfo(agency=doc.report.agency, year=doc.report.year, format=fmt)
    return doc.model_copy(update={"cells": cells, "old_other_row": old_other, "report": report,
                                  "notes": tuple(notes)})
