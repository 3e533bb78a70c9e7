"""Pages scanned the wrong way round: table 三's page sideways (90° or 270°), another page
upside down; the rest a plain 200 dpi scan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.conditions._pages import TABLE_THREE_HEADING, page_with, plain_scan
from tests.conditions._render import render_pages, save_image_pdf

NAME = "rotation"
DESCRIPTION = "table 三 page sideways (90°/270°), another page upside down; 200 dpi grey scan"


def generate(pdf: Path, out_dir: Path, stem: str, rng: np.random.Generator) -> Path:
    pages = render_pages(pdf, 200, grayscale=True)
    sideways = page_with(pdf, TABLE_THREE_HEADING)
    others = [i for i in range(len(pages)) if i != sideways]
    upside_down = int(rng.choice(others)) if others else None
    out = []
    for i, page in enumerate(pages):
        aged = plain_scan(page, rng)
        if i == sideways:
            aged = aged.transpose(Image.Transpose.ROTATE_90 if rng.random() < 0.5 else Image.Transpose.ROTATE_270)
        elif i == upside_down:
            aged = aged.transpose(Image.Transpose.ROTATE_180)
        out.append(aged)
    return save_image_pdf(out, out_dir / f"{stem}.scan.pdf", 200)
