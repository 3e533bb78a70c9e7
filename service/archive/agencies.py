"""One identity per agency: match a report's printed agency name to an agency row, or ask a person.

Matching a printed name (after ``names.normalise_name``), strongest evidence first:

1. a *full* name (its city, or a province-level body) is its own identity: the agency with that
   canonical name (city + county + body, e.g. 淮安市洪泽区人民政府; 江苏省淮安市… is the same) or a new one;
2. a *short* name (洪泽区人民政府: county without city) takes the city the report's own text prints
   just before it (``TEXT``), else the one agency whose aliases or region (county + body) fit
   (``UNIQUE``: unique among the agencies already known); several fitting agencies open an
   ``agency_decisions`` row and the document waits without an agency (never a guess); none → a new
   agency without city;
3. a name without any region (国家税务总局) is matched by its normalised text only.

When a new full agency appears, a city-less agency with its short name and no other fitting full
agency is merged into it (the same rule as 2, applied to the earlier reports).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.archive.names import ParsedName, parse_name
from service.archive.tables import (
    AgencyAlias,
    AgencyDecision,
    AgencyRow,
    DecisionStatus,
    DocumentAgency,
    MatchedBy,
)
from service.model import Document
from service.settings import AGENCY_MAX_NAME_CHARS
from service.storage import Storage
from service.storage.tables import DocumentRow


@dataclass(frozen=True)
class Resolution:
    """The outcome of matching one printed name: an agency, or the candidates a person must choose from."""

    agency_id: int | None
    matched_by: MatchedBy | None
    candidates: tuple[int, ...] = ()
    reason: str = ""


def canonical_name(parsed: ParsedName) -> str:
    """City + county + body (a province-level body keeps its province); the province of a city is implied."""
    region = parsed.region
    lead = region.city or region.province or ""
    return (lead + (region.county or "") + parsed.body)[:AGENCY_MAX_NAME_CHARS]


def is_full(parsed: ParsedName) -> bool:
    return parsed.region.city is not None or (parsed.region.province is not None and parsed.region.county is None)


def add_alias(s: Session, agency_id: int, name: str, source: MatchedBy) -> None:
    name = name[:AGENCY_MAX_NAME_CHARS]
    if not name or s.scalar(select(AgencyAlias.id).where(AgencyAlias.agency_id == agency_id,
                                                         AgencyAlias.name == name)) is not None:
        return
    s.add(AgencyAlias(agency_id=agency_id, name=name, source=source.value))
    s.flush()


def _new_agency(s: Session, parsed: ParsedName, name: str) -> int:
    region = parsed.region
    row = AgencyRow(name=name, province=region.province, city=region.city, county=region.county, body=parsed.body)
    s.add(row)
    s.flush()
    add_alias(s, row.id, name, MatchedBy.NEW)
    return row.id


def _full_agency(s: Session, parsed: ParsedName) -> Resolution:
    name = canonical_name(parsed)
    found = s.scalar(select(AgencyRow.id).where(AgencyRow.name == name))
    if found is not None:
        add_alias(s, found, parsed.name, MatchedBy.REGION)
        return Resolution(found, MatchedBy.NAME if parsed.name == name else MatchedBy.REGION)
    agency_id = _new_agency(s, parsed, name)
    add_alias(s, agency_id, parsed.name, MatchedBy.NEW)
    if parsed.region.county:
        _absorb_short(s, agency_id, parsed)
    return Resolution(agency_id, MatchedBy.NEW)


def _short_candidates(s: Session, parsed: ParsedName) -> set[int]:
    """Agencies with a city whose alias is this short name or whose county + body are this name's."""
    by_alias = set(s.scalars(select(AgencyAlias.agency_id).join(AgencyRow, AgencyRow.id == AgencyAlias.agency_id)
                             .where(AgencyAlias.name == parsed.name, AgencyRow.city.is_not(None))).all())
    by_region = set(s.scalars(select(AgencyRow.id).where(AgencyRow.city.is_not(None),
                                                         AgencyRow.county == parsed.region.county,
                                                         AgencyRow.body == parsed.body)).all())
    return by_alias | by_region


def _absorb_short(s: Session, agency_id: int, parsed: ParsedName) -> None:
    """Merge a city-less agency printed as this agency's short name when this is its only full fit."""
    short = parse_name(parsed.short)
    if _short_candidates(s, short) != {agency_id}:
        return
    loose = s.scalar(select(AgencyRow.id).where(AgencyRow.name == canonical_name(short), AgencyRow.city.is_(None)))
    if loose is not None:
        move_agency(s, loose, agency_id, MatchedBy.UNIQUE)


