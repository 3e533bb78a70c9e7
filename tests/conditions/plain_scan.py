"""Plain office scan: greyscale 200 dpi, slight skew, noise, JPEG — the baseline condition."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.conditions._render import add_noise, jpeg_roundtrip, render_pages, rotate, save_image_pdf

NAME = "plain_scan"
DESCRIPTION = "greyscale 200 dpi, skew within ±2°, noise, JPEG 75"


def generate(pdf: Path, out_dir: Path, stem: str, rng: np.random.Generator) -> Path:
    pages = [jpeg_roundtrip(add_noise(rotate(p, float(rng.uniform(-2, 2))), rng))
             for p in render_pages(pdf, 200, grayscale=True)]
    return save_image_pdf(pages, out_dir / f"{stem}.scan.pdf", 200)
