"""The OpenAPI description of the JSON API (``review_ui/openapi.json``), served at /api/openapi.json."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify

bp = Blueprint("meta", __name__)
SPEC = Path(__file__).resolve().parent.parent / "openapi.json"


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    return json.loads(SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@bp.get("/api/openapi.json")
def openapi() -> Any:
    return jsonify(_spec())
