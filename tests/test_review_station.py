"""Review-station server side over HTTP (Flask test client): one arithmetic (identities sent with
their terms, old layout included), the shift preview in printed order, undoable row repairs,
locks (release by beacon, queue holders, the next document) and a drawn box for a missing cell."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from test_review_ux import _document, _versions
from uxfactory import SHIFTED_ROW, T3_COLS

from service.formats import IDENTITIES
from service.pipeline import extract
from service.review.review import load_document
from service.rule_terms import identity_terms
from service.storage.intake import add_upload, create_batch
from service.storage.results import save_extraction
from service.storage.users import add_user
from service.validation import check_identities, identity_sides

FIXTURES = Path(__file__).parent / "fixtures"
OLD_LAYOUT = FIXTURES / "old-layout-report.pdf"


def stored_report(storage: Any, path: Path = OLD_LAYOUT, batch: int | None = None) -> int:
    """A document holding the real pipeline's reading of ``path`` (no job runner involved)."""
    batch = batch or create_batch(storage, "station")
    up = add_upload(storage, batch, path.name, io.BytesIO(path.read_bytes()))
    assert save_extraction(storage, up.document_id, extract(path))
    return up.document_id


def test_old_layout_terms_carry_the_other_row_and_add_up_like_the_server() -> None:
    doc = extract(OLD_LAYOUT)
    assert doc.old_other_row and not doc.violations
    terms = identity_terms(doc)
    broken, holding = check_identities(doc.cells, doc.old_other_row)
    assert len(terms) == len(broken) + len(holding) < 42          # the sub-row identities do not apply
    with_constant = [t for t in terms if t.rhs_constant]
    assert with_constant and all(t.family == "t3_results" for t in with_constant)
    def total(keys: tuple[str, ...]) -> Decimal:
        return sum((Decimal(doc.cells[k].value or 0) for k in keys), Decimal(0))

    by_name = {i.name: i for i in IDENTITIES}
    for t in terms:                                                # what the browser adds = the server's sums
        lhs, rhs = total(t.lhs) + t.lhs_constant, total(t.rhs) + t.rhs_constant
        assert (lhs, rhs) == identity_sides(by_name[t.name], doc.cells, doc.old_other_row)
        assert (lhs == rhs) == t.holds
        bare = total(t.lhs) == total(t.rhs)                        # the bare identity list: wrong here
        if t.rhs_constant:
            assert not bare


def test_payload_sends_terms_not_bare_identities(app: Any, client: Any, storage: Any, reviewer: dict[str, Any],
                                                 login: Any) -> None:
    login(client, reviewer)
    doc_id = stored_report(storage)
    review = client.get(f"/api/documents/{doc_id}").get_json()["review"]
    constants = {i["name"]: i["rhs_constant"] for i in review["identities"] if i["rhs_constant"] != "0"}
    assert constants == {"t3 col natural_person: results total = sum of results": "2",
                         "t3 col total: results total = sum of results": "2"}
    assert all(i["holds"] for i in review["identities"])
    t3_new = next(r for r in review["rows"]["t3"] if r["row"] == "t3.new")
    assert t3_new["keys"] == [f"t3.new.{c}" for c in T3_COLS]     # printed order, not alphabetical


def test_shift_preview_is_the_shift_in_printed_order(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                                     tmp_path: Path) -> None:
    headers = login(client, reviewer)
    _, doc_id = _document(app, client, headers, tmp_path)
    preview = client.get(f"/api/documents/{doc_id}/rows/shift/preview?row={SHIFTED_ROW}&direction=right").get_json()
    assert preview["keys"] == [f"{SHIFTED_ROW}.{c}" for c in T3_COLS]
    assert preview["before"] == [None if v is None else str(v) for v in (2, 3, 4, 5, 6, 37, None)]
    before = client.get(f"/api/documents/{doc_id}").get_json()
    done = client.post(f"/api/documents/{doc_id}/rows/shift", headers=headers, json={
        "row": SHIFTED_ROW, "direction": "right", "expected_versions": _versions(before, SHIFTED_ROW)}).get_json()
    written = [done["document"]["cells"][k]["value"] for k in preview["keys"]]
    assert [None if v is None else str(v) for v in written] == preview["after"]


