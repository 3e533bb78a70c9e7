"""One identity per agency: normalisation, regions, alias matching, uncertain matches as decisions,
and the admin actions merge / split / rename (service, CLI and API)."""

from __future__ import annotations

import random

import pytest
from archivefactory import add_report, series_values

from service.archive.admin import list_agencies, list_decisions, merge, rename, resolve_decision, split
from service.archive.names import normalise_name, parse_name
from service.archive.tables import DocumentAgency
from service.review.review import set_report_info
from service.storage.intake import create_batch


@pytest.mark.parametrize(("raw", "name"), [
    ("关于　淮安市洪泽区人民政府２０２１年度政府信息公开工作年度报告", "淮安市洪泽区人民政府"),
    ("淮安市 洪泽区 人民政府 2022 年政府信息公开工作年度报告", "淮安市洪泽区人民政府"),
    ("《洪泽区人民政府》", "洪泽区人民政府"),
    ("国家税务总局", "国家税务总局"),
])
def test_normalise(raw, name):
    assert normalise_name(raw) == name


def test_regions_from_the_name():
    r = parse_name("淮安市洪泽区人民政府").region
    assert (r.province, r.city, r.county) == ("江苏省", "淮安市", "洪泽区")
    r = parse_name("江苏省淮安市洪泽区人民政府").region
    assert (r.province, r.city, r.county) == ("江苏省", "淮安市", "洪泽区")
    r = parse_name("北京市海淀区教育委员会").region
    assert (r.province, r.city, r.county) == ("北京市", "北京市", "海淀区")
    r = parse_name("洪泽区人民政府").region
    assert (r.province, r.city, r.county) == (None, None, "洪泽区")
    assert parse_name("淮安市人民政府").region.county is None
    assert parse_name("浙江省教育厅").region.province == "浙江省"


def _link(storage, doc_id):
    with storage.db.session() as s:
        row = s.get(DocumentAgency, doc_id)
        return (row.agency_id, row.matched_by) if row else None


def test_three_printings_resolve_to_one_agency(storage):
    values = series_values(random.Random(1), 3)
    batch = create_batch(storage, "names")
    a = add_report(storage, batch, "淮安市洪泽区人民政府", 2021, values[0])
    b = add_report(storage, batch, "江苏省淮安市洪泽区人民政府", 2022, values[1])
    c = add_report(storage, batch, "洪泽区人民政府", 2023, values[2])
    ids = {_link(storage, d)[0] for d in (a, b, c)}
    assert len(ids) == 1
    [agency] = [x for x in list_agencies(storage) if x["id"] in ids]
    assert agency["name"] == "淮安市洪泽区人民政府" and agency["region"] == "江苏省 淮安市 洪泽区"
    assert {"淮安市洪泽区人民政府", "江苏省淮安市洪泽区人民政府"} <= set(agency["aliases"])
    assert _link(storage, c)[1] == "unique"


def test_short_name_takes_the_city_its_own_text_prints(storage):
    batch = create_batch(storage, "text")
    values = series_values(random.Random(2), 2)
    add_report(storage, batch, "南京市鼓楼区人民政府", 2021, values[0])
    add_report(storage, batch, "福州市鼓楼区人民政府", 2021, values[0])
    doc = add_report(storage, batch, "鼓楼区人民政府", 2022, values[1],
                     text="本报告由福州市鼓楼区人民政府办公室编制")
    agency_id, how = _link(storage, doc)
    assert how == "text"
    assert next(a for a in list_agencies(storage) if a["id"] == agency_id)["city"] == "福州市"


def test_ambiguous_short_name_is_a_decision_not_a_guess(storage, reviewer):
    batch = create_batch(storage, "ambiguous")
    values = series_values(random.Random(3), 2)
    add_report(storage, batch, "南京市鼓楼区人民政府", 2021, values[0])
    fuzhou = add_report(storage, batch, "福州市鼓楼区人民政府", 2021, values[0])
    doc = add_report(storage, batch, "鼓楼区人民政府", 2022, values[1])
    assert _link(storage, doc)[0] is None
    [decision] = list_decisions(storage)
    assert decision["document_id"] == doc and len(decision["candidates"]) == 2
    target = _link(storage, fuzhou)[0]
    assert resolve_decision(storage, decision["id"], target, reviewer["id"]) == target
    assert _link(storage, doc) == (target, "decision")
    assert list_decisions(storage) == []
    set_report_info(storage, doc, "鼓楼区人民政府", 2022)  # the person's choice survives a re-match
    assert _link(storage, doc) == (target, "decision")


def test_short_name_first_is_absorbed_by_its_full_name_later(storage):
    batch = create_batch(storage, "order")
    values = series_values(random.Random(4), 2)
    early = add_report(storage, batch, "洪泽区人民政府", 2021, values[0])
    late = add_report(storage, batch, "淮安市洪泽区人民政府", 2022, values[1])
    assert _link(storage, early)[0] == _link(storage, late)[0]
    assert len(list_agencies(storage)) == 1


