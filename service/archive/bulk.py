"""Bulk intake: files, folders (recursively) and zip archives → documents of one named batch.

- a folder (or a folder inside a zip) holding only page images (``ARCHIVE_PAGE_SUFFIXES``) and no
  subfolders is ONE report, stored as a zip of its pages (``pages.pages_zip``);
- every other file is one report (judged later by its content, never its name); a zip archive is opened
  and its members are taken as if they were a folder; a zip inside a zip is refused;
- zip safety: a member whose name is absolute or climbs (``..``) is refused, and an archive with more
  than ``ARCHIVE_ZIP_MAX_MEMBERS`` entries or ``ARCHIVE_ZIP_MAX_TOTAL_MB`` uncompressed, or a member
  over the upload limit or inflating more than ``ARCHIVE_ZIP_MAX_RATIO`` times, is refused without
  extracting it (nothing is ever written to disk under a member's name);
- idempotent: the batch is found by its name (the newest of that name) or created; bytes already in
  that batch under the same file name count as ``already`` (taken by an earlier run), other copies as
  ``duplicates``; so re-running an interrupted command continues where it stopped and reports the same.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from sqlalchemy import select

from service.archive.pages import ZIP_MAGIC, is_page_image, natural_key, pages_zip
from service.settings import (
    ARCHIVE_SKIP_NAMES,
    ARCHIVE_ZIP_MAX_MEMBERS,
    ARCHIVE_ZIP_MAX_RATIO,
    ARCHIVE_ZIP_MAX_TOTAL_MB,
)
from service.storage import Storage
from service.storage.errors import InvalidAction
from service.storage.intake import add_upload, create_batch, display_name
from service.storage.tables import Batch, DocumentRow

MB = 1024 * 1024
CHUNK_BYTES = 1 << 20


class Refused(Exception):
    """An item that turned out unreadable while being loaded (its message is the reason)."""


@dataclass(frozen=True)
class Item:
    """One report to submit: ``name`` as shown (path, ``archive.zip!member``) and ``load`` to read its
    bytes (raises ``Refused``); or ``refused`` says at once why it cannot be taken. Listing items reads
    no file content (zip directories only), so a progress bar knows the total before the work starts."""

    name: str
    load: Callable[[], bytes] | None = None
    refused: str | None = None


@dataclass
class Summary:
    """What one submit did; every item is in exactly one list."""

    batch_id: int
    queued: list[tuple[str, int]] = field(default_factory=list)       # (name, document id)
    already: list[tuple[str, int]] = field(default_factory=list)      # in this batch before (resumed)
    duplicates: list[tuple[str, int]] = field(default_factory=list)   # held by another batch's document
    refused: list[tuple[str, str]] = field(default_factory=list)      # (name, reason)
    taken_now: set[int] = field(default_factory=set)                  # documents created by this run

    @property
    def total(self) -> int:
        return len(self.queued) + len(self.already) + len(self.duplicates) + len(self.refused)

    def as_dict(self) -> dict[str, object]:
        return {"batch_id": self.batch_id, "total": self.total,
                "queued": [{"name": n, "id": i} for n, i in self.queued],
                "already": [{"name": n, "id": i} for n, i in self.already],
                "duplicates": [{"name": n, "id": i} for n, i in self.duplicates],
                "refused": [{"name": n, "reason": r} for n, r in self.refused]}


def _skipped(name: str) -> bool:
    base = PurePosixPath(name).name
    return base in ARCHIVE_SKIP_NAMES or base.startswith("._") or "__MACOSX" in PurePosixPath(name).parts


def _read_file(path: Path, limit_mb: int) -> bytes:
    try:
        if path.stat().st_size > limit_mb * MB:
            raise Refused(f"file is over the {limit_mb} MB limit")
        return path.read_bytes()
    except OSError as exc:
        raise Refused(f"cannot read: {exc.strerror or exc}") from exc


def _folder_items(folder: Path, limit_mb: int) -> Iterator[Item]:
    entries = sorted((p for p in folder.iterdir() if not _skipped(p.name)), key=lambda p: natural_key(p.name))
    files = [p for p in entries if p.is_file()]
    dirs = [p for p in entries if p.is_dir()]
    if files and not dirs and all(is_page_image(p.name) for p in files):
        yield Item(f"{folder}/", load=lambda: _folder_pages(files, limit_mb))
        return
    for path in files:
        yield from _file_items(path, limit_mb)
    for sub in dirs:
        yield from _folder_items(sub, limit_mb)


def _folder_pages(files: list[Path], limit_mb: int) -> bytes:
    pages = []
    for path in files:
        try:
            pages.append((path.name, _read_file(path, limit_mb)))
        except Refused as exc:
            raise Refused(f"page {path.name}: {exc}") from exc
    return pages_zip(pages)


def _file_items(path: Path, limit_mb: int) -> Iterator[Item]:
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        yield Item(str(path), refused=f"cannot read: {exc.strerror or exc}")
        return
    if magic == ZIP_MAGIC:
        yield from zip_items(path, limit_mb)
    else:
        yield Item(str(path), load=lambda: _read_file(path, limit_mb))


def _unsafe(name: str) -> bool:
    posix = PurePosixPath(name.replace("\\", "/"))
    return posix.is_absolute() or ".." in posix.parts or (len(name) > 1 and name[1] == ":")


def _zip_refusal(infos: list[zipfile.ZipInfo], limit_mb: int) -> str | None:
    if len(infos) > ARCHIVE_ZIP_MAX_MEMBERS:
        return f"archive has {len(infos)} entries, over the {ARCHIVE_ZIP_MAX_MEMBERS} limit"
    total = sum(i.file_size for i in infos)
    if total > ARCHIVE_ZIP_MAX_TOTAL_MB * MB:
        return f"archive inflates to {total // MB} MB, over the {ARCHIVE_ZIP_MAX_TOTAL_MB} MB limit"
    return None


def _member_refusal(info: zipfile.ZipInfo, limit_mb: int) -> str | None:
    if _unsafe(info.filename):
        return "unsafe path in archive (absolute or '..')"
    if info.file_size > limit_mb * MB:
        return f"file is over the {limit_mb} MB limit"
    if info.compress_size and info.file_size / info.compress_size > ARCHIVE_ZIP_MAX_RATIO:
        return f"inflates {info.file_size // max(1, info.compress_size)}× (zip bomb guard)"
    if info.flag_bits & 0x1:
        return "encrypted archive member"
    return None


def zip_items(path: Path, limit_mb: int) -> Iterator[Item]:
    """The reports inside one zip archive on disk, grouped by folder like ``_folder_items``."""
    label = str(path)
    try:
        zf = zipfile.ZipFile(path)
        infos = [i for i in zf.infolist() if not i.is_dir() and not _skipped(i.filename)]
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        yield Item(label, refused=f"broken zip archive: {exc}")
        return
    if (why := _zip_refusal(infos, limit_mb)) is not None:
        yield Item(label, refused=why)
        return
    folders: dict[str, list[zipfile.ZipInfo]] = {}
    for info in infos:
        folders.setdefault(str(PurePosixPath(info.filename).parent), []).append(info)
    parents = {str(p) for f in folders for p in PurePosixPath(f).parents}
    for folder, members in sorted(folders.items()):
        members.sort(key=lambda i: natural_key(i.filename))
        if folder != "." and folder not in parents and all(is_page_image(i.filename) for i in members):
            yield Item(f"{label}!{folder}/", load=lambda m=members: _zip_pages(zf, m, limit_mb))  # type: ignore[misc]
            continue
        for info in members:
            why = _member_refusal(info, limit_mb)
            yield Item(f"{label}!{info.filename}", refused=why,
                       load=None if why else lambda i=info: _zip_member(zf, i))  # type: ignore[misc]


def _zip_read(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with zf.open(info) as fh:  # read at most the declared size + 1: a lying header is caught
        data = fh.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise zipfile.BadZipFile("member is larger than its header says")
    return data


def _zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        data = _zip_read(zf, info)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as exc:
        raise Refused(f"cannot extract: {exc}") from exc
    if data[:4] == ZIP_MAGIC:
        raise Refused("archive inside an archive (unpack it first)")
    return data


def _zip_pages(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], limit_mb: int) -> bytes:
    pages = []
    for info in members:
        why = _member_refusal(info, limit_mb)
        if why is not None:
            raise Refused(f"page {info.filename}: {why}")
        pages.append((PurePosixPath(info.filename).name, _zip_member(zf, info)))
    return pages_zip(pages)


def expand(paths: list[Path], limit_mb: int) -> Iterator[Item]:
    """Every report under ``paths`` (files, folders, zips), in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from _folder_items(path, limit_mb)
        elif path.exists():
            yield from _file_items(path, limit_mb)
        else:
            yield Item(str(path), refused="no such file or folder")


