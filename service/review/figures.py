"""Per-reviewer figures (the station's small figures page): for each user who edited cells —
cells reviewed (distinct cells with a revision by them), corrections (revisions that changed the
value), seconds per cell (median gap between their consecutive revisions, gaps over
``settings.REVIEW_TIME_GAP_MAX_S`` counted as breaks and left out) and the audit error rate of the
audit-sample cells they checked (corrected ÷ checked: the residual error the machine left in
auto-accepted cells, as this reviewer measured it)."""

from __future__ import annotations

from statistics import median
from typing import Any

from sqlalchemy import select

from service import settings
from service.storage import Storage
from service.storage.audit_tables import AuditCell
from service.storage.tables import CellRevision, User


def reviewer_figures(st: Storage) -> list[dict[str, Any]]:
    """``[{user, cells, revisions, corrections, seconds_per_cell, audit_checked, audit_corrected,
    audit_rate}]`` sorted by user name; ``seconds_per_cell``/``audit_rate`` None without data."""
    with st.db.session() as s:
        names = dict(s.execute(select(User.id, User.username)).all())
        revisions = s.execute(select(CellRevision.user_id, CellRevision.document_id, CellRevision.key,
                                     CellRevision.old_value, CellRevision.new_value, CellRevision.at)
                              .order_by(CellRevision.user_id, CellRevision.at)).all()
        audits = s.execute(select(AuditCell.checked_by, AuditCell.corrected)
                           .where(AuditCell.checked_at.is_not(None))).all()
    out: dict[int, dict[str, Any]] = {}
    last_at: dict[int, Any] = {}
    gaps: dict[int, list[float]] = {}
    for user_id, doc_id, key, old, new, at in revisions:
        if user_id is None:
            continue
        row = out.setdefault(user_id, _empty(names.get(user_id, str(user_id))))
        row["revisions"] += 1
        row["corrections"] += old != new
        row["_cells"].add((doc_id, key))
        if user_id in last_at:
            gap = (at - last_at[user_id]).total_seconds()
            if 0 <= gap <= settings.REVIEW_TIME_GAP_MAX_S:
                gaps.setdefault(user_id, []).append(gap)
        last_at[user_id] = at
    for user_id, corrected in audits:
        if user_id is None:
            continue
        row = out.setdefault(user_id, _empty(names.get(user_id, str(user_id))))
        row["audit_checked"] += 1
        row["audit_corrected"] += bool(corrected)
    for user_id, row in out.items():
        row["cells"] = len(row.pop("_cells"))
        row["seconds_per_cell"] = round(median(gaps[user_id]), 1) if gaps.get(user_id) else None
        row["audit_rate"] = row["audit_corrected"] / row["audit_checked"] if row["audit_checked"] else None
    return sorted(out.values(), key=lambda r: r["user"])


def _empty(name: str) -> dict[str, Any]:
    return {"user": name, "revisions": 0, "corrections": 0, "audit_checked": 0, "audit_corrected": 0,
            "_cells": set()}
