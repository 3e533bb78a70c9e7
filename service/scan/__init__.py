"""The scanned-page reader: a greyscale page image in, a ``Page`` (OCR mode) and its deskewed image out.

Public entry point: :func:`read_scanned_page`. Submodules: ``deskew`` (lighting, binarisation,
skew), ``lines`` (rulings and cell boxes), ``cells`` (per-cell crops and readings), ``reader``
(orchestration). Coordinates are pixels of the deskewed page at ``settings.OCR_RENDER_DPI``.
"""

from service.scan.reader import read_scanned_page

__all__ = ["read_scanned_page"]
