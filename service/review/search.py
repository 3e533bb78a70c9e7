"""The queue's filters and search (review station): documents by agency (substring), year, batch,
status, broken rule (an identity name) and reviewer (who decided or edited it), with the holder of
a live review lease and, for an agency + year that more than one document carries, the others.

``status`` ``None`` means every status; the queue page shows ``review`` by default and the
approved and rejected lists on request (admins reopen from there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from service.review.locks import live_holder
from service.review.views import ORDER_BY, QueueOrder, summary
from service.storage import Storage
from service.storage.tables import CellRevision, DocumentRow, User, ViolationRow
from service.storage.users import usernames


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows; every field narrows (None / empty: no restriction)."""

    status: str | None = "review"
    agency: str = ""
    year: int | None = None
    batch_id: int | None = None
    rule: str = ""          # an identity (violation) name the document breaks
    reviewer: str = ""      # a user name: decided the document or edited one of its cells
    order: str = QueueOrder.FLAGS


def _where(stmt: Any, f: QueueFilter) -> Any:
    if f.status:
        stmt = stmt.where(DocumentRow.status == f.status)
    if f.agency.strip():
        stmt = stmt.where(DocumentRow.agency.contains(f.agency.strip()))
    if f.year is not None:
        stmt = stmt.where(DocumentRow.year == f.year)
    if f.batch_id is not None:
        stmt = stmt.where(DocumentRow.batch_id == f.batch_id)
    if f.rule:
        stmt = stmt.where(exists().where(ViolationRow.document_id == DocumentRow.id, ViolationRow.rule == f.rule))
    if f.reviewer.strip():
        user = select(User.id).where(User.username == f.reviewer.strip()).scalar_subquery()
        edited = exists().where(CellRevision.document_id == DocumentRow.id, CellRevision.user_id == user)
        stmt = stmt.where(or_(DocumentRow.decision_by == user, edited))
    return stmt


def count(st: Storage, f: QueueFilter) -> int:
    with st.db.session() as s:
        return int(s.scalar(_where(select(func.count()).select_from(DocumentRow), f)) or 0)


def search(st: Storage, f: QueueFilter, user_id: int | None = None, limit: int | None = None,
           offset: int = 0) -> list[dict[str, Any]]:
    """Summaries with ``held_by`` (another user's live lease), ``decided_by`` and ``same_report``
    (ids of the other documents with this agency + year, any status)."""
    stmt = _where(select(DocumentRow), f).order_by(*ORDER_BY.get(f.order, ORDER_BY[QueueOrder.FLAGS]))
    with st.db.session() as s:
        rows = s.scalars(stmt.limit(limit).offset(offset)).all()
        holders = {r.id: h for r in rows if (h := live_holder(r)) is not None and h != user_id}
        deciders = {r.id: r.decision_by for r in rows if r.decision_by}
        twins = same_report(s, [(r.agency, r.year) for r in rows if r.agency and r.year])
        out = []
        for r in rows:
            entry = summary(r)
            entry["same_report"] = [i for i in twins.get((r.agency, r.year), []) if i != r.id]
            out.append(entry)
    names = usernames(st.db, set(holders.values()) | set(deciders.values()))
    for entry in out:
        holder, decider = holders.get(entry["id"]), deciders.get(entry["id"])
        entry["held_by"] = names.get(holder, str(holder)) if holder else None
        entry["decided_by"] = names.get(decider) if decider else None
    return out


def same_report(s: Any, keys: list[tuple[str | None, int | None]]) -> dict[tuple[str, int], list[int]]:
    """``{(agency, year): [document ids]}`` for those of ``keys`` that more than one document has."""
    wanted = {(a, y) for a, y in keys if a and y}
    if not wanted:
        return {}
    clause = or_(*(and_(DocumentRow.agency == a, DocumentRow.year == y) for a, y in wanted))
    out: dict[tuple[str, int], list[int]] = {}
    for doc_id, agency, year in s.execute(select(DocumentRow.id, DocumentRow.agency, DocumentRow.year)
                                          .where(clause).order_by(DocumentRow.id)).all():
        out.setdefault((agency, year), []).append(doc_id)
    return {k: v for k, v in out.items() if len(v) > 1}


def with_twins(st: Storage, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``documents`` (summaries) each with ``same_report``: the other ids with its agency + year."""
    with st.db.session() as s:
        twins = same_report(s, [(d["agency"], d["year"]) for d in documents])
    return [{**d, "same_report": [i for i in twins.get((d["agency"], d["year"]), []) if i != d["id"]]}
            for d in documents]


def reviewer_names(st: Storage) -> list[str]:
    with st.db.session() as s:
        return list(s.scalars(select(User.username).order_by(User.username)).all())
