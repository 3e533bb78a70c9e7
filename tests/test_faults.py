"""Faults: a batch processed by 2 real ``gouji worker`` processes on a private Redis while one
worker is SIGKILLed mid-job and Redis is restarted without persistence. Every document must end
extracted exactly once, with all its cells, and no reader may ever see a half-written document.

The default run uses 40 documents; ``pytest -m slow`` runs 200 (on SQLite and PostgreSQL).
"""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import make_storage
from rqharness import current_job_of, private_queue
from sqlalchemy import func, select

from service.formats import all_keys
from service.storage import Storage
from service.storage.intake import add_upload, create_batch
from service.storage.tables import CellRow, DocStatus, DocumentRow

CELLS = len(all_keys())
WORKER_ENV = {"GOUJI_EXTRACTOR": "docfactory:timed_fake_extract", "GOUJI_FAKE_DELAY_S": "0.15",
              "GOUJI_JOB_RETRY_S": "0,0", "GOUJI_HEARTBEAT_S": "0.5", "GOUJI_REAP_AFTER_S": "3",
              "GOUJI_REAP_QUEUED_AFTER_S": "3", "GOUJI_REAP_INTERVAL_S": "1"}
DEADLINE_S = 600


def torn_rows(rows: list[tuple[int, str, int]]) -> list[tuple[int, str, int]]:
    """The (document, status, cell count) rows a reader must never see: a document in review without
    all its cells, or a half-written one (neither 0 nor all cells) in ANY status."""
    return [(doc_id, status, cells) for doc_id, status, cells in rows
            if cells not in (0, CELLS) or (status == DocStatus.REVIEW.value and cells != CELLS)]


class Watcher(threading.Thread):
    """Polls the database like a reviewer would; ``error`` holds what killed the thread, if anything."""

    def __init__(self, st: Storage) -> None:
        super().__init__(daemon=True)
        self.st, self.stop, self.checks, self.torn = st, threading.Event(), 0, []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.wait(0.05):
                with self.st.db.snapshot() as s:
                    rows = s.execute(select(DocumentRow.id, DocumentRow.status, func.count(CellRow.id))
                                     .join(CellRow, CellRow.document_id == DocumentRow.id, isouter=True)
                                     .group_by(DocumentRow.id, DocumentRow.status)).all()
                self.checks += len(rows)
                self.torn.extend(torn_rows([tuple(r) for r in rows]))
        except BaseException as exc:  # noqa: BLE001 - recorded and asserted on by the test
            self.error = exc


def _counts(st: Storage) -> dict[str, int]:
    with st.db.session() as s:
        return dict(s.execute(select(DocumentRow.status, func.count()).group_by(DocumentRow.status)).all())


def run_fault_batch(st: Storage, tmp: Path, documents: int) -> dict[str, Any]:
    """Upload ``documents`` reports, process them under faults; returns the figures."""
    from workers.queue import RQRunner

    env = {"GOUJI_DATA_DIR": str(st.settings.data_dir), "DATABASE_URL": st.settings.database_url,
           "GOUJI_QUEUE": "faults", **WORKER_ENV}
    watcher = Watcher(st)
    with private_queue(tmp, env, workers=2) as q:
        redis, pool = q["redis"], q["pool"]
        settings = st.settings.__class__.from_env(st.settings.data_dir, database_url=st.settings.database_url,
                                                  redis_url=redis.url, queue_name="faults",
                                                  job_retry_intervals_s=(0, 0))
        runner = RQRunner(settings, storage=st)
        batch = create_batch(st, "faults")
        ids = []
        start = time.monotonic()
        for i in range(documents):
            kind = "slow" if i % 10 == 5 else "fast"  # a slow one (2 s) is surely killed mid-extraction
            up = add_upload(st, batch, f"{kind}-{i}.pdf", io.BytesIO(f"%PDF-1.4 {kind} report {i}".encode()))
            runner.submit(up.document_id)
            ids.append(up.document_id)
        watcher.start()
        killed_doc, killed_at, restarted_at = None, None, None
        while time.monotonic() - start < DEADLINE_S:
            counts = _counts(st)
            done = counts.get(DocStatus.REVIEW.value, 0) + counts.get(DocStatus.ERROR.value, 0)
            if killed_doc is None and done >= documents // 5:
                killed_doc = _kill_mid_job(pool, redis.url, st)
                killed_at = time.monotonic() - start
                pool.start(1)  # the supervisor (systemd, compose) starts a replacement
            elif killed_doc is not None and restarted_at is None and done >= documents // 2:
                redis.restart()
                restarted_at = time.monotonic() - start
            if done == documents and restarted_at is not None:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - start
        watcher_alive = watcher.is_alive()
        watcher.stop.set()
        watcher.join()
        survivors = len(pool.alive())
    with st.db.session() as s:
        rows = s.execute(select(DocumentRow.id, DocumentRow.status, DocumentRow.extractions, DocumentRow.attempts,
                                func.count(CellRow.id))
                         .join(CellRow, CellRow.document_id == DocumentRow.id, isouter=True)
                         .where(DocumentRow.id.in_(ids))
                         .group_by(DocumentRow.id, DocumentRow.status, DocumentRow.extractions,
                                   DocumentRow.attempts)).all()
    by_id = {r[0]: r for r in rows}
    return {
        "documents": documents, "seconds": round(elapsed, 1), "docs_per_s": round(documents / elapsed, 2),
        "killed_doc": killed_doc, "killed_at_s": round(killed_at or -1, 1),
        "redis_restarted_at_s": round(restarted_at or -1, 1),
        "statuses": _counts(st), "not_review": [r[0] for r in rows if r[1] != DocStatus.REVIEW.value],
        "extractions_not_1": [r[0] for r in rows if r[2] != 1],
        "cells_not_200": [r[0] for r in rows if r[4] != CELLS],
        "retried": sum(1 for r in rows if r[3] > 1), "max_attempts": max(r[3] for r in rows),
        "killed_doc_attempts": by_id[killed_doc][3] if killed_doc in by_id else None,
        "reader_checks": watcher.checks, "torn_reads": watcher.torn,
        "watcher_alive": watcher_alive, "watcher_error": repr(watcher.error) if watcher.error else None,
        "workers_alive_at_end": survivors,
    }


