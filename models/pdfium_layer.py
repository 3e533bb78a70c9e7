"""A page's text layer and ruling lines read with pypdfium2 (C), in pdfplumber's terms.

pdfplumber parses every content stream in Python (pdfminer); pdfium does it in C. This module
returns the same characters, word boxes and edges that ``pdfplumber`` would, so the rest of the
pipeline cannot tell the two apart:

* coordinates are PDF points with the origin at the top-left of the MediaBox (``top`` grows
  downwards), exactly pdfplumber's convention;
* a character's box follows pdfminer: from ``descent`` (the font descriptor's ``/Descent``,
  0 when absent) to ``descent + font size`` above the baseline, ``advance`` wide;
* pdfium works in 32-bit floats. Numbers in content streams have few decimals, so every value
  read from pdfium is snapped to ``SNAP_DECIMALS`` (1/1000 pt, ≈ 0.003 px at 200 dpi) and then
  combined in double precision in pdfminer's order of operations.

The page boxes and font descents come from the PDF's object structure (``models.pdf_structure``),
never from a content stream.

``load_page_layer`` returns ``None`` for pages outside what is replicated exactly (rotated pages,
MediaBox not at the origin, Form XObjects, rotated or unmapped glyphs, Type3 fonts); callers then
read the page with pdfplumber. A ligature (one glyph, several code points: ﬂ → "fl") is one char
with all of them, as pdfminer reads it (``_ligature``).
"""

from __future__ import annotations

import ctypes
import functools
from dataclasses import dataclass
from typing import Any

from models.pdf_geometry import (
    SNAP_DECIMALS,
    PdfChar,
    PdfEdge,
    PdfWord,
    apply_matrix,
    as_re,
    extract_words,
    is_re,
    snap,
    subpath_edges,
    subpaths,
)
from models.pdf_structure import PageInfo, strip_subset

__all__ = ["UNREPLICABLE", "PageLayer", "PdfChar", "PdfEdge", "PdfWord", "extract_words", "image_bounds",
           "load_page_layer", "page_layer", "text_and_images"]

TEXT_SNAP_DECIMALS = 4       # glyph origins (sums of advances such as 5.8275 pt) to 1/10000 pt
MATRIX_SNAP_DECIMALS = 6     # scale/shear entries of a matrix (|v| ≲ 10) to 1e-6
WIDTH_SNAP_UNITS = 0.05      # a glyph width this close to a whole number of 1/1000 em is that number

_FPDF_PAGEOBJ_TEXT, _FPDF_PAGEOBJ_PATH, _FPDF_PAGEOBJ_IMAGE, _FPDF_PAGEOBJ_FORM = 1, 2, 3, 5
_INVISIBLE_RENDER_MODE = 3
_SEG_LINETO, _SEG_BEZIERTO, _SEG_MOVETO = 0, 1, 2
_GENERATED_CODES = frozenset((0x20, 0x0D, 0x0A))  # the only characters pdfium inserts itself
_MISSING = object()


@dataclass(frozen=True)
class PageLayer:
    """Everything the text reader needs from one page: size (points), glyphs and edges.

    ``words`` is filled when they were grouped elsewhere (pdfplumber); otherwise
    ``extract_words`` groups ``chars``.
    """

    width: float
    height: float
    chars: tuple[PdfChar, ...]
    edges: tuple[PdfEdge, ...]
    words: tuple[PdfWord, ...] | None = None


