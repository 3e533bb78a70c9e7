"""What the extraction jobs write: status/progress transitions and the extracted Document.

Transitions: queued → processing → review | error; a crashed attempt goes back to queued (RQ will
retry it) until the last try, which ends in error. Progress is a percentage 0–100.

Exactly-once: ``assign_job`` names the one job that may extract a document; ``start_processing``
hands that job a claim token; ``heartbeat``, ``mark`` and ``save_extraction`` write only while the
claim holds. The reaper (``service.storage.reaper``) takes claims away from dead attempts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Attempt:
    """One running extraction: the kept file and the claim token its writes must still hold."""

    path: Path
    claim: str


def new_job_id(prefix: str = "gouji") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def assign_job(st: Storage, doc_id: int, job_id: str) -> None:
    """Make ``job_id`` the only job allowed to extract the document (status queued, no running claim).

    Called before the job is handed to a runner, so a worker never sees a job the database does not
    know yet; any older job of the same document becomes a no-op."""
    with st.db.session() as s:
        done = s.execute(update(DocumentRow).where(DocumentRow.id == doc_id)
                         .values(job_id=job_id, claim=None, status=DocStatus.QUEUED.value, updated_at=utcnow()))
        if not done.rowcount:  # type: ignore[attr-defined]
            raise NotFound(f"document {doc_id} does not exist")


def start_processing(st: Storage, doc_id: int, job_id: str | None = None) -> Attempt | None:
    """Claim the document for one attempt (status processing); ``None`` when ``job_id`` is not its job.

    With a ``job_id`` the claim is a conditional UPDATE: only the document's current job may start,
    and only while the document is queued or processing (a re-run of the same RQ job after its worker
    died). Without one (direct calls) the document is claimed unconditionally."""
    claim, now = uuid.uuid4().hex, utcnow()
    with st.db.session() as s:
        stmt = update(DocumentRow).where(DocumentRow.id == doc_id)
        if job_id is not None:
            stmt = stmt.where(DocumentRow.job_id == job_id, DocumentRow.status.in_(
                (DocStatus.QUEUED.value, DocStatus.PROCESSING.value)))
        stmt = stmt.values(status=DocStatus.PROCESSING.value, attempts=DocumentRow.attempts + 1,
                           progress=PROGRESS_STARTED, stage="extracting", error=None, claim=claim,
                           heartbeat_at=now, started_at=now, updated_at=now)
        taken = s.execute(stmt).rowcount  # type: ignore[attr-defined]
        row = s.get(DocumentRow, doc_id)
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        if not taken:
            return None
        return Attempt(kept_path(st, row.sha256), claim)


def heartbeat(st: Storage, doc_id: int, claim: str) -> bool:
    """Stamp the running attempt as alive; False when it lost its claim (reaped)."""
    with st.db.session() as s:
        return bool(s.execute(update(DocumentRow).where(DocumentRow.id == doc_id, DocumentRow.claim == claim)
                              .values(heartbeat_at=utcnow())).rowcount)  # type: ignore[attr-defined]


def set_progress(st: Storage, doc_id: int, percent: int, stage: str) -> None:
    with st.db.session() as s:
        s.execute(update(DocumentRow).where(DocumentRow.id == doc_id)
                  .values(progress=max(0, min(100, percent)), stage=stage[:40], updated_at=utcnow()))


def mark(st: Storage, doc_id: int, status: DocStatus, message: str | None = None,
         claim: str | None = None) -> bool:
    """Set ``status`` (queued for a retry, error for a final failure) with a one-line message.

    With a ``claim``, only while the attempt still holds it; returns whether the row changed."""
    line = (message or "").strip().splitlines()[0][:1000] if message else None
    stmt = update(DocumentRow).where(DocumentRow.id == doc_id)
    if claim is not None:
        stmt = stmt.where(DocumentRow.claim == claim)
    with st.db.session() as s:
        return bool(s.execute(stmt.values(status=status.value, error=line, stage=status.value, claim=None,
                                          updated_at=utcnow())).rowcount)  # type: ignore[attr-defined]


def requeue(st: Storage, doc_id: int) -> None:
    """Put a document back in the queue (reprocess); its previous review state is dropped on save."""
    with st.db.session() as s:
        s.execute(update(DocumentRow).where(DocumentRow.id == doc_id)
                  .values(status=DocStatus.QUEUED.value, error=None, progress=0, stage="queued", claim=None,
                          job_id=None, updated_at=utcnow()))
    from service.archive.checks import document_changed

    document_changed(st, doc_id)  # a queued report leaves the checks across reports until it is back


def unfinished(st: Storage) -> list[int]:
    """Documents queued or processing (after a restart of the in-process runner, they are lost jobs)."""
    with st.db.session() as s:
        stmt = select(DocumentRow.id).where(
            DocumentRow.status.in_((DocStatus.QUEUED.value, DocStatus.PROCESSING.value))).order_by(DocumentRow.id)
        return list(s.scalars(stmt).all())


def save_extraction(st: Storage, doc_id: int, doc: Document, claim: str | None = None) -> bool:
    """Replace the document's cells and violations with ``doc``'s, in one transaction; status review.

    With a ``claim``, the first statement is a conditional UPDATE that releases it: when the attempt
    lost its claim (reaped, superseded) nothing is written and False is returned. Readers never see
    a half-written document: the cells, violations and status commit together. After the commit the
    agency is matched and the checks across its reports re-run (``service.archive.checks``)."""
    saved = _save_extraction(st, doc_id, doc, claim)
    if saved:
        from service.archive.checks import document_changed

        document_changed(st, doc_id, reassign=True)
    return saved


def _save_extraction(st: Storage, doc_id: int, doc: Document, claim: str | None) -> bool:
    with st.db.session() as s:
        stmt = update(DocumentRow).where(DocumentRow.id == doc_id)
        if claim is not None:
            stmt = stmt.where(DocumentRow.claim == claim)
        released = s.execute(stmt.values(claim=None, extractions=DocumentRow.extractions + 1))
        if not released.rowcount:  # type: ignore[attr-defined]
            if s.get(DocumentRow, doc_id) is None:
                raise NotFound(f"document {doc_id} does not exist")
            return False
        row = s.get(DocumentRow, doc_id)
        if row is None:  # cannot happen: the UPDATE above matched it in this transaction
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
        return True


def _describe(row: DocumentRow, doc: Document) -> None:
    row.pages = doc.page_count
    row.agency, row.year, row.format = doc.report.agency, doc.report.year, doc.report.format.value
    row.kind = doc.kind.value if doc.kind else None
    row.dpi = doc.dpi
    row.doc_json = base_json(doc)
