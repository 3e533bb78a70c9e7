"""Storage on SQLite and PostgreSQL: migrations, uploads, extraction results, review, accounts."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from docfactory import AGENCY, MISREAD_KEY, TRUE_VALUE, make_document
from sqlalchemy import inspect

from service.formats import FEE_KEY
from service.model import Source
from service.review import review
from service.review.views import review_payload, review_queue
from service.storage import Storage
from service.storage.errors import Conflict, InvalidAction, NotFound
from service.storage.intake import add_upload, create_batch, kept_path, list_batches
from service.storage.results import save_extraction, start_processing
from service.storage.tables import DocStatus, Role
from service.storage.users import add_user, authenticate, hash_password, verify_password


def _extracted(st: Storage, data: bytes = b"%PDF-1.4 fake") -> int:
    batch = create_batch(st, "b1")
    up = add_upload(st, batch, "report.pdf", io.BytesIO(data))
    start_processing(st, up.document_id)
    save_extraction(st, up.document_id, make_document("report.pdf", up.sha256))
    return up.document_id


def _user(st: Storage, name: str = "alice") -> int:
    return add_user(st.db, name, "long-enough-pw", Role.REVIEWER)


def test_migration_creates_every_table_and_is_idempotent(any_storage: Storage) -> None:
    any_storage.db.upgrade()
    names = set(inspect(any_storage.db.engine).get_table_names())
    assert {"users", "batches", "documents", "cells", "violations", "cell_revisions",
            "alembic_version"} <= names


def test_upload_keeps_file_by_sha256_and_dedupes(any_storage: Storage) -> None:
    batch = create_batch(any_storage, "b1")
    first = add_upload(any_storage, batch, "a.pdf", io.BytesIO(b"%PDF-1.4 same bytes"))
    again = add_upload(any_storage, batch, "a-copy.pdf", io.BytesIO(b"%PDF-1.4 same bytes"))
    other_batch = add_upload(any_storage, create_batch(any_storage, "b2"), "a.pdf", io.BytesIO(b"%PDF-1.4 same bytes"))
    assert first.created and not again.created and again.document_id == first.document_id
    assert other_batch.created and other_batch.document_id != first.document_id
    assert kept_path(any_storage, first.sha256).read_bytes() == b"%PDF-1.4 same bytes"
    counts = {b["name"]: b["counts"] for b in list_batches(any_storage)}
    assert counts["b1"] == {"queued": 1}


def test_upload_into_missing_batch_is_not_found(any_storage: Storage) -> None:
    with pytest.raises(NotFound):
        add_upload(any_storage, 999, "a.pdf", io.BytesIO(b"x"))


def test_extraction_round_trips_through_the_database(any_storage: Storage) -> None:
    doc_id = _extracted(any_storage)
    loaded = review.load_document(any_storage, doc_id)
    original = make_document("report.pdf", loaded.sha256)
    assert loaded.cells == original.cells
    assert loaded.violations == original.violations
    assert loaded.cells[FEE_KEY].value == Decimal("1.25")
    payload = review_payload(any_storage, doc_id)
    assert payload["report"]["agency"] == AGENCY and len(payload["cells"]) == 200
    assert payload["review"]["order"] == [MISREAD_KEY]
    assert payload["cells"][MISREAD_KEY]["version"] == 1


def test_correction_revalidates_and_keeps_history(any_storage: Storage) -> None:
    doc_id, user = _extracted(any_storage), _user(any_storage)
    edit = review.Edit(MISREAD_KEY, 1, review.RevisionAction.CORRECT, TRUE_VALUE, "misread 19")
    assert review.apply_edit(any_storage, doc_id, edit, user) == 2
    doc = review.load_document(any_storage, doc_id)
    cell = doc.cells[MISREAD_KEY]
    assert cell.value == TRUE_VALUE and cell.source is Source.HUMAN and not cell.flagged
    assert doc.violations == ()
    payload = review_payload(any_storage, doc_id)
    assert payload["review"]["can_approve_without_reason"] is True
    assert payload["cells"][MISREAD_KEY]["status"] == "corrected"
    history = review.cell_history(any_storage, doc_id, MISREAD_KEY)
    assert [(h["user"], h["old"], h["new"], h["reason"]) for h in history] == [
        ("alice", str(TRUE_VALUE + 1), str(TRUE_VALUE), "misread 19")]


def test_stale_version_is_a_conflict_and_changes_nothing(any_storage: Storage) -> None:
    doc_id, alice, bob = _extracted(any_storage), _user(any_storage), _user(any_storage, "bob")
    review.apply_edit(any_storage, doc_id, review.Edit(MISREAD_KEY, 1, review.RevisionAction.CORRECT, 18), alice)
    with pytest.raises(Conflict) as err:
        review.apply_edit(any_storage, doc_id, review.Edit(MISREAD_KEY, 1, review.RevisionAction.CORRECT, 7), bob)
    assert err.value.current["updated_by"] == "alice" and err.value.current["version"] == 2
    assert review.load_document(any_storage, doc_id).cells[MISREAD_KEY].value == 18


def test_accept_as_read_keeps_value_and_records_it(any_storage: Storage) -> None:
    doc_id, user = _extracted(any_storage), _user(any_storage)
    review.apply_edit(any_storage, doc_id, review.Edit(MISREAD_KEY, 1, review.RevisionAction.ACCEPT), user)
    payload = review_payload(any_storage, doc_id)
    cell = payload["cells"][MISREAD_KEY]
    assert cell["value"] == TRUE_VALUE + 1 and cell["status"] == "accepted"
    # the printed numbers still disagree, now with clear readings only: the report's own error,
    # whose other members are flagged once for that decision (never the accepted cell again)
    assert payload["violations"] and {v["kind"] for v in payload["violations"]} == {"report_error"}
    members = {k for v in payload["violations"] for k in v["cells"]}
    assert MISREAD_KEY not in payload["review"]["order"] and set(payload["review"]["order"]) <= members
    assert all(payload["cells"][k]["suggestion"] is None if "suggestion" in payload["cells"][k] else True
               for k in members)


def test_approval_rules(any_storage: Storage) -> None:
    doc_id, user = _extracted(any_storage), _user(any_storage)
    with pytest.raises(InvalidAction):
        review.approve(any_storage, doc_id, user)       # flagged: a reason is required
    review.approve(any_storage, doc_id, user, "the printed report itself does not add up")
    assert review_payload(any_storage, doc_id)["review"]["decision"]["by"] == "alice"
    with pytest.raises(InvalidAction):
        review.apply_edit(any_storage, doc_id, review.Edit(MISREAD_KEY, 1, review.RevisionAction.ACCEPT), user)
    review.reopen(any_storage, doc_id, user)
    assert review_payload(any_storage, doc_id)["review"]["status"] == DocStatus.REVIEW


def test_approval_needs_agency_and_year(any_storage: Storage) -> None:
    doc_id, user = _extracted(any_storage), _user(any_storage)
    review.set_report_info(any_storage, doc_id, "", None)
    with pytest.raises(InvalidAction, match="agency"):
        review.approve(any_storage, doc_id, user, "reason")
    review.set_report_info(any_storage, doc_id, AGENCY, 2022)
    review.approve(any_storage, doc_id, user, "reason")


def test_queue_orders_by_flags_then_age(any_storage: Storage) -> None:
    clean = _extracted(any_storage, b"one")
    flagged = _extracted(any_storage, b"two")
    user = _user(any_storage)
    review.apply_edit(any_storage, clean, review.Edit(MISREAD_KEY, 1, review.RevisionAction.CORRECT, 18), user)
    assert [d["id"] for d in review_queue(any_storage)] == [flagged, clean]
    assert [d["id"] for d in review_queue(any_storage, "oldest")] == [clean, flagged]


def test_passwords_use_scrypt_and_authenticate(any_storage: Storage) -> None:
    stored = hash_password("s3cret-pass")
    assert stored.startswith("scrypt$") and verify_password("s3cret-pass", stored)
    assert not verify_password("wrong", stored)
    add_user(any_storage.db, "carol", "s3cret-pass", Role.ADMIN)
    assert authenticate(any_storage.db, "carol", "s3cret-pass").role == "admin"
    assert authenticate(any_storage.db, "carol", "nope") is None
    with pytest.raises(Conflict):
        add_user(any_storage.db, "carol", "another-pass")


def test_data_dir_layout(any_storage: Storage, tmp_path: Path) -> None:
    assert any_storage.settings.files_dir.is_dir() and any_storage.settings.exports_dir.is_dir()


def test_one_reviewer_per_document(any_storage: Storage) -> None:
    from service.review import locks

    doc_id, alice, bob = _extracted(any_storage), _user(any_storage), _user(any_storage, "bob")
    assert locks.acquire(any_storage, doc_id, alice)["user"] == "alice"
    assert locks.acquire(any_storage, doc_id, alice)["user"] == "alice"       # renewing is fine
    with pytest.raises(Conflict, match="alice is reviewing"):
        locks.acquire(any_storage, doc_id, bob)
    with pytest.raises(Conflict, match="alice is reviewing"):
        review.apply_edit(any_storage, doc_id, review.Edit(MISREAD_KEY, 1, review.RevisionAction.ACCEPT), bob)
    with pytest.raises(Conflict):
        review.approve(any_storage, doc_id, bob, "reason")
    assert review_payload(any_storage, doc_id)["review"]["lock"]["user"] == "alice"
    locks.release(any_storage, doc_id, alice)
    assert locks.acquire(any_storage, doc_id, bob)["user"] == "bob"
