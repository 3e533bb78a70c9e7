"""Review-station extras over HTTP (Flask test client): group verification, structure repair and
the audit sample with its measured residual error rate (REVIEW_UX.md §7–9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docfactory import MISREAD_KEY, make_png
from uxfactory import BLANK_GROUP, SHIFTED_ROW, SWAPPED_ROWS, T3_COLS, ZERO_GROUP, store_ux_document


def _document(app: Any, client: Any, headers: dict[str, str], tmp_path: Path, salt: str = "",
              batch: int | None = None) -> tuple[int, int]:
    """(batch id, doc id) of an extracted document holding the uxfactory cases."""
    if batch is None:
        batch = client.post("/api/batches", json={"name": "ux"}, headers=headers).get_json()["id"]
    png = make_png(tmp_path / f"ux{salt}.png", salt)
    with png.open("rb") as fh:
        created = client.post(f"/api/batches/{batch}/documents", data={"files": (fh, png.name)}, headers=headers)
    doc_id = int(created.get_json()["documents"][0]["id"])
    app.extensions["gouji"].runner.wait()
    store_ux_document(app.extensions["gouji"].storage, doc_id)
    return batch, doc_id


def _group(client: Any, doc_id: int, gid: str) -> dict[str, Any]:
    found = client.get(f"/api/documents/{doc_id}/groups").get_json()["groups"]
    return next(g for g in found if g["id"] == gid)


def _doc(client: Any, doc_id: int) -> dict[str, Any]:
    return client.get(f"/api/documents/{doc_id}").get_json()


def test_groups_list_identical_doubtful_readings(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                                 tmp_path: Path) -> None:
    headers = login(client, reviewer)
    _, doc_id = _document(app, client, headers, tmp_path)
    found = client.get(f"/api/documents/{doc_id}/groups").get_json()["groups"]
    by_id = {g["id"]: g for g in found}
    # (the shifted and swapped rows break results sums with clear readings: report-error groups, last)
    assert [g["id"] for g in found][:2] == ["reading:0", "blank"]
    assert {g["kind"] for g in found[2:]} <= {"report_error"}
    assert [c["key"] for c in by_id["reading:0"]["cells"]] == list(ZERO_GROUP)
    assert by_id["reading:0"]["actions"] == ["accept"]
    assert by_id["blank"]["actions"] == ["blank_null", "blank_zero"]
    assert all(c["crop"].endswith("/crop.png") for c in by_id["reading:0"]["cells"])
    assert MISREAD_KEY not in {c["key"] for g in found for c in g["cells"]}   # flagged by the rules too


def test_confirming_a_group_records_one_revision_per_cell(app: Any, client: Any, reviewer: dict[str, Any],
                                                          login: Any, tmp_path: Path) -> None:
    headers = login(client, reviewer)
    _, doc_id = _document(app, client, headers, tmp_path)
    group = _group(client, doc_id, "reading:0")
    cells = [{"key": c["key"], "version": c["version"]} for c in group["cells"]]
    wrong = client.post(f"/api/documents/{doc_id}/groups/confirm", headers=headers,
                        json={"group": "reading:0", "action": "blank_zero", "cells": cells})
    assert wrong.status_code == 422
    done = client.post(f"/api/documents/{doc_id}/groups/confirm", headers=headers,
                       json={"group": "reading:0", "action": "accept", "cells": cells})
    assert done.status_code == 200, done.get_json()
    doc = done.get_json()["document"]
    for key in ZERO_GROUP:
        assert (doc["cells"][key]["status"], doc["cells"][key]["value"]) == ("accepted", 0)
        history = client.get(f"/api/documents/{doc_id}/cells/{key}/history").get_json()["history"]
        assert [(h["user"], h["action"], h["old"], h["new"]) for h in history] == [("alice", "accept", "0", "0")]
        assert history[0]["reason"].startswith("group confirmed")
    again = client.post(f"/api/documents/{doc_id}/groups/confirm", headers=headers,
                        json={"group": "reading:0", "action": "accept", "cells": cells})
    assert again.status_code == 409                                    # stale versions: nothing re-confirmed


def test_printed_blanks_kept_empty_or_set_to_zero(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                                  tmp_path: Path) -> None:
    headers = login(client, reviewer)
    _, first = _document(app, client, headers, tmp_path, "a")
    _, second = _document(app, client, headers, tmp_path, "b")
    for doc_id, action, value, status in ((first, "blank_null", None, "accepted"),
                                          (second, "blank_zero", 0, "corrected")):
        group = _group(client, doc_id, "blank")
        cells = [{"key": c["key"], "version": c["version"]} for c in group["cells"]]
        done = client.post(f"/api/documents/{doc_id}/groups/confirm", headers=headers,
                           json={"group": "blank", "action": action, "cells": cells}).get_json()["document"]
        for key in BLANK_GROUP:
            assert (done["cells"][key]["value"], done["cells"][key]["status"]) == (value, status)
            assert key not in done["review"]["order"]


def test_batch_wide_group_confirmation(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                       tmp_path: Path) -> None:
    headers = login(client, reviewer)
    batch, first = _document(app, client, headers, tmp_path, "a")
    _, second = _document(app, client, headers, tmp_path, "b", batch)
    group = next(g for g in client.get(f"/api/documents/groups?batch_id={batch}").get_json()["groups"]
                 if g["id"] == "reading:0")
    assert group["size"] == 6 and {c["document_id"] for c in group["cells"]} == {first, second}
    cells = [{"document_id": c["document_id"], "key": c["key"], "version": c["version"]} for c in group["cells"]]
    result = client.post("/api/documents/groups/confirm", headers=headers,
                         json={"group": "reading:0", "action": "accept", "cells": cells}).get_json()
    assert result == {"confirmed": {str(first): 3, str(second): 3}, "failed": {}}


def _versions(doc: dict[str, Any], *rows: str) -> dict[str, int]:
    return {k: c["version"] for k, c in doc["cells"].items() if k.rsplit(".", 1)[0] in rows}


def test_shift_a_row_one_column(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                tmp_path: Path) -> None:
    headers = login(client, reviewer)
    _, doc_id = _document(app, client, headers, tmp_path)
    before = _doc(client, doc_id)
    url = f"/api/documents/{doc_id}/rows/shift"
    partial = {k: v for k, v in list(_versions(before, SHIFTED_ROW).items())[:3]}
    assert client.post(url, headers=headers, json={"row": SHIFTED_ROW, "direction": "right",
                                                   "expected_versions": partial}).status_code == 422
    done = client.post(url, headers=headers, json={"row": SHIFTED_ROW, "direction": "right",
                                                   "expected_versions": _versions(before, SHIFTED_ROW)})
    assert done.status_code == 200, done.get_json()
    doc = done.get_json()["document"]
    values = [doc["cells"][f"{SHIFTED_ROW}.{c}"]["value"] for c in T3_COLS]
    assert values == [None, 2, 3, 4, 5, 6, 37]
    first = doc["cells"][f"{SHIFTED_ROW}.natural_person"]
    assert first["status"] == "flagged" and any("structure repair" in r for r in first["reasons"])
    moved = doc["cells"][f"{SHIFTED_ROW}.total"]
    assert (moved["source"], moved["status"]) == ("human", "corrected")
    assert moved["bbox"] == before["cells"][f"{SHIFTED_ROW}.other"]["bbox"]     # the evidence moved along
    for col in T3_COLS:
        history = client.get(f"/api/documents/{doc_id}/cells/{SHIFTED_ROW}.{col}/history").get_json()["history"]
        assert len(history) == 1 and "shifted one column right" in history[0]["reason"]
    key = f"{SHIFTED_ROW}.natural_person"                               # the reviewer types the lost value
    typed = client.put(f"/api/documents/{doc_id}/cells/{key}", headers=headers,
                       json={"value": 17, "expected_version": first["version"]}).get_json()["document"]
    assert not [v for v in typed["violations"] if SHIFTED_ROW.split(".")[1] in v["rule"]]


def test_reassign_a_row_to_its_canonical_label(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                               tmp_path: Path) -> None:
    headers = login(client, reviewer)
    _, doc_id = _document(app, client, headers, tmp_path)
    before = _doc(client, doc_id)
    a, b = SWAPPED_ROWS
    assert [r["row"] for r in before["review"]["rows"]["t3"]][:3] == ["t3.new", "t3.carried_over", "t3.disclosed"]
    broken_before = {v["rule"] for v in before["violations"]}   # keeps every column sum as it was
    done = client.post(f"/api/documents/{doc_id}/rows/move", headers=headers,
                       json={"row": b, "to": a, "expected_versions": _versions(before, a, b)})
    assert done.status_code == 200, done.get_json()
    doc = done.get_json()["document"]
    assert [doc["cells"][f"{a}.{c}"]["value"] for c in T3_COLS] == [1, 1, 1, 1, 1, 1, 6]
    assert [doc["cells"][f"{b}.{c}"]["value"] for c in T3_COLS] == [0] * 7
    assert {v["rule"] for v in doc["violations"]} == broken_before   # re-validated; a swap of two result rows
    history = client.get(f"/api/documents/{doc_id}/cells/{a}.total/history").get_json()["history"]
    assert [(h["old"], h["new"]) for h in history] == [("0", "6")]
    other = client.post(f"/api/documents/{doc_id}/rows/move", headers=headers,
                        json={"row": a, "to": "t4.review", "expected_versions": {}})
    assert other.status_code == 422


def test_audit_sample_and_measured_error_rate(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                              tmp_path: Path) -> None:
    headers = login(client, reviewer)
    batch, doc_id = _document(app, client, headers, tmp_path)
    assert client.get(f"/api/documents/audit?batch_id={batch}").get_json()["text"] == "audit: no sample drawn yet"
    drawn = client.post("/api/documents/audit", headers=headers, json={"batch_id": batch, "seed": "s1"}).get_json()
    assert (drawn["sampled"], drawn["checked"], drawn["documents"]) == (5, 0, 1)
    doc = _doc(client, doc_id)
    sample = doc["review"]["audit"]
    assert len(sample) == 5 and doc["review"]["order"][-5:] == sample
    assert all(doc["cells"][k]["status"] == "ok" and doc["cells"][k]["audit"] for k in sample)
    redraw = client.post("/api/documents/audit", headers=headers, json={"batch_id": batch}).get_json()
    assert redraw["sampled"] == 5                                        # one sample per document

    other_batch, other = _document(app, client, headers, tmp_path, batch=None)   # same file, another batch
    client.post("/api/documents/audit", headers=headers, json={"batch_id": other_batch, "seed": "s1"})
    assert _doc(client, other)["review"]["audit"] == sample              # seeded: reproducible

    for key in sample[:4]:
        client.post(f"/api/documents/{doc_id}/cells/{key}/accept", headers=headers,
                    json={"expected_version": doc["cells"][key]["version"]})
    last = sample[4]
    wrong = (doc["cells"][last]["value"] or 0) + 1
    client.put(f"/api/documents/{doc_id}/cells/{last}", headers=headers,
               json={"value": wrong, "expected_version": doc["cells"][last]["version"]})
    figure = client.get(f"/api/documents/audit?batch_id={batch}").get_json()
    assert (figure["checked"], figure["corrected"], figure["rate"]) == (5, 1, 0.2)
    assert 0.2 < figure["upper95"] < 1
    assert figure["text"].startswith("audit: 5 checked, 1 corrected → estimated residual error rate 20.00 %")
    assert _doc(client, doc_id)["review"]["audit"] == []
    assert client.post("/api/documents/audit", headers=headers,
                       json={"batch_id": batch, "rate": 3}).status_code == 422
