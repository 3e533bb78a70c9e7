"""Image inputs: the frames of an image file (or of a folder of page images), opened lazily.

A ``Frame`` records where one page lives (file, frame index) and what its header says (pixel
size after EXIF orientation, horizontal and vertical DPI); its pixels are decoded only when the
page is read, so a folder of fifteen 12 MP photos never sits in memory at once. Phone formats:
JPEG with an EXIF orientation tag is turned upright; HEIC/HEIF is read through pillow-heif.
Fax TIFFs keep their two DPI values (204×98): rendering resamples each axis by its own DPI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service import settings
from service.errors import CorruptInput, GoujiError, UnsupportedInput

IMAGE_DEFAULT_DPI = 200  # an image without a DPI tag is assumed to be a 200 dpi scan
_EXIF_ORIENTATION = 0x0112
_QUARTER_TURN_ORIENTATIONS = (5, 6, 7, 8)  # EXIF orientations that swap width and height


@dataclass(frozen=True)
class Frame:
    """One page image: ``index``-th frame of ``path``; ``width``×``height`` pixels as shown upright."""

    path: Path
    index: int
    width: int
    height: int
    dpi_x: float
    dpi_y: float
    mode: str = ""  # PIL mode from the header ("1" for a bi-level fax page)

    def load(self) -> Any:
        """The frame as an upright PIL image (EXIF orientation applied), decoded now.

        A frame that cannot be decoded (a file cut short after its first page) is ``CorruptInput``:
        a permanent error, never retried."""
        from PIL import Image, ImageOps

        register_heif()
        try:
            with Image.open(self.path) as img:
                img.seek(self.index)
                img.load()
                frame = ImageOps.exif_transpose(img) if self.index == 0 else img.copy()
                return frame if frame is not img else img.copy()
        except MemoryError:  # not a broken file: over the work horse's limit (workers.limits)
            raise
        except Exception as exc:  # noqa: BLE001 - Pillow raises many types on broken data
            raise CorruptInput(f"cannot decode page {self.index + 1} of {self.path.name}: {exc}") from exc


def register_heif() -> None:
    """Let PIL open HEIC/HEIF (pillow-heif); a no-op when it is not installed."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # pragma: no cover - optional at run time, a dependency of the package
        return
    register_heif_opener()


def _dpi_of(info: dict[str, Any]) -> tuple[float, float]:
    """(horizontal, vertical) DPI from an image header; implausible or missing → the default."""
    raw = info.get("dpi") or (IMAGE_DEFAULT_DPI, IMAGE_DEFAULT_DPI)
    out = []
    for value in (raw[0], raw[1] if len(raw) > 1 else raw[0]):
        v = float(value or 0)
        out.append(v if settings.IMAGE_MIN_DPI <= v <= settings.IMAGE_MAX_DPI else float("nan"))
    if out[0] != out[0] and out[1] != out[1]:
        return float(IMAGE_DEFAULT_DPI), float(IMAGE_DEFAULT_DPI)
    x = out[0] if out[0] == out[0] else out[1]
    y = out[1] if out[1] == out[1] else out[0]
    return x, y


def frames_of(path: Path, label: str, pixels_before: int = 0) -> list[Frame]:
    """Every frame of one image file, headers only. ``label`` names the format in errors.

    The pixel budgets hold before anything is decoded: each frame within ``MAX_IMAGE_PIXELS`` and
    at least ``MIN_IMAGE_SIDE_PX`` a side, all frames (plus ``pixels_before``, e.g. the earlier
    files of a page folder) within ``MAX_TOTAL_PIXELS``."""
    from PIL import Image

    register_heif()
    Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
    frames: list[Frame] = []
    total = pixels_before
    try:
        with Image.open(path) as img:
            count = getattr(img, "n_frames", 1)
            if count > settings.MAX_PAGES:
                raise UnsupportedInput(f"the image has over {settings.MAX_PAGES} pages")
            for index in range(count):
                img.seek(index)
                w, h = img.size
                total += w * h
                check_frame_budget(w, h, total, index)
                dpi_x, dpi_y = _dpi_of(img.info)
                if index == 0 and img.getexif().get(_EXIF_ORIENTATION) in _QUARTER_TURN_ORIENTATIONS:
                    w, h, dpi_x, dpi_y = h, w, dpi_y, dpi_x
                frames.append(Frame(path, index, w, h, dpi_x, dpi_y, img.mode))
            img.seek(0)
            img.load()  # a truncated or corrupt file fails here, at open time, not mid-report
    except Image.DecompressionBombError as exc:
        raise UnsupportedInput(f"image too large (decompression bomb guard): {exc}") from exc
    except (GoujiError, MemoryError):  # a MemoryError is the work horse's limit, not a broken file
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises KeyError/TypeError/struct.error on broken headers
        raise CorruptInput(f"cannot decode {label} image: {type(exc).__name__}: {exc}") from exc
    return frames


def check_frame_budget(width: int, height: int, total: int, index: int) -> None:
    """Refuse one frame that is too big or too small, or frames that together are too big."""
    if width * height > settings.MAX_IMAGE_PIXELS:
        raise UnsupportedInput(f"image is {width}×{height} px, over the {settings.MAX_IMAGE_PIXELS:,} pixel limit")
    if min(width, height) < settings.MIN_IMAGE_SIDE_PX:
        raise UnsupportedInput(f"image is {width}×{height} px: too small to hold a report "
                               f"(at least {settings.MIN_IMAGE_SIDE_PX} px a side)")
    if total > settings.MAX_TOTAL_PIXELS:
        raise UnsupportedInput(f"the image's pages hold over {settings.MAX_TOTAL_PIXELS:,} pixels together "
                               f"(refused at page {index + 1}, {width}×{height} px)")


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that orders ``page-2`` before ``page-10`` (digit runs compare as numbers)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.lower())
                 for part in re.split(r"(\d+)", name) if part)


def folder_pages(folder: Path) -> list[Path]:
    """The page images of a report kept as a folder, in natural order; hidden files are ignored.

    Raises ``UnsupportedInput`` when the folder holds no image, or a file that is not an image
    (a report folder holds its pages only; a stray PDF would be silently left out otherwise).
    """
    from service.ingest import sniff_type

    pages: list[Path] = []
    for entry in sorted(folder.iterdir(), key=lambda p: natural_key(p.name)):
        if entry.name.startswith(".") or entry.is_dir():
            continue
        with entry.open("rb") as fh:
            kind = sniff_type(fh.read(1024))
        if kind is None or kind.value == "pdf":
            raise UnsupportedInput(f"{entry.name}: a report folder may hold only page images (PNG, JPEG, TIFF, HEIC)")
        pages.append(entry)
    if not pages:
        raise UnsupportedInput("the folder holds no page images")
    return pages
