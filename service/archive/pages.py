"""A report kept as a folder of page images is stored as one zip of its pages (``pages_zip``), in
page order (natural sort of the file names: ``p2.png`` before ``p10.png``). The bytes are
deterministic (no timestamps, stored uncompressed), so the same folder always has the same sha256 and
re-submitting it is recognised as a duplicate. ``page_images`` reads the pages back in order.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from service.ingest_images import natural_key
from service.settings import ARCHIVE_PAGE_SUFFIXES

ZIP_MAGIC = b"PK\x03\x04"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def is_page_image(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in ARCHIVE_PAGE_SUFFIXES


def pages_zip(pages: Iterable[tuple[str, bytes]]) -> bytes:
    """One zip of ``(file name, bytes)`` pages, named ``page-0001<suffix>`` … in natural order."""
    buf = io.BytesIO()
    ordered = sorted(pages, key=lambda p: natural_key(p[0]))
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for number, (name, data) in enumerate(ordered, start=1):
            info = zipfile.ZipInfo(f"page-{number:04d}{PurePosixPath(name).suffix.lower()}", FIXED_TIME)
            zf.writestr(info, data)
    return buf.getvalue()


def is_pages_zip(path: Path) -> bool:
    """True when ``path`` is a zip whose every member is a page image (what ``pages_zip`` writes)."""
    try:
        with path.open("rb") as fh:
            if fh.read(4) != ZIP_MAGIC:
                return False
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except (OSError, zipfile.BadZipFile):
        return False
    return bool(names) and all(is_page_image(n) for n in names)


def page_images(path: Path) -> list[tuple[str, bytes]]:
    """The pages of a stored page zip, in page order."""
    with zipfile.ZipFile(path) as zf:
        names = sorted((i.filename for i in zf.infolist() if not i.is_dir()), key=natural_key)
        return [(n, zf.read(n)) for n in names]


def unpack_pages(path: Path, folder: Path) -> list[Path]:
    """Write the pages of a stored page zip into ``folder`` as ``page-0001.png`` … (names made here, never
    taken from the archive), in page order; what a folder-of-page-images reader takes."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for number, (name, data) in enumerate(page_images(path), start=1):
        target = folder / f"page-{number:04d}{PurePosixPath(name).suffix.lower()}"
        target.write_bytes(data)
        out.append(target)
    return out
