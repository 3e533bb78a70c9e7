"""The downstream schema on SQLite and PostgreSQL targets: agencies, documents, cell_values, the
current-value and wide views, schema_version; re-runs idempotent; the legacy gouji_values stays."""

from __future__ import annotations

import random

import pytest
from archivefactory import add_report, series_values
from sqlalchemy import create_engine, text

from service.export import export_to_database
from service.export.schema import SCHEMA_VERSION, VIEWS, DropView
from service.review.duplicates import choose_current
from service.review.review import Edit, approve, load_document
from service.storage.errors import InvalidAction
from service.storage.intake import create_batch
from service.storage.settings import normalise_url
from service.storage.tables import RevisionAction


def _archive(storage, user_id):
    values = series_values(random.Random(11), 2)
    values[1]["t3.carried_over.other"] += 1          # a planted carry-over mismatch (other + total)
    values[1]["t3.carried_over.total"] += 1
    values[1]["t3.new.other"] -= 1
    values[1]["t3.new.total"] -= 1
    batch = create_batch(storage, "export")
    a21 = add_report(storage, batch, "淮安市洪泽区人民政府", 2021, values[0])
    a22 = add_report(storage, batch, "江苏省淮安市洪泽区人民政府", 2022, values[1])
    b21 = add_report(storage, batch, "南京市鼓楼区人民政府", 2021, values[0])
    from service.review.review import apply_edit

    apply_edit(storage, a21, Edit("t2.punishment.decisions", 1, RevisionAction.CORRECT, value=777), user_id)
    approve(storage, a21, user_id)
    approve(storage, a22, user_id, "carry-over differs as printed")
    return {"a21": a21, "a22": a22, "b21": b21}


def _query(url, sql):
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        engine.dispose()


def test_schema_round_trip_and_idempotent(storage, reviewer, db_url):
    docs = _archive(storage, reviewer["id"])
    first = export_to_database(storage, db_url)
    assert first.schema is not None and first.schema.documents == 3 and first.schema.agencies == 2
    second = export_to_database(storage, db_url)
    assert second.schema == first.schema
    assert _query(db_url, "SELECT max(version) FROM schema_version") == [(SCHEMA_VERSION,)]
    assert _query(db_url, "SELECT count(*) FROM documents") == [(3,)]
    assert _query(db_url, "SELECT count(*) FROM cell_values") == [(600,)]
    assert _query(db_url, "SELECT count(*) FROM agencies") == [(2,)]
    [(agency_a,)] = _query(db_url, f"SELECT agency_id FROM documents WHERE id = {docs['a21']}")
    assert _query(db_url, f"SELECT DISTINCT agency_id FROM documents WHERE id IN ({docs['a21']}, {docs['a22']})") \
        == [(agency_a,)]
    assert _query(db_url, f"SELECT name, province, city, county FROM agencies WHERE id = {agency_a}") == [
        ("淮安市洪泽区人民政府", "江苏省", "淮安市", "洪泽区")]
    status = dict(_query(db_url, "SELECT id, status FROM documents"))
    assert status == {docs["a21"]: "approved", docs["a22"]: "approved", docs["b21"]: "review"}
    assert _query(db_url, f"SELECT value, source, revised_by, flags_resolved FROM cell_values "
                          f"WHERE document_id = {docs['a21']} AND key = 't2.punishment.decisions'") == [
        ("777", "human", "alice", True)]
    # current approved value per agency-year-key: only approved reports
    current = _query(db_url, "SELECT year, value FROM current_values WHERE key = 't3.new.total' ORDER BY year")
    doc22 = load_document(storage, docs["a22"])
    assert [y for y, _ in current] == [2021, 2022]
    assert current[1][1] == str(doc22.cells["t3.new.total"].value)
    wide = _query(db_url, "SELECT document_id, agency, year, t3_new_total, t2_fees_amount_wan_yuan "
                          "FROM report_wide ORDER BY document_id")
    assert len(wide) == 3 and wide[1][3] == float(doc22.cells["t3.new.total"].value)
    issues = _query(db_url, "SELECT document_id, other_document_id, cells FROM cross_report_issues "
                            "ORDER BY document_id, cells")
    assert issues == sorted([
        (docs["a21"], docs["a22"], "t3.carried_forward.other"), (docs["a21"], docs["a22"], "t3.carried_forward.total"),
        (docs["a22"], docs["a21"], "t3.carried_over.other"), (docs["a22"], docs["a21"], "t3.carried_over.total")])
    assert _query(db_url, "SELECT count(*) FROM gouji_values") == [(400,)]   # the legacy table still works


def test_export_refuses_the_review_database_itself(storage):
    with pytest.raises(InvalidAction):
        export_to_database(storage, storage.settings.database_url)


