"""Sessions end on the next request after a logout, a role change or a deactivation.

The cookie is signed, so the server must not trust what it says about the user: each request reloads
the user and compares ``users.session_version`` with the version the cookie was issued under.
"""

from __future__ import annotations

from typing import Any

import pytest

from service.storage.tables import Role
from service.storage.users import set_active, set_role


def _replay(client: Any, cookie: str) -> int:
    client.set_cookie("session", cookie)
    return int(client.get("/api/batches").status_code)


def test_logout_ends_the_session_even_for_a_copied_cookie(client: Any, reviewer: dict[str, Any], login: Any) -> None:
    headers = login(client, reviewer)
    stolen = client.get_cookie("session").value
    assert _replay(client, stolen) == 200
    assert client.post("/logout", headers=headers).status_code == 302
    assert _replay(client, stolen) == 401


def test_demoted_admin_loses_admin_rights_at_once(app: Any, storage: Any, admin: dict[str, Any], login: Any) -> None:
    client = app.test_client()
    headers = login(client, admin)
    cookie = client.get_cookie("session").value
    assert client.post("/api/documents/1/reopen", headers=headers).status_code != 403  # 404: no such doc
    set_role(storage.db, admin["username"], Role.REVIEWER)
    assert _replay(client, cookie) == 401  # the old session is over
    headers = login(client, admin)
    assert client.get("/api/session").get_json()["user"]["role"] == "reviewer"
    assert client.post("/api/documents/1/reopen", headers=headers).status_code == 403


def test_deactivated_user_is_out_on_the_next_request(client: Any, storage: Any, reviewer: dict[str, Any],
                                                     login: Any) -> None:
    login(client, reviewer)
    assert client.get("/api/batches").status_code == 200
    set_active(storage.db, reviewer["username"], False)
    assert client.get("/api/batches").status_code == 401
    assert client.get("/").status_code == 302


def test_cli_changes_role_and_deactivates(runner: Any, storage: Any, reviewer: dict[str, Any],
                                          monkeypatch: Any) -> None:
    from service.cli import main
    from service.storage.users import get_user

    monkeypatch.setenv("GOUJI_DATA_DIR", str(storage.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", storage.settings.database_url)
    assert runner.invoke(main, ["user", "role", "alice", "admin"]).exit_code == 0
    assert runner.invoke(main, ["user", "deactivate", "alice"]).exit_code == 0
    row = get_user(storage.db, reviewer["id"])
    assert (row.role, row.active, row.session_version) == ("admin", False, 2)
    assert runner.invoke(main, ["user", "deactivate", "nobody"]).exit_code != 0


def test_the_request_user_is_a_typed_account(client: Any, admin: dict[str, Any], login: Any) -> None:
    """``g.user`` is a frozen ``Account`` (no dict, no password hash); the JSON and pages show it."""
    import dataclasses

    from flask import g

    from service.storage.users import Account

    login(client, admin)
    with client:
        got = client.get("/api/session").get_json()["user"]
        user = g.user
    assert isinstance(user, Account) and user.role is Role.ADMIN and user.has_role(Role.REVIEWER)
    assert got == {"id": admin["id"], "name": admin["username"], "role": "admin"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.role = Role.REVIEWER  # type: ignore[misc]
    page = client.get("/").get_data(as_text=True)
    assert f'{admin["username"]} (' in page
