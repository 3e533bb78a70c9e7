"""Documents: status, the contract + review state, page images and crops, cell edits, decisions.

Every cell write names the ``expected_version`` it read; a stale one answers 409 with the cell's
current state. Every successful write answers with the whole re-validated document.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, make_response, request, send_file

from review_ui.blueprints.common import body, int_field
from review_ui.reason_text import shown_review_payload
from review_ui.security import current_user_id, require_role
from review_ui.services import services
from service.review import locks, review, views
from service.review.report_edit import REPORT_FIELDS, ReportChange, edit_report_info
from service.review.views import QueueOrder, document_summary, review_queue
from service.storage import images
from service.storage.codec import parse_user_number
from service.storage.results import requeue
from service.storage.tables import RevisionAction, Role

bp = Blueprint("documents", __name__, url_prefix="/api/documents")
KEY_PATTERN = "<string:key>"


@bp.get("")
def queue() -> Any:
    """Documents waiting for review; ``order=flags`` (default) or ``oldest``."""
    return jsonify(documents=review_queue(services().storage, request.args.get("order", QueueOrder.FLAGS)))


@bp.get("/<int:doc_id>")
def show(doc_id: int) -> Any:
    return jsonify(shown_review_payload(services().storage, doc_id))


@bp.get("/<int:doc_id>/status")
def status(doc_id: int) -> Any:
    return jsonify(document_summary(services().storage, doc_id))


@bp.get("/<int:doc_id>/pages/<int:page>.png")
def page_image(doc_id: int, page: int) -> Any:
    path = images.page_png(services().storage, doc_id, page)
    return send_file(path, mimetype="image/png", max_age=3600)


@bp.get(f"/<int:doc_id>/cells/{KEY_PATTERN}/crop.png")
def crop(doc_id: int, key: str) -> Any:
    response = make_response(images.crop_png(services().storage, doc_id, key))
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.put(f"/<int:doc_id>/cells/{KEY_PATTERN}")
def correct(doc_id: int, key: str) -> Any:
    """``{"value": 18 | "18" | null, "expected_version": 3, "reason": "…"}``."""
    data = body()
    try:
        value = parse_user_number(data.get("value"), key)
    except ValueError as exc:
        abort(400, str(exc))
    edit = review.Edit(key=key, expected_version=int_field(data, "expected_version") or 0,
                       action=RevisionAction.CORRECT, value=value, reason=str(data.get("reason") or ""))
    return _edited(doc_id, edit)


@bp.post(f"/<int:doc_id>/cells/{KEY_PATTERN}/accept")
def accept(doc_id: int, key: str) -> Any:
    """Confirm the value as read: ``{"expected_version": 3}``."""
    data = body()
    edit = review.Edit(key=key, expected_version=int_field(data, "expected_version") or 0,
                       action=RevisionAction.ACCEPT, reason=str(data.get("reason") or ""))
    return _edited(doc_id, edit)


def _edited(doc_id: int, edit: review.Edit) -> Any:
    storage = services().storage
    version = review.apply_edit(storage, doc_id, edit, current_user_id())
    return jsonify(key=edit.key, version=version, document=shown_review_payload(storage, doc_id))


@bp.post("/<int:doc_id>/lock")
def lock(doc_id: int) -> Any:
    """Take or renew the review lease (one reviewer per document); 409 names the holder."""
    return jsonify(locks.acquire(services().storage, doc_id, current_user_id()))


@bp.delete("/<int:doc_id>/lock")
def unlock(doc_id: int) -> Any:
    locks.release(services().storage, doc_id, current_user_id())
    return jsonify(released=True)


@bp.post("/<int:doc_id>/lock/release")
def release_beacon(doc_id: int) -> Any:
    """The same as DELETE …/lock for ``navigator.sendBeacon`` on leaving (a form POST carrying the
    ``csrf_token`` field: a beacon cannot set headers or use DELETE)."""
    locks.release(services().storage, doc_id, current_user_id())
    return jsonify(released=True)


@bp.get("/next")
def next_document() -> Any:
    """``{"id": …}``: the first document of the queue nobody else holds, other than ``after``."""
    return jsonify(id=views.next_document(services().storage, current_user_id(), request.args.get("after", type=int)))


@bp.get(f"/<int:doc_id>/cells/{KEY_PATTERN}/history")
def history(doc_id: int, key: str) -> Any:
    return jsonify(key=key, history=review.cell_history(services().storage, doc_id, key))


@bp.patch("/<int:doc_id>/report")
def report_info(doc_id: int) -> Any:
    """``{"expected_version": 7, "agency": "…", "year": 2021}`` — the export key of the report.
    Partial: a field left out keeps its value. Same lease, version check (409) and trail as cells."""
    data = body()
    given = frozenset(k for k in REPORT_FIELDS if k in data)
    change = ReportChange(given=given, agency=data.get("agency"),
                          year=int_field(data, "year", False) if "year" in given else None)
    edit_report_info(services().storage, doc_id, change, current_user_id(),
                     int_field(data, "expected_version") or 0, str(data.get("reason") or ""))
    return jsonify(shown_review_payload(services().storage, doc_id))


@bp.post("/<int:doc_id>/approve")
def approve(doc_id: int) -> Any:
    """Approve the ``version`` the reviewer saw (409 when it changed since); a ``reason`` is required
    while cells are flagged or identities fail."""
    data = body()
    review.approve(services().storage, doc_id, current_user_id(), str(data.get("reason") or ""),
                   int_field(data, "version"))
    return jsonify(document_summary(services().storage, doc_id))


@bp.post("/<int:doc_id>/reject")
def reject(doc_id: int) -> Any:
    review.reject(services().storage, doc_id, current_user_id(), str(body().get("reason") or ""))
    return jsonify(document_summary(services().storage, doc_id))


@bp.post("/<int:doc_id>/reopen")
@require_role(Role.ADMIN)
def reopen(doc_id: int) -> Any:
    review.reopen(services().storage, doc_id, current_user_id())
    return jsonify(document_summary(services().storage, doc_id))


@bp.post("/<int:doc_id>/reprocess")
@require_role(Role.ADMIN)
def reprocess(doc_id: int) -> Any:
    """Extract again (drops the review state on save)."""
    svc = services()
    document_summary(svc.storage, doc_id)
    requeue(svc.storage, doc_id)
    job = svc.runner.submit(doc_id)
    return jsonify(id=doc_id, job=job, status="queued")
