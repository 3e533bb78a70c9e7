"""The archive view on a generated archive (≥ 50 reports, 12 agencies, gaps): the coverage matrix names
every missing agency-year, three printings of one agency are one row, the issue list filters, and the
coverage and issue lists download as CSV/XLSX."""

from __future__ import annotations

import csv
import io
import random

from archivefactory import AGENCIES, ARCHIVE_YEARS, add_report, build_archive, series_values

from service.archive.crosscheck import RULE_CARRY_OVER
from service.archive.views import Coverage, IssueFilter, coverage, list_issues
from service.review.review import approve, reject
from service.storage.intake import create_batch


def test_coverage_names_every_missing_agency_year(storage, reviewer):
    docs, gaps = build_archive(storage)
    assert sum(len(years) for years in docs.values()) >= 50 and len(docs) >= 10
    for years in list(docs.values())[:3]:
        for doc in list(years.values())[:2]:
            approve(storage, doc, reviewer["id"])
    rejected = next(iter(docs[AGENCIES[5]].values()))
    reject(storage, rejected, reviewer["id"], "unreadable scan")
    matrix = coverage(storage)
    assert matrix.years == list(ARCHIVE_YEARS)
    assert {r.name for r in matrix.rows} == set(AGENCIES)
    assert set(matrix.missing()) == gaps
    by_name = {r.name: r for r in matrix.rows}
    first = by_name[AGENCIES[0]]                      # printed three ways, one row with every year
    assert all(first.cells[y].state != Coverage.MISSING for y in ARCHIVE_YEARS)
    assert first.region == "江苏省 淮安市 洪泽区"
    year_of_rejected = next(y for y, d in docs[AGENCIES[5]].items() if d == rejected)
    assert by_name[AGENCIES[5]].cells[year_of_rejected].state == Coverage.FAILED
    assert sum(c.state == Coverage.APPROVED for r in matrix.rows for c in r.cells.values()) == 6
    assert list_issues(storage, IssueFilter(kind="cross_report")) == []   # consistent series: nothing flagged
    assert {r.name for r in coverage(storage, region="淮安").rows} == {AGENCIES[0], AGENCIES[10]}
    assert {r.name for r in coverage(storage, query="鼓楼").rows} == {AGENCIES[1], AGENCIES[2]}


def _planted(storage):
    values = series_values(random.Random(5), 2)
    values[1]["t3.carried_over.research"] += 2
    values[1]["t3.carried_over.total"] += 2
    values[1]["t3.new.research"] -= 2
    values[1]["t3.new.total"] -= 2
    batch = create_batch(storage, "planted")
    first = add_report(storage, batch, "苏州市姑苏区人民政府", 2021, values[0])
    second = add_report(storage, batch, "苏州市姑苏区人民政府", 2022, values[1])
    other = add_report(storage, batch, "杭州市西湖区人民政府", 2022, values[1])
    return batch, first, second, other


def test_issue_list_filters(storage):
    batch, first, second, _ = _planted(storage)
    every = list_issues(storage)
    carry = list_issues(storage, IssueFilter(rule=RULE_CARRY_OVER))
    assert {(i.document_id, i.other_document_id, i.cells) for i in carry} == {
        (second, first, ("t3.carried_over.research",)), (second, first, ("t3.carried_over.total",))}
    assert all(i.region == "江苏省 苏州市 姑苏区" for i in carry)
    assert list_issues(storage, IssueFilter(region="杭州", kind="cross_report")) == []
    assert {i.year for i in list_issues(storage, IssueFilter(year=2021, kind="cross_report"))} == {2021}
    assert list_issues(storage, IssueFilter(agency="姑苏", status="approved")) == []
    assert len(list_issues(storage, IssueFilter(batch_id=batch))) == len(every)
    assert list_issues(storage, IssueFilter(batch_id=batch + 100)) == []


