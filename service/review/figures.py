"""Per-reviewer figures (the station's small figures page): for each user who edited cells —
cells reviewed (distinct cells with a revision by them), corrections (revisions that changed the
value), seconds per cell (median gap between their consecutive revisions, gaps over
``settings.REVIEW_TIME_GAP_MAX_S`` counted as breaks and left out) and the audit error rate of the
audit-sample cells they checked (corrected ÷ checked: the residual error the machine left in
auto-accepted cells, as this reviewer measured it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Any

from sqlalchemy import select

from service import settings
from service.storage import Storage
from service.storage.audit_tables import AuditCell
from service.storage.tables import CellRevision, User


@dataclass(frozen=True)
class ReviewerFigures:
    """One reviewer's figures; ``seconds_per_cell``/``audit_rate`` are None without data."""

    user: str
    cells: int             # distinct (document, key) they revised
    revisions: int
    corrections: int       # revisions that changed the value
    seconds_per_cell: float | None
    audit_checked: int
    audit_corrected: int
    audit_rate: float | None  # corrected ÷ checked, 0–1


@dataclass
class _Tally:
    user: str
    revisions: int = 0
    corrections: int = 0
    audit_checked: int = 0
    audit_corrected: int = 0
    cells: set[tuple[int, str]] = field(default_factory=set)
    gaps: list[float] = field(default_factory=list)

    def figures(self) -> ReviewerFigures:
        return ReviewerFigures(
            user=self.user, cells=len(self.cells), revisions=self.revisions, corrections=self.corrections,
            seconds_per_cell=round(median(self.gaps), 1) if self.gaps else None,
            audit_checked=self.audit_checked, audit_corrected=self.audit_corrected,
            audit_rate=self.audit_corrected / self.audit_checked if self.audit_checked else None)


def reviewer_figures(st: Storage) -> list[ReviewerFigures]:
    """Every user who revised a cell or checked an audit cell, sorted by user name."""
    with st.db.session() as s:
        names = dict(s.execute(select(User.id, User.username)).all())
        revisions = s.execute(select(CellRevision.user_id, CellRevision.document_id, CellRevision.key,
                                     CellRevision.old_value, CellRevision.new_value, CellRevision.at)
                              .order_by(CellRevision.user_id, CellRevision.at)).all()
        audits = s.execute(select(AuditCell.checked_by, AuditCell.corrected)
                           .where(AuditCell.checked_at.is_not(None))).all()
    out: dict[int, _Tally] = {}
    last_at: dict[int, Any] = {}
    for user_id, doc_id, key, old, new, at in revisions:
        if user_id is None:
            continue
        row = out.setdefault(user_id, _Tally(names.get(user_id, str(user_id))))
        row.revisions += 1
        row.corrections += old != new
        row.cells.add((doc_id, key))
        if user_id in last_at:
            gap = (at - last_at[user_id]).total_seconds()
            if 0 <= gap <= settings.REVIEW_TIME_GAP_MAX_S:
                row.gaps.append(gap)
        last_at[user_id] = at
    for user_id, corrected in audits:
        if user_id is None:
            continue
        row = out.setdefault(user_id, _Tally(names.get(user_id, str(user_id))))
        row.audit_checked += 1
        row.audit_corrected += bool(corrected)
    return sorted((t.figures() for t in out.values()), key=lambda r: r.user)
