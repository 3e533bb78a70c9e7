"""Measured accuracy (REVIEW_UX.md §9): a random audit sample of auto-accepted cells per batch.

``draw_sample`` picks, in every document of a batch that is in review and has no sample yet,
``max(minimum, ceil(rate × population))`` of its auto-accepted cells (status ok, source not human,
no revision), capped at the population. The choice is seeded by ``(seed, document sha256)``: the
same batch drawn with the same seed gives the same cells. Sampled cells join the document's review
order after the flagged ones; the first revision of a sampled cell (accept or correct, also by a
group confirmation or a structure repair) records the outcome. ``batch_figure`` turns the outcomes
into "N checked, M corrected → estimated residual error rate" with a 95 % Wilson upper bound.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import settings
from service.model import Source
from service.storage import Storage
from service.storage.audit_tables import AuditCell
from service.storage.errors import InvalidAction, NotFound
from service.storage.tables import Batch, CellRevision, CellRow, CellStatus, DocStatus, DocumentRow, utcnow

DEFAULT_RATE = settings.AUDIT_DEFAULT_RATE  # limits: service/settings.py
DEFAULT_MINIMUM = settings.AUDIT_DEFAULT_MINIMUM
MAX_RATE = settings.AUDIT_MAX_RATE
WILSON_Z = settings.AUDIT_WILSON_Z
AUDIT_REASON = "random audit sample of auto-accepted cells: confirm or correct"


@dataclass(frozen=True)
class SampleSpec:
    """How big the audit sample is: ``rate`` of each document's auto-accepted cells, at least
    ``minimum`` (capped at what there is); ``seed`` makes the draw reproducible (default: batch id)."""

    rate: float = DEFAULT_RATE
    minimum: int = DEFAULT_MINIMUM
    seed: str | None = None

    def size(self, population: int) -> int:
        return min(population, max(self.minimum, math.ceil(self.rate * population)))


def draw_sample(st: Storage, batch_id: int, user_id: int | None, spec: SampleSpec = SampleSpec()) -> dict[str, Any]:
    """Draw the sample in every document of the batch in review without one; returns the figure."""
    if not 0 <= spec.rate <= MAX_RATE or spec.minimum < 0:
        raise InvalidAction("rate must lie in [0, 1] and minimum must be ≥ 0")
    seed = spec.seed or str(batch_id)
    with st.db.session() as s:
        if s.get(Batch, batch_id) is None:
            raise NotFound(f"batch {batch_id} does not exist")
        sampled = set(s.scalars(select(AuditCell.document_id).where(AuditCell.batch_id == batch_id)).all())
        docs = s.scalars(select(DocumentRow).where(DocumentRow.batch_id == batch_id,
                                                   DocumentRow.status == DocStatus.REVIEW.value)
                         .order_by(DocumentRow.id)).all()
        for doc in docs:
            if doc.id not in sampled:
                _draw_document(s, doc, spec, seed, user_id)
    return batch_figure(st, batch_id)


def _draw_document(s: Session, doc: DocumentRow, spec: SampleSpec, seed: str, user_id: int | None) -> None:
    touched = set(s.scalars(select(CellRevision.key).where(CellRevision.document_id == doc.id)).all())
    eligible = [c for c in doc.cells if c.status == CellStatus.OK.value and c.source != Source.HUMAN.value
                and c.key not in touched]
    chosen = random.Random(f"{seed}:{doc.sha256}").sample(eligible, spec.size(len(eligible)))  # noqa: S311
    for cell in sorted(chosen, key=lambda c: c.position):
        s.add(AuditCell(batch_id=doc.batch_id, document_id=doc.id, cell_id=cell.id, key=cell.key, seed=seed,
                        population=len(eligible), value_at_draw=cell.value, drawn_by=user_id))


def pending_keys(s: Session, doc_id: int) -> list[str]:
    """Sampled cells of a document still to be checked (in reading order)."""
    stmt = (select(CellRow.key).join(AuditCell, AuditCell.cell_id == CellRow.id)
            .where(AuditCell.document_id == doc_id, AuditCell.checked_at.is_(None),
                   CellRow.status == CellStatus.OK.value)
            .order_by(CellRow.position))
    return list(s.scalars(stmt).all())


def record_check(s: Session, cell: CellRow, old: str | None, new: str | None, user_id: int) -> None:
    """Called for every revision: the first one of a sampled cell is its audit outcome."""
    row = s.scalar(select(AuditCell).where(AuditCell.cell_id == cell.id, AuditCell.checked_at.is_(None)))
    if row is None:
        return
    row.checked_at, row.checked_by = utcnow(), user_id
    row.corrected, row.new_value = old != new, new


def batch_figure(st: Storage, batch_id: int) -> dict[str, Any]:
    """``{sampled, checked, corrected, population, rate, upper95, text}`` for one batch."""
    with st.db.session() as s:
        if s.get(Batch, batch_id) is None:
            raise NotFound(f"batch {batch_id} does not exist")
        rows = s.scalars(select(AuditCell).where(AuditCell.batch_id == batch_id)).all()
        population = sum({r.document_id: r.population for r in rows}.values())
    checked = [r for r in rows if r.checked_at is not None]
    corrected = sum(1 for r in checked if r.corrected)
    rate = corrected / len(checked) if checked else None
    upper = wilson_upper(corrected, len(checked)) if checked else None
    return {"batch_id": batch_id, "sampled": len(rows), "checked": len(checked), "corrected": corrected,
            "population": population, "documents": len({r.document_id for r in rows}),
            "rate": rate, "upper95": upper, "text": figure_text(len(rows), len(checked), corrected, rate, upper)}


def wilson_upper(errors: int, n: int, z: float = WILSON_Z) -> float:
    """Upper end of the Wilson score interval for ``errors / n`` (honest even when ``errors`` is 0)."""
    p = errors / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return min(1.0, (centre + margin) / (1 + z * z / n))


def figure_text(sampled: int, checked: int, corrected: int, rate: float | None, upper: float | None) -> str:
    if not sampled:
        return "audit: no sample drawn yet"
    if rate is None or upper is None:
        return f"audit: 0 of {sampled} sampled cells checked yet"
    return (f"audit: {checked} checked, {corrected} corrected → estimated residual error rate "
            f"{100 * rate:.2f} % (95 % upper bound {100 * upper:.2f} %; {sampled - checked} still to check)")
