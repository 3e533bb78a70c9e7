"""Pixel budgets and lazy frame loading for image inputs, and sanity checks for PDF structure.

Memory of a work horse is bounded by what it decodes at once, so:

* image inputs (``service.ingest_images``) are opened from their frame *headers* only (Pillow's
  ``seek`` does not decode pixels): a file or page folder whose frames together exceed
  ``MAX_TOTAL_PIXELS``, a frame over ``MAX_IMAGE_PIXELS`` or under ``MIN_IMAGE_SIDE_PX`` is refused
  (``ingest_images.check_frame_budget``), and each frame is decoded only when its page is read;
* ``check_pdf_structure`` looks every page up with pypdfium2 (a page-tree loop leaves a page it
  cannot find) and follows the cross-reference chain in the raw bytes as pdfminer would
  (``models.pdf_structure.xref_chain_problem``: an xref loop), so either fails as ``CorruptInput``
  (permanent, never retried) at open, without parsing the file a second time with pdfplumber.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service.errors import CorruptInput


def check_pdf_structure(pdfium_doc: Any, path: Path) -> None:
    """Look every page up with pypdfium2 and walk the xref chain; a broken page tree or xref is
    ``CorruptInput``."""
    from models.pdf_structure import xref_chain_problem

    try:
        for index in range(len(pdfium_doc)):
            pdfium_doc.get_page_size(index)  # the page dictionary is found (no page loaded)
        problem = xref_chain_problem(path.read_bytes())
    except MemoryError:
        raise  # over the worker's memory limit: its own permanent failure, not "corrupt"
    except Exception as exc:  # noqa: BLE001 - a structure that cannot be walked is corrupt
        raise CorruptInput(f"the PDF's structure is broken ({type(exc).__name__}: {str(exc)[:120]})") from exc
    if problem is not None:
        raise CorruptInput(f"the PDF's cross-reference table is broken: {problem}")
