"""Images inside digital pages: OCR the table regions a text layer does not cover.

A born-digital report may keep a real text layer for its prose while a table was pasted in as a
picture (a screenshot in a Word/WPS report). Such a page is read region by region: the text
layer outside the pictures, the scan reader (``service.scan.read_scanned_page``) inside each
picture. A ruled table whose cells hold no glyphs is read the same way when the PDF draws
something inside it besides rulings (numbers drawn as curves, a picture: ``drawn_content``); an
empty ruled box is left alone. The page then has mode ``mixed``.

Coordinates: candidate regions come from pdfium in PDF points (origin bottom-left) and are
turned into pixels at ``settings.OCR_RENDER_DPI`` (= the working DPI), origin top-left, the
frame every ``Page`` uses. The crop is OCR'd as it is (no page-level deskew), so the OCR tokens
translate back by the crop's offset alone.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from service import settings
from service.model import BBox, Page, PageMode, Ruling, Token
from service.textlines import centre

if TYPE_CHECKING:
    import numpy as np  # imported where a region is OCR'd: born-digital pages need none

_DIGIT = re.compile(r"[0-9]")


def _points_to_px(bounds: tuple[float, float, float, float], page_height_pt: float) -> BBox:
    """pdfium bounds (left, bottom, right, top; points, origin bottom-left) → page pixels."""
    scale = settings.OCR_RENDER_DPI / 72.0
    left, bottom, right, top = bounds
    return (left * scale, (page_height_pt - top) * scale, right * scale, (page_height_pt - bottom) * scale)


def _inside(box: BBox, region: BBox) -> bool:
    x, y = centre(box)
    return region[0] <= x <= region[2] and region[1] <= y <= region[3]


def image_regions(pdfium_page: Any, page: Page) -> list[BBox]:
    """Boxes (page pixels) of embedded images large enough to hold a table and holding almost no
    text-layer glyphs of their own (a scanned image under a visible OCR layer is not one)."""
    from models.pdfium_layer import image_bounds

    width_pt, height_pt = pdfium_page.get_size()
    page_area = max(width_pt * height_pt, 1.0)
    regions: list[BBox] = []
    for left, bottom, right, top in _image_bounds(pdfium_page, image_bounds(pdfium_page)):
        if (right - left) * (top - bottom) / page_area < settings.MIXED_MIN_IMAGE_AREA_RATIO:
            continue
        box = _points_to_px((left, bottom, right, top), height_pt)
        chars = sum(len(t.text) for t in page.tokens if _inside(t.bbox, box))
        if chars <= settings.MIXED_MAX_TEXT_CHARS_IN_IMAGE:
            regions.append(box)
    return regions


def _image_bounds(pdfium_page: Any, fast: list[tuple[float, float, float, float]] | None,
                  ) -> list[tuple[float, float, float, float]]:
    """Image objects' bounds (points): ``fast`` (``models.pdfium_layer``), else pypdfium2's objects."""
    if fast is not None:
        return fast
    import pypdfium2.raw as pdfium_c

    return [obj.get_bounds() for obj in pdfium_page.get_objects(max_depth=2)
            if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]


def glyphless_tables(page: Page) -> list[BBox]:
    """Boxes (page pixels) of ruled tables of a text page — runs of vertical rulings that overlap
    in y — holding almost no text-layer glyphs: their content is drawn as curves or pictures."""
    verticals = sorted((r for r in page.rulings if r.vertical), key=lambda r: min(r.y0, r.y1))
    groups: list[list[Ruling]] = []
    for r in verticals:
        if groups and min(r.y0, r.y1) <= max(max(g.y0, g.y1) for g in groups[-1]) + settings.GRID_MERGE_TOLERANCE_PX:
            groups[-1].append(r)
        else:
            groups.append([r])
    boxes: list[BBox] = []
    for group in groups:
        box = (min(r.x0 for r in group), min(min(r.y0, r.y1) for r in group),
               max(r.x0 for r in group), max(max(r.y0, r.y1) for r in group))
        if (len(group) < settings.MIXED_MIN_TABLE_VERTICALS or box[2] - box[0] < settings.SCAN_TABLE_MIN_W_PX
                or box[3] - box[1] < settings.SCAN_TABLE_MIN_H_PX):
            continue
        if sum(len(t.text) for t in page.tokens if _inside(t.bbox, box)) <= settings.MIXED_MAX_TEXT_CHARS_IN_IMAGE:
            boxes.append(box)
    return boxes


def _overlaps(a: BBox, b: BBox) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _glyph_like_path(obj: Any) -> bool:
    """Whether a pdfium path object could be (part of) a drawn glyph rather than a ruling or a box.

    A glyph outline has a curve or a slanted segment; an axis-aligned filled shape counts only when
    it is glyph-sized (thicker than a ruling, no longer than ``MIXED_GLYPH_MAX_PT``). Points.
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    raw = obj.raw
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(raw, matrix) or matrix.b or matrix.c:
        return True  # rotated or skewed: what is axis-aligned in the path is not on the page
    tol = settings.MIXED_AXIS_TOLERANCE_PT
    x, y = ctypes.c_float(), ctypes.c_float()
    last: tuple[float, float] | None = None
    for k in range(pdfium_c.FPDFPath_CountSegments(raw)):
        segment = pdfium_c.FPDFPath_GetPathSegment(raw, k)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            return True
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        point = (x.value, y.value)
        if (kind == pdfium_c.FPDF_SEGMENT_LINETO and last is not None
                and abs(point[0] - last[0]) >= tol and abs(point[1] - last[1]) >= tol):
            return True
        last = point
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(raw, fill, stroke) or fill.value == 0:
        return False
    left, bottom, right, top = obj.get_bounds()
    w, h = right - left, top - bottom
    return min(w, h) >= settings.MIXED_RULING_MAX_THICK_PT and max(w, h) <= settings.MIXED_GLYPH_MAX_PT


