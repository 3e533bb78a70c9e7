"""Failed extraction jobs: list them with their error, send them back to the queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from review_ui.blueprints.common import body
from review_ui.services import services
from service.review.views import document_summary
from service.storage.reaper import failed_documents, retry

bp = Blueprint("jobs", __name__)


@bp.get("/api/jobs/failed")
def failed() -> Any:
    """Documents whose extraction ended in error (``batch_id`` narrows), with message and attempts."""
    batch_id = request.args.get("batch_id", type=int)
    return jsonify(documents=failed_documents(services().storage, batch_id))


@bp.post("/api/documents/<int:doc_id>/retry")
def retry_one(doc_id: int) -> Any:
    """Extract a failed document again (status error only; nothing reviewed is lost)."""
    body()
    svc = services()
    retry(svc.storage, svc.runner, [doc_id])
    return jsonify(document_summary(svc.storage, doc_id))
