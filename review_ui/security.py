"""Sessions, roles and CSRF.

- every route except ``auth.login`` and static files needs a logged-in session (HTML routes are
  redirected to the login page, ``/api/`` routes get 401 JSON);
- every state-changing request (POST/PUT/PATCH/DELETE) must carry the session's CSRF token, in the
  ``X-CSRF-Token`` header or a ``csrf_token`` form field (403 otherwise);
- ``require_role(Role.ADMIN)`` guards admin-only views.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, jsonify, redirect, request, session, url_for

from service.storage.tables import Role
from service.storage.users import Account

PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "i18n.choose_language"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
F = TypeVar("F", bound=Callable[..., Any])


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _csrf_ok() -> bool:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    expected = session.get("csrf") or ""
    return bool(expected) and hmac.compare_digest(sent, expected)


def _session_user() -> Account | None:
    """The user of this session, reloaded from the database on every request: a session issued
    before a logout, role change or deactivation (``users.session_version`` bumped) is refused."""
    from review_ui.services import services
    from service.storage.users import session_account

    held = session.get("user")
    if not held:
        return None
    account = session_account(services().storage.db, int(held["id"]), held.get("ver"))
    if account is None:
        session.pop("user", None)
    return account


def current_user() -> Account:
    """The signed-in account of this request (every non-public route has one)."""
    user: Account | None = g.user
    if user is None:
        abort(401)
    return user


def before_request() -> Any:
    """Load the user (``g.user``: an ``Account`` or None), enforce login and CSRF. Returns a
    response to stop the request, or None."""
    g.user = None if request.endpoint == "static" else _session_user()
    if request.method in UNSAFE_METHODS and not _csrf_ok():
        return _deny(403, "missing or wrong CSRF token: reload the page")
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if g.user is None:
        if request.path.startswith("/api/"):
            return _deny(401, "log in first")
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.login", next=target))
    return None


def _deny(status: int, message: str) -> Any:
    response = jsonify(error=message)
    response.status_code = status
    return response


def login_session(user_id: int, username: str, role: str, version: int) -> None:
    """Start a session for ``user_id``; ``version`` is the user's ``session_version`` now."""
    session.clear()
    session.permanent = True
    session["user"] = {"id": user_id, "name": username, "role": role, "ver": version}
    csrf_token()


def current_user_id() -> int:
    return current_user().id


def _has_role(role: Role) -> bool:
    user: Account | None = g.user
    return user is not None and user.has_role(role)


def require_role(role: Role) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not _has_role(role):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_role = role  # type: ignore[attr-defined]  # read by may_call
        return wrapped  # type: ignore[return-value]
    return decorate


def may_call(view: Callable[..., Any] | None) -> bool:
    """Whether the current user has the role ``view`` requires (a 403 comes before a 400)."""
    role = getattr(view, "required_role", None)
    return role is None or _has_role(role)


def security_headers(response: Any) -> Any:
    """A strict CSP (no inline script or style), no framing, no sniffing."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
