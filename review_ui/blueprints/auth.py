"""Log in / out (HTML form) and the session endpoint the JS uses for its CSRF token."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from review_ui.security import csrf_token, login_session
from review_ui.services import services
from review_ui.throttle import LoginThrottle
from service.storage.users import authenticate, end_sessions

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.queue")


def throttle() -> LoginThrottle:
    """The app's failed-login counter (created on first use from the app config)."""
    app = current_app
    if "gouji_login_throttle" not in app.extensions:
        app.extensions["gouji_login_throttle"] = LoginThrottle(
            app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_WINDOW_S"], app.config["LOGIN_LOCKOUT_S"])
    return app.extensions["gouji_login_throttle"]  # type: ignore[no-any-return]


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error, status = None, 200
    if request.method == "POST":
        username = request.form.get("username", "")
        key = LoginThrottle.key(username, request.remote_addr)
        wait = throttle().retry_after(key)
        if wait:
            error, status = f"too many failed logins: try again in {wait // 60 + 1} minutes", 429
        else:
            user = authenticate(services().storage.db, username, request.form.get("password", ""))
            if user is not None:
                throttle().succeeded(key)
                login_session(user.id, user.username, user.role, user.session_version)
                return redirect(_safe_next(request.form.get("next")))
            throttle().failed(key)
            error, status = "wrong user name or password", 401
    response = make_response(render_template("login.html", error=error, next=request.args.get("next", "")),
                             status)
    if status == 429:
        response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if g.user is not None:
        end_sessions(services().storage.db, g.user.id)  # every copy of the cookie stops working
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/api/session")
def session_info() -> Any:
    return jsonify(user=g.user.to_json() if g.user is not None else None, csrf_token=csrf_token())