def move_agency(s: Session, source_id: int, target_id: int, matched_by: MatchedBy) -> None:
    """Point every document and alias of ``source_id`` at ``target_id`` and delete ``source_id``."""
    target_aliases = set(s.scalars(select(AgencyAlias.name).where(AgencyAlias.agency_id == target_id)).all())
    for alias in s.scalars(select(AgencyAlias).where(AgencyAlias.agency_id == source_id)).all():
        if alias.name in target_aliases:
            s.delete(alias)
        else:
            alias.agency_id = target_id
    s.execute(update(DocumentAgency).where(DocumentAgency.agency_id == source_id)
              .values(agency_id=target_id, matched_by=matched_by.value))
    s.flush()
    source = s.get(AgencyRow, source_id)
    if source is not None:
        s.delete(source)
        s.flush()


def resolve_name(s: Session, printed: str, text: str = "") -> Resolution:
    """Match ``printed`` (see the module docstring); may create an agency, never guesses between two."""
    from service.archive.names import full_name_in_text

    parsed = parse_name(printed)
    if not parsed.name:
        return Resolution(None, None, reason="the report prints no agency")
    if is_full(parsed):
        return _full_agency(s, parsed)
    if parsed.region.county:
        fuller = full_name_in_text(parsed.name, text)
        if fuller is not None:
            found = _full_agency(s, parse_name(fuller))
            add_alias(s, found.agency_id or 0, parsed.name, MatchedBy.TEXT)
            return Resolution(found.agency_id, MatchedBy.TEXT)
        candidates = _short_candidates(s, parsed)
        if len(candidates) == 1:
            return Resolution(candidates.pop(), MatchedBy.UNIQUE)
        if len(candidates) > 1:
            return Resolution(None, None, tuple(sorted(candidates)),
                              f"{parsed.name} fits {len(candidates)} known agencies; its city is not printed")
    known = set(s.scalars(select(AgencyAlias.agency_id).where(AgencyAlias.name == parsed.name)).all())
    if len(known) == 1:
        return Resolution(known.pop(), MatchedBy.NAME)
    if len(known) > 1:
        return Resolution(None, None, tuple(sorted(known)), f"{parsed.name} is an alias of {len(known)} agencies")
    return Resolution(_new_agency(s, parsed, canonical_name(parsed)), MatchedBy.NEW)


def report_text(doc_json: str | None) -> str:
    """Every text token of the stored document (the report's own words), in page order."""
    if not doc_json:
        return ""
    doc = Document.model_validate_json(doc_json)
    return "".join(token.text for page in doc.pages for token in page.tokens)


def assign_document(st: Storage, doc_id: int) -> tuple[int | None, int | None]:
    """Match the document's printed agency again; returns ``(agency before, agency after)``.

    A person's choice (decision or admin move) is kept as long as the printed name is unchanged.
    An uncertain match opens one decision per (document, printed name) and leaves the agency NULL."""
    with st.db.session() as s:
        doc = s.get(DocumentRow, doc_id)
        if doc is None:
            return None, None
        link = s.get(DocumentAgency, doc_id)
        before = link.agency_id if link else None
        printed = (doc.agency or "").strip()
        if link is not None and link.printed == printed and link.matched_by in (MatchedBy.DECISION, MatchedBy.ADMIN):
            return before, before
        _close_stale_decisions(s, doc_id, printed)
        if not printed:
            if link is not None:
                s.delete(link)
            return before, None
        found = resolve_name(s, printed, report_text(doc.doc_json))
        if found.agency_id is None and found.candidates:
            _open_decision(s, doc_id, printed, found)
        matched = (found.matched_by or MatchedBy.NEW).value
        if link is None:
            s.add(DocumentAgency(document_id=doc_id, agency_id=found.agency_id, printed=printed[:200],
                                 matched_by=matched))
        else:
            link.agency_id, link.printed, link.matched_by = found.agency_id, printed[:200], matched
        return before, found.agency_id


def _open_decision(s: Session, doc_id: int, printed: str, found: Resolution) -> None:
    exists = s.scalar(select(AgencyDecision.id).where(AgencyDecision.document_id == doc_id,
                                                      AgencyDecision.printed == printed,
                                                      AgencyDecision.status == DecisionStatus.OPEN.value))
    if exists is None:
        s.add(AgencyDecision(document_id=doc_id, printed=printed[:200], candidates=json.dumps(found.candidates),
                             reason=found.reason))


def _close_stale_decisions(s: Session, doc_id: int, printed: str) -> None:
    """Open decisions about a name the report no longer prints are dropped."""
    for row in s.scalars(select(AgencyDecision).where(AgencyDecision.document_id == doc_id,
                                                      AgencyDecision.status == DecisionStatus.OPEN.value)).all():
        if row.printed != printed:
            s.delete(row)
