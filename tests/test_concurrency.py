"""Concurrency: two reviewers on one cell, exports that read one snapshot while reviews go on, and
export re-runs that change nothing. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import pytest
from docfactory import MISREAD_KEY, TRUE_VALUE, make_document

import service.export.records as records
from service.export import ExportFormat, export_file, export_to_database
from service.review import locks, review
from service.storage import Storage
from service.storage.errors import Conflict
from service.storage.intake import add_upload, create_batch
from service.storage.results import save_extraction, start_processing
from service.storage.tables import RevisionAction, Role
from service.storage.users import add_user


def _doc(st: Storage, batch: int, name: str) -> int:
    up = add_upload(st, batch, f"{name}.pdf", io.BytesIO(f"%PDF-1.4 {name}".encode()))
    start_processing(st, up.document_id)
    save_extraction(st, up.document_id, make_document("x.pdf", up.sha256))
    return up.document_id


def _race(*actions: Any) -> list[Any]:
    """Run the actions at the same instant in threads; each result or the exception it raised."""
    barrier, results = threading.Barrier(len(actions)), [None] * len(actions)

    def run(i: int, action: Any) -> None:
        barrier.wait()
        try:
            results[i] = action()
        except Exception as exc:  # the outcome under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_tabs_saving_the_same_cell_version_one_wins(any_storage: Storage) -> None:
    st = any_storage
    user = add_user(st.db, "alice", "long-enough-pw", Role.REVIEWER)
    doc_id = _doc(st, create_batch(st, "c"), "tabs")
    for round_ in range(5):
        version = review.cell_history(st, doc_id, MISREAD_KEY)[-1]["version"] if round_ else 1
        edits = [review.Edit(MISREAD_KEY, version, RevisionAction.CORRECT, TRUE_VALUE + v, f"tab {v}") for v in (0, 1)]
        results = _race(*(lambda e=e: review.apply_edit(st, doc_id, e, user) for e in edits))
        assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    assert len(review.cell_history(st, doc_id, MISREAD_KEY)) == 5     # every saved edit is in the history


def test_second_reviewer_cannot_overwrite_while_the_first_holds_the_lease(any_storage: Storage) -> None:
    st = any_storage
    alice = add_user(st.db, "alice", "long-enough-pw", Role.REVIEWER)
    bob = add_user(st.db, "bob", "long-enough-pw", Role.REVIEWER)
    doc_id = _doc(st, create_batch(st, "c"), "lease")
    locks.acquire(st, doc_id, alice)
    with pytest.raises(Conflict, match="alice is reviewing"):
        review.apply_edit(st, doc_id, review.Edit(MISREAD_KEY, 1, RevisionAction.ACCEPT), bob)
    assert review.apply_edit(st, doc_id, review.Edit(MISREAD_KEY, 1, RevisionAction.ACCEPT), alice) == 2


@pytest.fixture
def two_approved(any_storage: Storage) -> dict[str, Any]:
    st = any_storage
    admin = add_user(st.db, "root", "long-enough-pw", Role.ADMIN)
    batch = create_batch(st, "snap")
    ids = [_doc(st, batch, name) for name in ("first", "second")]
    for doc_id in ids:
        review.apply_edit(st, doc_id, review.Edit(MISREAD_KEY, 1, RevisionAction.CORRECT, TRUE_VALUE), admin)
        review.approve(st, doc_id, admin)
    return {"st": st, "admin": admin, "ids": ids}


def test_export_reads_one_snapshot_while_reviews_go_on(two_approved: dict[str, Any], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Between reading the first and the second document, a reviewer reopens and changes the second
    one and approves it again: the export still shows the state of its start, not a mix."""
    st, admin, (first, second) = two_approved["st"], two_approved["admin"], two_approved["ids"]
    before = export_file(st, ExportFormat.LONG_CSV, path=tmp_path / "before.csv").path.read_bytes()
    original, calls = records._approved, []

    def concurrent_review() -> None:
        review.reopen(st, second, admin)
        review.apply_edit(st, second, review.Edit(MISREAD_KEY, 2, RevisionAction.CORRECT, 999, "late"), admin)
        review.approve(st, second, admin, "changed during the export")

    def slow_approved(row: Any, reviewer: str) -> Any:
        calls.append(row.id)
        if len(calls) == 1:
            writer = threading.Thread(target=concurrent_review)
            writer.start()
            writer.join(timeout=60)
            assert not writer.is_alive()
        return original(row, reviewer)

    monkeypatch.setattr(records, "_approved", slow_approved)
    during = export_file(st, ExportFormat.LONG_CSV, path=tmp_path / "during.csv").path.read_bytes()
    assert calls == [first, second] and during == before
    monkeypatch.setattr(records, "_approved", original)
    after = export_file(st, ExportFormat.LONG_CSV, path=tmp_path / "after.csv").path.read_bytes()
    assert after != before and b",999," in after          # the change is there for the next export


def test_export_re_runs_are_idempotent(two_approved: dict[str, Any], tmp_path: Path) -> None:
    st = two_approved["st"]
    for fmt in (ExportFormat.LONG_CSV, ExportFormat.WIDE_CSV, ExportFormat.JSONL):
        one = export_file(st, fmt, path=tmp_path / f"1.{fmt.value}").path.read_bytes()
        two = export_file(st, fmt, path=tmp_path / f"2.{fmt.value}").path.read_bytes()
        assert one == two, fmt
    target = f"sqlite:///{tmp_path / 'target.db'}"
    first = export_to_database(st, target)
    from sqlalchemy import create_engine, text

    engine = create_engine(target)
    with engine.connect() as conn:
        rows_once = conn.execute(text("SELECT agency, year, key, value FROM gouji_values ORDER BY key")).all()
    again = export_to_database(st, target)
    with engine.connect() as conn:
        rows_twice = conn.execute(text("SELECT agency, year, key, value FROM gouji_values ORDER BY key")).all()
    engine.dispose()
    # both reports share (agency, year): 200 keys in the target, identical after the second run
    assert first.rows == again.rows and rows_once == rows_twice and len(rows_once) == 200
