"""What an export contains: the approved documents, cell by cell, with who approved them.

Only documents with status ``approved`` are exported. ``edited`` is true when a person typed a
different value than the one read (cell status ``corrected``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from service.contract import document_to_contract
from service.model import Document
from service.storage import Storage
from service.storage.codec import document_from_rows, text_to_number
from service.storage.tables import CellStatus, DocStatus, DocumentRow, User


@dataclass(frozen=True)
class ExportRow:
    """One value of one approved report (the long format)."""

    agency: str
    year: int
    format: str
    key: str
    table: str
    row: str
    column: str
    value: int | Decimal | None
    text: str
    status: str
    reviewer: str
    edited: bool
    document_id: int
    sha256: str

    LONG_FIELDS = ("agency", "year", "format", "key", "table", "row", "column", "value", "text",
                   "status", "reviewer", "edited")


@dataclass(frozen=True)
class ApprovedDocument:
    document_id: int
    sha256: str
    filename: str
    agency: str
    year: int
    format: str
    reviewer: str
    approved_at: datetime | None
    reason: str | None
    rows: tuple[ExportRow, ...]
    document: Document

    def contract(self) -> dict[str, Any]:
        """The FORMAT.md contract of the approved state, plus an ``approval`` block."""
        out = document_to_contract(self.document)
        out["source"]["path"] = self.filename
        out["report"].update({"agency": self.agency, "year": self.year})
        out["approval"] = {"reviewer": self.reviewer, "reason": self.reason,
                           "at": self.approved_at.isoformat() if self.approved_at else None}
        return out


def split_key(key: str) -> tuple[str, str, str]:
    """``t3.new.total`` → ``("t3", "new", "total")``."""
    table, row, column = key.split(".", 2)
    return table, row, column


def approved_documents(st: Storage, batch_id: int | None = None) -> list[ApprovedDocument]:
    """Approved documents (oldest first), each with its rows in reading order, read from one snapshot."""
    stmt = (select(DocumentRow, User.username).join(User, User.id == DocumentRow.decision_by, isouter=True)
            .where(DocumentRow.status == DocStatus.APPROVED.value).order_by(DocumentRow.id))
    if batch_id is not None:
        stmt = stmt.where(DocumentRow.batch_id == batch_id)
    out = []
    with st.db.snapshot() as s:  # one consistent state even while reviewers keep working
        for row, reviewer in s.execute(stmt).all():
            out.append(_approved(row, reviewer or ""))
    return out


def _approved(row: DocumentRow, reviewer: str) -> ApprovedDocument:
    cells = list(row.cells)
    doc = document_from_rows(row.doc_json or "{}", cells, list(row.violations))
    agency, year, fmt = row.agency or "", int(row.year or 0), row.format or ""
    rows = tuple(
        ExportRow(agency=agency, year=year, format=fmt, key=c.key, table=split_key(c.key)[0],
                  row=split_key(c.key)[1], column=split_key(c.key)[2], value=text_to_number(c.value, c.key),
                  text=c.text, status=c.status, reviewer=reviewer,
                  edited=c.status == CellStatus.CORRECTED.value, document_id=row.id, sha256=row.sha256)
        for c in sorted(cells, key=lambda c: c.position))
    return ApprovedDocument(document_id=row.id, sha256=row.sha256, filename=row.filename, agency=agency,
                            year=year, format=fmt, reviewer=reviewer, approved_at=row.decision_at,
                            reason=row.decision_reason, rows=rows, document=doc)