def test_cli_export_db_url(runner, storage, reviewer, tmp_path, monkeypatch):
    from service.cli import main

    _archive(storage, reviewer["id"])
    monkeypatch.setenv("GOUJI_DATA_DIR", str(storage.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", storage.settings.database_url)
    target = f"sqlite:///{tmp_path / 'downstream.db'}"
    result = runner.invoke(main, ["export", "--db-url", target])
    assert result.exit_code == 0, result.output
    assert f"schema v{SCHEMA_VERSION}: 2 agencies, 3 documents, 600 cell values" in result.output


DECISIONS = "t2.punishment.decisions"  # a standalone count: no identity breaks when two reports differ


def _twins(storage, user_id):
    """Two approved documents of one agency-year (e.g. a report's .pdf and its .scan.pdf) that
    differ in one value, the later approved second, plus one report of another year."""
    values = series_values(random.Random(3), 2)
    batch = create_batch(storage, "twins")
    pdf = add_report(storage, batch, "淮安市洪泽区人民政府", 2021, {**values[0], DECISIONS: 111})
    scan = add_report(storage, batch, "淮安市洪泽区人民政府", 2021, {**values[0], DECISIONS: 222})
    later = add_report(storage, batch, "淮安市洪泽区人民政府", 2022, values[1])
    for doc in (pdf, scan, later):
        approve(storage, doc, user_id)
    return pdf, scan, later


def _current(db_url):
    return {
        "values": _query(db_url, f"SELECT year, document_id, value FROM current_values WHERE key = '{DECISIONS}' "
                                 "ORDER BY year"),
        "reports": _query(db_url, "SELECT year, document_id, chosen FROM current_reports ORDER BY year"),
        "wide": _query(db_url, f"SELECT document_id, current, {DECISIONS.replace('.', '_')} FROM report_wide "
                               "ORDER BY document_id"),
        "legacy": _query(db_url, f"SELECT year, value FROM gouji_values WHERE key = '{DECISIONS}' ORDER BY year"),
    }


def test_the_reviewers_choice_is_the_current_report_of_an_agency_year(storage, reviewer, db_url):
    pdf, scan, later = _twins(storage, reviewer["id"])
    later_value = str(load_document(storage, later).cells[DECISIONS].value)
    export_to_database(storage, db_url)
    # both documents keep their own rows; with no choice the latest approved one is current
    assert _query(db_url, f"SELECT document_id, value FROM cell_values WHERE key = '{DECISIONS}' "
                          f"AND document_id IN ({pdf}, {scan}) ORDER BY document_id") == [(pdf, "111"), (scan, "222")]
    now = _current(db_url)
    assert now["values"] == [(2021, scan, "222"), (2022, later, later_value)]
    assert [(y, d, bool(c)) for y, d, c in now["reports"]] == [(2021, scan, False), (2022, later, False)]
    assert [(d, bool(c), v) for d, c, v in now["wide"]] == [(pdf, False, 111.0), (scan, True, 222.0),
                                                            (later, True, float(later_value))]
    assert now["legacy"] == [(2021, "222"), (2022, later_value)]
    choose_current(storage, pdf, reviewer["id"])                     # the reviewer picks the .pdf
    export_to_database(storage, db_url)
    now = _current(db_url)
    assert now["values"][0] == (2021, pdf, "111")
    assert [(y, d, bool(c)) for y, d, c in now["reports"]][0] == (2021, pdf, True)
    assert [(d, bool(c)) for d, c, _ in now["wide"]] == [(pdf, True), (scan, False), (later, True)]
    assert now["legacy"][0] == (2021, "111")
    assert _query(db_url, "SELECT count(*) FROM cell_values") == [(600,)]   # nothing of the other dropped
    choose_current(storage, scan, reviewer["id"])                    # and changes their mind
    export_to_database(storage, db_url)
    now = _current(db_url)
    assert now["values"][0] == (2021, scan, "222") and now["legacy"][0] == (2021, "222")
    assert _query(db_url, "SELECT count(*) FROM gouji_values") == [(400,)]  # one report per agency-year there


def test_a_version_1_target_gains_the_choice_column(storage, reviewer, db_url):
    """A target written by schema v1 (no ``documents.chosen_at``) is migrated in place."""
    pdf, scan, _ = _twins(storage, reviewer["id"])
    export_to_database(storage, db_url)
    engine = create_engine(normalise_url(db_url))
    try:
        with engine.begin() as conn:
            for view in VIEWS:
                conn.execute(DropView(view))
            conn.execute(text("ALTER TABLE documents DROP COLUMN chosen_at"))
            conn.execute(text("DELETE FROM schema_version WHERE version > 1"))
    finally:
        engine.dispose()
    choose_current(storage, pdf, reviewer["id"])
    assert export_to_database(storage, db_url).schema.version == SCHEMA_VERSION
    assert _query(db_url, "SELECT version FROM schema_version ORDER BY version") == [
        (v,) for v in range(1, SCHEMA_VERSION + 1)]
    assert _current(db_url)["values"][0] == (2021, pdf, "111")
