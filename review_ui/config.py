"""Settings of the web app, in one place. ``build_config(overrides)`` merges defaults, environment
and the caller's overrides (tests pass ``STORAGE``/``JOB_RUNNER``/``EXTRACTOR`` objects directly).

Keys:
- ``SECRET_KEY``: signs the session cookie; from ``GOUJI_SECRET_KEY`` or a random key kept in the
  data dir (``secret_key``, mode 0600) so sessions survive restarts;
- ``STORAGE``: a ``service.storage.Storage`` (else opened from ``StorageSettings.from_env()``);
- ``JOB_RUNNER``: ``"rq"`` (needs ``REDIS_URL``), ``"thread"`` (in-process) or ``"auto"`` (rq when
  ``REDIS_URL`` is set), or a ready object with ``submit(doc_id)``;
- ``EXTRACTOR``: a callable ``path → Document`` for the in-process runner (default: settings);
- ``SESSION_COOKIE_SECURE``: from ``GOUJI_COOKIE_SECURE=1`` (behind HTTPS); the cookie is always
  HttpOnly and SameSite=Lax;
- ``LOGIN_MAX_FAILURES``/``LOGIN_WINDOW_S``/``LOGIN_LOCKOUT_S``: failed-login throttling;
- ``EXPORT_TARGETS``: ``{name: SQLAlchemy URL}`` from ``GOUJI_EXPORT_TARGETS`` (admins export into
  these by name only);
- ``MAX_CONTENT_LENGTH``: the whole upload request, from the storage's ``max_upload_mb``
  (``GOUJI_MAX_UPLOAD_MB``) plus ``UPLOAD_OVERHEAD_MB`` unless the caller sets it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from service.settings import UPLOAD_OVERHEAD_MB

SESSION_IDLE_S = 8 * 3600
UPLOAD_FILES_MAX = 500          # files in one upload request
PAGE_SIZE = 100                 # documents per page of the queue and batch pages
LOGIN_MAX_FAILURES = 5          # failed logins per (user name, client IP) …
LOGIN_WINDOW_S = 15 * 60        # … within this window …
LOGIN_LOCKOUT_S = 15 * 60       # … lock that pair out (HTTP 429) for this long

DEFAULTS: dict[str, Any] = {
    "JOB_RUNNER": "auto",
    "PAGE_SIZE": PAGE_SIZE,
    "EXTRACTOR": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": SESSION_IDLE_S,
    "JSON_SORT_KEYS": False,
    "LOGIN_MAX_FAILURES": LOGIN_MAX_FAILURES,
    "LOGIN_WINDOW_S": LOGIN_WINDOW_S,
    "LOGIN_LOCKOUT_S": LOGIN_LOCKOUT_S,
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


def request_limit_bytes(max_upload_mb: int) -> int:
    """``MAX_CONTENT_LENGTH`` for a per-file limit of ``max_upload_mb``."""
    return (max_upload_mb + UPLOAD_OVERHEAD_MB) * 1024 * 1024


def build_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then the environment (read now, not at import), then ``overrides``."""
    from service.export.targets import targets_from_env

    from_env = {"SESSION_COOKIE_SECURE": os.environ.get("GOUJI_COOKIE_SECURE", "") == "1",
                "EXPORT_TARGETS": targets_from_env()}
    return {**DEFAULTS, **from_env, **(overrides or {})}