def test_merge_split_rename(storage):
    batch = create_batch(storage, "admin")
    values = series_values(random.Random(5), 3)
    a = add_report(storage, batch, "淮安市洪泽区人民政府", 2021, values[0])
    b = add_report(storage, batch, "淮安市洪泽县人民政府", 2022, values[1])
    first, second = _link(storage, a)[0], _link(storage, b)[0]
    assert first != second
    merge(storage, second, first)
    assert _link(storage, b)[0] == first
    assert len(list_agencies(storage)) == 1
    new = split(storage, first, [b], "淮安市洪泽县人民政府")
    assert _link(storage, b)[0] == new != first
    rename(storage, new, "淮安市洪泽县人民政府（旧）")
    renamed = next(x for x in list_agencies(storage) if x["id"] == new)
    assert "淮安市洪泽县人民政府" in renamed["aliases"]
    assert list_agencies(storage, region="淮安") and not list_agencies(storage, region="福州")
    assert [x["id"] for x in list_agencies(storage, query="洪泽县")] == [new]


def test_cli_agency_commands(runner, storage, monkeypatch):
    from service.cli import main

    monkeypatch.setenv("GOUJI_DATA_DIR", str(storage.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", storage.settings.database_url)
    batch = create_batch(storage, "cli")
    values = series_values(random.Random(6), 2)
    a = add_report(storage, batch, "南京市鼓楼区人民政府", 2021, values[0])
    b = add_report(storage, batch, "福州市鼓楼区人民政府", 2021, values[0])
    doc = add_report(storage, batch, "鼓楼区人民政府", 2022, values[1])
    listed = runner.invoke(main, ["agency", "list", "--region", "福州"])
    assert listed.exit_code == 0 and "福州市鼓楼区人民政府" in listed.output and "南京" not in listed.output
    decisions = runner.invoke(main, ["agency", "decisions"])
    [decision] = list_decisions(storage)
    assert f"document {doc}" in decisions.output and "鼓楼区人民政府" in decisions.output
    fuzhou = _link(storage, b)[0]
    assert runner.invoke(main, ["agency", "resolve", str(decision["id"]), str(fuzhou)]).exit_code == 0
    assert _link(storage, doc)[0] == fuzhou
    nanjing = _link(storage, a)[0]
    merged = runner.invoke(main, ["agency", "merge", str(nanjing), str(nanjing)])
    assert merged.exit_code != 0 and "itself" in merged.output
    split_off = runner.invoke(main, ["agency", "split", str(fuzhou), "福州市鼓楼区教育局", "--document", str(doc)])
    assert split_off.exit_code == 0, split_off.output
    assert runner.invoke(main, ["agency", "rename", str(nanjing), "南京市鼓楼区政府"]).exit_code == 0
    rechecked = runner.invoke(main, ["agency", "recheck"])
    assert rechecked.exit_code == 0 and "3 reports re-checked" in rechecked.output
    assert _link(storage, doc)[1] == "admin"                     # an admin's move survives the re-match


def test_api_decisions(client, login, reviewer, storage):
    batch = create_batch(storage, "api")
    values = series_values(random.Random(8), 2)
    add_report(storage, batch, "南京市鼓楼区人民政府", 2021, values[0])
    add_report(storage, batch, "福州市鼓楼区人民政府", 2021, values[0])
    doc = add_report(storage, batch, "鼓楼区人民政府", 2022, values[1])
    headers = login(client, reviewer)
    [decision] = client.get("/api/agency-decisions").get_json()["decisions"]
    assert decision["document_id"] == doc
    issues = client.get("/api/archive/issues?kind=agency").get_json()["issues"]
    assert [i["document_id"] for i in issues] == [doc]
    chosen = client.post(f"/api/agency-decisions/{decision['id']}/resolve", json={"agency_id": None},
                         headers=headers).get_json()["agency_id"]
    assert _link(storage, doc) == (chosen, "decision")
    assert client.get("/api/agency-decisions").get_json()["decisions"] == []
    again = client.post(f"/api/agency-decisions/{decision['id']}/resolve", json={}, headers=headers)
    assert again.status_code == 422


def test_review_screen_resolves_the_decision(client, login, reviewer, storage):
    import re

    batch = create_batch(storage, "screen")
    values = series_values(random.Random(8), 2)
    add_report(storage, batch, "南京市鼓楼区人民政府", 2021, values[0])
    fuzhou = add_report(storage, batch, "福州市鼓楼区人民政府", 2021, values[0])
    doc = add_report(storage, batch, "鼓楼区人民政府", 2022, values[1])
    login(client, reviewer)
    page = client.get(f"/documents/{doc}").get_data(as_text=True)
    assert 'id="agency-decision"' in page and "福州市鼓楼区人民政府" in page
    action = re.search(r'action="(/archive/decisions/\d+)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    target = _link(storage, fuzhou)[0]
    response = client.post(action, data={"agency_id": str(target), "document_id": str(doc), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/documents/{doc}")
    assert _link(storage, doc) == (target, "decision")
    assert 'id="agency-decision"' not in client.get(f"/documents/{doc}").get_data(as_text=True)
