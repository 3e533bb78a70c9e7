"""The reaper, exactly-once claims, failed-job listing and retry (API, CLI), and kept revisions."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from docfactory import MISREAD_KEY, TRUE_VALUE, bad_input_extract, fake_extract, make_png
from sqlalchemy import select, update

from service.review import review
from service.review.views import document_summary
from service.storage import Storage
from service.storage.intake import add_upload, create_batch
from service.storage.processing import process
from service.storage.reaper import REAPED_MESSAGE, failed_documents, reap
from service.storage.results import assign_job, save_extraction, start_processing
from service.storage.tables import CellRevision, DocumentRow, RevisionAction, Role, utcnow
from service.storage.users import add_user


class Recorder:
    """A job runner that only records what it was asked to run (and assigns job ids like a real one)."""

    def __init__(self, st: Storage) -> None:
        self.st, self.submitted = st, []

    def submit(self, doc_id: int) -> str:
        job_id = f"rec-{doc_id}-{len(self.submitted)}"
        assign_job(self.st, doc_id, job_id)
        self.submitted.append(doc_id)
        return job_id


def _doc(st: Storage, data: bytes = b"%PDF-1.4 reaper") -> int:
    return add_upload(st, create_batch(st, "r"), "r.pdf", io.BytesIO(data)).document_id


def _age(st: Storage, doc_id: int, seconds: float) -> None:
    past = utcnow() - timedelta(seconds=seconds)
    with st.db.session() as s:
        s.execute(update(DocumentRow).where(DocumentRow.id == doc_id)
                  .values(heartbeat_at=past, started_at=past, updated_at=past))


def test_dead_worker_is_reaped_and_its_late_result_dropped(storage: Storage) -> None:
    runner = Recorder(storage)
    doc_id = _doc(storage)
    job = runner.submit(doc_id)
    attempt = start_processing(storage, doc_id, job)      # a worker starts … and dies
    assert attempt is not None
    _age(storage, doc_id, storage.settings.reap_after_s + 1)
    report = reap(storage, runner, lambda ids: set(ids))
    assert report.dead_workers == [doc_id] and runner.submitted == [doc_id, doc_id]
    summary = document_summary(storage, doc_id)
    assert summary["status"] == "queued" and summary["error"] == REAPED_MESSAGE
    # the "dead" attempt comes back after all: its result must not be saved (claim taken away)
    assert save_extraction(storage, doc_id, fake_extract(attempt.path), claim=attempt.claim) is False
    assert start_processing(storage, doc_id, job) is None  # nor may its job start again
    assert reap(storage, runner, lambda ids: set(ids)).total == 0  # nothing is reaped twice


def test_a_slow_extraction_with_a_heartbeat_is_left_alone(storage: Storage) -> None:
    runner = Recorder(storage)
    doc_id = _doc(storage)
    start_processing(storage, doc_id, runner.submit(doc_id))
    assert reap(storage, runner, lambda ids: set()).total == 0


def test_queued_document_whose_job_vanished_is_enqueued_again(storage: Storage) -> None:
    runner = Recorder(storage)
    lost, waiting = _doc(storage, b"%PDF-1.4 lost"), _doc(storage, b"%PDF-1.4 waiting")
    for doc_id in (lost, waiting):
        runner.submit(doc_id)
        _age(storage, doc_id, storage.settings.reap_queued_after_s + 1)
    with storage.db.session() as s:
        alive = {s.scalar(select(DocumentRow.job_id).where(DocumentRow.id == waiting))}
    report = reap(storage, runner, lambda ids: alive & set(ids))
    assert report.lost_jobs == [lost] and runner.submitted[-1] == lost


def test_superseded_job_does_nothing(storage: Storage) -> None:
    doc_id = _doc(storage)
    assign_job(storage, doc_id, "old")
    assign_job(storage, doc_id, "new")
    assert process(storage, doc_id, fake_extract, job_id="old") is None
    assert process(storage, doc_id, fake_extract, job_id="new") == "review"
    assert process(storage, doc_id, fake_extract, job_id="new") is None   # a duplicate delivery
    with storage.db.session() as s:
        assert s.get(DocumentRow, doc_id).extractions == 1


def test_failed_jobs_are_listed_and_retried_over_http(app: Any, client: Any, storage: Storage,
                                                     reviewer: dict[str, Any], login: Any, tmp_path: Path) -> None:
    headers = login(client, reviewer)
    doc_id = _doc(storage)
    process(storage, doc_id, bad_input_extract)
    failed = client.get("/api/jobs/failed").get_json()["documents"]
    assert [d["id"] for d in failed] == [doc_id] and failed[0]["error"].startswith("unsupported file type")
    assert client.post(f"/api/documents/{doc_id}/retry", json={}).status_code == 403  # CSRF
    assert client.post(f"/api/documents/{doc_id}/retry", json={}, headers=headers).status_code == 200
    app.extensions["gouji"].runner.wait()
    assert document_summary(storage, doc_id)["status"] == "review"       # the fake extractor works now
    assert client.post(f"/api/documents/{doc_id}/retry", json={}, headers=headers).status_code == 422
    page = client.get(f"/batches/{document_summary(storage, doc_id)['batch_id']}").get_data(as_text=True)
    assert 'class="retry"' not in page


def test_retry_button_is_shown_for_failed_documents(client: Any, storage: Storage, reviewer: dict[str, Any],
                                                    login: Any) -> None:
    login(client, reviewer)
    doc_id = _doc(storage)
    process(storage, doc_id, bad_input_extract)
    page = client.get(f"/batches/{document_summary(storage, doc_id)['batch_id']}").get_data(as_text=True)
    assert f'class="retry" data-doc="{doc_id}"' in page and "unsupported file type" in page


def test_cli_failed_and_retry(runner: Any, storage: Storage, monkeypatch: Any) -> None:
    from service.cli import main

    monkeypatch.setenv("GOUJI_DATA_DIR", str(storage.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", storage.settings.database_url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    doc_id = _doc(storage)
    process(storage, doc_id, bad_input_extract)
    listed = runner.invoke(main, ["failed"])
    assert listed.exit_code == 0 and f"{doc_id}\tr.pdf" in listed.output and "unsupported" in listed.output
    done = runner.invoke(main, ["retry", "--all"])
    assert done.exit_code == 0, done.output
    assert document_summary(storage, doc_id)["status"] == "queued" and failed_documents(storage) == []
    assert runner.invoke(main, ["retry", str(doc_id)]).exit_code == 1   # not failed any more
    assert runner.invoke(main, ["reap"]).exit_code == 0


def test_upload_while_the_queue_is_down_keeps_the_document_queued(storage: Storage, reviewer: dict[str, Any],
                                                                 login: Any, tmp_path: Path) -> None:
    from review_ui import create_app

    class DeadQueue:
        def submit(self, doc_id: int) -> str:
            raise ConnectionError("Redis is down")

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "STORAGE": storage, "JOB_RUNNER": DeadQueue()})
    client = app.test_client()
    headers = login(client, reviewer)
    batch = client.post("/api/batches", json={"name": "b"}, headers=headers).get_json()["id"]
    png = make_png(tmp_path / "r.png")
    with png.open("rb") as fh:
        response = client.post(f"/api/batches/{batch}/documents", data={"files": (fh, "r.png")}, headers=headers)
    assert response.status_code == 201
    doc = response.get_json()["documents"][0]
    assert doc["job"] is None and document_summary(storage, doc["id"])["status"] == "queued"
    storage.settings = replace(storage.settings, reap_queued_after_s=0)
    recorder = Recorder(storage)
    assert reap(storage, recorder, lambda ids: set()).lost_jobs == [doc["id"]]


def test_revisions_survive_a_re_extraction(storage: Storage) -> None:
    user = add_user(storage.db, "bob", "password-1", Role.ADMIN)
    doc_id = _doc(storage)
    process(storage, doc_id, fake_extract)
    review.apply_edit(storage, doc_id, review.Edit(MISREAD_KEY, 1, RevisionAction.CORRECT, TRUE_VALUE, "typo"), user)
    process(storage, doc_id, fake_extract)      # reprocess: cells are replaced …
    with storage.db.session() as s:
        revisions = s.scalars(select(CellRevision).where(CellRevision.document_id == doc_id)).all()
    assert [(r.key, r.new_value, r.reason) for r in revisions] == [(MISREAD_KEY, str(TRUE_VALUE), "typo")]
    assert review.cell_history(storage, doc_id, MISREAD_KEY)[0]["user"] == "bob"   # … the history is not