def batch_named(st: Storage, name: str, user_id: int | None = None) -> int:
    """The newest batch called ``name`` (a resumed run), or a new one."""
    with st.db.session() as s:
        found = s.scalar(select(Batch.id).where(Batch.name == name.strip()[:200]).order_by(Batch.id.desc()))
    return int(found) if found is not None else create_batch(st, name, user_id)


@dataclass(frozen=True)
class Holder:
    document_id: int
    batch_id: int
    filename: str
    refused: str | None       # the document was refused on sight (bad file): its reason


def _holder(st: Storage, sha: str) -> Holder | None:
    with st.db.session() as s:
        row = s.execute(select(DocumentRow.id, DocumentRow.batch_id, DocumentRow.filename, DocumentRow.stage,
                               DocumentRow.error)
                        .where(DocumentRow.sha256 == sha).order_by(DocumentRow.id)).first()
    if row is None:
        return None
    return Holder(int(row[0]), int(row[1]), row[2], (row[4] or "refused") if row[3] == "refused" else None)


def stored_name(item: Item) -> str:
    """The document's file name: the file's (or zip member's) own name; a page folder's folder name."""
    return display_name(item.name.rstrip("/"))


def submit_item(st: Storage, batch_id: int, item: Item, summary: Summary,
                enqueue: Callable[[int], object] | None = None) -> None:
    """Take one item into the batch (or count why not) and hand a queued document to ``enqueue``."""
    try:
        if item.load is None:
            raise Refused(item.refused or "unreadable")
        data = item.load()
    except Refused as exc:
        summary.refused.append((item.name, str(exc)))
        return
    held = _holder(st, hashlib.sha256(data).hexdigest())
    if held is not None:
        if held.refused is not None:
            summary.refused.append((item.name, held.refused))
        else:
            resumed = (held.batch_id == batch_id and held.document_id not in summary.taken_now
                       and held.filename == stored_name(item))  # the same item, taken by an earlier run
            (summary.already if resumed else summary.duplicates).append((item.name, held.document_id))
        return
    try:
        up = add_upload(st, batch_id, stored_name(item), io.BytesIO(data))
    except InvalidAction as exc:
        summary.refused.append((item.name, str(exc)))
        return
    if not up.queued:
        summary.refused.append((item.name, _error_of(st, up.document_id)))
        return
    summary.queued.append((item.name, up.document_id))
    summary.taken_now.add(up.document_id)
    if enqueue is not None:
        enqueue(up.document_id)


