"""Faxed report: 1-bit G4 TIFF at 204×98 dpi (standard resolution, non-square pixels) or 100 dpi,
with sensor streaks (full-height vertical lines), scan-line dropouts and a transmission header."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tests.conditions._render import render_pages, rotate

NAME = "fax"
DESCRIPTION = "1-bit G4 TIFF, 204×98 dpi (or 100 dpi), streaks, line dropouts, header line"


def fax_header(page: int, pages: int, rng: np.random.Generator) -> str:
    """The line a fax machine prints at the top of every page it sends."""
    day, hour, minute = int(rng.integers(1, 28)), int(rng.integers(8, 18)), int(rng.integers(0, 60))
    number = f"0{int(rng.integers(10, 999)):03d}-{int(rng.integers(1000000, 9999999))}"
    return f"2024-03-{day:02d} {hour:02d}:{minute:02d}  FROM: {number}  FAX  P.{page:03d}/{pages:03d}"


def fax_page(page: Image.Image, header: str, dpi: tuple[int, int], rng: np.random.Generator,
             streaks: bool = True) -> Image.Image:
    """One page as a fax receiver stores it: resampled to ``dpi`` (x, y), header, 1-bit, defects
    (``streaks=False`` leaves out the sensor streaks, e.g. to test the resampling alone)."""
    page = rotate(page, float(rng.uniform(-1.0, 1.0)))
    w, h = page.size  # rendered at dpi[0] both ways
    page = page.resize((w, round(h * dpi[1] / dpi[0])), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(page)
    draw.text((int(w * 0.04), 6), header, fill=0, font_size=max(10, round(dpi[1] * 0.12)))
    ink = np.asarray(page) < 150
    for x in rng.choice(w, size=int(rng.integers(1, 4)), replace=False):  # dirty sensor: full-height streaks
        ink[:, x : x + int(rng.integers(1, 3))] |= streaks
    for y in rng.choice(ink.shape[0], size=int(rng.integers(2, 6)), replace=False):  # lost scan lines
        ink[y, :] = bool(rng.random() < 0.3)
    speckle = rng.random(ink.shape) < 0.0004
    return Image.fromarray(np.where(ink ^ speckle, 0, 255).astype(np.uint8)).convert("1")


def generate(pdf: Path, out_dir: Path, stem: str, rng: np.random.Generator) -> Path:
    dpi = (204, 98) if rng.random() < 0.6 else (100, 100)
    pages = render_pages(pdf, dpi[0], grayscale=True)
    faxed = [fax_page(p, fax_header(i + 1, len(pages), rng), dpi, rng) for i, p in enumerate(pages)]
    path = out_dir / f"{stem}.fax.tiff"
    faxed[0].save(path, "TIFF", save_all=True, append_images=faxed[1:], compression="group4", dpi=dpi)
    return path
