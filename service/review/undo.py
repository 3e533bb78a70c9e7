"""Undo of row repairs (Ctrl+Z on the review station): each shift or re-assignment is recorded as
ONE action with the cells it changed as they were (``undo_tables.RepairAction``); ``undo_last``
puts them back exactly — value, printed text, page, bbox, source, flags and review status — in
one transaction, provided none of them changed since (else ``Conflict``). The restoring edit is
itself recorded in every cell's history ("undo: …"). Only the newest ``REVIEW_UNDO_DEPTH`` actions
of a document can be undone, newest first.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import settings
from service.model import Cell, Document
from service.review import review
from service.storage import Storage
from service.storage.errors import InvalidAction
from service.storage.station_tables import RepairAction
from service.storage.tables import CellStatus, RevisionAction, utcnow

HUMAN_STATUSES = (CellStatus.ACCEPTED, CellStatus.CORRECTED)


class RepairKind(StrEnum):
    SHIFT = "shift"
    MOVE = "move"


def recorder(doc_id: int, kind: RepairKind, row: str, detail: str, user_id: int) -> review.OnCommit:
    """An ``apply_changes`` hook that records the repair (the cells before, the versions after)."""
    def record(s: Session, before: Document, status: dict[str, str], versions: dict[str, int]) -> None:
        cells = {key: {"cell": before.cells[key].model_dump_json(), "status": status[key]} for key in versions}
        s.add(RepairAction(document_id=doc_id, user_id=user_id, kind=kind.value, row=row,
                           detail=detail, before_json=json.dumps(cells, ensure_ascii=False),
                           versions_json=json.dumps(versions)))
    return record


def latest(st: Storage, doc_id: int) -> RepairAction | None:
    """The newest repair of ``doc_id`` not undone yet, within the undo depth."""
    with st.db.session() as s:
        rows = s.scalars(select(RepairAction).where(RepairAction.document_id == doc_id)
                         .order_by(RepairAction.id.desc()).limit(settings.REVIEW_UNDO_DEPTH)).all()
        found = next((r for r in rows if r.undone_at is None), None)
        if found is not None:
            s.expunge(found)
        return found


def undo_last(st: Storage, doc_id: int, user_id: int) -> tuple[dict[str, Any], dict[str, int]]:
    """Undo the newest repair; returns (what was undone, new versions). InvalidAction if none."""
    action = latest(st, doc_id)
    if action is None:
        raise InvalidAction("nothing to undo")
    before = json.loads(action.before_json)
    reason = f"undo: {action.kind} of {action.row} ({action.detail})"

    def build(doc: Document) -> list[review.CellChange]:
        changes = []
        for key, item in before.items():
            status = CellStatus(item["status"])
            changes.append(review.CellChange(key, Cell.model_validate_json(item["cell"]), RevisionAction.CORRECT,
                                             reason, status if status in HUMAN_STATUSES else None))
        return changes

    def mark(s: Session, _doc: Document, _status: dict[str, str], _versions: dict[str, int]) -> None:
        row = s.get(RepairAction, action.id)
        if row is not None:
            row.undone_at = utcnow()

    versions = review.apply_changes(st, doc_id, json.loads(action.versions_json), build, user_id, on_commit=mark)
    return {"kind": action.kind, "row": action.row, "detail": action.detail}, versions


def is_reversal(action: RepairAction | None, kind: RepairKind, row: str, detail: str,
                versions: dict[str, int]) -> bool:
    """Is shifting ``row`` towards ``detail`` the exact reverse of ``action``, with nothing changed since?"""
    if action is None or action.kind != kind.value or action.row != row:
        return False
    opposite = {"left": "right", "right": "left"}
    return opposite.get(action.detail) == detail and json.loads(action.versions_json) == versions
