"""Table mappings of the review station (migration ``0007_reviewui_station``, revision ``0004_reviewui``).

``RepairAction``: ONE structure repair (a shift or a re-assignment): the cells it changed as they were
before (the whole ``Cell`` as JSON plus its review status) and the versions it left them at, so an
undo restores them exactly, and only while nobody has changed them since.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.storage.tables import Base, utcnow


class RepairAction(Base):
    __tablename__ = "repair_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))            # RepairKind
    row: Mapped[str] = mapped_column(String(80))             # the row acted on (t3.disclosed)
    detail: Mapped[str] = mapped_column(String(80))          # direction (shift) or target row (move)
    before_json: Mapped[str] = mapped_column(Text)           # {key: {"cell": Cell JSON, "status": str}}
    versions_json: Mapped[str] = mapped_column(Text)         # {key: version after the action}
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReportChoice(Base):
    """Which document is *the* report of an agency and year when several carry them (e.g. the
    ``.pdf`` and the ``.scan.pdf`` of one report): chosen by a reviewer, one row per agency + year."""

    __tablename__ = "report_choices"
    __table_args__ = (UniqueConstraint("agency", "year", name="uq_report_choices_agency_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    chosen_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chosen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
