"""Batches and uploads: keep each original once (content-addressed), one row per (batch, sha256)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from service.archive.pages import is_pages_zip
from service.ingest import sniff_type
from service.storage import Storage
from service.storage.errors import InvalidAction, NotFound
from service.storage.tables import Batch, DocStatus, DocumentRow

CHUNK_BYTES = 1 << 20
SNIFF_BYTES = 1024         # service.ingest.sniff_type looks at this much of the file


@dataclass(frozen=True)
class Upload:
    """The outcome of one uploaded file: ``created`` is False when it was already in the batch."""

    document_id: int
    filename: str
    sha256: str
    created: bool
    queued: bool = True      # False: refused on sight (not a supported file type), status error


def create_batch(st: Storage, name: str, user_id: int | None = None) -> int:
    name = name.strip() or "batch"
    with st.db.session() as s:
        batch = Batch(name=name[:200], created_by=user_id)
        s.add(batch)
        s.flush()
        return batch.id


def kept_path(st: Storage, sha256: str) -> Path:
    """Where the original with this digest is kept: ``files/<2 hex>/<64 hex>``."""
    return st.settings.files_dir / sha256[:2] / sha256


def keep_file(st: Storage, stream: BinaryIO) -> tuple[str, int]:
    """Copy ``stream`` into the data dir under its sha256 name; returns ``(sha256, size in bytes)``.

    The uploaded file name is never part of the path. Over ``settings.max_upload_mb`` the copy stops
    and ``InvalidAction`` is raised (nothing is kept)."""
    limit = st.settings.max_upload_mb * 1024 * 1024
    digest, size = hashlib.sha256(), 0
    st.settings.files_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=st.settings.files_dir, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for block in iter(lambda: stream.read(CHUNK_BYTES), b""):
                size += len(block)
                if size > limit:
                    raise InvalidAction(f"file is over the {st.settings.max_upload_mb} MB limit")
                digest.update(block)
                out.write(block)
        sha = digest.hexdigest()
        target = kept_path(st, sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, target)
        return sha, size
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def refusal(st: Storage, sha256: str, size: int) -> str | None:
    """Why a kept file is refused before any extraction (by its first bytes, never its name), or None.

    A zip of page images only (a report kept as a folder of page photos) is accepted."""
    if size == 0:
        return "empty file (0 bytes)"
    with kept_path(st, sha256).open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if sniff_type(head) is None and not is_pages_zip(kept_path(st, sha256)):
        return "unsupported file type (expected PDF, PNG, JPEG or TIFF; judged by content, not by name)"
    return None


def display_name(filename: str | None) -> str:
    """The upload's name as shown to people: last path part (either slash), no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or "upload")[:500]


def add_upload(st: Storage, batch_id: int, filename: str, stream: BinaryIO) -> Upload:
    """Keep the file and commit its document row; dedupe on (batch, sha256).

    A file whose content is not PDF/PNG/JPEG/TIFF gets a row with status error and the reason (it is
    never queued); the others are queued."""
    sha, size = keep_file(st, stream)
    name = display_name(filename)
    refused = refusal(st, sha, size)
    with st.db.session() as s:
        if s.get(Batch, batch_id) is None:
            raise NotFound(f"batch {batch_id} does not exist")
        existing = _find(s, batch_id, sha)
        if existing is not None:
            return Upload(existing, name, sha, created=False, queued=False)
    try:
        with st.db.session() as s:
            row = DocumentRow(batch_id=batch_id, filename=name, sha256=sha, size_bytes=size,
                              status=DocStatus.ERROR.value if refused else DocStatus.QUEUED.value,
                              error=refused, stage="refused" if refused else "queued")
            s.add(row)
            s.flush()
            return Upload(row.id, name, sha, created=True, queued=refused is None)
    except IntegrityError:  # a concurrent upload of the same bytes won the race
        with st.db.session() as s:
            found = _find(s, batch_id, sha)
        if found is None:
            raise
        return Upload(found, name, sha, created=False, queued=False)


def _find(s: object, batch_id: int, sha: str) -> int | None:
    stmt = select(DocumentRow.id).where(DocumentRow.batch_id == batch_id, DocumentRow.sha256 == sha)
    return s.scalar(stmt)  # type: ignore[attr-defined]


def list_batches(st: Storage) -> list[dict[str, object]]:
    """Every batch, newest first, with its document count per status."""
    with st.db.session() as s:
        batches = s.scalars(select(Batch).order_by(Batch.id.desc())).all()
        counts = s.execute(select(DocumentRow.batch_id, DocumentRow.status, func.count())
                           .group_by(DocumentRow.batch_id, DocumentRow.status)).all()
    by_batch: dict[int, dict[str, int]] = {}
    for batch_id, status, n in counts:
        by_batch.setdefault(batch_id, {})[status] = n
    return [{"id": b.id, "name": b.name, "created_at": b.created_at.isoformat(),
             "counts": by_batch.get(b.id, {}), "documents": sum(by_batch.get(b.id, {}).values())}
            for b in batches]


def get_batch(st: Storage, batch_id: int) -> Batch:
    with st.db.session() as s:
        batch = s.get(Batch, batch_id)
    if batch is None:
        raise NotFound(f"batch {batch_id} does not exist")
    return batch
