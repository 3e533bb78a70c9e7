"""What the PDF's object structure says about its pages: MediaBox, rotation, font descents.

``models.pdfium_layer`` needs these as the PDF writes them (pdfium only reports 32-bit floats and
substitutes font metrics where a descriptor says 0). Two readers, tried in this order:

* a scan of the raw bytes for ``/MediaBox`` arrays and ``/FontDescriptor`` objects, used only
  when nothing can hide from it (no object streams, no Type3 fonts, no page rotation) and
  checked against pdfium: a MediaBox is used only if it is the one pdfium read;
* pdfminer's parser over the page tree and font dictionaries (no content stream).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-+0-9.\s]+?)\s*\]")
_ROTATE = re.compile(rb"/Rotate\s+(-?\d+)")
_DESCRIPTOR = re.compile(rb"/Type\s*/FontDescriptor\b")
_FONT_NAME = re.compile(rb"/FontName\s*/([^\s/\[\]<>()]+)")
_DESCENT = re.compile(rb"/Descent\s+(-?[0-9.]+)(\s+\d+\s+R)?")
_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_XREF_LINKS = re.compile(rb"/(XRefStm|Prev)\s+(\d+)")
_XREF_OBJECT = re.compile(rb"\s*\d+\s+\d+\s+obj\b")
_TRAILER_SCAN_BYTES = 4096  # a trailer dictionary (or an xref stream's) is looked for this far
MAX_XREF_SECTIONS = 500     # a longer /Prev chain would exhaust pdfminer's recursion (it recurses per section)


@dataclass(frozen=True)
class PageInfo:
    """What the object structure says about one page: MediaBox, rotation, font descents by name."""

    mediabox: tuple[float, float, float, float]
    rotation: int
    descents: dict[str, float | None]   # base font name (no subset tag) → /Descent; None: not exact


class MinerStructure:
    """The page tree and font dictionaries of a PDF read by pdfminer, no content stream interpreted."""

    def __init__(self, path: Path) -> None:
        from pdfminer.pdfdocument import PDFDocument
        from pdfminer.pdfpage import PDFPage
        from pdfminer.pdfparser import PDFParser

        self._fh = path.open("rb")
        try:
            self._pages = list(PDFPage.create_pages(PDFDocument(PDFParser(self._fh))))
        except Exception:
            self._fh.close()
            raise

    def close(self) -> None:
        self._fh.close()

    def page_info(self, number: int) -> PageInfo | None:
        """Page ``number`` (1-based), or ``None`` when its boxes cannot be read."""
        from pdfminer.pdftypes import resolve1

        page = self._pages[number - 1]
        try:
            box = tuple(float(v) for v in resolve1(page.mediabox))
            rotation = int(resolve1(page.attrs.get("Rotate", 0)) or 0) % 360
            fonts = resolve1(resolve1(page.resources or {}).get("Font", {})) or {}
            descents: dict[str, float | None] = {}
            for spec in fonts.values():
                name, descent = _font_descent(resolve1(spec))
                if name in descents and descents[name] != descent:
                    descent = None  # two fonts of one name with different metrics: not exact
                descents[name] = descent
        except (TypeError, ValueError, AttributeError):
            return None
        return PageInfo(mediabox=box, rotation=rotation, descents=descents)  # type: ignore[arg-type]


def _font_descent(font: Any) -> tuple[str, float | None]:
    """(base font name without subset tag, /Descent as pdfminer reads it; None for Type3/no descriptor)."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import literal_name

    name = strip_subset(str(literal_name(resolve1(font.get("BaseFont", "")))))
    subtype = literal_name(resolve1(font.get("Subtype", "")))
    if subtype == "Type3":
        return name, None
    if subtype == "Type0":
        descendants = resolve1(font.get("DescendantFonts")) or []
        font = resolve1(descendants[0]) if descendants else {}
    descriptor = resolve1(font.get("FontDescriptor"))
    if not descriptor:
        return name, None  # standard-14 metrics come from pdfminer's AFM tables: not replicated
    descent = float(resolve1(descriptor.get("Descent", 0)) or 0)
    return name, -descent if descent > 0 else descent


def strip_subset(name: str) -> str:
    """'MPDFAA+WenQuanYiZenHei' → 'WenQuanYiZenHei' (pdfium reports some names without the tag)."""
    head, plus, tail = name.partition("+")
    return tail if plus and len(head) == 6 and head.isalpha() and head.isupper() else name


