"""Reviewer edits of the report's metadata (agency, year: the export key), like cell edits.

* the same lease: refused while another reviewer holds the document (``locks.check_edit``);
* the same optimistic version: the request names the document ``version`` it read; a stale one
  raises ``Conflict`` and changes nothing;
* the same trail: each changed field leaves a ``cell_revisions`` row keyed ``report.<field>``
  (read with ``review.cell_history(st, doc, "report.agency")``);
* partial update: a field left out of the change keeps its value (``None`` given = cleared).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.review import locks
from service.review.review import MAX_REASON_CHARS, _lock_document, _require_review
from service.storage import Storage
from service.storage.errors import Conflict, InvalidAction
from service.storage.tables import CellRevision, DocumentRow, RevisionAction

REPORT_FIELDS = ("agency", "year")
MIN_YEAR, MAX_YEAR = 2000, 2100   # a plausible report year
MAX_AGENCY_CHARS = 200
TRAIL_VALUE_CHARS = 40            # cell_revisions.old/new_value width; the full text is in the reason


@dataclass(frozen=True)
class ReportChange:
    """The fields a reviewer sent; ``given`` names them (others stay as they are)."""

    given: frozenset[str] = field(default_factory=frozenset)
    agency: str | None = None
    year: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.given) - set(REPORT_FIELDS)
        if unknown:
            raise InvalidAction(f"unknown report fields: {', '.join(sorted(unknown))}")
        if "year" in self.given and self.year is not None and not MIN_YEAR <= self.year <= MAX_YEAR:
            raise InvalidAction(f"{self.year} is not a plausible report year")


def edit_report_info(st: Storage, doc_id: int, change: ReportChange, user_id: int, expected_version: int,
                     reason: str = "") -> int:
    """Apply ``change`` as ``user_id`` if the document is still at ``expected_version``; returns the
    new document version (unchanged when nothing differs)."""
    with st.db.session() as s:
        row = _lock_document(s, doc_id)           # bumps the version: serialises writers
        if row.version - 1 != expected_version:
            raise Conflict(f"the document was changed by someone else (version {row.version - 1}, "
                           f"you had {expected_version})", {"version": row.version - 1})
        _require_review(row)
        locks.check_edit(s, row, user_id)
        changed = _apply(row, change)
        if not changed:
            s.rollback()                          # nothing to change: keep the version
            return expected_version
        for name, (old, new) in changed.items():
            s.add(CellRevision(document_id=doc_id, key=f"report.{name}", user_id=user_id,
                               action=RevisionAction.REPORT.value, old_value=_short(old), new_value=_short(new),
                               reason=f"{name}: {old!r} → {new!r}. {reason}".strip()[:MAX_REASON_CHARS],
                               version=row.version))
        return row.version


def _apply(row: DocumentRow, change: ReportChange) -> dict[str, tuple[object, object]]:
    """Set the given fields on ``row``; returns ``{field: (old, new)}`` for those that differ."""
    changed: dict[str, tuple[object, object]] = {}
    if "agency" in change.given:
        agency = (change.agency or "").strip()[:MAX_AGENCY_CHARS] or None
        if agency != row.agency:
            changed["agency"], row.agency = (row.agency, agency), agency
    if "year" in change.given and change.year != row.year:
        changed["year"], row.year = (row.year, change.year), change.year
    return changed


def _short(value: object) -> str | None:
    return None if value is None else str(value)[:TRAIL_VALUE_CHARS]
