"""The scanned-page reader: an RGB or greyscale page image in, a ``Page`` (OCR mode) and its
deskewed image (same colours) out.

Public entry point: :func:`read_scanned_page`. Submodules: ``colour`` (red/blue ink separated from
black print), ``deskew`` (lighting, binarisation, skew), ``lines`` (rulings and cell boxes; lines
that are no table ruling rejected), ``creases`` (thin white lines healed), ``cells`` (per-cell
crops and readings; blank only without ink), ``reader`` (orchestration).
Coordinates are pixels of the deskewed page at ``settings.OCR_RENDER_DPI``.
"""

from service.scan.reader import read_scanned_page

__all__ = ["read_scanned_page"]
