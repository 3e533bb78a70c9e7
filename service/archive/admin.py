"""Agencies for people: list and search, the open decisions, and the admin actions merge / split /
rename. Every action re-runs the checks across reports of the agencies it touches.

- ``merge(source, target)``: every report and alias of ``source`` moves to ``target``; ``source`` goes;
- ``split(agency, document_ids, name)``: those reports move to an agency named ``name`` (new, or an
  existing one), their printed names become its aliases;
- ``rename(agency, name)``: a new canonical name (region re-parsed); the old name stays an alias;
- ``resolve_decision(decision, agency | None)``: the document gets that agency (``None``: a new agency
  from its printed name); the printed name becomes an alias of it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, or_, select

from service.archive.agencies import add_alias, canonical_name, move_agency
from service.archive.checks import recheck_agency
from service.archive.names import parse_name
from service.archive.tables import (
    AgencyAlias,
    AgencyDecision,
    AgencyRow,
    DecisionStatus,
    DocumentAgency,
    MatchedBy,
)
from service.storage import Storage
from service.storage.errors import InvalidAction, NotFound
from service.storage.tables import utcnow


def agency_dict(row: AgencyRow, aliases: list[str], reports: int) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "province": row.province, "city": row.city, "county": row.county,
            "region": " ".join(p for p in (row.province, row.city if row.city != row.province else None,
                                           row.county) if p),
            "aliases": aliases, "reports": reports}


def list_agencies(st: Storage, query: str = "", region: str = "") -> list[dict[str, Any]]:
    """Agencies whose name or an alias contains ``query`` and whose province/city/county contains ``region``."""
    with st.db.session() as s:
        stmt = select(AgencyRow).order_by(AgencyRow.province, AgencyRow.city, AgencyRow.name)
        if query:
            alias_hit = select(AgencyAlias.agency_id).where(AgencyAlias.name.contains(query))
            stmt = stmt.where(or_(AgencyRow.name.contains(query), AgencyRow.id.in_(alias_hit)))
        if region:
            stmt = stmt.where(or_(AgencyRow.province.contains(region), AgencyRow.city.contains(region),
                                  AgencyRow.county.contains(region)))
        rows = s.scalars(stmt).all()
        aliases: dict[int, list[str]] = {}
        for agency_id, name in s.execute(select(AgencyAlias.agency_id, AgencyAlias.name).order_by(AgencyAlias.id)):
            aliases.setdefault(agency_id, []).append(name)
        counts = dict(s.execute(select(DocumentAgency.agency_id, func.count()).group_by(DocumentAgency.agency_id))
                      .all())
        return [agency_dict(r, aliases.get(r.id, []), int(counts.get(r.id, 0))) for r in rows]


def _agency(s: Any, agency_id: int) -> AgencyRow:
    row = s.get(AgencyRow, agency_id)
    if row is None:
        raise NotFound(f"agency {agency_id} does not exist")
    return row


def merge(st: Storage, source_id: int, target_id: int) -> None:
    if source_id == target_id:
        raise InvalidAction("an agency cannot be merged into itself")
    with st.db.session() as s:
        _agency(s, source_id)
        _agency(s, target_id)
        move_agency(s, source_id, target_id, MatchedBy.ADMIN)
    recheck_agency(st, target_id)


def _named_agency(s: Any, name: str) -> int:
    parsed = parse_name(name)
    if not parsed.name:
        raise InvalidAction("an agency needs a name")
    canonical = canonical_name(parsed)
    found = s.scalar(select(AgencyRow.id).where(AgencyRow.name == canonical))
    if found is not None:
        return int(found)
    row = AgencyRow(name=canonical, province=parsed.region.province, city=parsed.region.city,
                    county=parsed.region.county, body=parsed.body)
    s.add(row)
    s.flush()
    add_alias(s, row.id, canonical, MatchedBy.ADMIN)
    return row.id


def add_agency(st: Storage, name: str) -> int:
    """Register an agency expected to report (its canonical form; an existing one is returned)."""
    with st.db.session() as s:
        return _named_agency(s, name)


def split(st: Storage, agency_id: int, document_ids: list[int], name: str) -> int:
    """Move ``document_ids`` (reports of ``agency_id``) to the agency called ``name``; returns its id."""
    if not document_ids:
        raise InvalidAction("name the reports that belong to the other agency")
    with st.db.session() as s:
        _agency(s, agency_id)
        links = s.scalars(select(DocumentAgency).where(DocumentAgency.document_id.in_(document_ids))).all()
        if len(links) != len(set(document_ids)) or any(link.agency_id != agency_id for link in links):
            raise InvalidAction(f"every report to split off must belong to agency {agency_id}")
        target = _named_agency(s, name)
        if target == agency_id:
            raise InvalidAction(f"{name} is agency {agency_id} itself")
        for link in links:
            link.agency_id, link.matched_by = target, MatchedBy.ADMIN.value
            printed = parse_name(link.printed).name
            add_alias(s, target, printed, MatchedBy.ADMIN)
            still_used = s.scalar(select(func.count()).select_from(DocumentAgency).where(
                DocumentAgency.agency_id == agency_id, DocumentAgency.printed == link.printed))
            if not still_used:
                for alias in s.scalars(select(AgencyAlias).where(AgencyAlias.agency_id == agency_id,
                                                                 AgencyAlias.name == printed)).all():
                    s.delete(alias)
    recheck_agency(st, agency_id)
    recheck_agency(st, target)
    return target


def rename(st: Storage, agency_id: int, name: str) -> None:
    parsed = parse_name(name)
    if not parsed.name:
        raise InvalidAction("an agency needs a name")
    with st.db.session() as s:
        row = _agency(s, agency_id)
        canonical = canonical_name(parsed)
        other = s.scalar(select(AgencyRow.id).where(AgencyRow.name == canonical, AgencyRow.id != agency_id))
        if other is not None:
            raise InvalidAction(f"agency {other} is already called {canonical}: merge instead")
        add_alias(s, agency_id, row.name, MatchedBy.ADMIN)
        row.name, row.body = canonical, parsed.body
        row.province, row.city, row.county = parsed.region.province, parsed.region.city, parsed.region.county
        add_alias(s, agency_id, canonical, MatchedBy.ADMIN)


def document_decisions(st: Storage, doc_id: int) -> list[dict[str, Any]]:
    """The open decisions about one report's agency (shown on its review screen)."""
    return list_decisions(st, document_id=doc_id)


