"""What an export contains: the approved documents, cell by cell, with who approved them.

Only documents with status ``approved`` are exported. ``edited`` is true when a person typed a
different value than the one read (cell status ``corrected``). ``current`` marks, per agency + year
(the printed agency, as the reviewer left it), the one approved document that stands for that
report (``current_document_ids``); exports keyed by agency + year write only that one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.contract import document_to_contract
from service.model import BlankAs, Document
from service.storage import Storage
from service.storage.codec import document_from_rows, text_to_number
from service.storage.station_tables import ReportChoice
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
    blank_as: BlankAs = BlankAs.NULL
    current: bool = True  # the current report of its agency + year (``current_document_ids``)

    def contract(self) -> dict[str, Any]:
        """The FORMAT.md contract of the approved state, plus an ``approval`` block."""
        out = document_to_contract(self.document, self.blank_as)
        out["source"]["path"] = self.filename
        out["report"].update({"agency": self.agency, "year": self.year})
        out["approval"] = {"reviewer": self.reviewer, "reason": self.reason,
                           "at": self.approved_at.isoformat() if self.approved_at else None}
        return out


def split_key(key: str) -> tuple[str, str, str]:
    """``t3.new.total`` → ``("t3", "new", "total")``."""
    table, row, column = key.split(".", 2)
    return table, row, column


def approved_documents(st: Storage, batch_id: int | None = None,
                       blank_as: BlankAs = BlankAs.NULL) -> list[ApprovedDocument]:
    """Approved documents (oldest first), each with its rows in reading order, read from one snapshot.

    ``blank_as=zero`` exports a printed blank (``Cell.is_blank``) as 0; an unread cell stays empty."""
    stmt = (select(DocumentRow, User.username).join(User, User.id == DocumentRow.decision_by, isouter=True)
            .where(DocumentRow.status == DocStatus.APPROVED.value).order_by(DocumentRow.id))
    if batch_id is not None:
        stmt = stmt.where(DocumentRow.batch_id == batch_id)
    out = []
    with st.db.snapshot() as s:  # one consistent state even while reviewers keep working
        current = current_document_ids(s)
        for row, reviewer in s.execute(stmt).all():
            out.append(replace(_approved(row, reviewer or ""), current=row.id in current))
    return [with_blank_as(d, blank_as) for d in out]


def current_document_ids(s: Session) -> set[int]:
    """Per agency + year (``documents.agency``/``year``), the id of its current approved document:
    the one a reviewer chose (``report_choices``) when that one is approved and still carries this
    agency and year; otherwise — no choice, or the chosen one not (or no longer) approved — the
    latest approved (by approval time, then id). Documents without agency or year stand alone."""
    rows = s.execute(select(DocumentRow.id, DocumentRow.agency, DocumentRow.year, DocumentRow.decision_at)
                     .where(DocumentRow.status == DocStatus.APPROVED.value)).all()
    chosen = {(c.agency, c.year): c.document_id for c in s.scalars(select(ReportChoice)).all()}
    best: dict[tuple[str, int], tuple[bool, float, int]] = {}
    alone: set[int] = set()
    for doc_id, agency, year, decided in rows:
        if not agency or not year:
            alone.add(doc_id)
            continue
        # one database hands back all-naive (SQLite) or all-aware times: their timestamps compare
        rank = (chosen.get((agency, year)) == doc_id, decided.timestamp() if decided else float("-inf"), doc_id)
        best[(agency, year)] = max(rank, best.get((agency, year), rank))
    return alone | {doc_id for _, _, doc_id in best.values()}


def with_blank_as(doc: ApprovedDocument, blank_as: BlankAs) -> ApprovedDocument:
    if blank_as is BlankAs.NULL:
        return doc
    blanks = {k for k, c in doc.document.cells.items() if c.is_blank}
    rows = tuple(replace(r, value=0) if r.key in blanks and r.value is None else r for r in doc.rows)
    return replace(doc, rows=rows, blank_as=blank_as)


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