class _Pdfium:
    """The hot pdfium calls, bound with plain integer handles (no ctypes pointer object per call)."""

    def __init__(self, lib: Any, c: Any) -> None:
        vp, ci, cf = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
        pd, pf, pm = ctypes.POINTER(ctypes.c_double), ctypes.POINTER(cf), ctypes.POINTER(c.FS_MATRIX)

        def bind(name: str, restype: Any, *argtypes: Any) -> Any:
            fn = lib[name]  # a fresh function object: pypdfium2's own bindings stay untouched
            fn.restype, fn.argtypes = restype, argtypes
            return fn

        self.count_chars = bind("FPDFText_CountChars", ci, vp)
        self.get_text = bind("FPDFText_GetText", ci, vp, ci, ci, vp)
        self.is_generated = bind("FPDFText_IsGenerated", ci, vp, ci)
        self.map_error = bind("FPDFText_HasUnicodeMapError", ci, vp, ci)
        self.text_object = bind("FPDFText_GetTextObject", vp, vp, ci)
        self.origin = bind("FPDFText_GetCharOrigin", ci, vp, ci, pd, pd)
        self.char_matrix = bind("FPDFText_GetMatrix", ci, vp, ci, pm)
        self.font = bind("FPDFTextObj_GetFont", vp, vp)
        self.font_size = bind("FPDFTextObj_GetFontSize", ci, vp, pf)
        self.base_name = bind("FPDFFont_GetBaseFontName", ctypes.c_size_t, vp, ctypes.c_char_p, ctypes.c_size_t)
        self.glyph_width = bind("FPDFFont_GetGlyphWidth", ci, vp, ctypes.c_uint32, cf, pf)
        self.count_objects = bind("FPDFPage_CountObjects", ci, vp)
        self.get_object = bind("FPDFPage_GetObject", vp, vp, ci)
        self.object_type = bind("FPDFPageObj_GetType", ci, vp)
        self.object_matrix = bind("FPDFPageObj_GetMatrix", ci, vp, pm)
        self.draw_mode = bind("FPDFPath_GetDrawMode", ci, vp, ctypes.POINTER(ci), ctypes.POINTER(ci))
        self.count_segments = bind("FPDFPath_CountSegments", ci, vp)
        self.segment = bind("FPDFPath_GetPathSegment", vp, vp, ci)
        self.segment_point = bind("FPDFPathSegment_GetPoint", ci, vp, pf, pf)
        self.segment_type = bind("FPDFPathSegment_GetType", ci, vp)
        self.segment_close = bind("FPDFPathSegment_GetClose", ci, vp)
        self.form_count = bind("FPDFFormObj_CountObjects", ci, vp)
        self.form_object = bind("FPDFFormObj_GetObject", vp, vp, ctypes.c_ulong)
        self.render_mode = bind("FPDFTextObj_GetTextRenderMode", ci, vp)
        self.bounds = bind("FPDFPageObj_GetBounds", ci, vp, pf, pf, pf, pf)
        self.loose_box = bind("FPDFText_GetLooseCharBox", ci, vp, ci, ctypes.POINTER(c.FS_RECTF))
        self.rect_type = c.FS_RECTF
        self.matrix_type = c.FS_MATRIX


@functools.cache
def _pdfium() -> _Pdfium | None:
    """The bindings, or ``None`` when this pypdfium2 does not expose its library (pdfplumber then)."""
    try:
        import pypdfium2.raw as pdfium_c
        from pypdfium2_raw.bindings import _libs

        return _Pdfium(_libs["pdfium"], pdfium_c)
    except (ImportError, KeyError, AttributeError):
        return None


def _objects(fx: _Pdfium, pdfium_page: Any) -> list[int]:
    """Handles of the page's objects and of its Form XObjects' one level down, in pypdfium2's
    ``get_objects(max_depth=2)`` order."""
    page = _handle(pdfium_page.raw)
    handles = []
    for k in range(fx.count_objects(page)):
        obj = fx.get_object(page, k)
        handles.append(obj)
        if fx.object_type(obj) == _FPDF_PAGEOBJ_FORM:
            handles.extend(fx.form_object(obj, j) for j in range(fx.form_count(obj)))
    return handles


def _bounds(fx: _Pdfium, obj: int, box: list[Any]) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) in points, as pypdfium2's ``get_bounds`` reports them."""
    if not fx.bounds(obj, *box):
        raise RuntimeError("pdfium could not locate an image object")
    return box[0].value, box[1].value, box[2].value, box[3].value


