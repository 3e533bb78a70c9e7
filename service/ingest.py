"""Open an input file safely: sniff its type, enforce limits, expose pages for reading.

A ``SourceFile`` hides whether pages come from a PDF, a (multi-page) image or a folder of page
images (one report; see ``service.ingest_images``). Page numbers are 1-based. ``render`` gives
8-bit greyscale numpy arrays at the requested DPI; ``render_native`` gives the page as captured
(RGB, square pixels) for the page geometry of photos and faxes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service import settings
from service.errors import CorruptInput, EncryptedInput, UnsupportedInput
from service.ingest_images import IMAGE_DEFAULT_DPI, Frame, folder_pages, frames_of
from service.input_budget import check_pdf_structure

if TYPE_CHECKING:
    import numpy as np  # imported where pages are rendered: born-digital reading needs none

__all__ = ["IMAGE_DEFAULT_DPI", "FileType", "SourceFile", "open_source", "sniff_type"]


class FileType(StrEnum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    HEIC = "heic"
    FOLDER = "folder"  # a report kept as a folder of page images
    PAGES_ZIP = "pages_zip"  # the same folder kept as one zip of page images (how the archive stores it)


_MAGIC: tuple[tuple[bytes, FileType], ...] = (
    (b"%PDF-", FileType.PDF),
    (b"\x89PNG\r\n\x1a\n", FileType.PNG),
    (b"\xff\xd8\xff", FileType.JPEG),
    (b"II*\x00", FileType.TIFF),
    (b"MM\x00*", FileType.TIFF),
)
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1")


def sniff_type(head: bytes) -> FileType | None:
    """The file type from its first bytes (a PDF may start after a little junk, as readers allow)."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return FileType.HEIC
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
    _frames: list[Frame] = field(default_factory=list)  # image pages: headers only, decoded when rendered
    _unpacked: Path | None = None  # a pages zip's temporary folder, removed on close
    _last_page: tuple[int, Any] | None = None  # the pypdfium2 page loaded last (one: bounded memory)

    def __enter__(self) -> SourceFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._unpacked is not None:
            import shutil

            shutil.rmtree(self._unpacked, ignore_errors=True)
        if self._plumber is not None:
            self._plumber.close()
        if self._structure:
            self._structure.close()
        self._last_page = None
        if self._pdfium is not None:
            self._pdfium.close()

    @property
    def is_pdf(self) -> bool:
        return self.type is FileType.PDF

    @property
    def image_dpi(self) -> float:
        """The first image page's horizontal DPI as its header claims (image inputs only)."""
        return self._frames[0].dpi_x

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
        """The pypdfium2 page (PDF inputs only). The last one is kept: a page is read, checked
        for pictures and rendered one after the other, and loading it costs ~1 ms each time."""
        if self._last_page is None or self._last_page[0] != number:
            self._last_page = (number, self._pdfium[number - 1])
        return self._last_page[1]

    def ink_reliable(self, number: int) -> bool:
        """Whether absence of ink on page ``number`` can be trusted: not for a 1-bit image page or
        one captured coarser than ``SCAN_RELIABLE_INK_MIN_DPI`` along either axis (fax 204×98)."""
        if self.is_pdf:
            return True
        frame = self._frames[number - 1]
        return frame.mode != "1" and min(frame.dpi_x, frame.dpi_y) >= settings.SCAN_RELIABLE_INK_MIN_DPI

    def page_size_points(self, number: int) -> tuple[float, float]:
        if self.is_pdf:
            w, h = self.pdfium_page(number).get_size()
            return float(w), float(h)
        frame = self._frames[number - 1]
        return frame.width * 72.0 / frame.dpi_x, frame.height * 72.0 / frame.dpi_y

    def render(self, number: int, dpi: int, colour: bool = False) -> np.ndarray:
        """Page ``number`` as a greyscale uint8 array at ``dpi`` (H×W×3 RGB when ``colour``);
        refuses absurd page sizes. Image pages are resampled per axis by their own DPI."""
        import numpy as np

        w_pt, h_pt = self.page_size_points(number)
        scale = dpi / 72.0
        if max(w_pt, h_pt) * scale > settings.MAX_PAGE_SIDE_PX:
            raise UnsupportedInput(
                f"page {number} is {w_pt / 72:.0f}×{h_pt / 72:.0f} inches: too large to render"
            )
        if self.is_pdf:
            bitmap = self.pdfium_page(number).render(scale=scale, grayscale=not colour)
            return np.asarray(bitmap.to_pil().convert("RGB" if colour else "L"))
        from PIL import Image

        frame = self._frames[number - 1]
        img = frame.load().convert("RGB" if colour else "L")
        size = (round(frame.width * dpi / frame.dpi_x), round(frame.height * dpi / frame.dpi_y))
        if size != img.size:
            img = img.resize(size, Image.Resampling.LANCZOS)
        return np.asarray(img)

    def render_native(self, number: int) -> tuple[np.ndarray, float]:
        """(RGB uint8 H×W×3 image, its claimed DPI): page ``number`` as captured, square pixels.

        Images keep their pixels (a non-square DPI such as fax 204×98 is resampled along the
        coarser axis to the finer one; 1-bit images are slightly blurred back to grey); PDF
        pages are rendered at ``OCR_RENDER_DPI`` of their page size. Either way the longer side
        is capped at ``GEOMETRY_MAX_NATIVE_SIDE_PX`` (a photo kept in a PDF with the camera's
        72 dpi page size is 55 inches "long"): the claimed DPI then shrinks with it. Page
        geometry finds the real resolution from the content.
        """
        if self.is_pdf:
            return self._render_pdf_native(number)
        frame = self._frames[number - 1]
        return _native_capture(frame.load(), frame)

    def render_scan(self, number: int) -> tuple[np.ndarray, float, np.ndarray | None]:
        """``render_native``'s (image, claimed DPI) and, from the same decoded frame, the uint8
        mask (255 = lost, that image's pixels) of the scan lines a fax receiver lost on a
        bi-level page (``scan.dropouts``); ``None`` for other pages or when none was lost."""
        if self.is_pdf:
            return (*self._render_pdf_native(number), None)
        import numpy as np

        from service.scan.dropouts import lost_row_mask

        frame = self._frames[number - 1]
        img = frame.load()
        lost = None
        if img.mode == "1":
            size, _, _ = _native_size(img.width, img.height, frame)
            lost = lost_row_mask(~np.asarray(img, dtype=bool), size)
        return (*_native_capture(img, frame), lost)

    def _render_pdf_native(self, number: int) -> tuple[np.ndarray, float]:
        """``render_native`` of a PDF page: rendered at ``OCR_RENDER_DPI``, the longer side capped."""
        import numpy as np

        w_pt, h_pt = self.page_size_points(number)
        dpi = min(float(settings.OCR_RENDER_DPI), settings.GEOMETRY_MAX_NATIVE_SIDE_PX * 72.0 / max(w_pt, h_pt))
        bitmap = self.pdfium_page(number).render(scale=dpi / 72.0)
        return np.asarray(bitmap.to_pil().convert("RGB")), dpi


