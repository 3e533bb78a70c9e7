"""Settings of the web app, in one place. ``build_config(overrides)`` merges defaults, environment
and the caller's overrides (tests pass ``STORAGE``/``JOB_RUNNER``/``EXTRACTOR`` objects directly).

Keys:
- ``SECRET_KEY``: signs the session cookie; from ``GOUJI_SECRET_KEY`` or a random key kept in the
  data dir (``secret_key``, mode 0600) so sessions survive restarts;
- ``STORAGE``: a ``service.storage.Storage`` (else opened from ``StorageSettings.from_env()``);
- ``JOB_RUNNER``: ``"rq"`` (needs ``REDIS_URL``), ``"thread"`` (in-process) or ``"auto"`` (rq when
  ``REDIS_URL`` is set), or a ready object with ``submit(doc_id)``;
- ``EXTRACTOR``: a callable ``path → Document`` for the in-process runner (default: settings).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from service.storage.settings import MAX_UPLOAD_MB

SESSION_IDLE_S = 8 * 3600
UPLOAD_FILES_MAX = 500          # files in one upload request

DEFAULTS: dict[str, Any] = {
    "JOB_RUNNER": "auto",
    "EXTRACTOR": None,
    "MAX_CONTENT_LENGTH": (MAX_UPLOAD_MB + 10) * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": os.environ.get("GOUJI_COOKIE_SECURE", "") == "1",
    "PERMANENT_SESSION_LIFETIME": SESSION_IDLE_S,
    "JSON_SORT_KEYS": False,
}


def secret_key(data_dir: Path) -> str:
    """``GOUJI_SECRET_KEY``, else a key created once in ``data_dir/secret_key``."""
    if key := os.environ.get("GOUJI_SECRET_KEY"):
        return key
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def build_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**DEFAULTS, **(overrides or {})}