def _error_of(st: Storage, doc_id: int) -> str:
    with st.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        return (row.error if row else None) or "refused"


def submit(st: Storage, paths: list[Path], batch_name: str, user_id: int | None = None,
           enqueue: Callable[[int], object] | None = None,
           progress: Callable[[Item], None] | None = None) -> Summary:
    """Submit everything under ``paths`` into the batch ``batch_name`` (see the module docstring)."""
    batch_id = batch_named(st, batch_name, user_id)
    summary = Summary(batch_id=batch_id)
    for item in list(expand(paths, st.settings.max_upload_mb)):
        submit_item(st, batch_id, item, summary, enqueue)
        if progress is not None:
            progress(item)
    return summary


def submit_uploads(st: Storage, batch_id: int, uploads: list[tuple[str, BinaryIO]],
                   enqueue: Callable[[int], object] | None = None) -> Summary:
    """The web/API intake: each uploaded file (a report or a zip archive) is spooled to a private
    temporary file (never under its own name) and taken like a file given to ``submit``."""
    summary = Summary(batch_id=batch_id)
    limit = st.settings.max_upload_mb
    with tempfile.TemporaryDirectory(dir=st.settings.data_dir, prefix=".intake-") as tmp:
        for number, (filename, stream) in enumerate(uploads):
            name = display_name(filename)
            path = Path(tmp) / f"upload-{number}"
            with path.open("wb") as out:
                shutil.copyfileobj(stream, out, CHUNK_BYTES)
            for item in list(_file_items(path, limit)):
                submit_item(st, batch_id, replace(item, name=item.name.replace(str(path), name, 1)), summary,
                            enqueue)
    return summary
