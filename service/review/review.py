"""Human review: correct or accept a cell, approve or reject a document, read a cell's history.

Locking: every write first bumps ``documents.version`` (serialising writers of one document in
both SQLite and PostgreSQL), then checks the cell's ``version`` against the one the reviewer read;
a mismatch raises ``Conflict`` and changes nothing. Every edit re-runs the rules on the whole
document and rewrites flags, suggestions and violations (without bumping other cells' versions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from service.model import Cell, Document
from service.review import audit, locks
from service.storage import Storage
from service.storage.codec import (
    cell_status,
    document_from_rows,
    fill_row,
    number_to_text,
    violation_row,
)
from service.storage.errors import Conflict, InvalidAction, NotFound
from service.storage.revalidate import human_value
from service.storage.tables import (
    CellRevision,
    CellRow,
    CellStatus,
    DocStatus,
    DocumentRow,
    RevisionAction,
    User,
    ViolationRow,
    utcnow,
)

MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class Edit:
    """One reviewer action on one cell. ``value`` is ignored for ``ACCEPT`` (the value as read)."""

    key: str
    expected_version: int
    action: RevisionAction
    value: int | Decimal | None = None
    reason: str = ""


def load_document(st: Storage, doc_id: int) -> Document:
    with st.db.session() as s:
        row = _document(s, doc_id)
        if row.doc_json is None:
            raise InvalidAction(f"document {doc_id} has not been extracted yet (status {row.status})")
        return document_from_rows(row.doc_json, list(row.cells), list(row.violations))


@dataclass(frozen=True)
class CellChange:
    """One cell's new state inside a multi-cell action (group confirmation, structure repair).

    ``cell`` is the cell before re-validation; ``human`` is the review status it keeps when its
    source is HUMAN (ACCEPTED/CORRECTED), ``None`` to let its flags decide (a moved doubtful reading).
    """

    key: str
    cell: Cell
    action: RevisionAction
    reason: str
    human: CellStatus | None = None


Builder = Callable[[Document], list[CellChange]]
# Called inside the transaction after the changes: (session, document before, status before per
# changed key, new versions). Row repairs use it to record themselves for undo (service.review.undo).
OnCommit = Callable[[Session, Document, dict[str, str], dict[str, int]], None]


def apply_edit(st: Storage, doc_id: int, edit: Edit, user_id: int) -> int:
    """Apply ``edit`` as ``user_id``; returns the cell's new version. Raises Conflict/NotFound."""
    def build(doc: Document) -> list[CellChange]:
        if edit.key not in doc.cells:
            raise NotFound(f"document {doc_id} has no cell {edit.key}")
        old = doc.cells[edit.key]
        value = old.value if edit.action is RevisionAction.ACCEPT else edit.value
        status = CellStatus.ACCEPTED if value == old.value else CellStatus.CORRECTED
        return [CellChange(edit.key, human_value(old, value), edit.action, edit.reason, status)]

    return apply_changes(st, doc_id, {edit.key: edit.expected_version}, build, user_id)[edit.key]


def apply_changes(st: Storage, doc_id: int, versions: Mapping[str, int], build: Builder,
                  user_id: int, on_commit: OnCommit | None = None) -> dict[str, int]:
    """Apply the changes ``build`` derives from the locked document, in ONE transaction.

    Every changed cell must be named in ``versions`` with the version the reviewer read (else
    ``InvalidAction``; a stale one raises ``Conflict`` and nothing changes). The rules re-run once on
    the whole document; every changed cell gets its own revision (who, when, old → new, why).
    Returns ``{key: new version}``."""
    with st.db.session() as s:
        doc_row = _lock_document(s, doc_id)
        if doc_row.status != DocStatus.REVIEW.value:
            raise InvalidAction(f"document {doc_id} is {doc_row.status}; only documents in review can change")
        doc = document_from_rows(doc_row.doc_json or "{}", list(doc_row.cells), list(doc_row.violations))
        changes = build(doc)
        rows = {row.key: row for row in doc_row.cells}
        for change in changes:
            row = rows.get(change.key)
            if row is None:
                raise NotFound(f"document {doc_id} has no cell {change.key}")
            if change.key not in versions:
                raise InvalidAction(f"expected_versions must name {change.key} (every cell this action changes)")
            if row.version != versions[change.key]:
                raise Conflict(f"{change.key} was changed by someone else (version {row.version}, "
                               f"you had {versions[change.key]})", _cell_state(s, row))
        locks.check_edit(s, doc_row, user_id)
        status_before = {c.key: rows[c.key].status for c in changes}
        cells = {**doc.cells, **{c.key: c.cell for c in changes}}
        checked = st.validator(doc.model_copy(update={"cells": cells}))
        _store_checked(s, doc_row, checked, {c.key: c.human for c in changes if c.human})
        out: dict[str, int] = {}
        for change in changes:
            row = rows[change.key]
            row.version += 1
            row.updated_by, row.updated_at = user_id, utcnow()
            old, new = number_to_text(doc.cells[change.key].value), number_to_text(change.cell.value)
            s.add(CellRevision(cell_id=row.id, document_id=doc_id, key=change.key, user_id=user_id,
                               action=change.action.value, old_value=old, new_value=new,
                               reason=change.reason[:MAX_REASON_CHARS], version=row.version))
            audit.record_check(s, row, old, new, user_id)
            out[change.key] = row.version
        if on_commit is not None:
            on_commit(s, doc, status_before, out)
    _changed(st, doc_id)
    return out


def _changed(st: Storage, doc_id: int, reassign: bool = False) -> None:
    """After a committed change: the checks across the agency's reports run again."""
    from service.archive.checks import document_changed

    document_changed(st, doc_id, reassign)


