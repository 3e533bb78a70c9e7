"""Low-end office scan: 150 dpi, 1-bit threshold (no grey), slight skew; an image-only PDF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.conditions._render import FIXED_DATE, add_noise, render_pages, rotate

NAME = "binarised_150"
DESCRIPTION = "150 dpi, 1-bit threshold, skew within ±1.5°, image-only PDF"

DPI = 150


def binarise(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A fixed global threshold as cheap scanners apply (between 110 and 160 of 255)."""
    threshold = int(rng.integers(110, 161))
    pixels = np.asarray(page, dtype=np.uint8)
    return Image.fromarray(np.where(pixels < threshold, 0, 255).astype(np.uint8), "L").convert("1")


def generate(pdf: Path, out_dir: Path, stem: str, rng: np.random.Generator) -> Path:
    pages = [binarise(add_noise(rotate(p, float(rng.uniform(-1.5, 1.5))), rng, sigma=8.0), rng)
             for p in render_pages(pdf, DPI, grayscale=True)]
    stamp = FIXED_DATE.timetuple()
    path = out_dir / f"{stem}.bin150.pdf"
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=DPI,
                  creationDate=stamp, modDate=stamp)
    return path
