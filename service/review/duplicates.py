"""Duplicates (review station): the same file uploaded again, and several documents carrying the
same agency + year (e.g. a report's ``.pdf`` and its ``.scan.pdf``). A reviewer picks which of
them is *the* report of that agency and year (``report_choices``); nothing is dropped silently.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.storage import Storage
from service.storage.errors import InvalidAction, NotFound
from service.storage.station_tables import ReportChoice
from service.storage.tables import DocumentRow, utcnow


def same_file(st: Storage, sha256: str, exclude: int | None = None) -> list[dict[str, Any]]:
    """Every other document of the archive with these bytes: ``[{id, batch_id, filename, status}]``."""
    with st.db.session() as s:
        rows = s.scalars(select(DocumentRow).where(DocumentRow.sha256 == sha256).order_by(DocumentRow.id)).all()
        return [{"id": r.id, "batch_id": r.batch_id, "filename": r.filename, "status": r.status}
                for r in rows if r.id != exclude]


def current_of(s: Session, agency: str | None, year: int | None) -> int | None:
    """The document chosen as the report of ``agency`` + ``year``, if one was chosen."""
    if not agency or not year:
        return None
    return s.scalar(select(ReportChoice.document_id).where(ReportChoice.agency == agency,
                                                           ReportChoice.year == year))


def twins(s: Session, row: DocumentRow) -> list[dict[str, Any]]:
    """The other documents with ``row``'s agency + year (any status), with which one is current."""
    if not row.agency or not row.year:
        return []
    others = s.scalars(select(DocumentRow).where(DocumentRow.agency == row.agency, DocumentRow.year == row.year,
                                                 DocumentRow.id != row.id).order_by(DocumentRow.id)).all()
    chosen = current_of(s, row.agency, row.year)
    return [{"id": o.id, "filename": o.filename, "status": o.status, "kind": o.kind, "current": o.id == chosen}
            for o in others]


def choose_current(st: Storage, doc_id: int, user_id: int) -> dict[str, Any]:
    """Make ``doc_id`` the report of its agency + year; returns ``{agency, year, document_id}``."""
    with st.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        if not row.agency or not row.year:
            raise InvalidAction("set the agency and the year first")
        choice = s.scalar(select(ReportChoice).where(ReportChoice.agency == row.agency,
                                                     ReportChoice.year == row.year))
        if choice is None:
            s.add(ReportChoice(agency=row.agency, year=row.year, document_id=doc_id, chosen_by=user_id))
        else:
            choice.document_id, choice.chosen_by, choice.chosen_at = doc_id, user_id, utcnow()
        return {"agency": row.agency, "year": row.year, "document_id": doc_id}
