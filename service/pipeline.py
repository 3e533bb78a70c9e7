"""The extraction pipeline: an explicit list of stages with one signature.

``Stage = (Document, Context) -> Document``. ``extract(path)`` runs them in order and records
each stage's wall time in ``Document.timings`` (seconds), and the parts of the ``pages`` stage as
``pages.<part>`` (seconds summed over pages and threads, see ``Context.timed``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from service import settings
from service.errors import NotAReport
from service.ingest import SourceFile, open_source
from service.model import Document, DocumentKind, Page, PageMode

if TYPE_CHECKING:
    import numpy as np  # imported where pages are rendered: born-digital reading needs none

    from service.model import PageGeometry
    from service.scan.geometry import OrientationEvidence
    from service.scan.reader import TablesRead
    from service.textlines import TextLine


@dataclass
class Context:
    """What stages need besides the document: the open source file and page images.

    ``page_seconds``: seconds spent in each part of reading pages (``text layer``, ``render``,
    ``geometry``, ``tables``, ``prose``, ``image regions`` — pictures on text pages OCR'd), summed
    over pages and threads (``timed``).
    """

    source: SourceFile
    # page number → working-DPI image, kept only when the caller asked (a 200 dpi page is 12 MB)
    images: dict[int, np.ndarray] | None = None
    page_seconds: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def timed(self, part: str) -> Iterator[None]:
        """Add the wall time of the block to ``page_seconds[part]`` (any thread)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - start
            with self._lock:
                self.page_seconds[part] = self.page_seconds.get(part, 0.0) + spent


Stage = Callable[[Document, Context], Document]


def read_pages(doc: Document, ctx: Context) -> Document:
    """Per page: use the text layer when it is usable, otherwise render and OCR the page.

    Once the heading after the last table (五、存在的主要问题…) has been read, the prose of later
    scanned pages is not OCR'd: it holds neither tables, headings nor the quoted totals.

    Scanned pages are read ahead: up to ``page_threads()`` pages have their geometry and tables
    read in threads (OCR engines and OpenCV release the GIL) while this thread reads the prose
    of the page before, in page order. PDF access stays in this thread (pdfium is not
    thread-safe). The result does not depend on the number of threads.
    """
    from service.memory import return_large_blocks
    from service.mixed import read_image_regions
    from service.textlines import page_lines

    return_large_blocks()
    pages: list[Page] = []
    lines: list[TextLine] = []
    with _ReadAhead(ctx, doc.page_count, page_threads()) as ahead:
        for number in range(1, doc.page_count + 1):
            item, tables = ahead.next(number)
            page = item if isinstance(item, Page) else _finish_scan(ctx, item, tables(), lines)
            with ctx.timed("image regions"):
                pages.append(read_image_regions(ctx.source, page))
            lines.extend(page_lines(pages[-1]))
    modes = {p.mode for p in pages}
    kind = DocumentKind.MIXED if len(modes) >= 2 or PageMode.MIXED in modes else (
        DocumentKind.DIGITAL if PageMode.TEXT in modes else DocumentKind.SCANNED)
    return doc.model_copy(update={"pages": tuple(pages), "kind": kind})


def page_threads() -> int:
    """Threads that read scanned pages ahead: ``SCAN_PAGE_THREADS`` in a lone process,
    ``SCAN_WORKER_PAGE_THREADS`` in a worker of ``-j N`` (N processes already fill the cores)."""
    from service.parallel import in_worker_process

    return settings.SCAN_WORKER_PAGE_THREADS if in_worker_process() else settings.SCAN_PAGE_THREADS


@dataclass
class _Scan:
    """A page to OCR, rendered in the reading thread: its capture (RGB uint8) and claimed DPI.
    ``capture`` is handed over once (``take_capture``): a page waiting for its prose no longer
    holds the capture (a photo's is up to 40 MB)."""

    number: int
    capture: np.ndarray | None
    claimed_dpi: float
    note: str
    ink_reliable: bool
    lost_lines: np.ndarray | None = None  # fax scan lines lost in transmission (255), capture pixels

    def take_capture(self) -> np.ndarray:
        capture, self.capture = self.capture, None
        if capture is None:
            raise AssertionError(f"page {self.number} was read twice")
        return capture


_Tables = tuple["TablesRead", "PageGeometry", "OrientationEvidence"]


class _ReadAhead:
    """Pages in order, each a text ``Page`` or a ``_Scan`` with a callable giving its tables;
    with ``threads`` > 1 the tables of the next ``threads`` scans are read in a pool meanwhile."""

    def __init__(self, ctx: Context, page_count: int, threads: int) -> None:
        self._ctx, self._count, self._threads = ctx, page_count, threads
        self._pool: ThreadPoolExecutor | None = None
        self._queued: deque[tuple[Page | _Scan, Callable[[], _Tables]]] = deque()
        self._next = 1

    def __enter__(self) -> _ReadAhead:
        if self._threads > 1:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="gouji-page")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def next(self, number: int) -> tuple[Page | _Scan, Callable[[], _Tables]]:
        """Page ``number`` (pages must be asked for in order, from 1)."""
        while self._next <= min(self._count, number + self._threads):
            self._queued.append(self._start(self._next))
            self._next += 1
        return self._queued.popleft()

    def _start(self, number: int) -> tuple[Page | _Scan, Callable[[], _Tables]]:
        item = _page_or_scan(self._ctx, number)
        if isinstance(item, Page):
            return item, _no_tables
        if self._pool is None:
            return item, lambda: _scan_tables(self._ctx, item)
        return item, self._pool.submit(_scan_tables, self._ctx, item).result


