"""Page images and cell crops, rendered on demand from the kept original and cached as PNG.

Pages are rendered at the document's working DPI, so a cell's ``bbox`` (pixels at that DPI) can be
drawn over the page as-is. Scanned pages were deskewed before reading; the image here is the page
as kept, so a bbox on a skewed scan may be off by a few pixels (the crop keeps a margin for that).
"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

from service.ingest import open_source
from service.storage import Storage
from service.storage.errors import InvalidAction, NotFound
from service.storage.intake import kept_path
from service.storage.settings import CROP_MARGIN_PX, CROP_MAX_SCALE
from service.storage.tables import CellRow, DocumentRow

CROP_TARGET_HEIGHT_PX = 96   # a crop is enlarged towards this height (capped by CROP_MAX_SCALE)


def page_png(st: Storage, doc_id: int, page: int) -> Path:
    """The PNG of page ``page`` (1-based) at the document's DPI; rendered once, then cached."""
    with st.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        sha, dpi, pages = row.sha256, row.dpi, row.pages
    if dpi is None or pages is None:
        raise InvalidAction(f"document {doc_id} has not been extracted yet")
    if not 1 <= page <= pages:
        raise NotFound(f"document {doc_id} has no page {page}")
    target = st.settings.cache_dir / sha[:2] / f"{sha}-p{page}-{dpi}.png"
    if not target.exists():
        _render(kept_path(st, sha), page, dpi, target)
    return target


def _render(source: Path, page: int, dpi: int, target: Path) -> None:
    from PIL import Image

    with open_source(source) as src:
        image = Image.fromarray(src.render(page, dpi))
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
