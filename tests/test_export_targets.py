"""Database exports from the web API go only to targets the operator configured, named, never a URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from service.export.targets import parse_targets


def _app(storage: Any, targets: dict[str, str]) -> Any:
    from review_ui import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "k", "STORAGE": storage, "JOB_RUNNER": "thread",
                       "EXPORT_TARGETS": targets})


def test_raw_urls_are_refused(client: Any, admin: dict[str, Any], login: Any, tmp_path: Path) -> None:
    headers = login(client, admin)
    outside = tmp_path / "outside.db"
    response = client.post("/api/exports", json={"database_url": f"sqlite:///{outside}"}, headers=headers)
    assert response.status_code == 400 and not outside.exists()
    unknown = client.post("/api/exports", json={"target": "elsewhere"}, headers=headers)
    assert unknown.status_code == 422 and not outside.exists()


def test_a_configured_target_is_used_by_name(storage: Any, admin: dict[str, Any], login: Any,
                                             tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    app = _app(storage, {"warehouse": url})
    client = app.test_client()
    headers = login(client, admin)
    response = client.post("/api/exports", json={"target": "warehouse"}, headers=headers)
    assert response.status_code == 201 and response.get_json()["target"] == "warehouse"
    with create_engine(url).connect() as conn:
        assert conn.execute(text("select count(*) from sqlite_master")).scalar() >= 1
    app.extensions["gouji"].runner.shutdown()


def test_target_spec_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_targets("a=sqlite:///x.db, b=postgresql://u@h/db") == {
        "a": "sqlite:///x.db", "b": "postgresql://u@h/db"}
    assert parse_targets("") == {}
    with pytest.raises(ValueError):
        parse_targets("nourl")
    monkeypatch.setenv("GOUJI_EXPORT_TARGETS", "w=sqlite:///w.db")
    from review_ui.config import build_config

    assert build_config()["EXPORT_TARGETS"] == {"w": "sqlite:///w.db"}


def test_upload_limit_is_one_setting(storage: Any) -> None:
    """The request cap follows the storage's per-file limit (it was fixed at 210 MB before)."""
    from dataclasses import replace

    storage.settings = replace(storage.settings, max_upload_mb=300)
    app = _app(storage, {})
    assert app.config["MAX_CONTENT_LENGTH"] == (300 + 10) * 1024 * 1024
    app.extensions["gouji"].runner.shutdown()
