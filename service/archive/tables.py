"""Archive tables (schema owned by migration ``0004_archive``), on the review database's ``Base``.

Invariants:
- an agency has one canonical ``name`` (unique); every normalised printing of it is an alias
  (unique per agency);
- ``document_agency`` holds at most one row per document; ``agency_id`` is NULL while an open
  ``agency_decisions`` row waits for a person (an uncertain match is never guessed);
- ``cross_violations`` are derived data: recomputed per agency whenever one of its reports changes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.storage.tables import Base, utcnow


class MatchedBy(StrEnum):
    """How a document's printed agency name found its agency."""

    NAME = "name"            # the normalised name is a known alias
    REGION = "region"        # same city + county + body as a known agency
    TEXT = "text"            # the report's own text prints the fuller name
    UNIQUE = "unique"        # the short name is unique among known agencies
    NEW = "new"              # nothing matched: a new agency
    DECISION = "decision"    # a person resolved an uncertain match
    ADMIN = "admin"          # moved by an admin (merge / split)


class DecisionStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class AgencyRow(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    province: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    city: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    county: Mapped[str | None] = mapped_column(String(40), nullable=True)
    body: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AgencyAlias(Base):
    """A normalised printing of an agency. A short name (洪泽区人民政府) may be an alias of agencies in
    several cities; a name that is the alias of more than one agency is never matched without a person."""

    __tablename__ = "agency_aliases"
    __table_args__ = (UniqueConstraint("agency_id", "name", name="uq_agency_aliases_agency_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(String(16))                  # a MatchedBy value
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentAgency(Base):
    __tablename__ = "document_agency"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), nullable=True,
                                                  index=True)
    printed: Mapped[str] = mapped_column(String(200))                # the agency as the report prints it
    matched_by: Mapped[str] = mapped_column(String(16))


class AgencyDecision(Base):
    """An uncertain match waiting for a person: ``candidates`` is a JSON list of agency ids."""

    __tablename__ = "agency_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    printed: Mapped[str] = mapped_column(String(200))
    candidates: Mapped[str] = mapped_column(Text, default="[]")
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=DecisionStatus.OPEN.value, index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CrossViolationRow(Base):
    """A rule broken between two reports of one agency, stored once per report it concerns."""

    __tablename__ = "cross_violations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    other_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(200))
    cells: Mapped[str] = mapped_column(Text)                         # JSON list of keys of this report
    expected: Mapped[str | None] = mapped_column(String(40), nullable=True)
    found: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
