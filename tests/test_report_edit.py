"""Report metadata (agency, year) and approval go through the lease, the version and the trail.

Before: ``PATCH /report`` ignored the lease, left no revision and an empty body cleared agency and
year; approval was not tied to the version the reviewer saw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import PASSWORD
from test_api import _extracted

from service.storage.tables import Role
from service.storage.users import add_user


def _doc(client: Any, doc_id: int) -> dict[str, Any]:
    return client.get(f"/api/documents/{doc_id}").get_json()


def _patch(client: Any, doc_id: int, headers: dict[str, str], **body: Any) -> Any:
    return client.patch(f"/api/documents/{doc_id}/report", json=body, headers=headers)


def test_partial_update_keeps_fields_left_out(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                              tmp_path: Path) -> None:
    headers = login(client, reviewer)
    doc_id = _extracted(app, client, headers, tmp_path)
    v = _doc(client, doc_id)["review"]["version"]
    assert _patch(client, doc_id, headers, agency="某县", year=2022, expected_version=v).status_code == 200
    v = _doc(client, doc_id)["review"]["version"]
    assert _patch(client, doc_id, headers, expected_version=v).status_code == 200     # empty: nothing changes
    assert _doc(client, doc_id)["report"]["agency"] == "某县" and _doc(client, doc_id)["report"]["year"] == 2022
    assert _patch(client, doc_id, headers, year=2023, expected_version=v).status_code == 200
    doc = _doc(client, doc_id)
    assert (doc["report"]["agency"], doc["report"]["year"]) == ("某县", 2023)
    history = client.get(f"/api/documents/{doc_id}/cells/report.year/history").get_json()["history"]
    assert [(h["user"], h["action"], h["old"], h["new"]) for h in history] == [
        ("alice", "report", "2021", "2022"), ("alice", "report", "2022", "2023")]


def test_stale_version_and_foreign_lease_are_refused(app: Any, client: Any, storage: Any,
                                                     reviewer: dict[str, Any], login: Any, tmp_path: Path) -> None:
    headers = login(client, reviewer)
    doc_id = _extracted(app, client, headers, tmp_path)
    v = _doc(client, doc_id)["review"]["version"]
    assert _patch(client, doc_id, headers, agency="甲", expected_version=v).status_code == 200
    stale = _patch(client, doc_id, headers, agency="乙", expected_version=v)
    assert stale.status_code == 409 and _doc(client, doc_id)["report"]["agency"] == "甲"
    assert _patch(client, doc_id, headers, agency="乙").status_code == 400     # the version is required
    add_user(storage.db, "bob", PASSWORD, Role.REVIEWER)
    bob = app.test_client()
    bob_headers = login(bob, {"username": "bob", "password": PASSWORD})
    v = _doc(client, doc_id)["review"]["version"]
    taken = _patch(bob, doc_id, bob_headers, agency="丙", expected_version=v)   # alice holds the lease
    assert taken.status_code == 409 and _doc(client, doc_id)["report"]["agency"] == "甲"


def test_approval_is_bound_to_the_version_seen(app: Any, client: Any, reviewer: dict[str, Any], login: Any,
                                               tmp_path: Path) -> None:
    headers = login(client, reviewer)
    doc_id = _extracted(app, client, headers, tmp_path)
    base = f"/api/documents/{doc_id}"
    seen = _doc(client, doc_id)["review"]["version"]
    assert _patch(client, doc_id, headers, agency="某县", year=2021, expected_version=seen).status_code == 200
    stale = client.post(base + "/approve", json={"reason": "totals wrong", "version": seen}, headers=headers)
    assert stale.status_code == 409 and _doc(client, doc_id)["review"]["status"] == "review"
    assert client.post(base + "/approve", json={"reason": "totals wrong"}, headers=headers).status_code == 400
    now = _doc(client, doc_id)["review"]["version"]
    ok = client.post(base + "/approve", json={"reason": "totals wrong", "version": now}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["status"] == "approved"
