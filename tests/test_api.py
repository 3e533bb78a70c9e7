"""The JSON API with the Flask test client: auth, CSRF, upload → job → review → approve → export."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from docfactory import MISREAD_KEY, TRUE_VALUE, make_png

from service.formats import all_keys


def _upload(client: Any, headers: dict[str, str], png: Path, batch: int | None = None) -> dict[str, Any]:
    if batch is None:
        batch = client.post("/api/batches", json={"name": "t"}, headers=headers).get_json()["id"]
    with png.open("rb") as fh:
        response = client.post(f"/api/batches/{batch}/documents", data={"files": (fh, png.name)},
                               headers=headers)
    assert response.status_code == 201
    return {"batch": batch, **response.get_json()["documents"][0]}


def _extracted(app: Any, client: Any, headers: dict[str, str], tmp_path: Path, salt: str = "") -> int:
    doc = _upload(client, headers, make_png(tmp_path / f"r{salt}.png", salt))
    app.extensions["gouji"].runner.wait()
    return int(doc["id"])


def _url(rule: Any) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1" if m.group(1) in ("doc_id", "batch_id", "page") else "x",
                  rule.rule)


def test_every_route_but_login_needs_a_session(app: Any, client: Any) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("auth.login", "static"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(_url(rule), method=method)
            assert response.status_code in (302, 401, 403), (rule.rule, method, response.status_code)
            if method == "GET":
                assert response.status_code in (302, 401), rule.rule


def test_state_changes_need_the_csrf_token(client: Any, reviewer: dict[str, Any], login: Any) -> None:
    assert client.post("/login", data={"username": "alice", "password": reviewer["password"]}).status_code == 403
    headers = login(client, reviewer)
    assert client.post("/api/batches", json={"name": "x"}).status_code == 403
    assert client.post("/api/batches", json={"name": "x"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/api/batches", json={"name": "x"}, headers=headers).status_code == 201


def test_wrong_password_is_refused(client: Any, reviewer: dict[str, Any]) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "alice", "password": "nope", "csrf_token": token})
    assert response.status_code == 401 and client.get("/api/batches").status_code == 401


def test_login_does_not_redirect_off_site(client: Any, reviewer: dict[str, Any]) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "alice", "password": reviewer["password"],
                                            "csrf_token": token, "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_upload_extract_and_read_the_contract(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                              tmp_path: Path) -> None:
    headers = login(client, reviewer)
    png = make_png(tmp_path / "r.png")
    first = _upload(client, headers, png)
    again = _upload(client, headers, png, first["batch"])
    assert first["created"] and first["job"] and not again["created"] and again["job"] is None
    assert again["id"] == first["id"]
    app.extensions["gouji"].runner.wait()
    listing = client.get(f"/api/batches/{first['batch']}/documents").get_json()["documents"]
    assert [(d["status"], d["progress"]) for d in listing] == [("review", 100)]
    doc = client.get(f"/api/documents/{first['id']}").get_json()
    assert doc["schema"] == "gouji.report/1" and set(doc["cells"]) == set(all_keys())
    assert doc["source"]["path"] == "r.png" and doc["needs_review"] is True
    assert doc["review"]["order"] == [MISREAD_KEY] and doc["cells"][MISREAD_KEY]["suggestion"] == TRUE_VALUE
    assert client.get(f"/api/documents/{first['id']}/pages/1.png").data.startswith(b"\x89PNG")
    assert client.get(f"/api/documents/{first['id']}/cells/{MISREAD_KEY}/crop.png").data.startswith(b"\x89PNG")
    assert client.get("/api/documents").get_json()["documents"][0]["id"] == first["id"]


def test_correction_conflict_and_history(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                         tmp_path: Path) -> None:
    headers = login(client, reviewer)
    doc_id = _extracted(app, client, headers, tmp_path)
    url = f"/api/documents/{doc_id}/cells/{MISREAD_KEY}"
    assert client.put(url, json={"value": "abc", "expected_version": 1}, headers=headers).status_code == 400
    saved = client.put(url, json={"value": str(TRUE_VALUE), "expected_version": 1, "reason": "misread"},
                       headers=headers)
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    document = saved.get_json()["document"]
    assert document["violations"] == [] and document["review"]["order"] == []
    assert document["cells"][MISREAD_KEY]["source"] == "human"
    stale = client.put(url, json={"value": 5, "expected_version": 1}, headers=headers)
    assert stale.status_code == 409 and stale.get_json()["current"]["value"] == str(TRUE_VALUE)
    history = client.get(url + "/history").get_json()["history"]
    assert [(h["user"], h["old"], h["new"]) for h in history] == [("alice", "19", "18")]


def test_approve_reject_and_roles(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                  tmp_path: Path) -> None:
    headers = login(client, reviewer)
    doc_id = _extracted(app, client, headers, tmp_path)
    base = f"/api/documents/{doc_id}"
    seen = client.get(base).get_json()["review"]["version"]
    refused = client.post(base + "/approve", json={"version": seen}, headers=headers)
    assert refused.status_code == 422 and "理由" in refused.get_json()["error"]   # the reader's language (zh)
    assert client.post(base + "/reject", json={}, headers=headers).status_code == 400   # the spec requires reason
    assert client.post(base + "/reject", json={"reason": " "}, headers=headers).status_code == 422
    seen = client.get(base).get_json()["review"]["version"]
    approved = client.post(base + "/approve", json={"reason": "printed totals are wrong", "version": seen},
                           headers=headers)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    decision = client.get(base).get_json()["review"]["decision"]
    assert decision["by"] == "alice" and decision["reason"] == "printed totals are wrong"
    assert client.post(base + "/reopen", headers=headers).status_code == 403


def test_report_info_and_unknown_objects(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                         tmp_path: Path) -> None:
    headers = login(client, reviewer)
    doc_id = _extracted(app, client, headers, tmp_path)
    seen = client.get(f"/api/documents/{doc_id}").get_json()["review"]["version"]
    response = client.patch(f"/api/documents/{doc_id}/report",
                            json={"agency": "某县", "year": 2022, "expected_version": seen}, headers=headers)
    assert response.status_code == 200 and response.get_json()["report"]["agency"] == "某县"
    assert client.get("/api/documents/999").status_code == 404
    assert client.get(f"/api/documents/{doc_id}/cells/t9.x.y/history").get_json()["history"] == []
    assert client.put(f"/api/documents/{doc_id}/cells/t9.x.y", json={"value": 1, "expected_version": 1},
                      headers=headers).status_code == 404


def test_bad_input_ends_as_document_error(storage: Any, reviewer: dict[str, Any], login: Any,
                                          tmp_path: Path) -> None:
    from docfactory import bad_input_extract

    from review_ui import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "STORAGE": storage, "JOB_RUNNER": "thread",
                      "EXTRACTOR": bad_input_extract})
    client = app.test_client()
    headers = login(client, reviewer)
    junk = tmp_path / "junk.txt"
    junk.write_text("not a report")
    doc = _upload(client, headers, junk)
    app.extensions["gouji"].runner.wait()
    status = client.get(f"/api/documents/{doc['id']}/status").get_json()
    assert status["status"] == "error" and status["error"].startswith("unsupported file type")
    app.extensions["gouji"].runner.shutdown()


def test_openapi_documents_every_api_route(app: Any, client: Any, reviewer: dict[str, Any], login: Any) -> None:
    login(client, reviewer)
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, item in spec["paths"].items() for method in item if method != "parameters"}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


@pytest.mark.parametrize("path", ["/", "/documents/1", "/batches/1"])
def test_pages_send_a_strict_csp(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                 tmp_path: Path, path: str) -> None:
    headers = login(client, reviewer)
    _extracted(app, client, headers, tmp_path)
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in response.get_data(as_text=True) and " style=" not in response.get_data(as_text=True)


def test_review_lease_over_http(app: Any, client: Any, reviewer: dict[str, Any], admin: dict[str, Any],
                                login: Any, tmp_path: Path) -> None:
    headers = login(client, reviewer)
    doc_id = _extracted(app, client, headers, tmp_path)
    assert client.post(f"/api/documents/{doc_id}/lock", headers=headers).get_json()["user"] == "alice"
    other = app.test_client()
    other_headers = login(other, admin)
    taken = other.post(f"/api/documents/{doc_id}/lock", headers=other_headers)
    assert taken.status_code == 409 and taken.get_json()["current"]["user"] == "alice"
    edit = other.post(f"/api/documents/{doc_id}/cells/{MISREAD_KEY}/accept", json={"expected_version": 1},
                      headers=other_headers)
    assert edit.status_code == 409
    assert client.delete(f"/api/documents/{doc_id}/lock", headers=headers).status_code == 200
    assert other.post(f"/api/documents/{doc_id}/lock", headers=other_headers).status_code == 200