def text_and_images(pdfium_page: Any) -> tuple[float, float] | None:
    """(share of text objects drawn invisibly, largest image's share of the page area).

    Objects are those of the page and of its Form XObjects one level down (pypdfium2's
    ``get_objects(max_depth=2)``). ``None`` when the bindings are unavailable.
    """
    fx = _pdfium()
    if fx is None:
        return None
    width, height = pdfium_page.get_size()
    page_area = max(width * height, 1.0)
    texts = invisible = 0
    largest = 0.0
    box = [ctypes.c_float() for _ in range(4)]
    for obj in _objects(fx, pdfium_page):
        kind = fx.object_type(obj)
        if kind == _FPDF_PAGEOBJ_TEXT:
            texts += 1
            invisible += fx.render_mode(obj) == _INVISIBLE_RENDER_MODE
        elif kind == _FPDF_PAGEOBJ_IMAGE:
            left, bottom, right, top = _bounds(fx, obj, box)
            largest = max(largest, (right - left) * (top - bottom) / page_area)
    return (invisible / texts if texts else 0.0), min(largest, 1.0)


def image_bounds(pdfium_page: Any) -> list[tuple[float, float, float, float]] | None:
    """(left, bottom, right, top) points of every image object, in ``get_objects(max_depth=2)``
    order; ``None`` when the bindings are unavailable."""
    fx = _pdfium()
    if fx is None:
        return None
    box = [ctypes.c_float() for _ in range(4)]
    return [_bounds(fx, obj, box) for obj in _objects(fx, pdfium_page)
            if fx.object_type(obj) == _FPDF_PAGEOBJ_IMAGE]


def _handle(raw: Any) -> int:
    return ctypes.cast(raw, ctypes.c_void_p).value or 0


class _Unreplicable:
    """The page holds something no page description can make exact (see ``page_layer``)."""

    def __repr__(self) -> str:
        return "UNREPLICABLE"


UNREPLICABLE = _Unreplicable()


def load_page_layer(pdfium_page: Any, info: PageInfo | None) -> PageLayer | None:
    """Glyphs and edges of one page as pdfplumber would report them, or ``None`` (see module doc)."""
    layer = page_layer(pdfium_page, info)
    return layer if isinstance(layer, PageLayer) else None


def page_layer(pdfium_page: Any, info: PageInfo | None) -> PageLayer | _Unreplicable | None:
    """``load_page_layer``, telling why not: ``None`` when another ``info`` (box, rotation, font
    descents) might do, ``UNREPLICABLE`` when the page itself is outside what is replicated
    (Form XObjects, rotated glyphs, ligatures, glyphs without unicode or width)."""
    fx = _pdfium()
    if fx is None or info is None or info.rotation or info.mediabox[0] != 0 or info.mediabox[1] != 0:
        return None
    page = _handle(pdfium_page.raw)
    objects = [fx.get_object(page, k) for k in range(fx.count_objects(page))]
    kinds = [fx.object_type(h) for h in objects]
    if _FPDF_PAGEOBJ_FORM in kinds:
        return UNREPLICABLE
    height = info.mediabox[3] - info.mediabox[1]
    textpage = pdfium_page.get_textpage()
    try:
        chars = _chars(fx, _handle(textpage.raw), info, height)
    finally:
        textpage.close()
    if not isinstance(chars, list):
        return chars
    by_kind: dict[str, list[PdfEdge]] = {"line": [], "rect": [], "curve": []}
    for handle, kind in zip(objects, kinds, strict=True):
        if kind == _FPDF_PAGEOBJ_PATH:
            for shape, edges in _path_edges(fx, handle, height):
                by_kind[shape].extend(edges)
    return PageLayer(width=info.mediabox[2] - info.mediabox[0], height=height, chars=tuple(chars),
                     edges=(*by_kind["line"], *by_kind["rect"], *by_kind["curve"]))  # pdfplumber's order


@dataclass(frozen=True, eq=False)
class _TextObject:
    """What every glyph of one text object shares: font handle, size (pt), matrix scale, descent.

    Interned per page (``_text_object``): equal properties are one instance, hashed by identity.
    """

    font: int
    size: float
    a: float
    d: float
    descent: float