def test_archive_page_and_downloads(client, login, reviewer, storage):
    batch, first, second, _ = _planted(storage)
    headers = login(client, reviewer)
    page = client.get(f"/archive?batch={batch}").get_data(as_text=True)
    assert "问题清单" in page and "覆盖情况" in page and RULE_CARRY_OVER in page
    assert f'href="/documents/{first}"' in page
    doc_page = client.get(f"/documents/{second}").get_data(as_text=True)
    assert 'id="cross-report"' in doc_page and f'href="/documents/{first}"' in doc_page
    assert 'id="cross-report"' in client.get(f"/documents/{first}").get_data(as_text=True)
    response = client.get(f"/archive/coverage.csv?batch={batch}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["agency_id", "agency", "region", "2021", "2022"]
    assert {tuple(r[1:]) for r in rows[1:]} == {
        ("苏州市姑苏区人民政府", "江苏省 苏州市 姑苏区", "in_review", "in_review"),
        ("杭州市西湖区人民政府", "浙江省 杭州市 西湖区", "missing", "in_review")}
    issues = client.get(f"/archive/issues.csv?rule={RULE_CARRY_OVER}").get_data().decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(issues)))) == 3
    from openpyxl import load_workbook

    xlsx = client.get("/archive/coverage.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet.max_row == 3
    api = client.get(f"/api/archive/coverage?batch={batch}").get_json()
    assert api["missing"] == [{"agency": "杭州市西湖区人民政府", "year": 2021}]
    cross = client.get(f"/api/documents/{second}/cross-violations").get_json()["violations"]
    assert {v["other_document_id"] for v in cross} == {first} and cross[0]["kind"] == "cross_report"
    assert client.get("/archive/coverage.exe").status_code == 404
    del headers


def test_agency_api_merge_needs_admin(client, login, reviewer, admin, storage):
    from service.archive.admin import list_agencies

    _planted(storage)
    headers = login(client, reviewer)
    ids = [a["id"] for a in client.get("/api/agencies?region=江苏").get_json()["agencies"]]
    others = [a["id"] for a in list_agencies(storage) if a["id"] not in ids]
    assert client.post(f"/api/agencies/{others[0]}/merge", json={"into": ids[0]}, headers=headers).status_code == 403
    admin_client = client.application.test_client()
    admin_headers = login(admin_client, admin)
    assert admin_client.post(f"/api/agencies/{others[0]}/merge", json={"into": ids[0]},
                             headers=admin_headers).status_code == 200
    assert len(list_agencies(storage)) == 1


def test_registered_agency_without_reports_is_missing_every_year(storage, runner, monkeypatch):
    from service.cli import main

    _planted(storage)
    monkeypatch.setenv("GOUJI_DATA_DIR", str(storage.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", storage.settings.database_url)
    added = runner.invoke(main, ["agency", "add", "宿迁市 沭阳县人民政府", "苏州市姑苏区人民政府"])
    assert added.exit_code == 0, added.output
    matrix = coverage(storage)
    assert ("宿迁市沭阳县人民政府", 2021) in matrix.missing() and ("宿迁市沭阳县人民政府", 2022) in matrix.missing()
    assert len(matrix.rows) == 3                                   # 姑苏区 was known: not added twice
    assert all(r.name != "宿迁市沭阳县人民政府" for r in coverage(storage, batch_id=1).rows)


def test_archive_migration_downgrades_and_upgrades(tmp_path):
    from alembic import command

    from service.storage.db import Database, alembic_config

    url = f"sqlite:///{tmp_path / 'm.db'}"
    db = Database(url)
    db.upgrade()
    cfg = alembic_config(url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    from sqlalchemy import inspect

    assert "agencies" not in inspect(db.engine).get_table_names()
    db.upgrade()
    assert {"agencies", "agency_aliases", "document_agency", "agency_decisions", "cross_violations"} <= set(
        inspect(db.engine).get_table_names())
    db.dispose()
