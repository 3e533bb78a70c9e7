"""Security: every route's authentication and role, CSRF, cookies, headers, file names, SQL, ruff S,
password hashing and failed-login throttling."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import require

from service.storage.users import SCRYPT_N, hash_password

ROOT = Path(__file__).resolve().parent.parent
PUBLIC, REVIEWER, ADMIN = "public", "reviewer", "admin"
# Every endpoint must be classified here: a new route fails this test until someone decides who may use it.
ROLES = {
    "static": PUBLIC, "auth.login": PUBLIC,
    "auth.logout": REVIEWER, "auth.session_info": REVIEWER,
    "batches.index": REVIEWER, "batches.create": REVIEWER, "batches.documents": REVIEWER,
    "batches.upload": REVIEWER,
    "documents.queue": REVIEWER, "documents.show": REVIEWER, "documents.status": REVIEWER,
    "documents.page_image": REVIEWER, "documents.crop": REVIEWER, "documents.correct": REVIEWER,
    "documents.accept": REVIEWER, "documents.lock": REVIEWER, "documents.unlock": REVIEWER,
    "documents.history": REVIEWER, "documents.report_info": REVIEWER, "documents.approve": REVIEWER,
    "documents.reject": REVIEWER, "documents.reopen": ADMIN, "documents.reprocess": ADMIN,
    "review.groups_of_document": REVIEWER, "review.groups_of_batch": REVIEWER,
    "review.confirm_group": REVIEWER, "review.confirm_batch_group": REVIEWER,
    "review.shift_row": REVIEWER, "review.move_row": REVIEWER,
    "review.audit_figure": REVIEWER, "review.draw_audit": REVIEWER,
    "exports.create": REVIEWER, "exports.download": REVIEWER,
    "jobs.failed": REVIEWER, "jobs.retry_one": REVIEWER,
    "meta.openapi": REVIEWER,
    "pages.queue": REVIEWER, "pages.batch": REVIEWER, "pages.document": REVIEWER,
    "archive.index": REVIEWER, "archive.coverage_file": REVIEWER, "archive.issues_file": REVIEWER,
    "archive.decide": REVIEWER,
    "archive_api.intake": REVIEWER, "archive_api.agencies": REVIEWER, "archive_api.merge": ADMIN,
    "archive_api.split": ADMIN, "archive_api.rename": ADMIN, "archive_api.decisions": REVIEWER,
    "archive_api.resolve": REVIEWER, "archive_api.document_cross": REVIEWER, "archive_api.issues": REVIEWER,
    "archive_api.coverage_json": REVIEWER,
    # review station (branch reviewui)
    "i18n.choose_language": PUBLIC, "documents.release_beacon": REVIEWER, "documents.next_document": REVIEWER,
    "review.preview_shift": REVIEWER, "review.undo_repair": REVIEWER, "review.draw_box": REVIEWER,
    "review.choose_current": REVIEWER, "pages.reviewers": REVIEWER,
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _url(rule: Any) -> str:
    ints = ("doc_id", "batch_id", "page", "agency_id", "decision_id")
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1" if m.group(1) in ints else "x", rule.rule)


def _routes(app: Any) -> list[tuple[Any, str]]:
    return [(rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def test_every_route_is_classified(app: Any) -> None:
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(ROLES)


def test_every_route_needs_a_session_and_the_right_role(app: Any, reviewer: dict[str, Any], login: Any) -> None:
    anonymous = app.test_client()
    for rule, method in _routes(app):
        if ROLES[rule.endpoint] == PUBLIC:
            continue
        status = anonymous.open(_url(rule), method=method).status_code
        assert status in ((401, 302) if method not in UNSAFE else (401, 302, 403)), (rule.rule, method, status)
    user = app.test_client()
    headers = login(user, reviewer)
    for rule, method in _routes(app):
        if ROLES[rule.endpoint] == ADMIN:
            status = user.open(_url(rule), method=method, headers=headers, json={}).status_code
            assert status == 403, (rule.rule, method, status)


def test_every_state_change_needs_the_csrf_token(app: Any, reviewer: dict[str, Any], login: Any) -> None:
    user = app.test_client()
    login(user, reviewer)
    for rule, method in _routes(app):
        if method in UNSAFE:
            response = user.open(_url(rule), method=method, json={}, headers={"X-CSRF-Token": "forged"})
            assert response.status_code == 403, (rule.rule, method, response.status_code)


def test_only_admins_export_into_a_database(client: Any, reviewer: dict[str, Any], login: Any) -> None:
    headers = login(client, reviewer)
    response = client.post("/api/exports", json={"target": "warehouse"}, headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize("secure", [False, True])
def test_session_cookie_flags(storage: Any, reviewer: dict[str, Any], login: Any, monkeypatch: pytest.MonkeyPatch,
                              secure: bool) -> None:
    from review_ui import create_app

    if secure:
        monkeypatch.setenv("GOUJI_COOKIE_SECURE", "1")
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "STORAGE": storage, "JOB_RUNNER": "thread"})
    client = app.test_client()
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax" and cookie.secure is secure
    app.extensions["gouji"].runner.shutdown()


@pytest.mark.parametrize("path", ["/login", "/", "/api/batches", "/api/documents/999", "/nope"])
def test_security_headers_everywhere(client: Any, reviewer: dict[str, Any], login: Any, path: str) -> None:
    login(client, reviewer)
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_handlers() -> None:
    templates = sorted((ROOT / "review_ui" / "templates").glob("*.html"))
    assert len(templates) >= 5, templates  # an empty glob must not pass
    for template in templates:
        html = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), template.name
        assert not re.search(r"\son[a-z]+\s*=", html), template.name
        assert "javascript:" not in html, template.name


@pytest.mark.parametrize("name", ["../../../../tmp/evil.png", "..\\..\\evil.png", "/etc/passwd", "a/./../b.png",
                                  "evil\x00.png", "\u202eevil.png"])
def test_upload_names_are_never_paths(client: Any, storage: Any, reviewer: dict[str, Any], login: Any,
                                      tmp_path: Path, name: str) -> None:
    from docfactory import make_png

    headers = login(client, reviewer)
    batch = client.post("/api/batches", json={"name": "b"}, headers=headers).get_json()["id"]
    png = make_png(tmp_path / "r.png", salt=name)
    before = set(tmp_path.rglob("*"))
    with png.open("rb") as fh:
        response = client.post(f"/api/batches/{batch}/documents", data={"files": (fh, name)}, headers=headers)
    doc = response.get_json()["documents"][0]
    assert "/" not in doc["filename"] and "\\" not in doc["filename"] and doc["filename"].isprintable()
    new = {p for p in set(tmp_path.rglob("*")) - before if p.is_file()}
    kept = storage.settings.files_dir / doc["sha256"][:2] / doc["sha256"]
    assert kept in new and all(storage.settings.data_dir in p.parents for p in new), new
    assert not any("evil" in p.name or "passwd" in p.name for p in new)


def _sql_calls(tree: ast.AST) -> list[ast.Call]:
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        sqlalchemy_text = name == "text" and (isinstance(func, ast.Name) or (
            isinstance(func.value, ast.Name) and func.value.id in ("sa", "sqlalchemy")))  # not ImageDraw.text
        first = node.args[0]
        formatted = isinstance(first, ast.JoinedStr | ast.BinOp) or (
            isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute) and first.func.attr == "format")
        if sqlalchemy_text or name == "exec_driver_sql" or (name in ("execute", "executescript") and formatted):
            out.append(node)
    return out


def test_sql_is_built_by_the_orm_or_bound_parameters() -> None:
    """Raw SQL only as constant strings (values are bound parameters), never formatted."""
    offenders = []
    for folder in ("service", "review_ui", "workers"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for call in _sql_calls(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
                    offenders.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert offenders == []


def test_ruff_security_rules_are_clean() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    require(ruff.exists(), "ruff is not installed in this environment")
    # the S rules with pyproject's reviewed exceptions (assert, non-crypto random, subprocess without shell)
    done = subprocess.run([str(ruff), "check", "--select", "S", "--ignore", "S101,S311,S603,S607", "--quiet", "."],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_passwords_use_scrypt() -> None:
    stored = hash_password("correct-horse-1")
    scheme, n, r, p, salt, key = stored.split("$")
    assert scheme == "scrypt" and int(n) >= 2**14 == SCRYPT_N and len(bytes.fromhex(salt)) >= 16
    assert "correct-horse-1" not in stored and stored != hash_password("correct-horse-1")


def _login(client: Any, username: str, password: str, ip: str) -> int:
    page = client.get("/login", environ_base={"REMOTE_ADDR": ip}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": ip}).status_code


def test_failed_logins_are_throttled_per_user_and_address(app: Any, reviewer: dict[str, Any]) -> None:
    attacker, victim = app.test_client(), app.test_client()
    assert [_login(attacker, "alice", "wrong", "10.0.0.1") for _ in range(5)] == [401] * 5
    assert _login(attacker, "alice", reviewer["password"], "10.0.0.1") == 429   # even the right password
    assert _login(attacker, "ALICE ", "wrong", "10.0.0.1") == 429                 # same user, other spelling
    assert _login(victim, "alice", reviewer["password"], "10.0.0.2") == 302       # others are not locked out
    assert _login(attacker, "bob", "wrong", "10.0.0.1") == 401


def test_a_success_clears_the_failure_count(app: Any, reviewer: dict[str, Any]) -> None:
    client = app.test_client()
    assert [_login(client, "alice", "wrong", "10.0.0.3") for _ in range(4)] == [401] * 4
    assert _login(client, "alice", reviewer["password"], "10.0.0.3") == 302
    assert [_login(client, "alice", "wrong", "10.0.0.3") for _ in range(4)] == [401] * 4


def test_throttle_lockout_expires() -> None:
    from review_ui.throttle import LoginThrottle

    throttle = LoginThrottle(max_failures=2, window_s=60, lockout_s=30)
    key = LoginThrottle.key("alice", "1.2.3.4")
    throttle.failed(key, now=0)
    throttle.failed(key, now=1)
    assert throttle.retry_after(key, now=2) == 29 and throttle.retry_after(key, now=31) == 0
