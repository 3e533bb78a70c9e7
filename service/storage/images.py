"""Page images and cell crops, rendered from the kept original and cached as PNG.

What is drawn is kept (issue 8: a page or crop ≤ 500 ms on first view): the pages holding flagged
cells are drawn when the extraction is saved (``prerender``), every page PNG stays in the cache
directory, the last ``settings.PAGE_IMAGES_IN_MEMORY`` decoded pages stay in memory to cut crops
from, and each crop is kept as its own PNG (keyed by page, DPI and box: a re-drawn box is a new crop).

Each page is re-created exactly as the pipeline read it (``service.page_images.page_image``:
text pages at the working DPI, scanned pages straightened by the skew found), so a cell's ``bbox``
can be drawn over it and cropped as-is.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

from service import settings
from service.ingest import open_source
from service.model import Document, Page
from service.page_images import page_image
from service.storage import Storage
from service.storage.errors import InvalidAction, NotFound
from service.storage.intake import kept_path
from service.storage.settings import CROP_MARGIN_PX, CROP_MAX_SCALE
from service.storage.tables import CellRow, CellStatus, DocumentRow

CROP_TARGET_HEIGHT_PX = settings.CROP_TARGET_HEIGHT_PX  # service/settings.py
log = logging.getLogger(__name__)


def page_png(st: Storage, doc_id: int, page: int) -> Path:
    """The PNG of page ``page`` (1-based) at the document's DPI; rendered once, then cached."""
    with st.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        sha, dpi, pages, doc_json = row.sha256, row.dpi, row.pages, row.doc_json
    if dpi is None or pages is None or doc_json is None:
        raise InvalidAction(f"document {doc_id} has not been extracted yet")
    if not 1 <= page <= pages:
        raise NotFound(f"document {doc_id} has no page {page}")
    target = st.settings.cache_dir / sha[:2] / f"{sha}-p{page}-{dpi}-as-read.png"
    if not target.exists():
        read_page = Document.model_validate_json(doc_json).page(page)
        _render(kept_path(st, sha), read_page, target)
    return target


def _render(source: Path, page: Page, target: Path) -> None:
    from PIL import Image

    with open_source(source) as src:
        image = Image.fromarray(page_image(src, page))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")  # concurrent renders never collide
    image.save(tmp, format="PNG", optimize=False, compress_level=settings.PAGE_PNG_COMPRESS_LEVEL)
    tmp.replace(target)


def prerender(st: Storage, doc_id: int) -> int:
    """Draw the pages that hold flagged cells (their first view is then a cache hit); returns how
    many were drawn. Never raises: a page that cannot be drawn now is drawn on demand later."""
    try:
        with st.db.session() as s:
            flagged = s.query(CellRow).filter_by(document_id=doc_id, status=CellStatus.FLAGGED.value)
            pages = sorted({c.page for c in flagged if c.page is not None})
        for page in pages:
            page_png(st, doc_id, page)
        return len(pages)
    except Exception:  # noqa: BLE001 (best effort: the review page draws on demand)
        log.warning("document %s: pages not drawn ahead", doc_id, exc_info=True)
        return 0


class _Decoded:
    """The last few decoded page images (PIL, loaded), keyed by path and modification time."""

    def __init__(self, size: int) -> None:
        self.size, self.lock, self.images = size, threading.Lock(), OrderedDict[tuple[str, int], Any]()

    def get(self, path: Path) -> Any:
        from PIL import Image

        key = (str(path), path.stat().st_mtime_ns)
        with self.lock:
            if key in self.images:
                self.images.move_to_end(key)
                return self.images[key]
        with Image.open(path) as img:
            img.load()
            image = img.copy()
        with self.lock:
            self.images[key] = image
            while len(self.images) > self.size:
                self.images.popitem(last=False)
        return image


_DECODED = _Decoded(settings.PAGE_IMAGES_IN_MEMORY)


def crop_png(st: Storage, doc_id: int, key: str) -> bytes:
    """The cell's crop with a margin, enlarged for reading; PNG bytes."""
    from PIL import Image

    with st.db.session() as s:
        cell = s.query(CellRow).filter_by(document_id=doc_id, key=key).one_or_none()
        if cell is None:
            raise NotFound(f"document {doc_id} has no cell {key}")
        page, bbox = cell.page, cell.bbox
    if page is None or bbox is None:
        raise NotFound(f"{key} has no position on the page")
    x0, y0, x1, y1 = json.loads(bbox)
    page_path = page_png(st, doc_id, page)
    kept = page_path.with_name(f"{page_path.stem}-crop-{x0:.0f}-{y0:.0f}-{x1:.0f}-{y1:.0f}.png")
    if kept.exists():
        return kept.read_bytes()
    img = _DECODED.get(page_path)
    box = (max(0, int(x0 - CROP_MARGIN_PX)), max(0, int(y0 - CROP_MARGIN_PX)),
           min(img.width, int(x1 + CROP_MARGIN_PX)), min(img.height, int(y1 + CROP_MARGIN_PX)))
    if box[2] <= box[0] or box[3] <= box[1]:
        raise NotFound(f"{key} lies outside page {page}")
    crop = img.crop(box)
    scale = min(CROP_MAX_SCALE, max(1.0, CROP_TARGET_HEIGHT_PX / crop.height))
    crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, format="PNG")
    tmp = kept.with_name(f".{kept.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(out.getvalue())
    tmp.replace(kept)
    return out.getvalue()
