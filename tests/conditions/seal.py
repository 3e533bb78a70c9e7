"""Stamped and signed copy: a red official seal (公章) over table 四 and/or the bottom of table 三,
blue (sometimes black) ballpoint ticks beside numbers, a blue signature; colour 200 dpi, JPEG.

The seal is a ring, a five-pointed star and arc text in red, printed as a semi-transparent
multiply (black print under it stays black), with uneven ink. Positions come from the PDF's own
words (the table headings and the numbers), so the stamp lands on the tables whatever the layout.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.conditions._render import add_noise, jpeg_roundtrip, render_pages, rotate, save_image_pdf

NAME = "seal"
DESCRIPTION = "red seal over tables 三/四, ballpoint ticks beside numbers, blue signature; colour, JPEG 75"
DPI = 200
SEAL_RADIUS_PX = (140, 170)        # official seals are 4–4.5 cm across
RED = (205, 35, 45)
BLUE = (35, 60, 160)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default(size=size)


def seal_alpha(radius: int, rng: np.random.Generator) -> np.ndarray:
    """Coverage (0–1, float32, square 2·radius+1) of one seal: ring, star, arc text, with uneven ink."""
    size = 2 * radius + 1
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    ring = max(6, radius // 18)
    d.ellipse((ring // 2, ring // 2, size - 1 - ring // 2, size - 1 - ring // 2), outline=255, width=ring)
    c = radius
    star_r = radius * 0.3
    pts = [(c + (star_r if k % 2 == 0 else star_r * 0.4) * math.sin(k * math.pi / 5),
            c - (star_r if k % 2 == 0 else star_r * 0.4) * math.cos(k * math.pi / 5)) for k in range(10)]
    d.polygon(pts, fill=255)
    font = _font(int(radius * 0.22))
    letters = "".join(chr(int(rng.integers(65, 91))) for _ in range(12))
    for k, ch in enumerate(letters):
        ang = math.radians(-150 + k * 300 / (len(letters) - 1))
        glyph = Image.new("L", (int(radius * 0.3),) * 2, 0)
        ImageDraw.Draw(glyph).text((2, 0), ch, fill=255, font=font)
        glyph = glyph.rotate(-math.degrees(ang), expand=True)
        gx = c + (radius * 0.72) * math.sin(ang) - glyph.width / 2
        gy = c - (radius * 0.72) * math.cos(ang) - glyph.height / 2
        img.paste(255, (int(gx), int(gy)), glyph)
    small = _font(int(radius * 0.14))
    ImageDraw.Draw(img).text((c - radius * 0.45, c + radius * 0.4), "SEAL USE", fill=255, font=small)
    alpha = np.asarray(img, np.float32) / 255.0
    texture = rng.uniform(0.55, 1.0, (size // 8 + 1, size // 8 + 1)).astype(np.float32)
    grain = Image.fromarray((texture * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BILINEAR)
    texture = np.asarray(grain, np.float32) / 255.0
    return alpha * texture * float(rng.uniform(0.75, 0.95))


def multiply(page: np.ndarray, alpha: np.ndarray, colour: tuple[int, int, int], x: int, y: int) -> None:
    """Print ``colour`` with coverage ``alpha`` at (x, y) (top-left) as a multiply, in place."""
    h, w = alpha.shape
    y0, x0 = max(0, y), max(0, x)
    y1, x1 = min(page.shape[0], y + h), min(page.shape[1], x + w)
    if y1 <= y0 or x1 <= x0:
        return
    a = alpha[y0 - y:y1 - y, x0 - x:x1 - x, None]
    ink = np.asarray(colour, np.float32)[None, None, :] / 255.0
    region = page[y0:y1, x0:x1].astype(np.float32)
    page[y0:y1, x0:x1] = np.clip(region * (1 - a + a * ink), 0, 255).astype(np.uint8)


def _stroke_alpha(shape: tuple[int, int], points: list[tuple[float, float]], width: int) -> np.ndarray:
    img = Image.new("L", (shape[1], shape[0]), 0)
    ImageDraw.Draw(img).line(points, fill=255, width=width, joint="curve")
    return np.asarray(img, np.float32) / 255.0 * 0.9


def tick_points(x: float, y: float, size: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    """A hand-drawn tick (√) whose left end is at (x, y) (page pixels); ``size`` its height."""
    j = lambda: float(rng.normal(0, size * 0.05))  # noqa: E731
    return [(x + j(), y + j()), (x + size * 0.35 + j(), y + size * 0.45 + j()),
            (x + size * 0.95 + j(), y - size * 0.55 + j())]


def signature_points(x: float, y: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    t = np.linspace(0, 1, 60)
    xs = x + t * 260
    ys = y + 25 * np.sin(t * rng.uniform(12, 20)) * np.exp(-t) + rng.normal(0, 2, t.size)
    return list(zip(xs.tolist(), ys.tolist(), strict=True))


def _layout(pdf: Path) -> tuple[dict[int, list[tuple[str, float]]], dict[int, list[tuple[float, float, float, float]]]]:
    """Per 0-based page: headings (text, top px) and numeric words (x0, top, x1, bottom px)."""
    import pdfplumber

    k = DPI / 72
    heads: dict[int, list[tuple[str, float]]] = {}
    numbers: dict[int, list[tuple[float, float, float, float]]] = {}
    with pdfplumber.open(str(pdf)) as doc:
        for i, page in enumerate(doc.pages):
            for w in page.extract_words():
                if w["text"][:2] in ("三、", "四、", "五、"):
                    heads.setdefault(i, []).append((w["text"][:2], w["top"] * k))
                elif w["text"].replace(".", "", 1).isdigit() and len(w["text"]) <= 6:
                    numbers.setdefault(i, []).append((w["x0"] * k, w["top"] * k, w["x1"] * k, w["bottom"] * k))
    return heads, numbers


def _seal_spots(heads: dict[int, list[tuple[str, float]]], numbers: dict[int, list],
                rng: np.random.Generator) -> list[tuple[int, float, float]]:
    """(page, centre x, centre y) of 1–2 seals: over table 四 and/or the bottom of table 三."""
    spots = []
    for page, items in heads.items():
        nums = numbers.get(page, [])
        if not nums:
            continue
        for name, top in items:
            below = [n for n in nums if n[1] > top]
            if name == "四、" and below:
                n = below[int(rng.integers(len(below)))]
                spots.append((page, (n[0] + n[2]) / 2, (n[1] + n[3]) / 2))
            if name == "四、":
                above = [n for n in nums if n[1] < top]
                if above:
                    spots.append((page, float(rng.uniform(400, 1200)), max(n[3] for n in above) - 40))
    rng.shuffle(spots)
    return spots[: int(rng.integers(1, 3))] if spots else []


def generate(pdf: Path, out_dir: Path, stem: str, rng: np.random.Generator) -> Path:
    pages = [np.array(p) for p in render_pages(pdf, DPI)]
    heads, numbers = _layout(pdf)
    for page, cx, cy in _seal_spots(heads, numbers, rng):
        r = int(rng.integers(*SEAL_RADIUS_PX))
        multiply(pages[page], seal_alpha(r, rng), RED, int(cx - r), int(cy - r))
    for page, nums in numbers.items():
        picks = rng.choice(len(nums), size=min(len(nums), int(rng.integers(1, 4))), replace=False)
        for i in picks:
            x0, y0, x1, y1 = nums[int(i)]
            colour = BLUE if rng.random() < 0.7 else (30, 30, 35)
            pts = tick_points(x1 + 6, (y0 + y1) / 2, (y1 - y0) * 1.1, rng)
            multiply(pages[page], _stroke_alpha(pages[page].shape[:2], pts, 3), colour, 0, 0)
    last = pages[-1]
    sig = _stroke_alpha(last.shape[:2], signature_points(last.shape[1] * 0.55, last.shape[0] * 0.85, rng), 3)
    multiply(last, sig, BLUE, 0, 0)
    out = [jpeg_roundtrip(add_noise(rotate(Image.fromarray(p), float(rng.uniform(-1.5, 1.5))), rng, 4.0))
           for p in pages]
    return save_image_pdf(out, out_dir / f"{stem}.scan.pdf", DPI)
