"""Review-station tools, a blueprint of their own under ``/api/documents`` (REVIEW_UX.md §7–9).

- group verification: ``GET /api/documents/<id>/groups``, ``GET /api/documents/groups?batch_id=``,
  ``POST /api/documents/<id>/groups/confirm``, ``POST /api/documents/groups/confirm`` (batch-wide);
- structure repair: ``POST /api/documents/<id>/rows/shift`` (preview: ``GET …/rows/shift/preview``),
  ``POST /api/documents/<id>/rows/move``, ``POST /api/documents/<id>/rows/undo`` (Ctrl+Z);
- a missing cell's box: ``POST /api/documents/<id>/cells/<key>/box``;
- duplicates: ``POST /api/documents/<id>/current`` (the report of its agency + year);
- measured accuracy: ``GET /api/documents/audit?batch_id=`` (the figure), ``POST /api/documents/audit``
  (draw the sample).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request

from review_ui.blueprints.common import body, int_field
from review_ui.reason_text import localize_groups, shown_review_payload
from review_ui.security import current_user_id
from review_ui.services import services
from service.review import audit, duplicates, groups, repair, undo

bp = Blueprint("review", __name__, url_prefix="/api/documents")


def _batch_arg() -> int:
    raw = request.args.get("batch_id", "")
    if not raw.isdigit():
        abort(400, "batch_id (an integer) is required")
    return int(raw)


def _min_size() -> int:
    raw = request.args.get("min_size", str(groups.MIN_GROUP))
    return int(raw) if raw.isdigit() else groups.MIN_GROUP


def _members(data: dict[str, Any], doc_id: int | None) -> list[groups.Member]:
    cells = data.get("cells")
    if not isinstance(cells, list) or not cells:
        abort(400, "cells must be a non-empty list of {key, version}")
    out = []
    for item in cells:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            abort(400, "each cell needs a key and its version")
        owner = doc_id if doc_id is not None else int_field(item, "document_id")
        out.append(groups.Member(document_id=int(owner or 0), key=item["key"],
                                 version=int_field(item, "version") or 0))
    return out


def _versions(data: dict[str, Any]) -> dict[str, int]:
    raw = data.get("expected_versions")
    if not isinstance(raw, dict):
        abort(400, "expected_versions must map every affected key to the version you read")
    try:
        return {str(k): int(v) for k, v in raw.items()}
    except (TypeError, ValueError):
        abort(400, "expected_versions must map keys to integers")


@bp.get("/<int:doc_id>/groups")
def groups_of_document(doc_id: int) -> Any:
    """Groups of identical uncertain readings in one document (``min_size``, default 2)."""
    return jsonify(groups=localize_groups(groups.document_groups(services().storage, doc_id, _min_size())))


@bp.get("/groups")
def groups_of_batch() -> Any:
    """The same across every document of ``batch_id`` that is in review."""
    return jsonify(groups=localize_groups(groups.batch_groups(services().storage, _batch_arg(), _min_size())))


@bp.post("/<int:doc_id>/groups/confirm")
def confirm_group(doc_id: int) -> Any:
    """``{"group": "reading:0", "action": "accept"|"blank_null"|"blank_zero", "cells": [{key, version}]}``."""
    data = body()
    storage = services().storage
    members = _members(data, doc_id)
    versions = groups.confirm_in_document(storage, doc_id, str(data.get("group") or ""),
                                          str(data.get("action") or ""), members, current_user_id())
    document = shown_review_payload(storage, doc_id)
    return jsonify(confirmed=len(versions), versions=versions, document=document)


@bp.post("/groups/confirm")
def confirm_batch_group() -> Any:
    """Batch-wide: cells name their ``document_id``; each document commits on its own."""
    data = body()
    result = groups.confirm(services().storage, str(data.get("group") or ""), str(data.get("action") or ""),
                            _members(data, None), current_user_id())
    return jsonify(confirmed={str(k): v for k, v in result["confirmed"].items()},
                   failed={str(k): v for k, v in result["failed"].items()})


@bp.post("/<int:doc_id>/rows/shift")
def shift_row(doc_id: int) -> Any:
    """``{"row": "t3.new", "direction": "left"|"right", "expected_versions": {key: version}}``."""
    data = body()
    storage = services().storage
    versions = repair.shift_row(storage, doc_id, str(data.get("row") or ""), str(data.get("direction") or ""),
                                _versions(data), current_user_id())
    return jsonify(versions=versions, document=shown_review_payload(storage, doc_id))


@bp.get("/<int:doc_id>/rows/shift/preview")
def preview_shift(doc_id: int) -> Any:
    """``?row=t3.new&direction=left|right`` → ``{keys, before, after}`` in printed column order."""
    return jsonify(repair.preview_shift(services().storage, doc_id, request.args.get("row", ""),
                                        request.args.get("direction", "")))


@bp.post("/<int:doc_id>/rows/undo")
def undo_repair(doc_id: int) -> Any:
    """Undo the newest row repair (one action); 409 when one of its cells changed since."""
    body()
    storage = services().storage
    what, versions = undo.undo_last(storage, doc_id, current_user_id())
    return jsonify(undone=what, versions=versions, document=shown_review_payload(storage, doc_id))


@bp.post("/<int:doc_id>/cells/<string:key>/box")
def draw_box(doc_id: int, key: str) -> Any:
    """``{"page": 2, "bbox": [x0, y0, x1, y1], "expected_version": 3}``: where a cell with no printed
    cell lies (page-image pixels), drawn by the reviewer; the crop is then taken from it."""
    data = body()
    raw = data.get("bbox")
    if not isinstance(raw, list) or len(raw) != 4:
        abort(400, "bbox must be a list [x0, y0, x1, y1]")
    try:
        bbox = (float(raw[0]), float(raw[1]), float(raw[2]), float(raw[3]))
    except (TypeError, ValueError):
        abort(400, "bbox must hold four numbers")
    storage = services().storage
    version = repair.set_box(storage, doc_id, key, int_field(data, "page") or 0, bbox,
                             int_field(data, "expected_version") or 0, current_user_id())
    return jsonify(key=key, version=version, document=shown_review_payload(storage, doc_id))


@bp.post("/<int:doc_id>/current")
def choose_current(doc_id: int) -> Any:
    """Make this document *the* report of its agency + year (others with them stay, not current)."""
    body()
    storage = services().storage
    choice = duplicates.choose_current(storage, doc_id, current_user_id())
    return jsonify(choice=choice, document=shown_review_payload(storage, doc_id))


@bp.post("/<int:doc_id>/rows/move")
def move_row(doc_id: int) -> Any:
    """``{"row": "t3.new", "to": "t3.carried_over", "expected_versions": {…both rows…}}`` (a swap)."""
    data = body()
    storage = services().storage
    versions = repair.move_row(storage, doc_id, str(data.get("row") or ""), str(data.get("to") or ""),
                               _versions(data), current_user_id())
    return jsonify(versions=versions, document=shown_review_payload(storage, doc_id))


@bp.get("/audit")
def audit_figure() -> Any:
    """The batch's measured accuracy: sampled, checked, corrected, estimated residual error rate."""
    return jsonify(audit.batch_figure(services().storage, _batch_arg()))


@bp.post("/audit")
def draw_audit() -> Any:
    """``{"batch_id": 3, "rate": 0.02, "minimum": 5, "seed": "…"}``: sample every document in review
    that has none yet (defaults: 2 %, at least 5 per document, seed = batch id)."""
    data = body()
    batch_id = int_field(data, "batch_id") or 0
    try:
        rate = float(data.get("rate", audit.DEFAULT_RATE))
        minimum = int(data.get("minimum", audit.DEFAULT_MINIMUM))
    except (TypeError, ValueError):
        abort(400, "rate must be a number and minimum an integer")
    seed = str(data["seed"]) if data.get("seed") not in (None, "") else None
    figure = audit.draw_sample(services().storage, batch_id, current_user_id(),
                               audit.SampleSpec(rate=rate, minimum=minimum, seed=seed))
    return jsonify(figure)
