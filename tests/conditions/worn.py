"""Worn photocopy: dark copier borders, punch holes, a fold crease across the sheet, a cut margin;
greyscale 200 dpi, slight skew, noise, JPEG.

The crease is a thin, slightly curved line (darker or lighter than the paper) running across the
whole sheet, so it crosses tables and prose alike. Holes are black (copier lid) or white discs with
a grey rim in the binding margin. The cut removes a strip of margin (never the tables' content).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tests.conditions._render import add_noise, jpeg_roundtrip, render_pages, rotate, save_image_pdf

NAME = "worn"
DESCRIPTION = "dark borders, punch holes, fold crease across the sheet, cut margin; grey, JPEG 75"
DPI = 200


def dark_border(img: Image.Image, rng: np.random.Generator) -> None:
    """Irregular black bands along one to three edges (a copier's lid or the book's shadow)."""
    d = ImageDraw.Draw(img)
    w, h = img.size
    for side in rng.choice(4, size=int(rng.integers(1, 4)), replace=False):
        depth = rng.integers(14, 45, 12)
        for k in range(12):
            a, b = k * (h if side in (0, 2) else w) // 12, (k + 1) * (h if side in (0, 2) else w) // 12
            t = int(depth[k])
            box = {0: (0, a, t, b), 1: (a, 0, b, t), 2: (w - t, a, w, b), 3: (a, h - t, b, h)}[int(side)]
            d.rectangle(box, fill=int(rng.integers(10, 50)))


def punch_holes(img: Image.Image, rng: np.random.Generator) -> None:
    """Two holes in the left binding margin: black discs or white discs with a grey rim."""
    d = ImageDraw.Draw(img)
    _, h = img.size
    r = int(rng.integers(22, 32))
    x = int(rng.integers(45, 85))
    black = rng.random() < 0.5
    for cy in (h * 0.5 - h * 0.14, h * 0.5 + h * 0.14):
        box = (x - r, int(cy) - r, x + r, int(cy) + r)
        if black:
            d.ellipse(box, fill=int(rng.integers(5, 40)))
        else:
            d.ellipse(box, fill=255, outline=int(rng.integers(90, 150)), width=3)


def crease(img: Image.Image, rng: np.random.Generator) -> None:
    """A fold across the whole sheet: horizontal (sometimes vertical), slightly curved, 2–3 px."""
    w, h = img.size
    d = ImageDraw.Draw(img)
    horizontal = rng.random() < 0.75
    along = w if horizontal else h
    at = float(rng.uniform(0.3, 0.7)) * (h if horizontal else w)
    sag = float(rng.uniform(-8, 8))
    t = np.linspace(0, 1, 80)
    offs = at + sag * np.sin(np.pi * t) + float(rng.uniform(-3, 3)) * t
    pts = [(float(u * along), float(o)) if horizontal else (float(o), float(u * along))
           for u, o in zip(t, offs, strict=True)]
    dark = rng.random() < 0.6
    d.line(pts, fill=int(rng.integers(70, 130)) if dark else 255, width=int(rng.integers(2, 4)))


def cut_margin(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The sheet trimmed on one side by 25–70 px (the margin only)."""
    w, h = img.size
    c = int(rng.integers(25, 70))
    box = [(c, 0, w, h), (0, c, w, h), (0, 0, w - c, h), (0, 0, w, h - c)][int(rng.integers(4))]
    return img.crop(box)


def wear(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """One page worn: holes, crease and borders drawn on a copy, then (sometimes) a cut margin."""
    img = img.copy()
    punch_holes(img, rng)
    if rng.random() < 0.8:
        crease(img, rng)
    dark_border(img, rng)
    return cut_margin(img, rng) if rng.random() < 0.5 else img


def generate(pdf: Path, out_dir: Path, stem: str, rng: np.random.Generator) -> Path:
    pages = [jpeg_roundtrip(add_noise(rotate(wear(p, rng), float(rng.uniform(-1.0, 1.0))), rng))
             for p in render_pages(pdf, DPI, grayscale=True)]
    return save_image_pdf(pages, out_dir / f"{stem}.scan.pdf", DPI)
