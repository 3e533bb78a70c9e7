"""The review database, as SQLAlchemy 2 typed ORM tables (schema owned by the Alembic migrations).

Invariants:
- a document is unique per ``(batch_id, sha256)``: re-uploading the same bytes into a batch is a no-op;
- a cell is unique per ``(document_id, key)``; ``version`` starts at 1 and grows by one on every
  human change (optimistic locking: a write names the version it read);
- numbers are stored as canonical decimal *text* (``"18"``, ``"3.2500"``) so that no database
  rounds a fee; ``None`` means blank/unreadable, never 0;
- every time is timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    REVIEWER = "reviewer"
    ADMIN = "admin"


class DocStatus(StrEnum):
    """Life of a document: queued → processing → review → approved | rejected; or → error."""

    QUEUED = "queued"
    PROCESSING = "processing"
    ERROR = "error"          # bad input (its message says why) or a job that failed every retry
    REVIEW = "review"        # extracted; waits for a person
    APPROVED = "approved"
    REJECTED = "rejected"


class CellStatus(StrEnum):
    OK = "ok"                # not flagged, not touched by a person
    FLAGGED = "flagged"      # must be seen by a person
    ACCEPTED = "accepted"    # a person confirmed the value as read
    CORRECTED = "corrected"  # a person typed a different value


class RevisionAction(StrEnum):
    CORRECT = "correct"
    ACCEPT = "accept"
    REPORT = "report"     # an edit of the report's agency/year (key ``report.<field>``)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.REVIEWER.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # bump = log out
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    documents: Mapped[list[DocumentRow]] = relationship(back_populates="batch")


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("batch_id", "sha256", name="uq_documents_batch_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=DocStatus.QUEUED.value, index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)          # percent, 0–100
    stage: Mapped[str] = mapped_column(String(40), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    agency: Mapped[str | None] = mapped_column(String(200), nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    format: Mapped[str | None] = mapped_column(String(8), nullable=True)
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    dpi: Mapped[int | None] = mapped_column(Integer, nullable=True)
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    violation_count: Mapped[int] = mapped_column(Integer, default=0)
    doc_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # Document minus cells/violations
    decision_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decision_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    lock_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    lock_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)      # the job allowed to extract
    claim: Mapped[str | None] = mapped_column(String(32), nullable=True)       # the running attempt's token
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    extractions: Mapped[int] = mapped_column(Integer, default=0)  # committed extraction results

    batch: Mapped[Batch] = relationship(back_populates="documents")
    cells: Mapped[list[CellRow]] = relationship(
        back_populates="document", order_by="CellRow.position", cascade="all, delete-orphan")
    violations: Mapped[list[ViolationRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan")


class CellRow(Base):
    __tablename__ = "cells"
    __table_args__ = (UniqueConstraint("document_id", "key", name="uq_cells_document_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)                  # reading order within the report
    value: Mapped[str | None] = mapped_column(String(40), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bbox: Mapped[str | None] = mapped_column(String(120), nullable=True)  # JSON [x0, y0, x1, y1]
    flags: Mapped[str] = mapped_column(String(400), default="")      # comma-separated Flag values
    reasons: Mapped[str] = mapped_column(Text, default="[]")         # JSON list of strings
    suggestion: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=CellStatus.OK.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    document: Mapped[DocumentRow] = relationship(back_populates="cells")


class ViolationRow(Base):
    __tablename__ = "violations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(200))
    cells: Mapped[str] = mapped_column(Text)                         # JSON list of keys
    expected: Mapped[str | None] = mapped_column(String(40), nullable=True)
    found: Mapped[str | None] = mapped_column(String(40), nullable=True)
    kind: Mapped[str] = mapped_column(String(20), default="identity", server_default="identity")

    document: Mapped[DocumentRow] = relationship(back_populates="violations")


class CellRevision(Base):
    """One human change of one cell: who, when, old → new, why. Never updated or deleted."""

    __tablename__ = "cell_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id", ondelete="SET NULL"), index=True,
                                                nullable=True)  # NULL once a re-extraction dropped the cell
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(16))
    old_value: Mapped[str | None] = mapped_column(String(40), nullable=True)
    new_value: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)                    # the cell's version after the change
