"""Archive API: bulk intake (many files and zips), agencies (list, merge, split, rename), agency
decisions, checks across reports of one document, the issue list and the coverage matrix."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, jsonify, request

from review_ui.blueprints.archive import issue_filter
from review_ui.blueprints.common import body, created, int_field
from review_ui.config import UPLOAD_FILES_MAX
from review_ui.security import current_user_id, require_role
from review_ui.services import services
from service.archive import admin
from service.archive.bulk import submit_uploads
from service.archive.checks import cross_violations
from service.archive.views import coverage, list_issues
from service.contract import violation_to_contract
from service.review.views import document_summary
from service.storage.intake import get_batch
from service.storage.tables import Role

bp = Blueprint("archive_api", __name__, url_prefix="/api")
log = logging.getLogger(__name__)


def _enqueue(doc_id: int) -> None:
    try:
        services().runner.submit(doc_id)
    except Exception:  # the queue is down: the document stays queued and the reaper enqueues it later
        log.warning("document %s: could not enqueue; left queued for the reaper", doc_id, exc_info=True)


@bp.post("/batches/<int:batch_id>/intake")
def intake(batch_id: int) -> Any:
    """Multipart field ``files``: reports and zip archives (folders inside a zip; a folder of page images
    is one report). Answers the summary: queued, already (in this batch), duplicates, refused + reason."""
    storage = services().storage
    get_batch(storage, batch_id)
    files = request.files.getlist("files")
    if not files:
        abort(400, "send the files in the multipart field 'files'")
    if len(files) > UPLOAD_FILES_MAX:
        abort(400, f"at most {UPLOAD_FILES_MAX} files per request")
    summary = submit_uploads(storage, batch_id, [(f.filename or "upload", f.stream) for f in files], _enqueue)
    return created(summary.as_dict())


@bp.get("/agencies")
def agencies() -> Any:
    return jsonify(agencies=admin.list_agencies(services().storage, request.args.get("q", ""),
                                                request.args.get("region", "")))


@bp.post("/agencies/<int:agency_id>/merge")
@require_role(Role.ADMIN)
def merge(agency_id: int) -> Any:
    """``{"into": target id}``: every report and alias of this agency moves to the target."""
    target = int_field(body(), "into")
    admin.merge(services().storage, agency_id, int(target or 0))
    return jsonify(id=target)


@bp.post("/agencies/<int:agency_id>/split")
@require_role(Role.ADMIN)
def split(agency_id: int) -> Any:
    """``{"document_ids": [...], "name": "…"}``: those reports move to the agency called ``name``."""
    data = body()
    ids = data.get("document_ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        abort(400, "document_ids must be a list of integers")
    target = admin.split(services().storage, agency_id, ids, str(data.get("name") or ""))
    return created({"id": target})


@bp.post("/agencies/<int:agency_id>/rename")
@require_role(Role.ADMIN)
def rename(agency_id: int) -> Any:
    admin.rename(services().storage, agency_id, str(body().get("name") or ""))
    return jsonify(id=agency_id)


@bp.get("/agency-decisions")
def decisions() -> Any:
    return jsonify(decisions=admin.list_decisions(services().storage, request.args.get("status", "open") or None))


@bp.post("/agency-decisions/<int:decision_id>/resolve")
def resolve(decision_id: int) -> Any:
    """``{"agency_id": id}`` (omit or null: a new agency from the printed name). Reviewers may decide."""
    agency_id = int_field(body(), "agency_id", required=False)
    chosen = admin.resolve_decision(services().storage, decision_id, agency_id, current_user_id())
    return jsonify(agency_id=chosen)


@bp.get("/documents/<int:doc_id>/cross-violations")
def document_cross(doc_id: int) -> Any:
    storage = services().storage
    document_summary(storage, doc_id)
    return jsonify(violations=[violation_to_contract(v) for v in cross_violations(storage, doc_id)])


@bp.get("/archive/issues")
def issues() -> Any:
    return jsonify(issues=[i.to_json() for i in list_issues(services().storage, issue_filter())])


@bp.get("/archive/coverage")
def coverage_json() -> Any:
    args = request.args
    batch_id = args.get("batch", type=int)
    matrix = coverage(services().storage, batch_id, args.get("q", ""), args.get("region", ""))
    return jsonify(years=matrix.years, rows=[r.to_json() for r in matrix.rows],
                   missing=[{"agency": a, "year": y} for a, y in matrix.missing()])