def _text_object(fx: _Pdfium, tp: int, index: int, obj: int, info: PageInfo,
                 descents: dict[int, float | None],
                 interned: dict[tuple[int, float, float, float, float], _TextObject],
                 ) -> _TextObject | _Unreplicable | None:
    """The shared properties; ``UNREPLICABLE`` for rotated/skewed text, ``None`` for a font whose
    descent the page description does not give exactly."""
    m = fx.matrix_type()
    fx.char_matrix(tp, index, m)
    a, b, c, d = (round(v, MATRIX_SNAP_DECIMALS) for v in (m.a, m.b, m.c, m.d))
    size = ctypes.c_float()
    if b != 0 or c != 0 or a <= 0 or d <= 0 or not fx.font_size(obj, size):
        return UNREPLICABLE
    font = fx.font(obj) or 0
    if font not in descents:
        name = ctypes.create_string_buffer(256)
        fx.base_name(font, name, len(name))
        descents[font] = info.descents.get(strip_subset(name.value.decode("latin-1")))
    descent = descents[font]
    if descent is None:
        return None
    fields = (font, snap(size.value), a, d, descent)
    if fields not in interned:
        interned[fields] = _TextObject(*fields)
    return interned[fields]


def _chars(fx: _Pdfium, tp: int, info: PageInfo, height: float) -> list[PdfChar] | _Unreplicable | None:
    """Non-generated glyphs in content order; ``None`` if a font's descent is not exact in ``info``,
    ``UNREPLICABLE`` if a glyph cannot be replicated whatever the page description.

    The hot loop of born-digital reading (~500 glyphs a page): pdfium calls are bound locally and
    a glyph's box offsets are cached per (text object properties, code point).
    """
    n = fx.count_chars(tp)
    buf = (ctypes.c_ushort * (n + 1))()
    fx.get_text(tp, 0, n, buf)
    ox, oy = ctypes.c_double(), ctypes.c_double()
    box, boy = ctypes.byref(ox), ctypes.byref(oy)
    is_generated, map_error, text_object, origin = fx.is_generated, fx.map_error, fx.text_object, fx.origin
    offsets: dict[tuple[Any, int], tuple[float, float, float] | None] = {}
    descents: dict[int, float | None] = {}
    interned: dict[tuple[int, float, float, float, float], _TextObject] = {}
    _glyph_units.cache_clear()
    last_obj, props, last_x, last_y, last_i = -1, None, 0.0, 0.0, -1
    out: list[PdfChar] = []
    append = out.append
    for i, code in enumerate(buf[:n]):
        if code in _GENERATED_CODES and is_generated(tp, i):
            continue  # pdfium's inserted spaces and line breaks
        if 0xD800 <= code <= 0xDFFF or map_error(tp, i) == 1:
            return UNREPLICABLE
        obj = text_object(tp, i) or 0
        origin(tp, i, box, boy)
        x, y = ox.value, oy.value
        if obj != last_obj:
            last_obj, props = obj, _text_object(fx, tp, i, obj, info, descents, interned)
            if not isinstance(props, _TextObject):
                return props
        elif x == last_x and y == last_y:
            ligature = _ligature(fx, tp, (last_i, i), out[-1], code, props) if out else None
            if ligature is None:
                return UNREPLICABLE
            out[-1], last_i = ligature, i
            continue
        last_x, last_y, last_i = x, y, i
        key = (props, code)
        offset = offsets.get(key, _MISSING)
        if offset is _MISSING:
            offset = offsets[key] = _glyph_offsets(fx, props, code)
        if offset is None:
            return UNREPLICABLE
        e, f = round(x, TEXT_SNAP_DECIMALS), round(y, TEXT_SNAP_DECIMALS)
        advance, low, high = offset  # type: ignore[misc]
        append(PdfChar(chr(code), e, advance + e, (height - (high + f)) + 0.0, (height - (low + f)) + 0.0))
    return out


