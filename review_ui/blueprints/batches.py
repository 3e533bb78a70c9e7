"""Batches and uploads: commit each document row, then enqueue one job per new document."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, jsonify, request

from review_ui import error_text
from review_ui.blueprints.common import body, created
from review_ui.config import UPLOAD_FILES_MAX
from review_ui.security import current_user_id
from review_ui.services import services
from service.review.duplicates import same_file
from service.review.views import QueueOrder, list_documents
from service.storage.errors import InvalidAction
from service.storage.intake import add_upload, create_batch, display_name, get_batch, list_batches

bp = Blueprint("batches", __name__, url_prefix="/api/batches")
log = logging.getLogger(__name__)


@bp.get("")
def index() -> Any:
    return jsonify(batches=list_batches(services().storage))


@bp.post("")
def create() -> Any:
    name = str(body().get("name") or "").strip()
    if not name:
        abort(400, "name is required")
    batch_id = create_batch(services().storage, name, current_user_id())
    return created({"id": batch_id, "name": name})


@bp.get("/<int:batch_id>/documents")
def documents(batch_id: int) -> Any:
    get_batch(services().storage, batch_id)
    order = request.args.get("order", QueueOrder.FLAGS)
    docs = list_documents(services().storage, batch_id, request.args.get("status"), order)
    return jsonify(documents=docs)


@bp.post("/<int:batch_id>/documents")
def upload(batch_id: int) -> Any:
    """Multipart field ``files`` (one or many). Re-uploading the same bytes returns the old row
    (``created`` false); ``same_file`` lists the other documents of the archive with these bytes.

    Each file is judged on its own: one over the size limit is answered with an ``error`` and no
    ``id`` (201 as long as one file was taken, else 422); one whose content is not PDF/PNG/JPEG/TIFF
    gets a document with status error. When the queue is down the document stays queued (``job``
    null) and the reaper enqueues it later."""
    svc = services()
    get_batch(svc.storage, batch_id)
    files = request.files.getlist("files")
    if not files:
        abort(400, "send the files in the multipart field 'files'")
    if len(files) > UPLOAD_FILES_MAX:
        abort(400, f"at most {UPLOAD_FILES_MAX} files per request")
    out: list[dict[str, Any]] = []
    for item in files:
        try:
            result = add_upload(svc.storage, batch_id, item.filename or "upload", item.stream)
        except InvalidAction as exc:
            out.append({"id": None, "filename": display_name(item.filename), "error": error_text.shown(str(exc))})
            continue
        out.append({"id": result.document_id, "filename": result.filename, "sha256": result.sha256,
                    "created": result.created, "job": _submit(result.document_id) if result.queued else None,
                    "status": "queued" if result.queued or not result.created else "error",
                    "same_file": same_file(svc.storage, result.sha256, exclude=result.document_id)})
    if all(entry["id"] is None for entry in out):
        response = jsonify(documents=out, error=error_text.shown("no file was accepted"))
        response.status_code = 422
        return response
    return created({"documents": out})


def _submit(doc_id: int) -> str | None:
    try:
        return services().runner.submit(doc_id)
    except Exception:  # the queue is down; the document is kept as queued and reaped later
        log.warning("document %s: could not enqueue; left queued for the reaper", doc_id, exc_info=True)
        return None
