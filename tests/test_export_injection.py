"""Formula injection: text that a spreadsheet could run is exported as text; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from docfactory import MISREAD_KEY, make_document

from service.export import ExportFormat, export_file
from service.export.cells import csv_field, is_risky_text
from service.review import review
from service.storage import Storage
from service.storage.intake import add_upload, create_batch
from service.storage.results import save_extraction, start_processing
from service.storage.tables import Role
from service.storage.users import add_user

EVIL_AGENCY = "=cmd|' /C calc'!A0"
EVIL_NAME = "@SUM(A1)+1.pdf"


def _approved_evil(st: Storage) -> None:
    user = add_user(st.db, "alice", "long-enough-pw", Role.REVIEWER)
    up = add_upload(st, create_batch(st, "evil"), EVIL_NAME, io.BytesIO(b"%PDF-1.4 evil"))
    start_processing(st, up.document_id)
    save_extraction(st, up.document_id, make_document("x.pdf", up.sha256))
    review.set_report_info(st, up.document_id, EVIL_AGENCY, 2021)
    review.apply_edit(st, up.document_id, review.Edit(MISREAD_KEY, 1, review.RevisionAction.CORRECT, -7), user)
    review.approve(st, up.document_id, user, "negative on purpose")


def test_owasp_prefixes_are_risky_numbers_never() -> None:
    for text in ("=1+1", "+1", "-1", "@x", "\tx", "\rx"):
        assert is_risky_text(text) and csv_field(text) == "'" + text
    assert csv_field(-7) == -7 and csv_field("agency") == "agency" and not is_risky_text(-7)


def test_csv_exports_quote_formulas(storage: Storage) -> None:
    _approved_evil(storage)
    for fmt in (ExportFormat.LONG_CSV, ExportFormat.WIDE_CSV):
        rows = list(csv.DictReader(export_file(storage, fmt).path.open(encoding="utf-8")))
        assert {r["agency"] for r in rows} == {"'" + EVIL_AGENCY}
        if fmt is ExportFormat.WIDE_CSV:
            assert rows[0]["filename"] == "'" + EVIL_NAME and rows[0][MISREAD_KEY] == "-7"
        else:
            assert next(r for r in rows if r["key"] == MISREAD_KEY)["value"] == "-7"


def test_xlsx_stores_formulas_as_text_and_numbers_as_numbers(storage: Storage, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    _approved_evil(storage)
    ws = load_workbook(export_file(storage, ExportFormat.XLSX).path)["reports"]
    header = [c.value for c in ws[1]]
    row = ws[2]
    agency, name = row[header.index("agency")], row[header.index("filename")]
    assert agency.value == EVIL_AGENCY and agency.data_type == "s" and agency.quotePrefix
    assert name.value == EVIL_NAME and name.data_type == "s"
    value = row[header.index(MISREAD_KEY)]
    assert value.value == -7 and value.data_type == "n"
