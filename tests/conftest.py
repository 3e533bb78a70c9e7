"""Shared fixtures: storages on SQLite and PostgreSQL, the Flask ``app``/``client``, a CLI ``runner``.

PostgreSQL tests create a throwaway database on ``GOUJI_TEST_PG`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``) and skip only when that server is unreachable.

``require(condition, why)`` is the one way a test may give up for a missing service, engine or
browser: it skips normally, and FAILS when ``GOUJI_REQUIRE_SERVICES=1`` (exported by ``.ci/run``), so
CI can never pass by quietly skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.storage import Storage, StorageSettings
from service.storage.settings import normalise_url
from service.storage.tables import Role
from service.storage.users import add_user

PG_ADMIN_URL = os.environ.get("GOUJI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct-horse-1"


def services_required() -> bool:
    """True when a missing service must fail the test (``GOUJI_REQUIRE_SERVICES=1``, set by CI)."""
    return os.environ.get("GOUJI_REQUIRE_SERVICES", "") == "1"


def require(condition: object, why: str) -> None:
    """Skip the test unless ``condition`` holds; under ``GOUJI_REQUIRE_SERVICES=1`` fail instead."""
    if condition:
        return
    if services_required():
        pytest.fail(f"required by GOUJI_REQUIRE_SERVICES=1: {why}", pytrace=False)
    pytest.skip(why)


def _pg_admin() -> Any:
    import psycopg2

    try:
        conn = psycopg2.connect(PG_ADMIN_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        require(False, f"PostgreSQL unreachable: {exc}".splitlines()[0])
    conn.autocommit = True
    return conn


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    yield from _pg_database()


@pytest.fixture
def pg_url_2() -> Iterator[str]:
    """A second fresh PostgreSQL database (e.g. the target of a restore)."""
    yield from _pg_database()


def _pg_database() -> Iterator[str]:
    name = f"gouji_test_{uuid.uuid4().hex[:12]}"
    conn = _pg_admin()
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gouji.db'}"
    return str(request.getfixturevalue("pg_url"))


def make_storage(data_dir: Path, url: str, **overrides: Any) -> Storage:
    settings = StorageSettings(data_dir=data_dir, database_url=normalise_url(url), extractor="docfactory:fake_extract",
                               job_retry_intervals_s=(0,), **overrides)
    return Storage.open(settings)


@pytest.fixture
def any_storage(tmp_path: Path, db_url: str) -> Iterator[Storage]:
    """A migrated storage, once on SQLite and once on PostgreSQL."""
    st = make_storage(tmp_path / "data", db_url)
    yield st
    st.close()


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    """A migrated SQLite storage in a temporary data dir."""
    st = make_storage(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'gouji.db'}")
    yield st
    st.close()


@pytest.fixture
def app(storage: Storage) -> Iterator[Any]:
    """The web app on ``storage``, with the in-process job runner and the fake extractor."""
    from docfactory import fake_extract

    from review_ui import create_app

    flask_app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "STORAGE": storage,
                            "JOB_RUNNER": "thread", "EXTRACTOR": fake_extract})
    yield flask_app
    flask_app.extensions["gouji"].runner.shutdown()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def reviewer(storage: Storage) -> dict[str, Any]:
    user_id = add_user(storage.db, "alice", PASSWORD, Role.REVIEWER)
    return {"id": user_id, "username": "alice", "password": PASSWORD}


@pytest.fixture
def admin(storage: Storage) -> dict[str, Any]:
    user_id = add_user(storage.db, "root", PASSWORD, Role.ADMIN)
    return {"id": user_id, "username": "root", "password": PASSWORD}


def form_login(client: Any, username: str, password: str) -> dict[str, str]:
    """Log ``client`` (a Flask test client) in through the HTML form; returns the CSRF header."""
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return {"X-CSRF-Token": client.get("/api/session").get_json()["csrf_token"]}


@pytest.fixture
def login() -> Any:
    """``login(client, user) → headers``: logs in through the HTML form, returns the CSRF header."""
    return lambda client, user: form_login(client, user["username"], user["password"])
