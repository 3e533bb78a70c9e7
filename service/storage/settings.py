"""Settings of the review service's storage and job queue, read from the environment once.

Units are in the names: ``*_S`` seconds, ``*_MB`` megabytes. ``StorageSettings.from_env()`` is the
only place that reads ``GOUJI_*``/``DATABASE_URL``/``REDIS_URL``; everything else receives a
``StorageSettings`` value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from service import settings as core_settings

DEFAULT_DATA_DIR = "gouji-data"
JOB_TIMEOUT_S = 900             # one document's extraction; OCR of 15 scanned pages fits well inside
JOB_RETRY_INTERVALS_S = (10, 60, 300)  # back-off between retries of a crashed job (not bad input)
JOB_FAILURE_TTL_S = 7 * 24 * 3600      # how long RQ keeps a failed job for inspection
JOB_RESULT_TTL_S = 24 * 3600
QUEUE_NAME = "gouji"
MAX_UPLOAD_MB = core_settings.MAX_FILE_MB  # one limit for web, intake and extractor
CROP_MARGIN_PX = 12             # context kept around a cell's bbox in a crop, working-DPI pixels
CROP_MAX_SCALE = 4.0            # a crop is enlarged at most this many times
IN_PROCESS_WORKERS = 2          # thread executor size when no REDIS_URL is set
HEARTBEAT_S = 10                # a running extraction stamps documents.heartbeat_at this often
REAP_AFTER_S = 120              # processing without a heartbeat this long = its worker died: requeue
REAP_QUEUED_AFTER_S = 60        # queued this long with no live job (e.g. Redis lost it): enqueue again
REAP_INTERVAL_S = 30            # each ``gouji worker`` runs the reaper this often
WORKER_RESTART_S = 2            # ``gouji worker`` waits this long before reconnecting to a lost Redis


@dataclass(frozen=True)
class StorageSettings:
    """Where data lives. ``data_dir`` holds the SQLite file, kept originals, caches and exports."""

    data_dir: Path
    database_url: str
    redis_url: str | None = None
    extractor: str = "service.pipeline:extract"   # "module:function" taking a path → Document
    job_timeout_s: int = JOB_TIMEOUT_S
    job_retry_intervals_s: tuple[int, ...] = field(default=JOB_RETRY_INTERVALS_S)
    job_failure_ttl_s: int = JOB_FAILURE_TTL_S
    queue_name: str = QUEUE_NAME
    max_upload_mb: int = MAX_UPLOAD_MB
    heartbeat_s: float = HEARTBEAT_S
    reap_after_s: float = REAP_AFTER_S
    reap_queued_after_s: float = REAP_QUEUED_AFTER_S
    reap_interval_s: float = REAP_INTERVAL_S

    @property
    def files_dir(self) -> Path:
        """Kept originals, one file per sha256 (content-addressed, never overwritten)."""
        return self.data_dir / "files"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None, **overrides: object) -> StorageSettings:
        """Read ``GOUJI_DATA_DIR``, ``DATABASE_URL``, ``REDIS_URL``, ``GOUJI_EXTRACTOR``, ``GOUJI_QUEUE``,
        ``GOUJI_JOB_RETRY_S`` (comma-separated back-off seconds), ``GOUJI_MAX_UPLOAD_MB``,
        ``GOUJI_HEARTBEAT_S``, ``GOUJI_REAP_AFTER_S``, ``GOUJI_REAP_QUEUED_AFTER_S``, ``GOUJI_REAP_INTERVAL_S``."""
        env = os.environ
        root = Path(data_dir or env.get("GOUJI_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
        url = env.get("DATABASE_URL") or f"sqlite:///{root / 'gouji.db'}"
        retry = env.get("GOUJI_JOB_RETRY_S")
        base = cls(
            data_dir=root,
            database_url=normalise_url(url),
            redis_url=env.get("REDIS_URL") or None,
            extractor=env.get("GOUJI_EXTRACTOR") or "service.pipeline:extract",
            queue_name=env.get("GOUJI_QUEUE") or QUEUE_NAME,
            job_retry_intervals_s=tuple(int(v) for v in retry.split(",") if v.strip()) if retry is not None
            else JOB_RETRY_INTERVALS_S,
            max_upload_mb=int(env.get("GOUJI_MAX_UPLOAD_MB") or MAX_UPLOAD_MB),
            heartbeat_s=float(env.get("GOUJI_HEARTBEAT_S") or HEARTBEAT_S),
            reap_after_s=float(env.get("GOUJI_REAP_AFTER_S") or REAP_AFTER_S),
            reap_queued_after_s=float(env.get("GOUJI_REAP_QUEUED_AFTER_S") or REAP_QUEUED_AFTER_S),
            reap_interval_s=float(env.get("GOUJI_REAP_INTERVAL_S") or REAP_INTERVAL_S),
        )
        return replace(base, **overrides)  # type: ignore[arg-type]


def normalise_url(url: str) -> str:
    """``postgres://``/``postgresql://`` → ``postgresql+psycopg2://`` (the driver we depend on;
    SQLAlchemy 2.1 would otherwise pick psycopg 3). URLs naming a driver are left alone."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url
