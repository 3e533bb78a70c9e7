"""Shared helpers of the condition generators: render a PDF's pages, age them, save them.

Images are PIL images; a page rendered at ``dpi`` has ``dpi / 72`` pixels per PDF point.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

FIXED_DATE = datetime(2024, 1, 1)  # keeps generated PDFs byte-identical across runs


def render_pages(pdf: Path, dpi: int = 200, grayscale: bool = False) -> list[Image.Image]:
    """Every page of ``pdf`` at ``dpi`` (RGB, or L when ``grayscale``)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        pages = [doc[i].render(scale=dpi / 72, grayscale=grayscale).to_pil() for i in range(len(doc))]
    finally:
        doc.close()
    return [p.convert("L" if grayscale else "RGB") for p in pages]


def add_noise(image: Image.Image, rng: np.random.Generator, sigma: float = 5.0) -> Image.Image:
    """Gaussian sensor noise; near-white values snap back to paper white."""
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels + rng.normal(0.0, sigma, pixels.shape)
    pixels[pixels > 240] = 255
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), image.mode)


def jpeg_roundtrip(image: Image.Image, quality: int = 75) -> Image.Image:
    """Pass an image through JPEG at ``quality`` (and drop the JPEG's info)."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    decoded = Image.open(io.BytesIO(buffer.getvalue()))
    decoded.load()
    return Image.fromarray(np.asarray(decoded), decoded.mode)


def rotate(image: Image.Image, degrees: float) -> Image.Image:
    """Rotate counter-clockwise by ``degrees`` on white paper, same canvas size."""
    fill = 255 if image.mode == "L" else (255, 255, 255)
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=fill)


def save_image_pdf(pages: list[Image.Image], path: Path, dpi: float = 200, quality: int = 75) -> Path:
    """An image-only PDF (one JPEG per page, no text layer) whose page size is ``pixels / dpi``."""
    stamp = FIXED_DATE.timetuple()
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=dpi, quality=quality,
                  creationDate=stamp, modDate=stamp)
    return path
