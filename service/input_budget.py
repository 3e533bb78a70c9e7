"""Pixel budgets and lazy frame loading for image inputs, and sanity checks for PDF structure.

Memory of a work horse is bounded by what it decodes at once, so:

* ``open_frames`` reads only the frame *headers* of a PNG/JPEG/TIFF (Pillow's ``seek`` does not
  decode pixels), refuses a file whose frames together exceed ``MAX_TOTAL_PIXELS`` or whose single
  frame exceeds ``MAX_IMAGE_PIXELS``, and refuses images smaller than ``MIN_IMAGE_SIDE_PX``;
* ``LazyFrames.load(i, size)`` decodes one frame when a stage asks for it and keeps none; a frame
  whose page at ``WORKING_DPI`` would exceed ``MAX_RENDER_PAGE_PIXELS`` is read at a higher DPI (as a
  finer scan), so no stage ever holds a bigger page (JPEG is reduced while decoding, by ``draft``);
* ``check_pdf_structure`` opens every page once with pypdfium2 and pdfplumber, so a page-tree loop,
  an xref loop or a recursion bomb fails as ``CorruptInput`` (permanent, never retried) at open.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service import settings
from service.errors import CorruptInput, UnsupportedInput


@dataclass
class LazyFrames:
    """The frames of one image file, decoded one at a time.

    ``sizes[i]``: (width, height) as stored, pixels; ``dpis[i]``: the resolution the frame is read at.
    A frame whose page would exceed ``MAX_RENDER_PAGE_PIXELS`` at ``WORKING_DPI`` (e.g. an untagged
    8900×8900 PNG, "44 inches" at the default 200 dpi) is read as a finer scan of a smaller page.
    """

    path: Path
    sizes: list[tuple[int, int]]
    dpis: list[float]

    def __len__(self) -> int:
        return len(self.sizes)

    def verify(self, index: int = 0) -> None:
        """Decode frame ``index`` once and drop it (a truncated file fails here, at open)."""
        from PIL import Image

        with Image.open(self.path) as img:
            img.seek(index)
            img.load()

    def load(self, index: int, size: tuple[int, int], colour: bool = False) -> Any:
        """Frame ``index`` as a greyscale (RGB when ``colour``) PIL image of ``size`` pixels; only
        this frame is decoded."""
        from PIL import Image

        try:
            with Image.open(self.path) as img:
                img.seek(index)
                if img.format == "JPEG" and size[0] < img.size[0]:
                    img.draft("RGB" if colour else "L", size)  # DCT scaling: decode at 1/2, 1/4 or 1/8
                frame = img.convert("RGB" if colour else "L")
        except Exception as exc:  # noqa: BLE001 - a frame past the first is truncated/corrupt (any Pillow error)
            raise CorruptInput(f"cannot decode frame {index + 1} of the image: {exc}") from exc
        if frame.size != size:
            frame = frame.resize(size, Image.Resampling.LANCZOS)
        return frame


def open_frames(path: Path, default_dpi: float) -> LazyFrames:
    """Frame sizes of the image at ``path`` without decoding any pixels; enforces the budgets."""
    from PIL import Image

    sizes: list[tuple[int, int]] = []
    dpis: list[float] = []
    with Image.open(path) as img:
        total = 0
        for index in range(settings.MAX_PAGES + 1):
            try:
                img.seek(index)
            except EOFError:
                break
            if index == settings.MAX_PAGES:
                raise UnsupportedInput(f"the image has over {settings.MAX_PAGES} pages")
            w, h = img.size
            _check_frame(w, h)
            total += w * h
            if total > settings.MAX_TOTAL_PIXELS:
                raise UnsupportedInput(f"the image's frames hold over {settings.MAX_TOTAL_PIXELS:,} pixels together "
                                       f"(refused at frame {index + 1}, {w}×{h} px)")
            sizes.append((w, h))
            dpis.append(_reading_dpi(w, h, _tagged_dpi(img.info, default_dpi)))
    return LazyFrames(path=path, sizes=sizes, dpis=dpis)


def _check_frame(width: int, height: int) -> None:
    if width * height > settings.MAX_IMAGE_PIXELS:
        raise UnsupportedInput(f"image is {width}×{height} px, over the {settings.MAX_IMAGE_PIXELS:,} pixel limit")
    if min(width, height) < settings.MIN_IMAGE_SIDE_PX:
        raise UnsupportedInput(f"image is {width}×{height} px: too small to hold a report "
                               f"(at least {settings.MIN_IMAGE_SIDE_PX} px a side)")


def _tagged_dpi(info: dict[str, Any], default_dpi: float) -> float:
    """The frame's DPI tag when plausible (50–1200), else ``default_dpi``."""
    dpi = info.get("dpi", (default_dpi, default_dpi))[0] or default_dpi
    return float(dpi) if 50 <= float(dpi) <= 1200 else default_dpi


def _reading_dpi(width: int, height: int, dpi: float) -> float:
    """``dpi``, raised so that the page at ``WORKING_DPI`` holds at most ``MAX_RENDER_PAGE_PIXELS``."""
    at_working = width * height * (settings.WORKING_DPI / dpi) ** 2
    if at_working <= settings.MAX_RENDER_PAGE_PIXELS:
        return dpi
    return dpi * (at_working / settings.MAX_RENDER_PAGE_PIXELS) ** 0.5


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
