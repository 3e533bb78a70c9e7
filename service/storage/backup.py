"""Backups of the review service: the database and every kept original, in one ``.tar.gz``.

Archive layout: ``manifest.json`` (format, dialect, schema revision, row counts, file list),
``database.sqlite`` (SQLite's online backup API: a consistent copy while the service runs) or
``database.pgdump`` (``pg_dump --format=custom``, restored with ``pg_restore --clean``), and
``files/<2 hex>/<sha256>`` (originals; each is checked against its name on restore). Page caches and
export files are derived data and are not included; nor is the session secret.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from service.storage import Storage
from service.storage.audit_tables import AuditCell  # noqa: F401 — registers audit_cells on Base
from service.storage.errors import InvalidAction
from service.storage.station_tables import RepairAction  # noqa: F401 — registers the station's tables
from service.storage.tables import Base

FORMAT = "gouji-backup/1"
COUNTED_TABLES = ("users", "batches", "documents", "cells", "violations", "cell_revisions", "audit_cells")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    counts: dict[str, int]
    files: int


def backup(st: Storage, out: Path) -> BackupResult:
    """Write a backup archive to ``out`` (a ``.tar.gz``); the service may keep running meanwhile."""
    counts = table_counts(st)
    with tempfile.TemporaryDirectory(prefix="gouji-backup-") as tmp_name:
        tmp = Path(tmp_name)
        dialect = st.db.engine.dialect.name
        if dialect == "sqlite":
            db_name = "database.sqlite"
            _sqlite_copy(_sqlite_path(st.db.url), tmp / db_name)
        elif dialect == "postgresql":
            db_name = "database.pgdump"
            _run_pg(["pg_dump", "--format=custom", "--no-owner", "--file", str(tmp / db_name)], st.db.url)
        else:
            raise InvalidAction(f"backups of {dialect} databases are not supported")
        files = sorted(p.relative_to(st.settings.data_dir).as_posix() for p in st.settings.files_dir.rglob("*")
                       if p.is_file() and not p.name.startswith("."))
        manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "dialect": dialect,
                    "database": db_name, "revision": _revision(st), "counts": counts, "files": files}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        partial.unlink(missing_ok=True)
        # 0600 from the first byte: the archive holds password hashes and every original
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(tmp / "manifest.json", "manifest.json")
            tar.add(tmp / db_name, db_name)
            for rel in files:
                tar.add(st.settings.data_dir / rel, rel)
        partial.replace(out)
    return BackupResult(out, counts, len(files))


def restore(st: Storage, archive: Path, force: bool = False) -> BackupResult:
    """Restore ``archive`` into ``st`` (its database and data dir). Refuses a non-empty database
    unless ``force``; originals are verified against their sha256 names."""
    if not force and any(table_counts(st).values()):
        raise InvalidAction("the target database is not empty; pass --force to replace it")
    with tempfile.TemporaryDirectory(prefix="gouji-restore-") as tmp_name:
        tmp = Path(tmp_name)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")  # refuses absolute paths, '..' and links out of tmp
        manifest = json.loads((tmp / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise InvalidAction(f"{archive} is not a Gouji backup ({manifest.get('format')!r})")
        dialect = st.db.engine.dialect.name
        if manifest["dialect"] != dialect:
            raise InvalidAction(f"the backup is of a {manifest['dialect']} database, the target is {dialect}")
        for rel in manifest["files"]:
            _restore_file(tmp / rel, st.settings.data_dir / rel)
        st.db.dispose()
        if dialect == "sqlite":
            _sqlite_copy(tmp / manifest["database"], _sqlite_path(st.db.url))
        else:
            _run_pg(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                     str(tmp / manifest["database"])], st.db.url, database_flag=True)
    st.db.upgrade()  # a backup of an older schema is brought up to date
    return BackupResult(archive, table_counts(st), len(manifest["files"]))


def table_counts(st: Storage) -> dict[str, int]:
    tables = Base.metadata.tables
    with st.db.session() as s:
        return {name: int(s.scalar(select(func.count()).select_from(tables[name])) or 0) for name in COUNTED_TABLES}


def _revision(st: Storage) -> str | None:
    with st.db.session() as s:
        return s.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InvalidAction("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Page-by-page copy with SQLite's online backup API (consistent even while others write)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _restore_file(source: Path, target: Path) -> None:
    digest = hashlib.sha256()
    with source.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != source.name:
        raise InvalidAction(f"{source.name} in the backup does not match its sha256: archive damaged")
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _run_pg(args: list[str], url: str, database_flag: bool = False) -> None:
    """Run a PostgreSQL client tool on ``url`` (password through PGPASSWORD, never the command line)."""
    if shutil.which(args[0]) is None:
        raise InvalidAction(f"{args[0]} is not installed (apt-get install postgresql-client)")
    parsed = make_url(url)
    conn: list[str] = []
    for flag, value in (("--host", parsed.host), ("--port", parsed.port), ("--username", parsed.username)):
        if value:
            conn += [flag, str(value)]
    conn += ["--dbname", parsed.database or ""] if database_flag else [parsed.database or ""]
    env: dict[str, Any] = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    done = subprocess.run([args[0], *conn, *args[1:]] if database_flag else [*args, *conn],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InvalidAction(f"{args[0]} failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