def _row_state(storage: Any, doc_id: int, row: str) -> list[tuple[Any, ...]]:
    doc = load_document(storage, doc_id)
    return [(c.value, c.text, c.bbox, c.page, c.source, c.flags, c.confidence)
            for k, c in doc.cells.items() if k.startswith(row + ".")]


def test_undo_restores_a_shift_exactly_and_left_then_right_loses_nothing(
        app: Any, client: Any, storage: Any, reviewer: dict[str, Any], login: Any, tmp_path: Path) -> None:
    headers = login(client, reviewer)
    _, doc_id = _document(app, client, headers, tmp_path)
    original = _row_state(storage, doc_id, SHIFTED_ROW)
    statuses = {k: c["status"] for k, c in client.get(f"/api/documents/{doc_id}").get_json()["cells"].items()}

    def shift(direction: str) -> dict[str, Any]:
        doc = client.get(f"/api/documents/{doc_id}").get_json()
        return client.post(f"/api/documents/{doc_id}/rows/shift", headers=headers, json={
            "row": SHIFTED_ROW, "direction": direction, "expected_versions": _versions(doc, SHIFTED_ROW)}).get_json()

    shift("right")
    assert _row_state(storage, doc_id, SHIFTED_ROW) != original
    undone = client.post(f"/api/documents/{doc_id}/rows/undo", headers=headers, json={})
    assert undone.status_code == 200, undone.get_json()
    assert undone.get_json()["undone"] == {"kind": "shift", "row": SHIFTED_ROW, "detail": "right"}
    assert _row_state(storage, doc_id, SHIFTED_ROW) == original
    after = undone.get_json()["document"]["cells"]
    assert {k: after[k]["status"] for k in after} == statuses
    history = client.get(f"/api/documents/{doc_id}/cells/{SHIFTED_ROW}.total/history").get_json()["history"]
    assert [h["reason"].split(":")[0] for h in history] == ["structure repair", "undo"]
    nothing = client.post(f"/api/documents/{doc_id}/rows/undo", headers=headers, json={})
    assert nothing.status_code == 422

    shift("left")                                                  # 2 falls off the left edge …
    assert _row_state(storage, doc_id, SHIFTED_ROW)[0][0] == 3
    shift("right")                                                 # … and comes back
    assert _row_state(storage, doc_id, SHIFTED_ROW) == original


def test_undo_refuses_when_a_cell_changed_since(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                                tmp_path: Path) -> None:
    headers = login(client, reviewer)
    _, doc_id = _document(app, client, headers, tmp_path)
    doc = client.get(f"/api/documents/{doc_id}").get_json()
    shifted = client.post(f"/api/documents/{doc_id}/rows/shift", headers=headers, json={
        "row": SHIFTED_ROW, "direction": "right", "expected_versions": _versions(doc, SHIFTED_ROW)}).get_json()
    key = f"{SHIFTED_ROW}.natural_person"
    client.put(f"/api/documents/{doc_id}/cells/{key}", headers=headers,
               json={"value": 17, "expected_version": shifted["document"]["cells"][key]["version"]})
    assert client.post(f"/api/documents/{doc_id}/rows/undo", headers=headers, json={}).status_code == 409


def test_locks_queue_holders_beacon_release_and_next_document(app: Any, client: Any, storage: Any,
                                                               reviewer: dict[str, Any], login: Any) -> None:
    bob = {"id": add_user(storage.db, "bob", "correct-horse-2", "reviewer"), "username": "bob",
           "password": "correct-horse-2"}
    first = stored_report(storage)
    second = stored_report(storage, FIXTURES / "sample-report.pdf")
    alice_headers = login(client, reviewer)
    other = app.test_client()
    bob_headers = login(other, bob)
    assert client.post(f"/api/documents/{first}/lock", headers=alice_headers).status_code == 200
    queue = other.get("/").get_data(as_text=True)
    assert "alice 正在审核" in queue                                 # the holder is named …
    assert other.get("/api/documents/next?after=0").get_json()["id"] == second   # … and skipped
    assert client.get("/api/documents/next?after=0").get_json()["id"] in (first, second)
    assert other.post(f"/api/documents/{first}/lock", headers=bob_headers).status_code == 409
    beacon = client.post(f"/api/documents/{first}/lock/release", data={"csrf_token": alice_headers["X-CSRF-Token"]})
    assert beacon.status_code == 200                                 # a form POST: what sendBeacon sends
    assert other.post(f"/api/documents/{first}/lock", headers=bob_headers).status_code == 200
    forged = client.post(f"/api/documents/{first}/lock/release", data={"csrf_token": "forged"})
    assert forged.status_code == 403