def drawn_content(pdfium_page: Any, region: BBox) -> bool:
    """Whether the PDF draws something in ``region`` (page pixels) that the text layer lacks:
    an image object over it, or a path inside it that is not a ruling or a cell box
    (``_glyph_like_path``: numbers drawn as curves). Objects of Form XObjects one level down count."""
    import pypdfium2.raw as pdfium_c

    height_pt = pdfium_page.get_size()[1]
    for obj in pdfium_page.get_objects(max_depth=2):
        if obj.type not in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH):
            continue
        box = _points_to_px(obj.get_bounds(), height_pt)
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            if _overlaps(box, region):
                return True
        elif _inside(box, region) and _glyph_like_path(obj):
            return True
    return False


def regions_to_read(pdfium_page: Any, page: Page) -> list[BBox]:
    """Embedded table pictures, then glyph-less ruled tables not already inside a picture and
    holding drawn content (an empty ruled box is not worth loading the OCR engines for)."""
    pictures = image_regions(pdfium_page, page)
    empty = [b for b in glyphless_tables(page) if not any(_inside(b, p) for p in pictures)]
    return pictures + [b for b in empty if drawn_content(pdfium_page, b)]


def _crop_box(region: BBox, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """Integer crop (x0, y0, x1, y1) of ``region`` padded by ``MIXED_CROP_PAD_PX``, clipped to the image."""
    pad = settings.MIXED_CROP_PAD_PX
    h, w = shape
    x0, y0, x1, y1 = region
    return (max(0, int(x0) - pad), max(0, int(y0) - pad), min(w, int(x1) + pad + 1), min(h, int(y1) + pad + 1))


def shift_token(token: Token, dx: float, dy: float) -> Token:
    x0, y0, x1, y1 = token.bbox
    return token.model_copy(update={"bbox": (x0 + dx, y0 + dy, x1 + dx, y1 + dy)})


def shift_ruling(ruling: Ruling, dx: float, dy: float) -> Ruling:
    return Ruling(x0=ruling.x0 + dx, y0=ruling.y0 + dy, x1=ruling.x1 + dx, y1=ruling.y1 + dy)


def ocr_region(image: np.ndarray, region: BBox, number: int,
               read: Any = None) -> tuple[tuple[Token, ...], tuple[Ruling, ...]]:
    """OCR tokens and rulings of one region of the page ``image`` (grey, OCR DPI), in page pixels.

    Nothing is kept from a region without a digit that is not a ruled table with some text in it
    (a logo, a photo, an empty ruled box).
    ``read`` is the scan reader (injectable for tests); defaults to ``read_scanned_page``.
    """
    import numpy as np

    if read is None:
        from service.scan import read_scanned_page as read
    x0, y0, x1, y1 = _crop_box(region, image.shape[:2])
    if x1 - x0 < settings.SCAN_TABLE_MIN_W_PX or y1 - y0 < settings.SCAN_TABLE_MIN_H_PX:
        return (), ()
    part, _ = read(np.ascontiguousarray(image[y0:y1, x0:x1]), number)
    if not any(_DIGIT.search(t.text) for t in part.tokens) and not (
            part.rulings and any(t.text.strip() for t in part.tokens)):
        return (), ()
    return (tuple(shift_token(t, x0, y0) for t in part.tokens),
            tuple(shift_ruling(r, x0, y0) for r in part.rulings))


def merge_regions(page: Page, regions: list[BBox],
                  ocr: list[tuple[tuple[Token, ...], tuple[Ruling, ...]]]) -> Page:
    """The text page with every region's text-layer content replaced by its OCR reading."""
    used = [(r, part) for r, part in zip(regions, ocr, strict=True) if part[0] or part[1]]
    if not used:
        return page
    boxes = [r for r, _ in used]
    tokens = [t for t in page.tokens if not any(_inside(t.bbox, b) for b in boxes)]
    rulings = [r for r in page.rulings if not any(_inside((r.x0, r.y0, r.x1, r.y1), b) for b in boxes)]
    for _, (toks, rules) in used:
        tokens.extend(toks)
        rulings.extend(rules)
    note = f"mixed page: {len(used)} embedded image region(s) read by OCR, the rest from the text layer"
    return page.model_copy(update={"mode": PageMode.MIXED, "tokens": tuple(tokens), "rulings": tuple(rulings),
                                   "note": "; ".join(n for n in (page.note, note) if n)})


def read_image_regions(source: Any, page: Page) -> Page:
    """A text-layer page of a PDF ``source`` with its embedded table pictures and glyph-less ruled
    tables OCR'd (mode ``mixed``), or the page unchanged when it has none."""
    if page.mode is not PageMode.TEXT or not source.is_pdf:
        return page
    regions = regions_to_read(source.pdfium_page(page.number), page)
    if not regions:
        return page
    image = source.render(page.number, settings.OCR_RENDER_DPI)
    return merge_regions(page, regions, [ocr_region(image, r, page.number) for r in regions])
