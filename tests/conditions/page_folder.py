"""A report kept as a folder of page scans ``page-<n>.jpg``, numbered from 1 or from a batch
counter (``page-9.jpg`` before ``page-10.jpg``: only a natural sort gets the order right)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.conditions._pages import plain_scan
from tests.conditions._render import render_pages

NAME = "page_folder"
DESCRIPTION = "folder of 200 dpi page JPEGs page-<n>.jpg (numbers crossing 9 → 10)"


def generate(pdf: Path, out_dir: Path, stem: str, rng: np.random.Generator) -> Path:
    pages = render_pages(pdf, 200, grayscale=True)
    folder = out_dir / stem
    folder.mkdir(parents=True, exist_ok=True)
    first = 1 if len(pages) >= 10 else int(rng.integers(max(1, 11 - len(pages)), 10))
    for i, page in enumerate(pages):
        plain_scan(page, rng).save(folder / f"page-{first + i}.jpg", "JPEG", quality=85, dpi=(200, 200))
    return folder