@dataclass(frozen=True)
class RawScan:
    """Every distinct MediaBox written in the file, and every FontDescriptor's /Descent by name."""

    boxes: tuple[tuple[float, float, float, float], ...]
    descents: dict[str, float | None]

    def box_like(self, pdfium_box: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
        """The one written MediaBox that pdfium read as ``pdfium_box`` (32-bit floats), if unique."""
        hits = {b for b in self.boxes if tuple(_float32(v) for v in _normalise(b)) == tuple(pdfium_box)}
        return _normalise(hits.pop()) if len(hits) == 1 else None


def _float32(v: float) -> float:
    return struct.unpack("f", struct.pack("f", v))[0]


def _normalise(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def raw_scan(data: bytes) -> RawScan | None:
    """The boxes and descents read from the bytes, or ``None`` when the scan could miss something."""
    if b"/ObjStm" in data or b"/Type3" in data or any(int(m.group(1)) % 360 for m in _ROTATE.finditer(data)):
        return None
    try:
        boxes = {tuple(float(v) for v in m.group(1).split()) for m in _MEDIABOX.finditer(data)}
    except ValueError:
        return None
    if not boxes or any(len(b) != 4 for b in boxes):
        return None
    descents: dict[str, float | None] = {}
    for m in _DESCRIPTOR.finditer(data):
        start, end = data.rfind(b" obj", 0, m.start()), data.find(b"endobj", m.end())
        body = data[max(start, 0):end if end >= 0 else len(data)]
        name_match = _FONT_NAME.search(body)
        if name_match is None:
            continue
        name = strip_subset(name_match.group(1).decode("latin-1"))
        descent_match = _DESCENT.search(body)
        descent: float | None
        if descent_match is None:
            descent = 0.0                      # pdfminer: a missing /Descent is 0
        elif descent_match.group(2):
            descent = None                     # an indirect number: leave it to pdfminer
        else:
            value = float(descent_match.group(1))
            descent = -value if value > 0 else value
        if name in descents and descents[name] != descent:
            descent = None
        descents[name] = descent
    return RawScan(boxes=tuple(boxes), descents=descents)  # type: ignore[arg-type]


def _xref_links(data: bytes, offset: int) -> list[int] | None:
    """The /XRefStm and /Prev offsets (pdfminer's order) of the cross-reference section at
    ``offset``; ``None`` when no section starts there (pdfminer then rebuilds the table itself)."""
    if offset >= len(data):
        return None
    head = data[offset:offset + 32].lstrip()
    if head.startswith(b"xref"):
        start = data.find(b"trailer", offset)
        if start < 0:
            return None
        end = data.find(b"startxref", start)
        body = data[start:end if 0 <= end - start <= _TRAILER_SCAN_BYTES else start + _TRAILER_SCAN_BYTES]
    elif _XREF_OBJECT.match(data, offset):
        end = data.find(b"stream", offset)
        body = data[offset:end if 0 <= end - offset <= _TRAILER_SCAN_BYTES else offset + _TRAILER_SCAN_BYTES]
    else:
        return None
    links = {kind: int(value) for kind, value in _XREF_LINKS.findall(body)}
    return [links[kind] for kind in (b"XRefStm", b"Prev") if kind in links]


def xref_chain_problem(data: bytes) -> str | None:
    """Why the chain of cross-reference sections (``startxref`` → /XRefStm, /Prev …) cannot be
    followed — a section that leads back to itself, or more than ``MAX_XREF_SECTIONS`` of them —
    or ``None``. Read from the raw bytes; the same walk as pdfminer's ``read_xref_from``."""
    found = list(_STARTXREF.finditer(data[-_TRAILER_SCAN_BYTES:]))
    if not found:
        return None
    stack: list[tuple[int, list[int]]] = []   # the sections being followed, with the links still to take
    on_path: set[int] = set()
    visited = 0
    offset: int | None = int(found[-1].group(1))
    while True:
        if offset is not None:
            if offset in on_path:
                return f"a cross-reference section at byte {offset} leads back to itself"
            visited += 1
            if visited > MAX_XREF_SECTIONS:
                return f"more than {MAX_XREF_SECTIONS} cross-reference sections"
            links = _xref_links(data, offset)
            if links is not None:
                stack.append((offset, links))
                on_path.add(offset)
        if not stack:
            return None
        section, links = stack[-1]
        if links:
            offset = links.pop(0)
        else:
            stack.pop()
            on_path.discard(section)
            offset = None


class PdfStructure:
    """Page boxes and font descents of one PDF: the raw scan first, pdfminer when needed."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._raw = raw_scan(path.read_bytes())
        self._miner: MinerStructure | None | bool = None

    def close(self) -> None:
        if isinstance(self._miner, MinerStructure):
            self._miner.close()

    def infos(self, number: int, pdfium_page: Any) -> Iterator[PageInfo]:
        """Candidate descriptions of page ``number`` (1-based), cheapest first."""
        if self._raw is not None:
            box = self._raw.box_like(tuple(pdfium_page.get_mediabox()))
            if box is not None:
                yield PageInfo(mediabox=box, rotation=0, descents=self._raw.descents)
        miner = self._pdfminer()
        info = miner.page_info(number) if miner else None
        if info is not None:
            yield info

    def _pdfminer(self) -> MinerStructure | None:
        if self._miner is None:
            try:
                self._miner = MinerStructure(self._path)
            except Exception:  # noqa: BLE001 — pdfplumber then reads the page (and reports errors)
                self._miner = False
        return self._miner or None
