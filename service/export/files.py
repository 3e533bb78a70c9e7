"""Export files: long CSV, wide CSV, XLSX (wide) and JSONL (the contract), all UTF-8.

Numbers are written exactly as stored: counts as integers, the fee as a decimal with its printed
scale; a blank/unreadable cell is an empty field (CSV/XLSX) or ``null`` (JSONL), never 0. Text that a
spreadsheet could run as a formula is written as text (``service/export/cells.py``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from service.export.cells import csv_field, set_xlsx_cell
from service.export.records import ApprovedDocument, ExportRow
from service.formats import ReportFormat, all_keys

WIDE_LEAD = ("agency", "year", "format", "document_id", "sha256", "filename", "reviewer", "approved_at")


def write_long_csv(docs: Iterable[ApprovedDocument], path: Path) -> int:
    """One line per (report, key). Returns the number of data lines."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(ExportRow.LONG_FIELDS)
        for doc in docs:
            for row in doc.rows:
                writer.writerow([csv_field(getattr(row, f)) for f in ExportRow.LONG_FIELDS])
                count += 1
    return count


def wide_columns(docs: list[ApprovedDocument]) -> list[str]:
    """The lead columns, then every key of the 2021 format, then 2019-only keys if any report has them."""
    keys = all_keys(ReportFormat.F2021)
    seen = set(keys)
    for fmt_key in all_keys(ReportFormat.F2019):
        if fmt_key not in seen and any(r.key == fmt_key for d in docs for r in d.rows):
            keys.append(fmt_key)
            seen.add(fmt_key)
    return [*WIDE_LEAD, *keys]


def wide_rows(docs: list[ApprovedDocument]) -> tuple[list[str], list[list[Any]]]:
    columns = wide_columns(docs)
    rows = []
    for doc in docs:
        values = {r.key: r.value for r in doc.rows}
        lead = [doc.agency, doc.year, doc.format, doc.document_id, doc.sha256, doc.filename, doc.reviewer,
                doc.approved_at.isoformat() if doc.approved_at else None]
        rows.append(lead + [values.get(k) for k in columns[len(WIDE_LEAD):]])
    return columns, rows


def write_wide_csv(docs: list[ApprovedDocument], path: Path) -> int:
    columns, rows = wide_rows(docs)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows([[csv_field(v) for v in row] for row in rows])
    return len(rows)


def write_xlsx(docs: list[ApprovedDocument], path: Path) -> int:
    """The wide table in one sheet ``reports``; the fee stays a decimal number cell, text never a formula."""
    from openpyxl import Workbook

    columns, rows = wide_rows(docs)
    wb = Workbook()
    ws = wb.active
    ws.title = "reports"
    ws.append(columns)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            set_xlsx_cell(ws.cell(row=r, column=c), value)
    ws.freeze_panes = "C2"
    wb.save(path)
    return len(rows)


def write_jsonl(docs: Iterable[ApprovedDocument], path: Path) -> int:
    """One FORMAT.md contract document per line (approved state, with an ``approval`` block)."""
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for doc in docs:
            fh.write(json.dumps(doc.contract(), ensure_ascii=False) + "\n")
            count += 1
    return count
