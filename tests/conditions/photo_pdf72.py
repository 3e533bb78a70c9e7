"""Phone photos of the pages kept in a PDF whose page size is the camera's 72 dpi (a 12 MP
photo becomes a 42×56 inch page): the page size says nothing about the paper's resolution."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.conditions._render import save_image_pdf
from tests.conditions.photo import photo_pages

NAME = "photo_pdf72"
DESCRIPTION = "phone photos (keystone, desk, shadow) in a PDF with a 72 dpi page size"


def generate(pdf: Path, out_dir: Path, stem: str, rng: np.random.Generator) -> Path:
    return save_image_pdf(photo_pages(pdf, rng), out_dir / f"{stem}.photo.pdf", 72, quality=85)
