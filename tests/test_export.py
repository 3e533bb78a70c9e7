"""Exports of approved documents: long/wide CSV, XLSX, JSONL, database upsert, and the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from docfactory import AGENCY, MISREAD_KEY, TRUE_VALUE, make_document
from sqlalchemy import create_engine, text

from service.export import ExportFormat, export_file, export_to_database
from service.formats import FEE_KEY
from service.review import review
from service.storage import Storage
from service.storage.intake import add_upload, create_batch
from service.storage.results import save_extraction, start_processing
from service.storage.settings import normalise_url
from service.storage.tables import Role
from service.storage.users import add_user


def _doc(st: Storage, batch: int, data: bytes) -> int:
    up = add_upload(st, batch, f"{data.decode()}.pdf", io.BytesIO(data))
    start_processing(st, up.document_id)
    save_extraction(st, up.document_id, make_document("x.pdf", up.sha256))
    return up.document_id


@pytest.fixture
def approved(storage: Storage) -> dict[str, int]:
    """Three documents: one corrected and approved (2021), one approved with a reason (2022), one pending."""
    user = add_user(storage.db, "alice", "long-enough-pw", Role.REVIEWER)
    batch = create_batch(storage, "exports")
    fixed, as_printed, pending = (_doc(storage, batch, d) for d in (b"fixed", b"printed", b"pending"))
    review.apply_edit(storage, fixed, review.Edit(MISREAD_KEY, 1, review.RevisionAction.CORRECT, TRUE_VALUE), user)
    review.approve(storage, fixed, user)
    review.set_report_info(storage, as_printed, AGENCY, 2022)
    review.approve(storage, as_printed, user, "the printed report does not add up")
    return {"fixed": fixed, "printed": as_printed, "pending": pending, "batch": batch}


def test_long_csv_has_approved_documents_only(storage: Storage, approved: dict[str, int]) -> None:
    result = export_file(storage, ExportFormat.LONG_CSV)
    rows = list(csv.DictReader(result.path.open(encoding="utf-8")))
    assert result.documents == 2 and len(rows) == 400
    assert list(rows[0]) == ["agency", "year", "format", "key", "table", "row", "column", "value", "text",
                             "status", "reviewer", "edited"]
    fixed = next(r for r in rows if r["key"] == MISREAD_KEY and r["year"] == "2021")
    assert (fixed["value"], fixed["text"], fixed["status"], fixed["reviewer"], fixed["edited"]) == (
        str(TRUE_VALUE), str(TRUE_VALUE + 1), "corrected", "alice", "true")
    printed = next(r for r in rows if r["key"] == MISREAD_KEY and r["year"] == "2022")
    assert printed["value"] == str(TRUE_VALUE + 1) and printed["edited"] == "false"
    fee = next(r for r in rows if r["key"] == FEE_KEY)
    assert (fee["table"], fee["row"], fee["column"], fee["value"]) == ("t2", "fees", "amount_wan_yuan", "1.25")


def test_wide_csv_and_xlsx_have_one_row_per_report(storage: Storage, approved: dict[str, int]) -> None:
    from openpyxl import load_workbook

    wide = export_file(storage, ExportFormat.WIDE_CSV)
    rows = list(csv.DictReader(wide.path.open(encoding="utf-8")))
    assert [(r["agency"], r["year"], r[MISREAD_KEY]) for r in rows] == [
        (AGENCY, "2021", str(TRUE_VALUE)), (AGENCY, "2022", str(TRUE_VALUE + 1))]
    assert len(rows[0]) == 8 + 200
    sheet = load_workbook(export_file(storage, ExportFormat.XLSX).path).active
    header = [c.value for c in sheet[1]]
    values = [c.value for c in sheet[2]]
    assert sheet.max_row == 3 and values[header.index(MISREAD_KEY)] == TRUE_VALUE
    assert values[header.index(FEE_KEY)] == pytest.approx(1.25)


def test_jsonl_is_the_contract(storage: Storage, approved: dict[str, int], tmp_path: Path) -> None:
    result = export_file(storage, ExportFormat.JSONL, approved["batch"], tmp_path / "out.jsonl")
    docs = [json.loads(line) for line in result.path.read_text(encoding="utf-8").splitlines()]
    assert [d["schema"] for d in docs] == ["gouji.report/1"] * 2
    assert docs[0]["cells"][MISREAD_KEY]["value"] == TRUE_VALUE and docs[0]["violations"] == []
    assert docs[1]["approval"]["reason"] == "the printed report does not add up"
    assert len(docs[0]["cells"]) == 200


@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_upsert_is_idempotent_and_updates(storage: Storage, approved: dict[str, int], tmp_path: Path,
                                          target: str, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'target.db'}" if target == "sqlite" else request.getfixturevalue("pg_url")
    assert export_to_database(storage, url).rows == 400
    assert export_to_database(storage, url).rows == 400
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from gouji_values")).scalar() == 400
        value = conn.execute(text("select value from gouji_values where year = 2021 and key = :k"),
                             {"k": MISREAD_KEY}).scalar()
    assert value == str(TRUE_VALUE)
    user = add_user(storage.db, "bob", "long-enough-pw", Role.ADMIN)
    review.reopen(storage, approved["fixed"], user)
    review.apply_edit(storage, approved["fixed"], review.Edit(MISREAD_KEY, 2, review.RevisionAction.CORRECT, 17), user)
    review.approve(storage, approved["fixed"], user, "re-checked")
    export_to_database(storage, url)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from gouji_values")).scalar() == 400
        row = conn.execute(text("select value, reviewer from gouji_values where year = 2021 and key = :k"),
                           {"k": MISREAD_KEY}).one()
    engine.dispose()
    assert tuple(row) == ("17", "bob")


def test_cli_user_add_db_upgrade_and_export(runner: object, storage: Storage, approved: dict[str, int],
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.cli import main

    monkeypatch.setenv("GOUJI_DATA_DIR", str(storage.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", storage.settings.database_url)
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(main, ["user", "add", "carol", "--role", "admin", "--password", "long-enough-pw"])
    assert added.exit_code == 0, added.output
    duplicate = runner.invoke(main, ["user", "add", "carol", "--password", "long-enough-pw"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    out = tmp_path / "export.csv"
    result = runner.invoke(main, ["export", "--format", "long_csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 approved documents" in result.output and len(out.read_text(encoding="utf-8").splitlines()) == 401
    target = f"sqlite:///{tmp_path / 'cli-target.db'}"
    assert runner.invoke(main, ["export", "--db-url", target]).exit_code == 0


BLANK_KEY = "t3.refused_state_secret.natural_person"  # 0 in the factory's report: printed blank here


def test_blank_as_zero_writes_printed_blanks_as_0_and_keeps_unread_cells_empty(
        storage: Storage, runner: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.cli import main
    from service.tables.reading import missing_cell, read_cell
    from service.validation import validate_document

    user = add_user(storage.db, "dora", "long-enough-pw", Role.REVIEWER)
    batch = create_batch(storage, "blanks")
    up = add_upload(storage, batch, "blank.pdf", io.BytesIO(b"blank"))
    start_processing(storage, up.document_id)
    doc = make_document("blank.pdf", up.sha256)
    unread = "t2.licensing.decisions"
    cells = {**doc.cells, BLANK_KEY: read_cell(BLANK_KEY, (), 1, doc.cells[BLANK_KEY].bbox),
             unread: missing_cell(unread, "no printed cell found")}
    doc = validate_document(doc.model_copy(update={"cells": cells}))
    assert not doc.cells[BLANK_KEY].flagged and doc.cells[BLANK_KEY].is_blank
    save_extraction(storage, up.document_id, doc)
    review.approve(storage, up.document_id, user, "blank test")

    def long_values(blank_as: str) -> dict[str, str]:
        result = export_file(storage, ExportFormat.LONG_CSV, blank_as=blank_as)
        return {r["key"]: r["value"] for r in csv.DictReader(result.path.open(encoding="utf-8"))}

    assert (long_values("null")[BLANK_KEY], long_values("zero")[BLANK_KEY]) == ("", "0")
    assert long_values("zero")[unread] == ""
    jsonl = export_file(storage, ExportFormat.JSONL, blank_as="zero", path=tmp_path / "b.jsonl")
    cell = json.loads(jsonl.path.read_text(encoding="utf-8"))["cells"][BLANK_KEY]
    assert (cell["value"], cell["flagged"], cell["noted"]) == (0, False, ["printed_blank"])
    monkeypatch.setenv("GOUJI_DATA_DIR", str(storage.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", storage.settings.database_url)
    out = tmp_path / "cli.csv"
    assert runner.invoke(main, ["export", "--blank-as", "zero", "--out", str(out)]).exit_code == 0
    rows = {r["key"]: r["value"] for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows[BLANK_KEY] == "0"
