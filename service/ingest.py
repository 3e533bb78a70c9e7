"""Open an input file safely: sniff its type, enforce limits, expose pages for reading.

A ``SourceFile`` hides whether pages come from a PDF or from (multi-page) images. Page numbers
are 1-based. Rendered images are 8-bit greyscale numpy arrays at the requested DPI.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service import settings
from service.errors import CorruptInput, EncryptedInput, GoujiError, UnsupportedInput
from service.input_budget import check_pdf_structure, open_frames

if TYPE_CHECKING:
    import numpy as np  # imported where pages are rendered: born-digital reading needs none


class FileType(StrEnum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"


_MAGIC: tuple[tuple[bytes, FileType], ...] = (
    (b"%PDF-", FileType.PDF),
    (b"\x89PNG\r\n\x1a\n", FileType.PNG),
    (b"\xff\xd8\xff", FileType.JPEG),
    (b"II*\x00", FileType.TIFF),
    (b"MM\x00*", FileType.TIFF),
)
IMAGE_DEFAULT_DPI = 200  # an image without a DPI tag is assumed to be a 200 dpi scan


def sniff_type(head: bytes) -> FileType | None:
    """The file type from its first bytes (a PDF may start after a little junk, as readers allow)."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head[:1024]:
        return FileType.PDF
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class SourceFile:
    """An opened input. Call ``close()`` (or use as a context manager) to free handles."""

    path: Path
    type: FileType
    sha256: str
    page_count: int
    _pdfium: Any = None
    _plumber: Any = None
    _structure: Any = None
    _images: Any = None  # LazyFrames (service/input_budget.py): image frames, decoded one at a time
    image_dpi: float = IMAGE_DEFAULT_DPI

    def __enter__(self) -> SourceFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._plumber is not None:
            self._plumber.close()
        if self._structure:
            self._structure.close()
        if self._pdfium is not None:
            self._pdfium.close()

    @property
    def is_pdf(self) -> bool:
        return self.type is FileType.PDF

    def plumber_page(self, number: int) -> Any:
        """The pdfplumber page (PDF inputs only); opened lazily since images need none."""
        if self._plumber is None:
            import pdfplumber

            self._plumber = pdfplumber.open(self.path)
        return self._plumber.pages[number - 1]

    def pdf_structure(self) -> Any:
        """Page boxes and fonts (``models.pdf_structure.PdfStructure``); ``None`` if unreadable."""
        if self._structure is None:
            from models.pdf_structure import PdfStructure

            try:
                self._structure = PdfStructure(self.path)
            except Exception:  # noqa: BLE001 — pdfplumber then reads the pages (and reports errors)
                self._structure = False
        return self._structure or None

    def pdfium_page(self, number: int) -> Any:
        """The pypdfium2 page (PDF inputs only)."""
        return self._pdfium[number - 1]

    def page_size_points(self, number: int) -> tuple[float, float]:
        if self.is_pdf:
            w, h = self._pdfium[number - 1].get_size()
            return float(w), float(h)
        (w, h), dpi = self._images.sizes[number - 1], self._images.dpis[number - 1]
        return w * 72.0 / dpi, h * 72.0 / dpi

    def render(self, number: int, dpi: int, colour: bool = False) -> np.ndarray:
        """Page ``number`` as a greyscale uint8 array at ``dpi`` (H×W×3 RGB when ``colour``);
        refuses absurd page sizes."""
        import numpy as np

        w_pt, h_pt = self.page_size_points(number)
        scale = dpi / 72.0
        if max(w_pt, h_pt) * scale > settings.MAX_PAGE_SIDE_PX:
            raise UnsupportedInput(
                f"page {number} is {w_pt / 72:.0f}×{h_pt / 72:.0f} inches: too large to render"
            )
        if self.is_pdf:
            bitmap = self._pdfium[number - 1].render(scale=scale, grayscale=not colour)
            return np.asarray(bitmap.to_pil().convert("RGB" if colour else "L"))
        (w, h), frame_dpi = self._images.sizes[number - 1], self._images.dpis[number - 1]
        size = (w, h) if abs(frame_dpi - dpi) <= 1 else (round(w * dpi / frame_dpi), round(h * dpi / frame_dpi))
        return np.asarray(self._images.load(number - 1, size, colour=colour))


def open_source(path: str | Path) -> SourceFile:
    """Open ``path`` or raise a ``GoujiError`` whose message says what is wrong with the file."""
    path = Path(path)
    if not path.is_file():
        raise UnsupportedInput("no such file")
    size = path.stat().st_size
    if size == 0:
        raise UnsupportedInput("empty file (0 bytes)")
    if size > settings.MAX_FILE_MB * 1024 * 1024:
        raise UnsupportedInput(f"file is {size / 1e6:.0f} MB, over the {settings.MAX_FILE_MB} MB limit")
    with path.open("rb") as fh:
        head = fh.read(1024)
    kind = sniff_type(head)
    if kind is None:
        raise UnsupportedInput("unsupported file type (expected PDF, PNG, JPEG or TIFF)")
    digest = sha256_of(path)
    if kind is FileType.PDF:
        return _open_pdf(path, digest)
    return _open_image(path, kind, digest)


def _open_pdf(path: Path, digest: str) -> SourceFile:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedInput("the PDF is password-protected") from exc
        raise CorruptInput(f"cannot open PDF: {exc}") from exc
    count = len(doc)
    if count == 0:
        doc.close()
        raise CorruptInput("the PDF has no pages")
    if count > settings.MAX_PAGES:
        doc.close()
        raise UnsupportedInput(
            f"the PDF has {count} pages; an annual report has at most {settings.MAX_PAGES}"
        )
    try:
        check_pdf_structure(doc, path)
    except CorruptInput:
        doc.close()
        raise
    return SourceFile(path=path, type=FileType.PDF, sha256=digest, page_count=count, _pdfium=doc)


def _open_image(path: Path, kind: FileType, digest: str) -> SourceFile:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
    try:
        frames = open_frames(path, IMAGE_DEFAULT_DPI)  # headers only: budgets checked before decoding
        frames.verify(0)                               # the first frame must decode (truncated files)
    except Image.DecompressionBombError as exc:
        raise UnsupportedInput(f"image too large (decompression bomb guard): {exc}") from exc
    except GoujiError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises KeyError/TypeError/struct.error on broken headers
        raise CorruptInput(f"cannot decode {kind.value.upper()} image: {type(exc).__name__}: {exc}") from exc
    return SourceFile(path=path, type=kind, sha256=digest, page_count=len(frames), _images=frames,
                      image_dpi=frames.dpis[0])
