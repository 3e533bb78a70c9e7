"""Extraction jobs: in-process thread runner and RQ on a real Redis (skipped only if unreachable)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import require
from docfactory import bad_input_extract, fake_extract, flaky_extract

from service.review.views import document_summary
from service.storage import Storage
from service.storage.intake import add_upload, create_batch
from service.storage.processing import process
from workers.inprocess import ThreadRunner

REDIS_URL = "redis://127.0.0.1:6379/15"


def _upload(st: Storage, data: bytes = b"%PDF-1.4 x") -> int:
    """A queued document (uploads are judged by content: the bytes start like a PDF)."""
    data = data if data.startswith(b"%PDF-") else b"%PDF-1.4 " + data
    return add_upload(st, create_batch(st, "jobs"), "r.pdf", io.BytesIO(data)).document_id


def test_process_saves_a_document_for_review(storage: Storage) -> None:
    doc_id = _upload(storage)
    assert process(storage, doc_id, fake_extract) == "review"
    summary = document_summary(storage, doc_id)
    assert (summary["status"], summary["progress"], summary["flag_count"]) == ("review", 100, 1)


def test_bad_input_ends_as_error_with_its_message(storage: Storage) -> None:
    doc_id = _upload(storage)
    assert process(storage, doc_id, bad_input_extract) == "error"
    summary = document_summary(storage, doc_id)
    assert summary["status"] == "error" and summary["error"].startswith("unsupported file type")


def test_crash_is_reraised_and_queued_for_retry(storage: Storage) -> None:
    doc_id = _upload(storage, b"crash-once")
    with pytest.raises(RuntimeError):
        process(storage, doc_id, flaky_extract, final_attempt=False)
    assert document_summary(storage, doc_id)["status"] == "queued"


def test_thread_runner_retries_then_succeeds(storage: Storage) -> None:
    runner = ThreadRunner(storage, flaky_extract)
    doc_id = _upload(storage, b"flaky in thread")
    runner.submit(doc_id)
    runner.wait()
    runner.shutdown()
    summary = document_summary(storage, doc_id)
    assert summary["status"] == "review" and summary["attempts"] == 2


# --- RQ --------------------------------------------------------------------------------------------
@pytest.fixture
def redis_conn() -> Iterator[Any]:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    conn = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        conn.ping()
    except RedisConnectionError as exc:
        require(False, f"Redis unreachable: {exc}")
    yield conn
    conn.close()


@pytest.fixture
def rq_storage(storage: Storage, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Storage:
    """The worker reads its settings from the environment, exactly like ``gouji worker``."""
    monkeypatch.setenv("GOUJI_DATA_DIR", str(storage.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", storage.settings.database_url)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("GOUJI_EXTRACTOR", "docfactory:fake_extract")
    storage.settings = replace(storage.settings, redis_url=REDIS_URL, queue_name=f"gouji-test-{uuid.uuid4().hex}",
                               job_retry_intervals_s=(0, 0))
    return storage


def _work(storage: Storage, conn: Any) -> None:
    from rq import Queue, SimpleWorker

    queue = Queue(storage.settings.queue_name, connection=conn)
    SimpleWorker([queue], connection=conn).work(burst=True)


def _enqueue_upload(storage: Storage, conn: Any) -> tuple[int, str]:
    """Upload a document and enqueue its RQ job: (document id, job id)."""
    from workers.queue import RQRunner

    doc_id = _upload(storage)
    return doc_id, RQRunner(storage.settings, conn).submit(doc_id)


def test_rq_job_extracts_a_document(rq_storage: Storage, redis_conn: Any) -> None:
    from rq.job import Job

    doc_id, job_id = _enqueue_upload(rq_storage, redis_conn)
    job = Job.fetch(job_id, connection=redis_conn)
    assert job.timeout == rq_storage.settings.job_timeout_s and job.retries_left == 2
    assert job.failure_ttl == rq_storage.settings.job_failure_ttl_s
    _work(rq_storage, redis_conn)
    assert document_summary(rq_storage, doc_id)["status"] == "review"
    assert job.get_status(refresh=True) == "finished"


def test_rq_bad_input_is_a_document_error_not_a_failed_job(
        rq_storage: Storage, redis_conn: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rq.job import Job

    monkeypatch.setenv("GOUJI_EXTRACTOR", "docfactory:bad_input_extract")
    doc_id, job_id = _enqueue_upload(rq_storage, redis_conn)
    _work(rq_storage, redis_conn)
    assert document_summary(rq_storage, doc_id)["status"] == "error"
    assert Job.fetch(job_id, connection=redis_conn).get_status() == "finished"


def test_rq_retries_a_crash_then_fails_for_good(
        rq_storage: Storage, redis_conn: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rq.job import Job

    monkeypatch.setenv("GOUJI_EXTRACTOR", "docfactory:always_crash")
    doc_id, job_id = _enqueue_upload(rq_storage, redis_conn)
    _work(rq_storage, redis_conn)
    summary = document_summary(rq_storage, doc_id)
    assert summary["status"] == "error" and summary["attempts"] == 3
    assert "engine crashed for good" in summary["error"]
    assert Job.fetch(job_id, connection=redis_conn).get_status() == "failed"


def test_thread_runner_resumes_unfinished_documents(storage: Storage) -> None:
    doc_id = _upload(storage, b"left behind by a crash")
    runner = ThreadRunner(storage, fake_extract)
    assert runner.resume() == 1
    runner.wait()
    runner.shutdown()
    assert document_summary(storage, doc_id)["status"] == "review"
