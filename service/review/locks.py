"""One reviewer per document at a time: a lease taken on open, renewed while working, released
after ``REVIEW_LOCK_S`` idle seconds (REVIEW_UX.md §10).

The lease is advisory for reading and binding for writing: ``review.apply_edit`` refuses an edit
while another user holds a live lease. Times are UTC; SQLite hands back naive datetimes, which are
read as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, update

from service import settings
from service.storage import Storage
from service.storage.errors import Conflict, NotFound
from service.storage.tables import DocumentRow, User, utcnow

REVIEW_LOCK_S = settings.REVIEW_LOCK_S  # service/settings.py (GOUJI_REVIEW_LOCK_S)


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def live_holder(row: DocumentRow, now: datetime | None = None) -> int | None:
    """The user holding a live lease on ``row``, or None."""
    until = as_utc(row.lock_until)
    if row.lock_user_id is None or until is None or until <= (now or utcnow()):
        return None
    return row.lock_user_id


def acquire(st: Storage, doc_id: int, user_id: int) -> dict[str, Any]:
    """Take or renew the lease; ``Conflict`` (naming the holder) when someone else holds it."""
    now = utcnow()
    with st.db.session() as s:
        stmt = (update(DocumentRow).where(DocumentRow.id == doc_id).where(or_(
            DocumentRow.lock_user_id.is_(None), DocumentRow.lock_user_id == user_id,
            DocumentRow.lock_until.is_(None), DocumentRow.lock_until < now))
            .values(lock_user_id=user_id, lock_until=now + timedelta(seconds=REVIEW_LOCK_S)))
        taken = s.execute(stmt).rowcount  # type: ignore[attr-defined]
        row = s.get(DocumentRow, doc_id)
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        state = describe(s, row)
    if not taken:
        raise Conflict(f"{state['user']} is reviewing this document (until {state['until'][11:16]} UTC)", state)
    return state


def release(st: Storage, doc_id: int, user_id: int) -> None:
    with st.db.session() as s:
        s.execute(update(DocumentRow).where(DocumentRow.id == doc_id, DocumentRow.lock_user_id == user_id)
                  .values(lock_user_id=None, lock_until=None))


def describe(s: Any, row: DocumentRow) -> dict[str, Any]:
    holder = live_holder(row)
    user = s.get(User, holder) if holder else None
    until = as_utc(row.lock_until)
    return {"user": user.username if user else None, "user_id": holder,
            "until": until.isoformat() if holder and until else None}


def check_edit(s: Any, row: DocumentRow, user_id: int) -> None:
    """Raise ``Conflict`` when another user holds a live lease; otherwise renew it for ``user_id``."""
    holder = live_holder(row)
    if holder is not None and holder != user_id:
        state = describe(s, row)
        raise Conflict(f"{state['user']} is reviewing this document; your edit was not saved", state)
    row.lock_user_id, row.lock_until = user_id, utcnow() + timedelta(seconds=REVIEW_LOCK_S)
