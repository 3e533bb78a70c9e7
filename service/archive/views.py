"""The archive view's data: the issue list (every broken rule, within and across reports, plus open
agency decisions) and the coverage matrix (agencies × years).

Coverage states, per agency and year, from the best of its reports: ``approved`` > ``in_review``
(queued, processing or in review) > ``failed`` (error or rejected); ``missing`` when the agency has
no report for a year inside the archive's year range (the lowest to the highest year any report in
scope prints). The whole archive also lists agencies registered without any report (``gouji agency
add``): the agencies that have not reported at all.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from service.archive.tables import AgencyDecision, AgencyRow, CrossViolationRow, DecisionStatus, DocumentAgency
from service.model import ViolationKind
from service.storage import Storage
from service.storage.tables import DocStatus, DocumentRow, ViolationRow

RULE_UNDECIDED = "agency: the printed name fits several agencies"


class Coverage(StrEnum):
    APPROVED = "approved"
    IN_REVIEW = "in_review"
    FAILED = "failed"
    MISSING = "missing"


STATE_OF = {DocStatus.APPROVED.value: Coverage.APPROVED, DocStatus.REVIEW.value: Coverage.IN_REVIEW,
            DocStatus.QUEUED.value: Coverage.IN_REVIEW, DocStatus.PROCESSING.value: Coverage.IN_REVIEW,
            DocStatus.ERROR.value: Coverage.FAILED, DocStatus.REJECTED.value: Coverage.FAILED}
RANK = {Coverage.APPROVED: 3, Coverage.IN_REVIEW: 2, Coverage.FAILED: 1, Coverage.MISSING: 0}


@dataclass(frozen=True)
class IssueFilter:
    """Every field narrows the list; empty/None means any. ``agency``/``region`` match substrings."""

    batch_id: int | None = None
    rule: str = ""
    agency: str = ""
    region: str = ""
    year: int | None = None
    status: str = ""
    kind: str = ""


def _region(agency: AgencyRow | None) -> str:
    if agency is None:
        return ""
    return " ".join(p for p in (agency.province, agency.city if agency.city != agency.province else None,
                                agency.county) if p)


def _doc_rows(s: Any, batch_id: int | None) -> dict[int, tuple[DocumentRow, AgencyRow | None, str]]:
    stmt = (select(DocumentRow, AgencyRow, DocumentAgency.printed)
            .join(DocumentAgency, DocumentAgency.document_id == DocumentRow.id, isouter=True)
            .join(AgencyRow, AgencyRow.id == DocumentAgency.agency_id, isouter=True))
    if batch_id is not None:
        stmt = stmt.where(DocumentRow.batch_id == batch_id)
    return {d.id: (d, a, p or d.agency or "") for d, a, p in s.execute(stmt).all()}


@dataclass(frozen=True)
class Issue:
    """One row of the issue list: a broken rule of one document — within the report (kind
    ``identity``/…), across its agency's reports (``cross_report``, with ``other_document_id``) or an
    open agency decision (kind ``agency``, with ``decision_id``). ``cells`` are canonical keys;
    ``expected``/``found`` the rule's two sides as decimal text."""

    document_id: int
    filename: str
    batch_id: int
    agency_id: int | None
    agency: str
    region: str
    year: int | None
    status: str
    kind: str
    rule: str
    cells: tuple[str, ...] = ()
    expected: str | None = None
    found: str | None = None
    other_document_id: int | None = None
    decision_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``/api/archive/issues`` shape (``decision_id`` only on agency decisions)."""
        out = asdict(self)
        out["cells"] = list(self.cells)
        if self.decision_id is None:
            del out["decision_id"]
        return out


def _issue(doc: DocumentRow, agency: AgencyRow | None, printed: str, *, rule: str, kind: str,
           cells: str = "[]", **sides: Any) -> Issue:
    return Issue(document_id=doc.id, filename=doc.filename, batch_id=doc.batch_id,
                 agency_id=agency.id if agency else None, agency=agency.name if agency else printed,
                 region=_region(agency), year=doc.year, status=doc.status, kind=kind, rule=rule,
                 cells=tuple(json.loads(cells)), **sides)


def list_issues(st: Storage, flt: IssueFilter = IssueFilter()) -> list[Issue]:
    """Every broken rule in scope, ordered by agency, year, document; then filtered by ``flt``."""
    out: list[Issue] = []
    with st.db.session() as s:
        docs = _doc_rows(s, flt.batch_id)
        for v in s.scalars(select(ViolationRow).where(ViolationRow.document_id.in_(docs))).all():
            out.append(_issue(*docs[v.document_id], rule=v.rule, kind=v.kind or ViolationKind.IDENTITY.value,
                              cells=v.cells, expected=v.expected, found=v.found))
        for c in s.scalars(select(CrossViolationRow).where(CrossViolationRow.document_id.in_(docs))).all():
            out.append(_issue(*docs[c.document_id], rule=c.rule, kind=ViolationKind.CROSS_REPORT.value,
                              cells=c.cells, expected=c.expected, found=c.found,
                              other_document_id=c.other_document_id))
        for d in s.scalars(select(AgencyDecision).where(AgencyDecision.document_id.in_(docs),
                                                        AgencyDecision.status == DecisionStatus.OPEN.value)).all():
            out.append(_issue(*docs[d.document_id], rule=RULE_UNDECIDED, kind="agency", decision_id=d.id))
    out = [i for i in out if _keep(i, flt)]
    return sorted(out, key=lambda i: (i.agency or "", i.year or 0, i.document_id, i.rule))


def _keep(issue: Issue, flt: IssueFilter) -> bool:
    return ((not flt.rule or issue.rule == flt.rule) and (not flt.agency or flt.agency in (issue.agency or ""))
            and (not flt.region or flt.region in issue.region) and (flt.year is None or issue.year == flt.year)
            and (not flt.status or issue.status == flt.status) and (not flt.kind or issue.kind == flt.kind))


def issue_rules(issues: list[Issue]) -> list[str]:
    return sorted({i.rule for i in issues})


@dataclass
class CoverageCell:
    """One agency × year: the best state of its reports and their ids (upload order)."""

    state: Coverage = Coverage.MISSING
    document_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "document_ids": list(self.document_ids)}


@dataclass(frozen=True)
class CoverageRow:
    """One agency: id, name, region and a ``CoverageCell`` per year of the matrix."""

    id: int
    name: str
    region: str
    cells: dict[int, CoverageCell]

    @classmethod
    def empty(cls, agency: AgencyRow, years: list[int]) -> CoverageRow:
        return cls(id=agency.id, name=agency.name, region=_region(agency), cells={y: CoverageCell() for y in years})

    def to_json(self) -> dict[str, Any]:
        """The ``/api/archive/coverage`` shape: years as string keys."""
        return {"id": self.id, "name": self.name, "region": self.region,
                "cells": {str(y): c.to_json() for y, c in self.cells.items()}}


@dataclass(frozen=True)
class CoverageMatrix:
    """``rows``: one ``CoverageRow`` per agency, ordered by region then name."""

    years: list[int]
    rows: list[CoverageRow]

    def missing(self) -> list[tuple[str, int]]:
        return [(r.name, y) for r in self.rows for y in self.years if r.cells[y].state == Coverage.MISSING]


def _wanted(agency: AgencyRow, query: str, region: str) -> bool:
    return not (query and query not in agency.name) and not (region and region not in _region(agency))


def coverage(st: Storage, batch_id: int | None = None, query: str = "", region: str = "") -> CoverageMatrix:
    """Agencies (matching ``query`` in their name, ``region`` in province/city/county) × years."""
    with st.db.session() as s:
        docs = _doc_rows(s, batch_id)
        known = list(s.scalars(select(AgencyRow)).all()) if batch_id is None else []
    years_seen = [d.year for d, _, _ in docs.values() if d.year]
    years = list(range(min(years_seen), max(years_seen) + 1)) if years_seen else []
    rows: dict[int, CoverageRow] = {}
    for doc, agency, _ in docs.values():
        if agency is None or not doc.year or not _wanted(agency, query, region):
            continue
        cell = rows.setdefault(agency.id, CoverageRow.empty(agency, years)).cells[doc.year]
        cell.document_ids.append(doc.id)
        state = STATE_OF.get(doc.status, Coverage.IN_REVIEW)
        if RANK[state] > RANK[cell.state]:
            cell.state = state
    if batch_id is None:  # the whole archive: registered agencies without any report are missing every year
        for agency in known:
            if agency.id not in rows and _wanted(agency, query, region):
                rows[agency.id] = CoverageRow.empty(agency, years)
    ordered = sorted(rows.values(), key=lambda r: (r.region, r.name))
    return CoverageMatrix(years=years, rows=ordered)