def test_a_drawn_box_records_page_and_crop(app: Any, client: Any, storage: Any, reviewer: dict[str, Any],
                                           login: Any, tmp_path: Path) -> None:
    headers = login(client, reviewer)
    _, doc_id = _document(app, client, headers, tmp_path)
    key = f"{SHIFTED_ROW}.total"                                     # a printed blank with no box
    cell = client.get(f"/api/documents/{doc_id}").get_json()["cells"][key]
    assert cell["bbox"] is None
    assert client.get(f"/api/documents/{doc_id}/cells/{key}/crop.png").status_code == 404
    bad = client.post(f"/api/documents/{doc_id}/cells/{key}/box", headers=headers,
                      json={"page": 9, "bbox": [10, 10, 60, 40], "expected_version": cell["version"]})
    assert bad.status_code == 422
    done = client.post(f"/api/documents/{doc_id}/cells/{key}/box", headers=headers,
                       json={"page": 1, "bbox": [10, 10, 60, 40], "expected_version": cell["version"]})
    assert done.status_code == 200, done.get_json()
    after = done.get_json()["document"]["cells"][key]
    assert (after["page"], after["bbox"], after["value"]) == (1, [10, 10, 60, 40], None)
    assert after["status"] == "flagged"                              # the value still needs a person
    crop = client.get(f"/api/documents/{doc_id}/cells/{key}/crop.png")
    assert crop.status_code == 200 and crop.data[:4] == b"\x89PNG"


def _upload(client: Any, headers: dict[str, str], batch: int, path: Path, name: str | None = None) -> dict[str, Any]:
    with path.open("rb") as fh:
        done = client.post(f"/api/batches/{batch}/documents", data={"files": (fh, name or path.name)}, headers=headers)
    return done.get_json()["documents"][0]


def test_same_file_again_is_said_and_same_report_is_chosen(app: Any, client: Any, storage: Any,
                                                           reviewer: dict[str, Any], login: Any) -> None:
    headers = login(client, reviewer)
    batch = client.post("/api/batches", json={"name": "dup"}, headers=headers).get_json()["id"]
    first = _upload(client, headers, batch, OLD_LAYOUT)
    again = _upload(client, headers, batch, OLD_LAYOUT)
    assert (again["created"], again["id"]) == (False, first["id"])   # the same row, and the client says so
    other_batch = client.post("/api/batches", json={"name": "dup2"}, headers=headers).get_json()["id"]
    elsewhere = _upload(client, headers, other_batch, OLD_LAYOUT)
    assert elsewhere["created"] and [d["id"] for d in elsewhere["same_file"]] == [first["id"]]
    app.extensions["gouji"].runner.wait()
    a, b = stored_report(storage), stored_report(storage)          # the same agency + year twice
    review = client.get(f"/api/documents/{a}").get_json()["review"]
    assert b in [t["id"] for t in review["same_report"]] and review["current"] is None
    assert f"另有 #{a}" in client.get(f"/batches/{_batch_of(storage, b)}").get_data(as_text=True)
    chose = client.post(f"/api/documents/{b}/current", headers=headers, json={})
    assert chose.status_code == 200 and chose.get_json()["document"]["review"]["current"] is True
    review = client.get(f"/api/documents/{a}").get_json()["review"]
    assert review["current"] is False and next(t for t in review["same_report"] if t["id"] == b)["current"]
    client.post(f"/api/documents/{a}/current", headers=headers, json={})
    assert client.get(f"/api/documents/{b}").get_json()["review"]["current"] is False   # one current per report


def _batch_of(storage: Any, doc_id: int) -> int:
    from service.storage.tables import DocumentRow
    with storage.db.session() as s:
        return int(s.get(DocumentRow, doc_id).batch_id)


