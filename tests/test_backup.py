"""Data safety: ``gouji backup`` / ``gouji restore`` round-trip the database (every revision, every
decision) and every kept original, on SQLite (online backup API) and PostgreSQL (pg_dump/pg_restore)."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from conftest import make_storage, require
from docfactory import MISREAD_KEY, TRUE_VALUE, make_document
from sqlalchemy import select

from service.cli import main
from service.review import review
from service.storage import Storage
from service.storage.backup import table_counts
from service.storage.intake import add_upload, create_batch, kept_path
from service.storage.results import save_extraction, start_processing
from service.storage.tables import CellRevision, CellRow, DocumentRow, RevisionAction, Role
from service.storage.users import add_user


def _fill(st: Storage) -> dict[str, Any]:
    user = add_user(st.db, "alice", "long-enough-pw", Role.REVIEWER)
    batch = create_batch(st, "kept")
    shas = []
    for name in ("one", "two"):
        up = add_upload(st, batch, f"{name}.pdf", io.BytesIO(f"%PDF-1.4 {name}".encode()))
        start_processing(st, up.document_id)
        save_extraction(st, up.document_id, make_document("x.pdf", up.sha256))
        review.apply_edit(st, up.document_id, review.Edit(MISREAD_KEY, 1, RevisionAction.CORRECT, TRUE_VALUE, "typo"),
                          user)
        shas.append(up.sha256)
    review.approve(st, up.document_id, user)
    return {"shas": shas}


def _state(st: Storage) -> dict[str, Any]:
    with st.db.session() as s:
        return {
            "docs": s.execute(select(DocumentRow.id, DocumentRow.status, DocumentRow.sha256, DocumentRow.decision_by)
                              .order_by(DocumentRow.id)).all(),
            "cells": s.execute(select(CellRow.document_id, CellRow.key, CellRow.value, CellRow.status, CellRow.version)
                               .order_by(CellRow.id)).all(),
            "revisions": s.execute(select(CellRevision.document_id, CellRevision.key, CellRevision.old_value,
                                          CellRevision.new_value, CellRevision.reason).order_by(CellRevision.id)).all(),
        }


def _env(monkeypatch: pytest.MonkeyPatch, st: Storage) -> None:
    monkeypatch.setenv("GOUJI_DATA_DIR", str(st.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", st.settings.database_url)


def test_backup_and_restore_round_trip(runner: Any, tmp_path: Path, db_url: str, request: pytest.FixtureRequest,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if db_url.startswith("postgresql"):
        require(shutil.which("pg_dump"), "pg_dump is not installed")
    source = make_storage(tmp_path / "source", db_url)
    filled = _fill(source)
    expected, counts = _state(source), table_counts(source)
    _env(monkeypatch, source)
    archive = tmp_path / "backup.tar.gz"
    made = runner.invoke(main, ["backup", str(archive)])
    assert made.exit_code == 0, made.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and all(f"files/{sha[:2]}/{sha}" in names for sha in filled["shas"])
    source.close()

    target_url = (f"sqlite:///{tmp_path / 'target' / 'gouji.db'}" if db_url.startswith("sqlite")
                  else request.getfixturevalue("pg_url_2"))
    target = make_storage(tmp_path / "target", target_url)
    _env(monkeypatch, target)
    restored = runner.invoke(main, ["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert _state(target) == expected and table_counts(target) == counts
    assert len(expected["revisions"]) == 2
    for sha in filled["shas"]:
        assert kept_path(target, sha).read_bytes().startswith(b"%PDF-1.4 ")
    again = runner.invoke(main, ["restore", str(archive)])
    assert again.exit_code == 1 and "not empty" in again.output   # never over live data without --force
    assert runner.invoke(main, ["restore", "--force", str(archive)]).exit_code == 0
    assert _state(target) == expected
    target.close()


def test_damaged_original_in_a_backup_is_refused(storage: Storage, tmp_path: Path) -> None:
    from service.storage.backup import backup, restore
    from service.storage.errors import InvalidAction

    _fill(storage)
    archive = backup(storage, tmp_path / "b.tar.gz").path
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else b""
            if member.name.startswith("files/"):
                data = data + b"flipped"
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    empty = make_storage(tmp_path / "empty", f"sqlite:///{tmp_path / 'empty' / 'gouji.db'}")
    with pytest.raises(InvalidAction, match="does not match its sha256"):
        restore(empty, damaged)
    empty.close()
