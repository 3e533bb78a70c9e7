"""Log in / out (HTML form) and the session endpoint the JS uses for its CSRF token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, redirect, render_template, request, session, url_for

from review_ui.app import services
from review_ui.security import csrf_token, login_session
from service.storage.users import authenticate

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.queue")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        user = authenticate(services().storage.db, request.form.get("username", ""),
                            request.form.get("password", ""))
        if user is not None:
            login_session(user.id, user.username, user.role)
            return redirect(_safe_next(request.form.get("next")))
        error = "wrong user name or password"
    return render_template("login.html", error=error, next=request.args.get("next", "")), (
        401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/api/session")
def session_info() -> Any:
    return jsonify(user=g.user, csrf_token=csrf_token())
