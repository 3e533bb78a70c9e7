"""Page images and cell crops, rendered on demand from the kept original and cached as PNG.

Each page is re-created exactly as the pipeline read it (``service.page_images.page_image``:
text pages at the working DPI, scanned pages straightened by the skew found), so a cell's ``bbox``
can be drawn over it and cropped as-is.
"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

from service import settings
from service.ingest import open_source
from service.model import Document, Page
from service.page_images import page_image
from service.storage import Storage
from service.storage.errors import InvalidAction, NotFound
from service.storage.intake import kept_path
from service.storage.settings import CROP_MARGIN_PX, CROP_MAX_SCALE
from service.storage.tables import CellRow, DocumentRow

CROP_TARGET_HEIGHT_PX = settings.CROP_TARGET_HEIGHT_PX  # service/settings.py


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
    image.save(tmp, format="PNG", optimize=False)
    tmp.replace(target)


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
    with Image.open(page_png(st, doc_id, page)) as img:
        box = (max(0, int(x0 - CROP_MARGIN_PX)), max(0, int(y0 - CROP_MARGIN_PX)),
               min(img.width, int(x1 + CROP_MARGIN_PX)), min(img.height, int(y1 + CROP_MARGIN_PX)))
        if box[2] <= box[0] or box[3] <= box[1]:
            raise NotFound(f"{key} lies outside page {page}")
        crop = img.crop(box)
    scale = min(CROP_MAX_SCALE, max(1.0, CROP_TARGET_HEIGHT_PX / crop.height))
    crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, format="PNG")
    return out.getvalue()
