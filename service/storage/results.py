"""What the extraction jobs write: status/progress transitions and the extracted Document.

Transitions: queued → processing → review | error; a crashed attempt goes back to queued (RQ will
retry it) until the last try, which ends in error. Progress is a percentage 0–100.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select, update

from service.model import Document
from service.storage import Storage
from service.storage.codec import base_json, cell_status, fill_row, violation_row
from service.storage.errors import NotFound
from service.storage.intake import kept_path
from service.storage.tables import CellRow, CellStatus, DocStatus, DocumentRow, ViolationRow, utcnow

PROGRESS_STARTED = 5
PROGRESS_EXTRACTED = 90
PROGRESS_DONE = 100


def start_processing(st: Storage, doc_id: int) -> Path:
    """Mark the document as processing (one more attempt) and return its kept file."""
    with st.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        row.status = DocStatus.PROCESSING.value
        row.attempts += 1
        row.progress = PROGRESS_STARTED
        row.stage = "extracting"
        row.error = None
        return kept_path(st, row.sha256)


def set_progress(st: Storage, doc_id: int, percent: int, stage: str) -> None:
    with st.db.session() as s:
        s.execute(update(DocumentRow).where(DocumentRow.id == doc_id)
                  .values(progress=max(0, min(100, percent)), stage=stage[:40], updated_at=utcnow()))


def mark(st: Storage, doc_id: int, status: DocStatus, message: str | None = None) -> None:
    """Set ``status`` (queued for a retry, error for a final failure) with a one-line message."""
    line = (message or "").strip().splitlines()[0][:1000] if message else None
    with st.db.session() as s:
        s.execute(update(DocumentRow).where(DocumentRow.id == doc_id)
                  .values(status=status.value, error=line, stage=status.value, updated_at=utcnow()))


def requeue(st: Storage, doc_id: int) -> None:
    """Put a document back in the queue (reprocess); its previous review state is dropped on save."""
    with st.db.session() as s:
        s.execute(update(DocumentRow).where(DocumentRow.id == doc_id)
                  .values(status=DocStatus.QUEUED.value, error=None, progress=0, stage="queued"))


def unfinished(st: Storage) -> list[int]:
    """Documents queued or processing (after a restart of the in-process runner, they are lost jobs)."""
    with st.db.session() as s:
        stmt = select(DocumentRow.id).where(
            DocumentRow.status.in_((DocStatus.QUEUED.value, DocStatus.PROCESSING.value))).order_by(DocumentRow.id)
        return list(s.scalars(stmt).all())


def save_extraction(st: Storage, doc_id: int, doc: Document) -> None:
    """Replace the document's cells and violations with ``doc``'s; status becomes review."""
    with st.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        s.execute(delete(CellRow).where(CellRow.document_id == doc_id))
        s.execute(delete(ViolationRow).where(ViolationRow.document_id == doc_id))
        for position, cell in enumerate(doc.cells.values()):
            cell_row = CellRow(document_id=doc_id, key=cell.key, position=position, version=1)
            fill_row(cell_row, cell)
            cell_row.status = cell_status(cell, None).value
            s.add(cell_row)
        for violation in doc.violations:
            v = violation_row(violation)
            v.document_id = doc_id
            s.add(v)
        _describe(row, doc)
        row.flag_count = sum(1 for c in doc.cells.values() if cell_status(c, None) is CellStatus.FLAGGED)
        row.violation_count = len(doc.violations)
        row.status = DocStatus.REVIEW.value
        row.progress, row.stage, row.error = PROGRESS_DONE, "done", None
        row.decision_by = row.decision_at = row.decision_reason = None


def _describe(row: DocumentRow, doc: Document) -> None:
    row.pages = doc.page_count
    row.agency, row.year, row.format = doc.report.agency, doc.report.year, doc.report.format.value
    row.kind = doc.kind.value if doc.kind else None
    row.dpi = doc.dpi
    row.doc_json = base_json(doc)