def _lock_document(s: Session, doc_id: int) -> DocumentRow:
    """Bump the document version first: takes the write lock before anything is read."""
    result = s.execute(update(DocumentRow).where(DocumentRow.id == doc_id)
                       .values(version=DocumentRow.version + 1))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"document {doc_id} does not exist")
    return _document(s, doc_id)


def _document(s: Session, doc_id: int) -> DocumentRow:
    row = s.get(DocumentRow, doc_id)
    if row is None:
        raise NotFound(f"document {doc_id} does not exist")
    return row


def _store_checked(s: Session, doc_row: DocumentRow, doc: Document, human: dict[str, CellStatus]) -> None:
    """Write the re-validated cells (keeping versions) and replace the violations."""
    flagged = 0
    for row in doc_row.cells:
        cell = doc.cells[row.key]
        previous = human.get(row.key) or _human_status(row)
        fill_row(row, cell)
        row.status = cell_status(cell, previous).value
        flagged += row.status == CellStatus.FLAGGED.value
    s.execute(delete(ViolationRow).where(ViolationRow.document_id == doc_row.id))
    for violation in doc.violations:
        v = violation_row(violation)
        v.document_id = doc_row.id
        s.add(v)
    doc_row.flag_count, doc_row.violation_count = flagged, len(doc.violations)


def _human_status(row: CellRow) -> CellStatus | None:
    status = CellStatus(row.status)
    return status if status in (CellStatus.ACCEPTED, CellStatus.CORRECTED) else None


def _cell_state(s: Session, row: CellRow) -> dict[str, Any]:
    who = s.get(User, row.updated_by) if row.updated_by else None
    return {"key": row.key, "value": row.value, "version": row.version, "status": row.status,
            "updated_by": who.username if who else None, "updated_at": row.updated_at.isoformat()}


def approve(st: Storage, doc_id: int, user_id: int, reason: str = "", seen_version: int | None = None) -> None:
    """Approve; without a written reason only when nothing is flagged and every identity holds.
    ``seen_version``: the document version the reviewer saw; a newer one raises ``Conflict``."""
    reason = reason.strip()[:MAX_REASON_CHARS]
    with st.db.session() as s:
        row = _lock_document(s, doc_id)
        if seen_version is not None and row.version - 1 != seen_version:
            raise Conflict(f"the document changed since you saw it (version {row.version - 1}, you saw "
                           f"{seen_version}): look again before approving", {"version": row.version - 1})
        _require_review(row)
        locks.check_edit(s, row, user_id)
        if not row.agency or not row.year:
            raise InvalidAction("set the agency and the year before approving (exports are keyed by them)")
        if (row.flag_count or row.violation_count) and not reason:
            raise InvalidAction(f"{row.flag_count} cells are still flagged and {row.violation_count} "
                                "identities fail: write a reason to approve anyway")
        _decide(row, DocStatus.APPROVED, user_id, reason)
    _changed(st, doc_id)


def reject(st: Storage, doc_id: int, user_id: int, reason: str) -> None:
    reason = reason.strip()[:MAX_REASON_CHARS]
    if not reason:
        raise InvalidAction("a rejection needs a reason")
    with st.db.session() as s:
        row = _lock_document(s, doc_id)
        _require_review(row)
        locks.check_edit(s, row, user_id)
        _decide(row, DocStatus.REJECTED, user_id, reason)
    _changed(st, doc_id)


def reopen(st: Storage, doc_id: int, user_id: int) -> None:
    """Send an approved or rejected document back to review (the decision is cleared)."""
    with st.db.session() as s:
        row = _lock_document(s, doc_id)
        if row.status not in (DocStatus.APPROVED.value, DocStatus.REJECTED.value):
            raise InvalidAction(f"document {doc_id} is {row.status}, not decided")
        row.status = DocStatus.REVIEW.value
        row.decision_by, row.decision_at, row.decision_reason = user_id, utcnow(), "reopened"
    _changed(st, doc_id)


def _require_review(row: DocumentRow) -> None:
    if row.status != DocStatus.REVIEW.value:
        raise InvalidAction(f"document {row.id} is {row.status}, not in review")


def _decide(row: DocumentRow, status: DocStatus, user_id: int, reason: str) -> None:
    """Record the decision and release the review lease (the reviewer is done)."""
    row.lock_user_id = row.lock_until = None
    row.status = status.value
    row.decision_by, row.decision_at, row.decision_reason = user_id, utcnow(), reason or None


def set_report_info(st: Storage, doc_id: int, agency: str | None, year: int | None) -> None:
    """Correct the report's agency/year (the export key); allowed while in review."""
    if year is not None and not 2000 <= year <= 2100:
        raise InvalidAction(f"{year} is not a plausible report year")
    with st.db.session() as s:
        row = _lock_document(s, doc_id)
        _require_review(row)
        row.agency = (agency or "").strip()[:200] or None
        row.year = year
    _changed(st, doc_id, reassign=True)


def cell_history(st: Storage, doc_id: int, key: str) -> list[dict[str, Any]]:
    """Every human change of one cell, oldest first: who, when, action, old → new, why."""
    with st.db.session() as s:
        rows = s.execute(select(CellRevision, User.username).join(User, User.id == CellRevision.user_id,
                                                                  isouter=True)
                         .where(CellRevision.document_id == doc_id, CellRevision.key == key)
                         .order_by(CellRevision.id)).all()
    return [{"at": r.at.isoformat(), "user": name, "action": r.action, "old": r.old_value,
             "new": r.new_value, "reason": r.reason, "version": r.version} for r, name in rows]
