"""Read-only views for the API and UI: document summaries, the review queue, the review payload.

The review payload is the FORMAT.md contract (``document_to_contract``) plus, per cell, its review
``status``, ``version`` and ``flags`` (Flag values, named in the reader's language by the page),
and a ``review`` block (status, progress, decision, the order in which pending cells should be
reviewed, and the identities that apply with their terms — member keys per side and constants,
from ``service.rule_terms`` — so the browser only adds live values)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from service.contract import document_to_contract
from service.formats import (
    T2_2019_ROWS,
    T2_ROWS,
    T3_COLUMN_LABELS,
    T3_ROWS,
)
from service.model import Flag
from service.review.audit import pending_keys
from service.review.locks import as_utc, live_holder
from service.rule_terms import identity_terms, terms_json
from service.storage import Storage
from service.storage.codec import document_from_rows
from service.storage.errors import NotFound
from service.storage.tables import CellRow, CellStatus, DocStatus, DocumentRow
from service.storage.users import usernames

# Format problems are reviewed before rule failures (REVIEW_UX.md §3).
FORMAT_FLAGS = frozenset({Flag.BLANK, Flag.MISSING, Flag.UNPARSABLE, Flag.NOT_INTEGER, Flag.NEGATIVE,
                          Flag.NOTE_IN_CELL, Flag.LOW_CONFIDENCE, Flag.ENGINE_DISAGREEMENT, Flag.OLD_LAYOUT})


class QueueOrder:
    FLAGS = "flags"      # most flags first, then oldest
    OLDEST = "oldest"


def summary(row: DocumentRow) -> dict[str, Any]:
    return {
        "id": row.id, "batch_id": row.batch_id, "filename": row.filename, "sha256": row.sha256,
        "status": row.status, "error": row.error, "progress": row.progress, "stage": row.stage,
        "attempts": row.attempts, "pages": row.pages, "agency": row.agency, "year": row.year,
        "format": row.format, "flag_count": row.flag_count, "violation_count": row.violation_count,
        "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat(),
    }


ORDER_BY = {QueueOrder.OLDEST: (DocumentRow.created_at, DocumentRow.id),
          QueueOrder.FLAGS: (DocumentRow.flag_count.desc(), DocumentRow.created_at, DocumentRow.id)}


def _filtered(stmt: Any, batch_id: int | None, status: str | None) -> Any:
    if batch_id is not None:
        stmt = stmt.where(DocumentRow.batch_id == batch_id)
    if status:
        stmt = stmt.where(DocumentRow.status == status)
    return stmt


def count_documents(st: Storage, batch_id: int | None = None, status: str | None = None) -> int:
    stmt = _filtered(select(func.count()).select_from(DocumentRow), batch_id, status)
    with st.db.session() as s:
        return int(s.scalar(stmt) or 0)


def list_documents(st: Storage, batch_id: int | None = None, status: str | None = None,
                   order: str = QueueOrder.FLAGS, limit: int | None = None,
                   offset: int = 0) -> list[dict[str, Any]]:
    """Summaries in ``order``; ``limit``/``offset`` page through long batches (None: all)."""
    stmt = _filtered(select(DocumentRow), batch_id, status).limit(limit).offset(offset)
    stmt = stmt.order_by(*ORDER_BY.get(order, ORDER_BY[QueueOrder.FLAGS]))
    with st.db.session() as s:
        return [summary(r) for r in s.scalars(stmt).all()]


def review_queue(st: Storage, order: str = QueueOrder.FLAGS, limit: int | None = None,
                 offset: int = 0, user_id: int | None = None) -> list[dict[str, Any]]:
    """Documents waiting for a person (status review); each with ``held_by``: the name of another
    user holding a live review lease on it (``user_id``'s own leases do not count), else None."""
    stmt = _filtered(select(DocumentRow), None, DocStatus.REVIEW.value).limit(limit).offset(offset)
    stmt = stmt.order_by(*ORDER_BY.get(order, ORDER_BY[QueueOrder.FLAGS]))
    with st.db.session() as s:
        rows = s.scalars(stmt).all()
        holders = {r.id: h for r in rows if (h := live_holder(r)) is not None and h != user_id}
        out = [summary(r) for r in rows]
    names = usernames(st.db, set(holders.values())) if holders else {}
    for entry in out:
        holder = holders.get(entry["id"])
        entry["held_by"] = names.get(holder, str(holder)) if holder else None
    return out


def next_document(st: Storage, user_id: int, after: int | None = None) -> int | None:
    """The first document of the queue (most flags first) that nobody else holds, other than ``after``."""
    for entry in review_queue(st, QueueOrder.FLAGS, user_id=user_id):
        if entry["id"] != after and entry["held_by"] is None:
            return int(entry["id"])
    return None


def document_summary(st: Storage, doc_id: int) -> dict[str, Any]:
    with st.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        return summary(row)


def review_payload(st: Storage, doc_id: int) -> dict[str, Any]:
    """Contract + review state of one document (the contract part is absent before extraction)."""
    with st.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        cells = list(row.cells)
        sampled = pending_keys(s, doc_id)
        out: dict[str, Any] = {"review": _review_block(st, row, cells, sampled)}
        if row.doc_json is None:
            return out
        doc = document_from_rows(row.doc_json, cells, list(row.violations))
    contract = document_to_contract(doc)
    contract["source"]["path"] = row.filename
    contract["report"].update({"agency": row.agency, "year": row.year})
    for cell_row in cells:
        contract["cells"][cell_row.key].update({"status": cell_row.status, "version": cell_row.version,
                                                "flags": [f for f in cell_row.flags.split(",") if f]})
    for key in sampled:
        contract["cells"][key]["audit"] = True
    out["review"]["identities"] = [terms_json(t) for t in identity_terms(doc)]
    return {**contract, **out}


def _review_block(st: Storage, row: DocumentRow, cells: list[CellRow], sampled: list[str]) -> dict[str, Any]:
    """``order``: flagged cells (format problems first, then reading order), then audit-sample cells."""
    names = usernames(st.db, {row.decision_by} if row.decision_by else set())
    pending = [c for c in cells if c.status == CellStatus.FLAGGED.value]
    return {
        **summary(row),
        "version": row.version,
        "decision": {"by": names.get(row.decision_by) if row.decision_by else None,
                     "at": row.decision_at.isoformat() if row.decision_at else None,
                     "reason": row.decision_reason},
        "order": [c.key for c in sorted(pending, key=_review_rank)] + sampled,
        "audit": sampled,
        "identities": [],
        "can_approve_without_reason": not pending and row.violation_count == 0,
        "lock": _lock_state(st, row),
        "labels": {c.key: key_label(c.key) for c in cells},
        "rows": row_choices([c.key for c in sorted(cells, key=lambda c: c.position)]),
        **_duplicates(st, row),
    }


TABLE_NAMES = {"t2": "表二", "t2_2019": "表二(2019)", "t3": "表三", "t4": "表四"}
T4_LABELS = {"review": "行政复议", "suit_direct": "行政诉讼·未经复议直接起诉",
             "suit_after_review": "行政诉讼·复议后起诉", "upheld": "结果维持", "corrected": "结果纠正",
             "other": "其他结果", "pending": "尚未审结", "total": "总计"}
_ROW_LABELS = {f"{t}.{r.key}": r.labels[0] for t, rows in (("t2", T2_ROWS), ("t2_2019", T2_2019_ROWS),
                                                            ("t3", T3_ROWS)) for r in rows}


# The column heads of table 二 as the two layouts print them (2021: 本年制发件数 …; 2019: 本年新制作数量 …).
T2_COLUMN_LABELS = {"issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
                    "decisions": "本年处理决定数量", "amount_wan_yuan": "本年收费金额（万元）",
                    "made": "本年新制作数量", "published": "本年新公开数量", "total_public": "对外公开总数量",
                    "previous_items": "上年项目数量", "change": "本年增/减", "items": "采购项目数量",
                    "amount_yuan": "采购总金额（元）"}


def key_label(key: str) -> str:
    """A reviewer-facing label: ``t3.new.natural_person`` → ``表三 · 一、本年新收… · 自然人``."""
    table, row, col = key.split(".", 2)
    row_label = _ROW_LABELS.get(f"{table}.{row}") or T4_LABELS.get(row, row)
    col_label = (T3_COLUMN_LABELS[col][0] if table == "t3" else T4_LABELS.get(col, col) if table == "t4"
                 else T2_COLUMN_LABELS.get(col, col))
    return f"{TABLE_NAMES.get(table, table)} · {row_label} · {col_label}"


def _duplicates(st: Storage, row: DocumentRow) -> dict[str, Any]:
    """``same_report``: other documents with this agency + year; ``current``: is this one chosen
    (None while no document of the agency + year was chosen)."""
    from service.review.duplicates import current_of, twins

    with st.db.session() as s:
        chosen = current_of(s, row.agency, row.year)
        return {"same_report": twins(s, row), "current": None if chosen is None else chosen == row.id}


def _lock_state(st: Storage, row: DocumentRow) -> dict[str, Any]:
    holder = live_holder(row)
    name = usernames(st.db, {holder}).get(holder) if holder else None
    until = as_utc(row.lock_until)
    return {"user": name, "user_id": holder, "until": until.isoformat() if holder and until else None}


def _review_rank(cell: CellRow) -> tuple[int, int]:
    flags = {Flag(f) for f in cell.flags.split(",") if f}
    return (0 if flags & FORMAT_FLAGS else 1, cell.position)


def row_choices(doc_keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Per table, its rows in reading order with their labels and their ``keys`` in printed column
    order (the re-assign picker, the shift preview); ``doc_keys`` must be in reading order."""
    out: dict[str, list[dict[str, Any]]] = {}
    rows: dict[str, dict[str, Any]] = {}
    for key in doc_keys:
        row = key.rsplit(".", 1)[0]
        if row not in rows:
            rows[row] = {"row": row, "label": key_label(key).rsplit(" · ", 1)[0], "keys": []}
            out.setdefault(row.split(".", 1)[0], []).append(rows[row])
        rows[row]["keys"].append(key)
    return out
