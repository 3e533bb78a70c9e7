"""The reaper: documents whose job died or vanished go back to the queue; failed ones are retried.

The database is the source of truth, the queue only a delivery mechanism. Two kinds of orphans:

- *processing* with no heartbeat for ``settings.reap_after_s``: the worker died (SIGKILL, OOM, lost
  machine). Its claim is taken away (so a late result is dropped) and the document is submitted again.
- *queued* for ``settings.reap_queued_after_s`` while its job is not alive in the queue (Redis was
  restarted without persistence, the enqueue failed, a failed job expired): submitted again.

Every change is a conditional UPDATE on the values just read, so any number of reapers (one per
``gouji worker``) can run at once and a document is resubmitted at most once per orphaning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from service.storage import Storage
from service.storage.errors import InvalidAction, NotFound
from service.storage.processing import JobRunner
from service.storage.tables import DocStatus, DocumentRow, utcnow

log = logging.getLogger(__name__)
JobsAlive = Callable[[list[str]], set[str]]   # job ids → the ones still queued/scheduled/running
REAPED_MESSAGE = "worker lost during extraction; requeued"


@dataclass
class ReapReport:
    """Documents resubmitted by one pass of the reaper."""

    dead_workers: list[int] = field(default_factory=list)
    lost_jobs: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.dead_workers) + len(self.lost_jobs)


def reap(st: Storage, runner: JobRunner | None, jobs_alive: JobsAlive | None = None,
         now: datetime | None = None) -> ReapReport:
    """One pass. ``runner=None`` only resets orphans to queued (a later ``serve`` start resumes them);
    ``jobs_alive=None`` treats every job id as gone (no queue to ask)."""
    now = now or utcnow()
    report = ReapReport()
    for doc_id in _take_dead(st, now - timedelta(seconds=st.settings.reap_after_s)):
        report.dead_workers.append(doc_id)
        _submit(runner, doc_id)
    for doc_id in _take_lost(st, now - timedelta(seconds=st.settings.reap_queued_after_s), jobs_alive):
        report.lost_jobs.append(doc_id)
        _submit(runner, doc_id)
    if report.total:
        log.warning("reaper: requeued %d documents of dead workers %s and %d with lost jobs %s",
                    len(report.dead_workers), report.dead_workers, len(report.lost_jobs), report.lost_jobs)
    return report


def _submit(runner: JobRunner | None, doc_id: int) -> None:
    if runner is None:
        return
    try:
        runner.submit(doc_id)
    except Exception:  # the queue is down: the document stays queued and the next pass tries again
        log.warning("reaper: could not enqueue document %s", doc_id, exc_info=True)


def _take_dead(st: Storage, cutoff: datetime) -> list[int]:
    beat = func.coalesce(DocumentRow.heartbeat_at, DocumentRow.started_at, DocumentRow.updated_at)
    with st.db.session() as s:
        rows = s.execute(select(DocumentRow.id, DocumentRow.claim).where(
            DocumentRow.status == DocStatus.PROCESSING.value, beat < cutoff)).all()
    taken = []
    for doc_id, claim in rows:
        with st.db.session() as s:
            stmt = update(DocumentRow).where(DocumentRow.id == doc_id,
                                             DocumentRow.status == DocStatus.PROCESSING.value,
                                             _same(DocumentRow.claim, claim), beat < cutoff)
            done = s.execute(stmt.values(status=DocStatus.QUEUED.value, claim=None, job_id=None,
                                         stage="queued", error=REAPED_MESSAGE, updated_at=utcnow()))
            if done.rowcount:  # type: ignore[attr-defined]
                taken.append(doc_id)
    return taken


def _take_lost(st: Storage, cutoff: datetime, jobs_alive: JobsAlive | None) -> list[int]:
    with st.db.session() as s:
        rows = s.execute(select(DocumentRow.id, DocumentRow.job_id).where(
            DocumentRow.status == DocStatus.QUEUED.value, DocumentRow.updated_at < cutoff)
            .order_by(DocumentRow.id)).all()
    ids = [job for _, job in rows if job]
    alive = jobs_alive(ids) if (jobs_alive and ids) else set()
    taken = []
    for doc_id, job_id in rows:
        if job_id in alive:
            continue
        with st.db.session() as s:
            stmt = update(DocumentRow).where(DocumentRow.id == doc_id, DocumentRow.status == DocStatus.QUEUED.value,
                                             _same(DocumentRow.job_id, job_id))
            if s.execute(stmt.values(job_id=None, updated_at=utcnow())).rowcount:  # type: ignore[attr-defined]
                taken.append(doc_id)
    return taken


def _same(column: Any, value: object) -> Any:
    return column.is_(None) if value is None else column == value


def failed_documents(st: Storage, batch_id: int | None = None) -> list[dict[str, Any]]:
    """Documents whose extraction ended in error, newest first, with the error and the attempts."""
    stmt = select(DocumentRow).where(DocumentRow.status == DocStatus.ERROR.value)
    if batch_id is not None:
        stmt = stmt.where(DocumentRow.batch_id == batch_id)
    with st.db.session() as s:
        rows = s.scalars(stmt.order_by(DocumentRow.updated_at.desc(), DocumentRow.id.desc())).all()
        return [{"id": r.id, "batch_id": r.batch_id, "filename": r.filename, "error": r.error,
                 "attempts": r.attempts, "updated_at": r.updated_at.isoformat()} for r in rows]


def retry(st: Storage, runner: JobRunner | None, doc_ids: Iterable[int]) -> list[int]:
    """Send failed documents (status error) back to the queue; returns those resubmitted.

    Raises ``NotFound`` for an unknown id and ``InvalidAction`` for a document that did not fail."""
    done = []
    for doc_id in doc_ids:
        with st.db.session() as s:
            row = s.get(DocumentRow, doc_id)
            if row is None:
                raise NotFound(f"document {doc_id} does not exist")
            if row.status != DocStatus.ERROR.value:
                raise InvalidAction(f"document {doc_id} is {row.status}; only failed documents are retried")
            row.status, row.stage, row.progress, row.claim, row.job_id = DocStatus.QUEUED.value, "queued", 0, None, None
            row.error = None
        _submit(runner, doc_id)
        done.append(doc_id)
    return done