def _ligature(fx: _Pdfium, tp: int, indices: tuple[int, int], first: PdfChar, code: int,
              props: _TextObject) -> PdfChar | None:
    """Code point ``code`` (text page index ``indices[1]``) drawn at the same origin as the one
    before it (``indices[0]``, already read as ``first``), in one text object:
    one glyph whose unicode is several code points (ﬂ → "fl"). pdfminer keeps it as one char with
    all of them and the glyph's own advance — pdfium gives every code point that glyph's loose box,
    and the first one the width of a glyph for its code point alone. ``None`` when the two boxes
    differ: two glyphs on one spot, not one ligature."""
    boxes = [fx.rect_type(), fx.rect_type()]
    for box, k in zip(boxes, indices, strict=True):
        if not fx.loose_box(tp, k, box):
            return None
    (a, b) = ((r.left, r.right, r.top, r.bottom) for r in boxes)
    if a != b or not a[1] > a[0]:
        return None
    units = (a[1] - a[0]) / (props.a * props.size) * 1000.0  # the glyph's advance in 1/1000 em …
    whole = round(units)
    units = whole if abs(units - whole) < WIDTH_SNAP_UNITS else round(units, SNAP_DECIMALS)
    advance = props.a * (units * 0.001 * props.size * 1.0)  # … combined as in ``_glyph_offsets``
    return PdfChar(first.text + chr(code), first.x0, advance + first.x0, first.top, first.bottom)


@functools.lru_cache(maxsize=1 << 14)
def _glyph_units(fx: _Pdfium, font: int, code: int) -> float | None:
    """The glyph's advance in 1/1000 em (snapped: widths are whole numbers in most fonts).

    Keyed by pdfium's font handle: the cache is cleared per page (handles are reused).
    """
    width = ctypes.c_float()
    if not fx.glyph_width(font, code, 1000.0, ctypes.byref(width)):
        return None
    whole = round(width.value)
    return whole if abs(width.value - whole) < WIDTH_SNAP_UNITS else round(width.value, SNAP_DECIMALS)


def _glyph_offsets(fx: _Pdfium, props: _TextObject, code: int) -> tuple[float, float, float] | None:
    """pdfminer's LTChar box of an upright glyph, relative to its origin: (a·advance, d·low, d·high).

    The glyph's advance is its /W or /Widths entry in 1/1000 em; the box runs from the font's
    descent to descent + size. Terms are combined in pdfminer's order so the sums with the
    origin equal its doubles.
    """
    units = _glyph_units(fx, props.font, code)
    if units is None:
        return None
    size, a, d = props.size, props.a, props.d
    adv = units * 0.001 * size * 1.0
    descent = props.descent * 0.001 * size
    low, high = descent + 0, descent + 0 + size
    return a * adv, d * low, d * high


def _path_edges(fx: _Pdfium, obj: int, height: float) -> list[tuple[str, list[PdfEdge]]]:
    """Edges of one painted path object, through pdfminer's line/rect/curve classification."""
    mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not fx.draw_mode(obj, mode, stroke) or (mode.value == 0 and not stroke.value):
        return []
    m = fx.matrix_type()
    fx.object_matrix(obj, m)
    matrix = (*(round(v, MATRIX_SNAP_DECIMALS) for v in (m.a, m.b, m.c, m.d)), snap(m.e), snap(m.f))
    px, py = ctypes.c_float(), ctypes.c_float()
    ops: list[tuple[str, tuple[float, float]]] = []
    pending_bezier = 0
    for k in range(fx.count_segments(obj)):
        seg = fx.segment(obj, k)
        fx.segment_point(seg, px, py)
        pt = (snap(px.value), snap(py.value))
        kind = fx.segment_type(seg)
        if kind == _SEG_BEZIERTO:
            pending_bezier += 1
            if pending_bezier == 3:
                ops.append(("c", pt))
                pending_bezier = 0
        else:
            ops.append(("m" if kind == _SEG_MOVETO else "l", pt))
        if fx.segment_close(seg):
            ops.append(("h", pt))
    if is_re(ops):
        ops = as_re(ops)
    ops = [(op, apply_matrix(matrix, pt)) for op, pt in ops]
    return [subpath_edges(sub, height) for sub in subpaths(ops)]
