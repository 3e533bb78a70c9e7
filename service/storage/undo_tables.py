"""Table mapping of undoable row repairs (migration ``0004_reviewui_repair_actions``).

A row is ONE structure repair (a shift or a re-assignment): the cells it changed as they were
before (the whole ``Cell`` as JSON plus its review status) and the versions it left them at, so an
undo restores them exactly, and only while nobody has changed them since.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
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
