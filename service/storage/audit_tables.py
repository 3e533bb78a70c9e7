"""Table mapping of the audit sample (migration 0003): kept apart from ``tables.py``.

A row is one auto-accepted cell (status ok, never touched by a person) drawn into a batch's random
audit sample. ``checked_at``/``checked_by``/``corrected``/``new_value`` are filled the first time a
reviewer confirms or corrects the cell (any revision of it), so the batch's measured residual error
rate is ``corrected / checked``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.storage.tables import Base, utcnow


class AuditCell(Base):
    __tablename__ = "audit_cells"
    __table_args__ = (UniqueConstraint("cell_id", name="uq_audit_cells_cell"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("cells.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    seed: Mapped[str] = mapped_column(String(80))
    population: Mapped[int] = mapped_column(Integer)          # auto-accepted cells of the document at draw
    value_at_draw: Mapped[str | None] = mapped_column(String(40), nullable=True)
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    drawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    corrected: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    new_value: Mapped[str | None] = mapped_column(String(40), nullable=True)
