"""The Flask application factory: storage, job runner, blueprints, security and error handling."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from review_ui import security
from review_ui.config import build_config, request_limit_bytes, secret_key
from review_ui.services import Services, services  # noqa: F401  (re-exported for older imports)
from service import settings
from service.storage import Storage, StorageSettings
from service.storage.errors import Conflict, InvalidAction, NotFound, ReviewError
from service.storage.processing import JobRunner

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(build_config(config))
    storage = app.config.get("STORAGE") or Storage.open(StorageSettings.from_env())
    if not app.config.get("MAX_CONTENT_LENGTH"):
        app.config["MAX_CONTENT_LENGTH"] = request_limit_bytes(storage.settings.max_upload_mb)
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secret_key(storage.settings.data_dir)
    app.extensions["gouji"] = Services(storage=storage, runner=_runner(app, storage))
    _register(app)
    return app


def _runner(app: Flask, storage: Storage) -> JobRunner:
    choice = app.config["JOB_RUNNER"]
    if not isinstance(choice, str):
        return choice  # type: ignore[no-any-return]
    if choice == "rq" or (choice == "auto" and storage.settings.redis_url):
        from workers.queue import RQRunner

        return RQRunner(storage.settings, storage=storage)
    from workers.inprocess import ThreadRunner

    runner = ThreadRunner(storage, app.config.get("EXTRACTOR"))
    if resumed := runner.resume():
        log.info("resumed %d unfinished extraction jobs", resumed)
    return runner


def _register(app: Flask) -> None:
    from review_ui import i18n
    from review_ui.blueprints import (
        archive,
        archive_api,
        auth,
        batches,
        documents,
        exports,
        jobs,
        meta,
        pages,
        review_tools,
    )

    i18n.init_app(app)  # Flask-Babel: provides the templates' ``_`` (Chinese catalogue, English msgids)
    for module in (auth, batches, documents, exports, jobs, meta, pages, review_tools, archive, archive_api):
        app.register_blueprint(module.bp)
    app.before_request(security.before_request)
    app.before_request(_check_body)  # after login/CSRF: anonymous requests get 401, not 400
    app.after_request(security.security_headers)
    app.context_processor(lambda: {"csrf_token": security.csrf_token, "ui_settings": settings.ui_settings})
    app.register_error_handler(ReviewError, _review_error)
    app.register_error_handler(HTTPException, _http_error)


STATUS = {NotFound: 404, Conflict: 409, InvalidAction: 422}


def _review_error(exc: ReviewError) -> Any:
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
    from review_ui.error_text import shown

    body: dict[str, Any] = {"error": shown(str(exc))}
    if isinstance(exc, Conflict):
        body["current"] = exc.current
    response = jsonify(body)
    response.status_code = status
    return response


def _check_body() -> Any:
    """Refuse an API request (parameters, body) that breaks ``openapi.json`` (400/415) before the view runs."""
    from review_ui.api_schema import request_problem

    if not request.path.startswith("/api/") or not security.may_call(current_app.view_functions.get(request.endpoint)):
        return None
    problem = request_problem()
    if problem is None:
        return None
    response = jsonify(error=problem[1])
    response.status_code = problem[0]
    return response


def _http_error(exc: HTTPException) -> Any:
    if not request.path.startswith("/api/"):
        return exc
    from review_ui.error_text import shown

    response = jsonify(error=shown(exc.description or exc.name))
    response.status_code = exc.code or 500
    if exc.code == 405:  # RFC 9110: a 405 lists the methods the resource allows
        allowed = exc.get_response().headers.get("Allow")
        if allowed:
            response.headers["Allow"] = allowed
    return response