def _kill_mid_job(pool: Any, redis_url: str, st: Storage) -> int:
    """SIGKILL (with its work horse) the first worker caught extracting a slow document; that document."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for proc in pool.alive():
            job_id = current_job_of(redis_url, proc.pid)
            if not job_id:
                continue
            with st.db.session() as s:
                doc_id = s.scalar(select(DocumentRow.id).where(
                    DocumentRow.job_id == job_id, DocumentRow.status == DocStatus.PROCESSING.value,
                    DocumentRow.filename.startswith("slow-")))
            if doc_id is None:  # dequeued but not yet extracting: not "mid-job" yet
                continue
            pool.kill(proc)
            return int(doc_id)
        time.sleep(0.02)
    raise AssertionError("no worker was ever seen in the middle of a job")


def _check(figures: dict[str, Any]) -> None:
    print(json.dumps(figures))
    assert figures["killed_doc"] is not None and figures["redis_restarted_at_s"] > 0
    assert figures["not_review"] == [], figures
    assert figures["extractions_not_1"] == [], figures     # each result committed exactly once
    assert figures["cells_not_200"] == [], figures          # no lost or duplicate cells
    assert figures["watcher_alive"] and figures["watcher_error"] is None, figures  # the reader really ran
    assert figures["reader_checks"] > figures["documents"], figures
    assert figures["torn_reads"] == [], figures             # never a half-written document
    assert figures["killed_doc_attempts"] >= 2, figures     # the orphan was requeued and redone
    assert figures["workers_alive_at_end"] == 2, figures    # the survivor rode out the Redis restart


def test_torn_reads_are_seen_in_every_status() -> None:
    rows = [(1, "review", CELLS), (2, "processing", 0), (3, "processing", CELLS), (4, "processing", 17),
            (5, "queued", 1), (6, "review", 0), (7, "error", 199)]
    assert [r[0] for r in torn_rows(rows)] == [4, 5, 6, 7]


def test_a_dead_watcher_is_reported(tmp_path: Path) -> None:
    class Broken:
        class db:  # noqa: N801 - stands in for Storage.db
            @staticmethod
            def snapshot() -> Any:
                raise RuntimeError("database gone")

    watcher = Watcher(Broken())  # type: ignore[arg-type]
    watcher.start()
    watcher.join(5)
    assert not watcher.is_alive() and isinstance(watcher.error, RuntimeError)


def test_faults_40_documents(tmp_path: Path) -> None:
    st = make_storage(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'gouji.db'}")
    try:
        _check(run_fault_batch(st, tmp_path, 40))
    finally:
        st.close()


@pytest.mark.slow
def test_faults_200_documents(tmp_path: Path, db_url: str) -> None:
    st = make_storage(tmp_path / "data", db_url)
    try:
        _check(run_fault_batch(st, tmp_path, 200))
    finally:
        st.close()
