"""The extraction pipeline: an explicit list of stages with one signature.

``Stage = (Document, Context) -> Document``. ``extract(path)`` runs them in order and records
each stage's wall time in ``Document.timings`` (seconds).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from service import settings
from service.errors import NotAReport
from service.ingest import SourceFile, open_source
from service.model import Document, DocumentKind, Page, PageMode

if TYPE_CHECKING:
    import numpy as np  # imported where pages are rendered: born-digital reading needs none

    from service.textlines import TextLine


@dataclass
class Context:
    """What stages need besides the document: the open source file and page images."""

    source: SourceFile
    images: dict[int, np.ndarray] = field(default_factory=dict)  # page number → working-DPI image


Stage = Callable[[Document, Context], Document]


def read_pages(doc: Document, ctx: Context) -> Document:
    """Per page: use the text layer when it is usable, otherwise render and OCR the page.

    Once the heading after the last table (五、存在的主要问题…) has been read, the prose of later
    scanned pages is not OCR'd: it holds neither tables, headings nor the quoted totals.
    """
    from service.mixed import read_image_regions
    from service.textlines import page_lines

    pages: list[Page] = []
    lines: list[TextLine] = []
    for number in range(1, doc.page_count + 1):
        pages.append(read_image_regions(ctx.source, _read_one_page(ctx, number, lines_before=lines)))
        lines.extend(page_lines(pages[-1]))
    modes = {p.mode for p in pages}
    kind = DocumentKind.MIXED if len(modes) >= 2 or PageMode.MIXED in modes else (
        DocumentKind.DIGITAL if PageMode.TEXT in modes else DocumentKind.SCANNED)
    return doc.model_copy(update={"pages": tuple(pages), "kind": kind})


def _read_one_page(ctx: Context, number: int, lines_before: list[TextLine] | None = None) -> Page:
    """One page; ``lines_before`` (the text lines of the pages before) decide, for a scanned page
    only, whether its prose is still worth OCR (not once the tables' closing heading was read)."""
    from models.pdf_text import check_text_layer, read_layer, read_text_page

    src = ctx.source
    if src.is_pdf:
        structure, pdfium_page = src.pdf_structure(), src.pdfium_page(number)
        layer = read_layer(pdfium_page, structure, number, lambda: src.plumber_page(number))
        check = check_text_layer(layer, pdfium_page)
        if check.usable or (check.chars < settings.MIN_TEXT_CHARS_PER_PAGE
                            and check.image_coverage < settings.SCANNED_PAGE_MIN_IMAGE_COVERAGE):
            return read_text_page(layer, number)
        note = check.reason
    else:
        note = "image input"
    from service.layout import find_headings
    from service.scan import read_scanned_page
    from service.scan.geometry import make_upright_default, with_geometry

    free_text = "end" not in find_headings(lines_before or [])
    capture, claimed_dpi = src.render_native(number)
    upright, geometry, evidence = make_upright_default(capture, claimed_dpi)
    page, deskewed = read_scanned_page(upright, number, free_text=free_text)
    ctx.images[number] = deskewed
    page = with_geometry(page, geometry, evidence)
    return page.model_copy(update={"note": "; ".join(n for n in (note, page.note) if n),
                                   "ink_reliable": src.ink_reliable(number)})


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
        ctx = Context(source=source)
        timings: dict[str, float] = {}
        for name, stage in stages or _stages():
            start = time.perf_counter()
            doc = stage(doc, ctx)
            timings[name] = round(time.perf_counter() - start, 4)
        if not doc.cells:
            raise NotAReport("none of the statistical tables 二/三/四 was found")
        if images is not None:
            from service.page_images import page_image

            for page in doc.pages:
                known = ctx.images.get(page.number)
                images[page.number] = known if known is not None else page_image(source, page)
        return doc.model_copy(update={"timings": timings})
