"""Coverage and issue lists as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese names)
or XLSX. Text that a spreadsheet would run as a formula (starting with = + - @) is prefixed with '."""

from __future__ import annotations

import csv
from enum import StrEnum
from pathlib import Path
from typing import Any

from service.archive.views import CoverageMatrix, Issue

ISSUE_COLUMNS = ("document_id", "filename", "agency", "region", "year", "status", "kind", "rule", "cells",
                 "expected", "found", "other_document_id")
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


class TableFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_LEAD) and not _number_text(value):
        return "'" + value
    return value


def _number_text(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def coverage_table(matrix: CoverageMatrix) -> tuple[list[str], list[list[Any]]]:
    header = ["agency_id", "agency", "region", *[str(y) for y in matrix.years]]
    rows = [[r.id, r.name, r.region, *[str(r.cells[y].state) for y in matrix.years]]
            for r in matrix.rows]
    return header, rows


def issues_table(issues: list[Issue]) -> tuple[list[str], list[list[Any]]]:
    rows = [[" ".join(i.cells) if c == "cells" else getattr(i, c) for c in ISSUE_COLUMNS] for i in issues]
    return list(ISSUE_COLUMNS), rows


def write_table(header: list[str], rows: list[list[Any]], path: Path, fmt: TableFormat, sheet: str) -> int:
    """Write one table; returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt is TableFormat.CSV:
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows([["" if v is None else _safe(v) for v in row] for row in rows])
        return len(rows)
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append([_safe(v) for v in row])
    ws.freeze_panes = "B2"
    wb.save(path)
    return len(rows)