def list_decisions(st: Storage, status: str | None = DecisionStatus.OPEN.value,
                   document_id: int | None = None) -> list[dict[str, Any]]:
    with st.db.session() as s:
        stmt = select(AgencyDecision).order_by(AgencyDecision.id)
        if document_id is not None:
            stmt = stmt.where(AgencyDecision.document_id == document_id)
        if status:
            stmt = stmt.where(AgencyDecision.status == status)
        rows = s.scalars(stmt).all()
        names = dict(s.execute(select(AgencyRow.id, AgencyRow.name)).all())
        return [{"id": r.id, "document_id": r.document_id, "printed": r.printed, "reason": r.reason,
                 "status": r.status, "agency_id": r.agency_id,
                 "candidates": [{"id": c, "name": names.get(c)} for c in json.loads(r.candidates)],
                 "decided_at": r.decided_at.isoformat() if r.decided_at else None} for r in rows]


def resolve_decision(st: Storage, decision_id: int, agency_id: int | None, user_id: int | None) -> int:
    """Give the decision's document ``agency_id`` (``None``: a new agency from its printed name)."""
    with st.db.session() as s:
        decision = s.get(AgencyDecision, decision_id)
        if decision is None:
            raise NotFound(f"decision {decision_id} does not exist")
        if decision.status != DecisionStatus.OPEN.value:
            raise InvalidAction(f"decision {decision_id} is already resolved")
        chosen = _agency(s, agency_id).id if agency_id is not None else _named_agency(s, decision.printed)
        add_alias(s, chosen, parse_name(decision.printed).name, MatchedBy.DECISION)
        link = s.get(DocumentAgency, decision.document_id)
        if link is None:
            s.add(DocumentAgency(document_id=decision.document_id, agency_id=chosen, printed=decision.printed,
                                 matched_by=MatchedBy.DECISION.value))
        else:
            link.agency_id, link.matched_by = chosen, MatchedBy.DECISION.value
        decision.status, decision.agency_id = DecisionStatus.RESOLVED.value, chosen
        decision.decided_by, decision.decided_at = user_id, utcnow()
    recheck_agency(st, chosen)
    return chosen
