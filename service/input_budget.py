"""Pixel budgets and lazy frame loading for image inputs, and sanity checks for PDF structure.

Memory of a work horse is bounded by what it decodes at once, so:

* image inputs (``service.ingest_images``) are opened from their frame *headers* only (Pillow's
  ``seek`` does not decode pixels): a file or page folder whose frames together exceed
  ``MAX_TOTAL_PIXELS``, a frame over ``MAX_IMAGE_PIXELS`` or under ``MIN_IMAGE_SIDE_PX`` is refused
  (``ingest_images.check_frame_budget``), and each frame is decoded only when its page is read;
* ``check_pdf_structure`` opens every page once with pypdfium2 and pdfplumber, so a page-tree loop,
  an xref loop or a recursion bomb fails as ``CorruptInput`` (permanent, never retried) at open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service.errors import CorruptInput


def check_pdf_structure(pdfium_doc: Any, path: Path) -> None:
    """Open every page with both PDF libraries; a broken page tree or xref is ``CorruptInput``."""
    import pdfplumber

    try:
        for index in range(len(pdfium_doc)):
            pdfium_doc[index].get_size()
        with pdfplumber.open(path) as plumber:
            pages = len(plumber.pages)
    except Exception as exc:  # noqa: BLE001 - a structure that cannot be walked (loops: RecursionError) is corrupt
        raise CorruptInput(f"the PDF's structure is broken ({type(exc).__name__}: {str(exc)[:120]})") from exc
    if pages != len(pdfium_doc):
        raise CorruptInput(f"the PDF's page tree is broken: {len(pdfium_doc)} pages listed, {pages} reachable")
