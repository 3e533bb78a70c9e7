"""The image a page's bboxes refer to, re-created from the source file.

Text-layer pages: the page rendered at the working DPI. OCR pages: the page as captured, made
upright by its ``Page.geometry`` (paper warp, resampling to the OCR DPI, quarter turns) and
straightened by the skew the scan reader found (``Page.skew_degrees``), exactly as the reader
saw it. The review UI and ``--debug`` overlays draw cells on these images.
"""

from __future__ import annotations

import numpy as np

from service import settings
from service.ingest import SourceFile
from service.model import Page, PageMode


def page_image(source: SourceFile, page: Page) -> np.ndarray:
    """uint8 image of ``page`` in the coordinates of its tokens and cell bboxes: greyscale for
    text-layer pages, RGB for OCR pages (the reviewer sees seals and pen marks in colour)."""
    if page.mode is PageMode.TEXT:
        return source.render(page.number, settings.WORKING_DPI)
    if page.geometry is not None:
        from service.scan.geometry import apply_geometry

        capture, _ = source.render_native(page.number)
        image = apply_geometry(capture, page.geometry)
    else:
        image = source.render(page.number, settings.OCR_RENDER_DPI, colour=True)
    from service.scan.colour import straighten_colour

    return straighten_colour(image, -page.skew_degrees)
