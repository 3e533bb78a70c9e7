"""Small request helpers shared by the API blueprints."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request


def body() -> dict[str, Any]:
    """The JSON object body (or form fields); 400 when it is not an object."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400, "expected a JSON object")
        return data
    return request.form.to_dict()


def int_field(data: dict[str, Any], name: str, required: bool = True) -> int | None:
    raw = data.get(name)
    if raw is None or raw == "":
        if required:
            abort(400, f"{name} is required")
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        abort(400, f"{name} must be an integer")


def created(payload: dict[str, Any]) -> Any:
    response = jsonify(payload)
    response.status_code = 201
    return response