def _native_capture(img: Any, frame: Frame) -> tuple[np.ndarray, float]:
    """``render_native`` of a decoded image frame ``img`` (PIL): RGB, square pixels, capped."""
    import numpy as np
    from PIL import Image

    bilevel = img.mode == "1"
    img = img.convert("RGB")
    size, dpi, shrink = _native_size(img.width, img.height, frame)
    if size != img.size:
        img = img.resize(size, Image.Resampling.LANCZOS if shrink < 1 else Image.Resampling.BICUBIC)
    if bilevel:  # 1-bit (fax, G4): soften the staircase edges the OCR networks never saw
        from PIL import ImageFilter

        img = img.filter(ImageFilter.GaussianBlur(settings.GEOMETRY_BILEVEL_BLUR_PX))
    return np.asarray(img), dpi * shrink


def _native_size(width: int, height: int, frame: Frame) -> tuple[tuple[int, int], float, float]:
    """(pixel size of ``render_native``'s image, its DPI before shrinking, the shrink) for a
    decoded frame of ``width``×``height`` pixels: the coarser axis resampled to the finer one's
    DPI, the longer side capped at ``GEOMETRY_MAX_NATIVE_SIDE_PX``."""
    dpi = max(frame.dpi_x, frame.dpi_y)
    w, h = width * dpi / frame.dpi_x, height * dpi / frame.dpi_y
    shrink = min(1.0, settings.GEOMETRY_MAX_NATIVE_SIDE_PX / max(w, h))
    return (round(w * shrink), round(h * shrink)), dpi, shrink


