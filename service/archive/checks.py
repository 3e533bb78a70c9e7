"""Checks across reports, stored: recompute an agency's ``cross_violations`` whenever one of its reports
changes (extraction saved, a cell edited, approved/rejected/reopened, agency or year corrected, agencies
merged or split).

``document_changed(st, doc_id, reassign)`` is the one hook the storage calls after such a change has
committed: it re-matches the agency (``reassign``) and re-checks the old and the new agency.
Reports in status review or approved take part; queued, failed and rejected ones do not.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.archive.crosscheck import ReportFacts, check_agency, needed_keys
from service.archive.tables import AgencyRow, CrossViolationRow, DocumentAgency
from service.model import Violation, ViolationKind
from service.settings import AGENCY_ASSIGN_ATTEMPTS as ASSIGN_ATTEMPTS
from service.storage import Storage
from service.storage.codec import number_to_text, text_to_number
from service.storage.tables import CellRow, DocStatus, DocumentRow

log = logging.getLogger(__name__)
CHECKED_STATUSES = (DocStatus.REVIEW.value, DocStatus.APPROVED.value)



def _facts(s: Session, agency_id: int) -> list[ReportFacts]:
    docs = s.execute(select(DocumentRow.id, DocumentRow.year, DocumentRow.format)
                     .join(DocumentAgency, DocumentAgency.document_id == DocumentRow.id)
                     .where(DocumentAgency.agency_id == agency_id, DocumentRow.year.is_not(None),
                            DocumentRow.status.in_(CHECKED_STATUSES))).all()
    if not docs:
        return []
    keys = needed_keys()
    values: dict[int, dict[str, object]] = {d.id: {} for d in docs}
    for doc_id, key, value in s.execute(select(CellRow.document_id, CellRow.key, CellRow.value)
                                        .where(CellRow.document_id.in_(values), CellRow.key.in_(keys))).all():
        values[doc_id][key] = text_to_number(value, key)
    return [ReportFacts(document_id=d.id, year=int(d.year), format=d.format or "", values=values[d.id])  # type: ignore[arg-type]
            for d in docs]


def recheck_agency(st: Storage, agency_id: int | None) -> int:
    """Replace the stored findings of one agency; returns how many rows it now has."""
    if agency_id is None:
        return 0
    with st.db.session() as s:
        # one recheck of an agency at a time (PostgreSQL row lock; SQLite serialises writers anyway)
        if s.scalar(select(AgencyRow.id).where(AgencyRow.id == agency_id).with_for_update()) is None:
            return 0
        findings = check_agency(_facts(s, agency_id))
        s.execute(delete(CrossViolationRow).where(CrossViolationRow.agency_id == agency_id))
        for f in findings:
            v = f.violation
            s.add(CrossViolationRow(document_id=f.document_id, other_document_id=v.other_document_id,
                                    agency_id=agency_id, rule=v.rule, cells=json.dumps(list(v.cells)),
                                    expected=number_to_text(v.expected), found=number_to_text(v.found)))
        return len(findings)


def _drop_document(st: Storage, doc_id: int) -> None:
    """Findings naming this document that belong to no agency any more (it left the agency)."""
    with st.db.session() as s:
        s.execute(delete(CrossViolationRow).where((CrossViolationRow.document_id == doc_id)
                                                  | (CrossViolationRow.other_document_id == doc_id)))


def document_changed(st: Storage, doc_id: int, reassign: bool = False) -> None:
    """After a committed change of one report: re-match its agency (when asked) and re-check.

    Never raises: the change itself is already saved; a failure here is logged with the document id
    and repaired by the next change of any report of the agency (or ``gouji agency recheck``)."""
    try:
        if reassign:
            before, after = _assign(st, doc_id)
        else:
            with st.db.session() as s:
                link = s.get(DocumentAgency, doc_id)
                before = after = link.agency_id if link else None
        _drop_document(st, doc_id)
        for agency_id in {before, after} - {None}:
            recheck_agency(st, agency_id)
    except Exception:  # noqa: BLE001 — the report's own save must not fail because of its neighbours
        log.exception("document %s: checks across reports failed; they are re-run on the next change", doc_id)


def _assign(st: Storage, doc_id: int) -> tuple[int | None, int | None]:
    """Match the agency; a concurrent save that created the same agency first makes us retry once."""
    from service.archive.agencies import assign_document

    for attempt in range(ASSIGN_ATTEMPTS):
        try:
            return assign_document(st, doc_id)
        except IntegrityError:
            if attempt == ASSIGN_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def cross_violations(st: Storage, doc_id: int) -> list[Violation]:
    """The stored findings of one report, as typed violations (``kind`` cross_report)."""
    with st.db.session() as s:
        rows = s.scalars(select(CrossViolationRow).where(CrossViolationRow.document_id == doc_id)
                         .order_by(CrossViolationRow.id)).all()
        return [row_to_cross(r) for r in rows]


def row_to_cross(row: CrossViolationRow) -> Violation:
    from decimal import Decimal

    return Violation(rule=row.rule, cells=tuple(json.loads(row.cells)), kind=ViolationKind.CROSS_REPORT,
                     other_document_id=row.other_document_id,
                     expected=Decimal(row.expected) if row.expected is not None else None,
                     found=Decimal(row.found) if row.found is not None else None)


def recheck_all(st: Storage) -> int:
    """Re-match every document's agency and re-check every agency (repairs after a failure)."""
    with st.db.session() as s:
        ids = list(s.scalars(select(DocumentRow.id).where(DocumentRow.status.in_(CHECKED_STATUSES))).all())
    for doc_id in ids:
        document_changed(st, doc_id, reassign=True)
    return len(ids)