def _no_tables() -> _Tables:
    raise AssertionError("a text page has no scanned tables")


def _page_or_scan(ctx: Context, number: int) -> Page | _Scan:
    """The page read from its text layer when that is usable, else the page rendered for OCR."""
    from models.pdf_text import check_text_layer, read_layer, read_text_page

    src = ctx.source
    note = "image input"
    if src.is_pdf:
        with ctx.timed("text layer"):
            structure, pdfium_page = src.pdf_structure(), src.pdfium_page(number)
            layer = read_layer(pdfium_page, structure, number, lambda: src.plumber_page(number))
            check = check_text_layer(layer, pdfium_page)
            if check.usable or (check.chars < settings.MIN_TEXT_CHARS_PER_PAGE
                                and check.image_coverage < settings.SCANNED_PAGE_MIN_IMAGE_COVERAGE):
                return read_text_page(layer, number)
            note = check.reason
    with ctx.timed("render"):
        capture, claimed_dpi, lost_lines = src.render_scan(number)
        return _Scan(number, capture, claimed_dpi, note, src.ink_reliable(number), lost_lines)


def _scan_tables(ctx: Context, scan: _Scan) -> _Tables:
    """Geometry (upright, resolution) and tables of a rendered page; safe to run in any thread."""
    from service.scan.dropouts import at_half
    from service.scan.geometry import apply_geometry, make_upright_default
    from service.scan.reader import read_scanned_tables

    with ctx.timed("geometry"):
        upright, geometry, evidence = make_upright_default(scan.take_capture(), scan.claimed_dpi)
        lost = None if scan.lost_lines is None else at_half(apply_geometry(scan.lost_lines, geometry))
    with ctx.timed("tables"):
        return read_scanned_tables(upright, scan.number, lost_lines=lost), geometry, evidence


def _finish_scan(ctx: Context, scan: _Scan, tables: _Tables, lines_before: list[TextLine]) -> Page:
    """The scanned page with its prose (unless the tables' closing heading came before), geometry
    and notes; its deskewed image is kept in ``ctx.images`` when that is asked for."""
    from service.layout import find_headings
    from service.scan.geometry import with_geometry
    from service.scan.reader import with_free_text

    read, geometry, evidence = tables
    with ctx.timed("prose"):
        page = with_free_text(read) if "end" not in find_headings(lines_before) else read.page
    if ctx.images is not None:
        ctx.images[scan.number] = read.straight
    page = with_geometry(page, geometry, evidence)
    return page.model_copy(update={"note": "; ".join(n for n in (scan.note, page.note) if n),
                                   "ink_reliable": scan.ink_reliable})


def _stages() -> list[tuple[str, Stage]]:
    from service.layout import locate_tables
    from service.mapping import map_cells
    from service.report_info import read_report_info

    return [
        ("pages", read_pages),
        ("layout", locate_tables),
        ("report_info", read_report_info),
        ("mapping", map_cells),
        ("validation", _validate),
    ]


def _validate(doc: Document, ctx: Context) -> Document:
    from service.validation import validate_document

    return validate_document(doc)


def extract(path: str | Path, stages: list[tuple[str, Stage]] | None = None,
            images: dict[int, np.ndarray] | None = None) -> Document:
    """Run the whole pipeline on one file. Raises ``GoujiError`` when the file cannot be read.

    ``images``, when given, is filled with every page's working-DPI image (deskewed for scanned
    pages: the image that the cells' bboxes refer to), e.g. for drawing debug overlays.
    """
    with open_source(path) as source:
        doc = Document(path=str(path), sha256=source.sha256, dpi=settings.WORKING_DPI,
                       page_count=source.page_count)
        ctx = Context(source=source, images=images)
        timings: dict[str, float] = {}
        for name, stage in stages or _stages():
            start = time.perf_counter()
            doc = stage(doc, ctx)
            timings[name] = round(time.perf_counter() - start, 4)
        timings.update({f"pages.{part}": round(sec, 4) for part, sec in ctx.page_seconds.items()})
        if not doc.cells:
            raise NotAReport("none of the statistical tables 二/三/四 was found")
        if images is not None:
            from service.page_images import page_image

            for page in doc.pages:  # scanned pages are there already (deskewed), the others drawn now
                if page.number not in images:
                    images[page.number] = page_image(source, page)
        return doc.model_copy(update={"timings": timings})