def open_source(path: str | Path) -> SourceFile:
    """Open ``path`` or raise a ``GoujiError`` whose message says what is wrong with the file."""
    path = Path(path)
    if path.is_dir():
        return _open_folder(path)
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
    if kind is None and head.startswith(b"PK\x03\x04"):
        return _open_pages_zip(path, sha256_of(path))
    if kind is None:
        raise UnsupportedInput("unsupported file type (expected PDF, PNG, JPEG, TIFF or HEIC)")
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
    frames = frames_of(path, kind.value.upper())
    return SourceFile(path=path, type=kind, sha256=digest, page_count=len(frames), _frames=frames)


def _open_folder(folder: Path) -> SourceFile:
    """A report kept as a folder of page images: one page per frame, files in natural order.

    The input limits apply to the folder as a whole (total bytes, total pages); its sha256 is
    that of the page files' digests in page order, so a renamed folder is the same report.
    """
    files = folder_pages(folder)
    total = sum(f.stat().st_size for f in files)
    if total > settings.MAX_FILE_MB * 1024 * 1024:
        raise UnsupportedInput(
            f"the folder's images are {total / 1e6:.0f} MB, over the {settings.MAX_FILE_MB} MB limit")
    frames: list[Frame] = []
    digest = hashlib.sha256()
    for file in files:
        if file.stat().st_size == 0:
            raise UnsupportedInput(f"{file.name}: empty file (0 bytes)")
        with file.open("rb") as fh:
            kind = sniff_type(fh.read(1024))
        try:
            frames.extend(frames_of(file, kind.value.upper() if kind else "image",
                                    pixels_before=sum(f.width * f.height for f in frames)))
        except (CorruptInput, UnsupportedInput) as exc:
            raise type(exc)(f"{file.name}: {exc}") from exc
        if len(frames) > settings.MAX_PAGES:
            raise UnsupportedInput(f"the folder has over {settings.MAX_PAGES} pages")
        digest.update(sha256_of(file).encode())
    return SourceFile(path=folder, type=FileType.FOLDER, sha256=digest.hexdigest(), page_count=len(frames),
                      _frames=frames)


def _open_pages_zip(path: Path, digest: str) -> SourceFile:
    """A zip whose every member is a page image: one report, like a folder (``service.archive.pages``
    stores page folders so). Members are written under fresh names into a temporary folder, never
    by their stored paths; their total uncompressed size is held to ``MAX_FILE_MB`` first."""
    import tempfile
    import zipfile

    from service.archive.pages import is_pages_zip, unpack_pages

    if not is_pages_zip(path):
        raise UnsupportedInput("a zip archive is one report only when it holds page images and nothing else")
    with zipfile.ZipFile(path) as zf:
        total = sum(i.file_size for i in zf.infolist())
    if total > settings.MAX_FILE_MB * 1024 * 1024:
        raise UnsupportedInput(f"the zip's pages are {total / 1e6:.0f} MB unpacked, "
                               f"over the {settings.MAX_FILE_MB} MB limit")
    folder = Path(tempfile.mkdtemp(prefix="gouji-pages-"))
    try:
        unpack_pages(path, folder)
        src = _open_folder(folder)
    except BaseException:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        raise
    return SourceFile(path=path, type=FileType.PAGES_ZIP, sha256=digest, page_count=src.page_count,
                      _frames=src._frames, _unpacked=folder)
