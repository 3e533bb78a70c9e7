"""Exports: trigger one (a file in the data dir, or an upsert into a database), then download it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, send_from_directory, url_for

from review_ui.blueprints.common import body, created, int_field
from review_ui.security import current_user
from review_ui.services import services
from service.export import SUFFIX, ExportFormat, export_file, export_to_database
from service.export.targets import target_url
from service.storage.tables import Role

bp = Blueprint("exports", __name__, url_prefix="/api/exports")
MIMETYPES = {ExportFormat.LONG_CSV: "text/csv", ExportFormat.WIDE_CSV: "text/csv",
             ExportFormat.JSONL: "application/x-ndjson",
             ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.post("")
def create() -> Any:
    """``{"format": "long_csv|wide_csv|xlsx|jsonl", "batch_id": 1}`` or ``{"target": "warehouse"}`` (admin:
    a database upsert into a target the operator configured in ``GOUJI_EXPORT_TARGETS``; no raw URLs)."""
    data = body()
    storage = services().storage
    batch_id = int_field(data, "batch_id", required=False)
    if "database_url" in data:
        abort(400, "raw database URLs are not accepted; name a configured export target")
    if data.get("target"):
        if current_user().role != Role.ADMIN:
            abort(403, "only an admin may export into a database")
        url = target_url(current_app.config["EXPORT_TARGETS"], str(data["target"]))
        result = export_to_database(storage, url, batch_id)
        return created({"target": data["target"], "documents": result.documents, "rows": result.rows})
    try:
        fmt = ExportFormat(str(data.get("format") or ExportFormat.LONG_CSV))
    except ValueError:
        abort(400, f"format must be one of {', '.join(f.value for f in ExportFormat)}")
    result = export_file(storage, fmt, batch_id)
    name = result.path.name
    return created({"name": name, "format": fmt.value, "documents": result.documents, "rows": result.rows,
                    "download_url": url_for("exports.download", name=name)})


@bp.get("/<path:name>")
def download(name: str) -> Any:
    fmt = next((f for f in ExportFormat if name.endswith(f".{SUFFIX[f]}")), ExportFormat.LONG_CSV)
    return send_from_directory(services().storage.settings.exports_dir, name, as_attachment=True,
                               mimetype=MIMETYPES[fmt])