def test_queue_filters_and_decided_lists(app: Any, client: Any, storage: Any, reviewer: dict[str, Any],
                                         admin: dict[str, Any], login: Any) -> None:
    headers = login(client, reviewer)
    old = stored_report(storage)
    sample = stored_report(storage, FIXTURES / "sample-report.pdf")
    page = client.get("/?agency=自然资源").get_data(as_text=True)
    assert "old-layout-report.pdf" in page and "sample-report.pdf" not in page
    assert "sample-report.pdf" in client.get("/?year=2023").get_data(as_text=True)
    assert "old-layout-report.pdf" not in client.get("/?year=2023").get_data(as_text=True)
    doc = client.get(f"/api/documents/{sample}").get_json()
    key = "t3.new.natural_person"
    client.put(f"/api/documents/{sample}/cells/{key}", headers=headers,
               json={"value": doc["cells"][key]["value"] + 1, "expected_version": doc["cells"][key]["version"]})
    broken = client.get(f"/api/documents/{sample}").get_json()["violations"][0]["rule"]
    by_rule = client.get("/", query_string={"rule": broken}).get_data(as_text=True)
    assert "sample-report.pdf" in by_rule and "old-layout-report.pdf" not in by_rule
    assert "sample-report.pdf" in client.get("/?reviewer=alice").get_data(as_text=True)
    assert "old-layout-report.pdf" not in client.get("/?reviewer=alice").get_data(as_text=True)
    seen = client.get(f"/api/documents/{old}").get_json()["review"]["version"]
    decided = client.post(f"/api/documents/{old}/approve", headers=headers,
                           json={"reason": "其他处理未分项", "version": seen})
    assert decided.status_code == 200
    assert "old-layout-report.pdf" not in client.get("/").get_data(as_text=True)
    approved = client.get("/?status=approved").get_data(as_text=True)
    assert "old-layout-report.pdf" in approved and 'class="reopen"' not in approved   # reviewers cannot reopen
    root = app.test_client()
    root_headers = login(root, admin)
    assert 'class="reopen"' in root.get("/?status=approved").get_data(as_text=True)
    assert root.post(f"/api/documents/{old}/reopen", headers=root_headers).status_code == 200
    assert "old-layout-report.pdf" in client.get("/").get_data(as_text=True)


def test_reviewer_figures_page(app: Any, client: Any, storage: Any, reviewer: dict[str, Any], login: Any) -> None:
    from service.review.figures import reviewer_figures

    headers = login(client, reviewer)
    assert "尚无审核员修改过单元格" in client.get("/reviewers").get_data(as_text=True)
    doc_id = stored_report(storage, FIXTURES / "sample-report.pdf")
    doc = client.get(f"/api/documents/{doc_id}").get_json()
    for key, delta in (("t3.new.natural_person", 1), ("t3.new.commercial", 0)):
        cell = doc["cells"][key]
        client.put(f"/api/documents/{doc_id}/cells/{key}", headers=headers,
                   json={"value": cell["value"] + delta, "expected_version": cell["version"]})
    (row,) = reviewer_figures(storage)
    assert (row.user, row.cells, row.corrections, row.revisions) == ("alice", 2, 1, 2)
    assert row.seconds_per_cell is not None and row.seconds_per_cell < 60 and row.audit_rate is None
    page = client.get("/reviewers").get_data(as_text=True)
    assert "审核员统计" in page and "<td>alice</td>" in page


def test_accepting_keeps_the_engine_evidence(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                             tmp_path: Path) -> None:
    from uxfactory import ZERO_GROUP

    headers = login(client, reviewer)
    _, doc_id = _document(app, client, headers, tmp_path)
    key = ZERO_GROUP[0]
    cell = client.get(f"/api/documents/{doc_id}").get_json()["cells"][key]
    done = client.post(f"/api/documents/{doc_id}/cells/{key}/accept", headers=headers,
                       json={"expected_version": cell["version"]}).get_json()["document"]["cells"][key]
    assert (done["source"], done["status"], done["flagged"]) == ("human", "accepted", False)
    assert done["reasons"] == ["engine reading: 0 (printed “0”, confidence 0.55, ocr): OCR confidence 0.55"]
    again = client.put(f"/api/documents/{doc_id}/cells/{key}", headers=headers,
                       json={"value": 1, "expected_version": done["version"]}).get_json()["document"]["cells"][key]
    assert again["reasons"][0] == done["reasons"][0]                 # a second edit keeps the engine's line
