"""``gouji worker`` stops promptly on SIGTERM, idle or busy, and the busy document is not lost.

Before: idle, RQ's handler raised ``StopRequested`` inside the blocking dequeue and the worker went
on (``docker compose stop`` ended in SIGKILL after 60 s); busy, RQ waits for the job to finish.
"""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path

from conftest import make_storage
from rqharness import private_queue
from sqlalchemy import select

from service.storage.intake import add_upload, create_batch
from service.storage.tables import DocStatus, DocumentRow

STOP_WITHIN_S = 10
ENV = {"GOUJI_EXTRACTOR": "docfactory:timed_fake_extract", "GOUJI_FAKE_DELAY_S": "60", "GOUJI_JOB_RETRY_S": "0,0",
       "GOUJI_HEARTBEAT_S": "0.5", "GOUJI_REAP_AFTER_S": "3", "GOUJI_REAP_QUEUED_AFTER_S": "3",
       "GOUJI_REAP_INTERVAL_S": "1", "GOUJI_QUEUE": "stop"}


def _stop_seconds(proc: object) -> float:
    start = time.monotonic()
    os.kill(proc.pid, signal.SIGTERM)  # type: ignore[attr-defined]
    try:
        proc.wait(timeout=STOP_WITHIN_S + 20)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - reported as a too-long stop below
        return float("inf")
    return time.monotonic() - start


def _wait_idle(redis_url: str, pid: int) -> None:
    """Until the RQ worker of process ``pid`` is registered and idle (its signal handlers are in)."""
    from redis import Redis
    from rq import Worker

    conn = Redis.from_url(redis_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(w.pid == pid and w.get_state() == "idle" for w in Worker.all(connection=conn)):
            time.sleep(1)  # well inside its blocking dequeue
            return
        time.sleep(0.1)
    raise AssertionError("the worker never became idle")


def _status(st: object, doc_id: int) -> str:
    with st.db.session() as s:  # type: ignore[attr-defined]
        return str(s.scalar(select(DocumentRow.status).where(DocumentRow.id == doc_id)))


def test_idle_and_busy_workers_stop_promptly(tmp_path: Path) -> None:
    from workers.queue import RQRunner

    st = make_storage(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'gouji.db'}")
    env = {"GOUJI_DATA_DIR": str(st.settings.data_dir), "DATABASE_URL": st.settings.database_url, **ENV}
    try:
        with private_queue(tmp_path, env, workers=1) as q:
            pool = q["pool"]
            idle = pool.alive()[0]
            _wait_idle(q["redis"].url, idle.pid)  # registered and blocked waiting for a job
            idle_s = _stop_seconds(idle)
            assert idle_s < STOP_WITHIN_S, f"idle worker took {idle_s:.1f} s to stop"

            busy = pool.start(1)[0]
            settings = st.settings.__class__.from_env(st.settings.data_dir, database_url=st.settings.database_url,
                                                      redis_url=q["redis"].url, queue_name="stop",
                                                      job_retry_intervals_s=(0, 0))
            up = add_upload(st, create_batch(st, "stop"), "long.pdf", io.BytesIO(b"%PDF-1.4 long job"))
            RQRunner(settings, storage=st).submit(up.document_id)
            deadline = time.monotonic() + 30
            while _status(st, up.document_id) != DocStatus.PROCESSING.value and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _status(st, up.document_id) == DocStatus.PROCESSING.value
            busy_s = _stop_seconds(busy)
            assert busy_s < STOP_WITHIN_S, f"busy worker took {busy_s:.1f} s to stop"
            print(f"SIGTERM → exit: idle {idle_s:.1f} s, busy {busy_s:.1f} s")

            pool.env["GOUJI_FAKE_DELAY_S"] = "0.1"
            pool.start(1)  # the replacement finishes the interrupted document
            deadline = time.monotonic() + 60
            while _status(st, up.document_id) != DocStatus.REVIEW.value and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _status(st, up.document_id) == DocStatus.REVIEW.value
    finally:
        st.close()


def test_work_horse_memory_is_capped(tmp_path: Path) -> None:
    """A job that wants 1 GiB under ``GOUJI_WORKER_MEMORY_MB=300`` fails for good on its first attempt
    (retries left but unused: the file needs more memory than the limit), the worker lives."""
    from workers.queue import RQRunner

    st = make_storage(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'gouji.db'}")
    env = {"GOUJI_DATA_DIR": str(st.settings.data_dir), "DATABASE_URL": st.settings.database_url,
           **ENV, "GOUJI_EXTRACTOR": "hostile:hog_extract", "GOUJI_WORKER_MEMORY_MB": "300"}
    try:
        with private_queue(tmp_path, env, workers=1) as q:
            settings = st.settings.__class__.from_env(st.settings.data_dir, database_url=st.settings.database_url,
                                                      redis_url=q["redis"].url, queue_name="stop",
                                                      job_retry_intervals_s=(0, 0))
            up = add_upload(st, create_batch(st, "hog"), "hog.pdf", io.BytesIO(b"%PDF-1.4 hog"))
            RQRunner(settings, storage=st).submit(up.document_id)
            deadline = time.monotonic() + 60
            while _status(st, up.document_id) != DocStatus.ERROR.value and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)  # a retry (the bug) would have set it back to queued by now
            with st.db.session() as s:
                error, attempts = s.execute(select(DocumentRow.error, DocumentRow.attempts)
                                            .where(DocumentRow.id == up.document_id)).one()
            assert _status(st, up.document_id) == DocStatus.ERROR.value, error
            assert (error, attempts) == ("the file needs more memory than the limit of 300 MB", 1)
            assert len(q["pool"].alive()) == 1
    finally:
        st.close()
