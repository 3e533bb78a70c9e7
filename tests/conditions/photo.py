"""Phone photos of the pages: keystone (perspective), a little rotation, desk background,
shadow and uneven light, 8–12 MP JPEG (some stored sideways with an EXIF orientation tag, some
HEIC), one file per page in a folder ``<stem>/IMG_<n>.jpg``."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from tests.conditions._render import render_pages

NAME = "photo"
DESCRIPTION = "phone photos: keystone, desk, shadow, 8–12 MP JPEG (EXIF-rotated or HEIC for some)"

CAMERAS = ((3000, 4000), (2448, 3264), (2736, 3648))  # portrait (width, height): 12, 8, 10 MP
DESKS = ((120, 84, 52), (92, 92, 96), (52, 88, 64), (150, 118, 84))  # wood, grey, green mat, oak
_EXIF_ORIENTATION = 0x0112


def desk(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """RGB float desk surface (h, w, 3): a base colour, wood-like grain, low-frequency blotches."""
    w, h = size
    base = np.array(DESKS[int(rng.integers(len(DESKS)))], dtype=np.float32)
    grain = np.sin(np.linspace(0, float(rng.uniform(20, 60)), w))[None, :] * 10
    small = cv2.resize(rng.normal(0, 12, (8, 6)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(base[None, None, :] + (grain + small)[:, :, None], 0, 255)


def paper_corners(size: tuple[int, int], page: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Where the sheet's corners land in the photo: centred, keystoned, slightly turned."""
    w, h = size
    pw, ph = page
    cx, cy = w / 2 + rng.uniform(-0.03, 0.03) * w, h / 2 + rng.uniform(-0.03, 0.03) * h
    rect = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    top = rng.uniform(0.0, 0.08) * pw  # keystone: the far edge looks shorter
    rect[0, 0] += top
    rect[1, 0] -= top
    rect += rng.uniform(-0.02, 0.02, rect.shape) * np.array([pw, ph])
    angle = np.radians(rng.uniform(-4, 4))
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return (rect @ turn.T + np.array([cx, cy])).astype(np.float32)


def lighting(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Multiplicative light (h, w): a gradient across the picture and a soft shadow blob."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(direction) * xx / w + np.sin(direction) * yy / h)
    light = 1.0 - float(rng.uniform(0.1, 0.3)) * (ramp - ramp.min()) / (np.ptp(ramp) + 1e-6)
    sx, sy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
    blob = np.exp(-(((xx - sx) / (0.25 * w)) ** 2 + ((yy - sy) / (0.2 * h)) ** 2))
    return light * (1.0 - float(rng.uniform(0.15, 0.35)) * blob)


def photograph(page: Image.Image, rng: np.random.Generator,
               camera: tuple[int, int] | None = None) -> tuple[Image.Image, np.ndarray]:
    """(phone photo, upright; where the sheet's corners landed: TL, TR, BR, BL pixels) of the
    page (RGB, rendered at about the photo's resolution). ``camera`` = (width, height) pixels."""
    w, h = camera or CAMERAS[int(rng.integers(len(CAMERAS)))]
    fill = rng.uniform(0.72, 0.86)
    ph = fill * h
    pw = ph * page.width / page.height
    corners = paper_corners((w, h), (pw, ph), rng)
    src = np.array([[0, 0], [page.width - 1, 0], [page.width - 1, page.height - 1], [0, page.height - 1]],
                   dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, corners)
    paper = np.asarray(page, dtype=np.float32) * (np.array([244, 240, 232], np.float32) / 255.0)
    warped = cv2.warpPerspective(paper, matrix, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones(paper.shape[:2], np.float32), matrix, (w, h), flags=cv2.INTER_LINEAR)
    photo = warped + desk((w, h), rng) * (1 - mask)[:, :, None]
    photo = photo * lighting((w, h), rng)[:, :, None] + rng.normal(0, 3.0, (h, w, 1))
    photo = cv2.GaussianBlur(np.clip(photo, 0, 255).astype(np.uint8), (0, 0), 0.8)
    return Image.fromarray(photo, "RGB"), corners


def photo_pages(pdf: Path, rng: np.random.Generator) -> list[Image.Image]:
    """Every page of ``pdf`` photographed (upright RGB images)."""
    return [photograph(p, rng)[0] for p in render_pages(pdf, 300)]


def save_photo(photo: Image.Image, path: Path, sideways: bool) -> Path:
    """JPEG as a phone writes it; ``sideways``: stored landscape with EXIF orientation 6."""
    if sideways:
        exif = Image.Exif()
        exif[_EXIF_ORIENTATION] = 6
        photo.transpose(Image.Transpose.ROTATE_90).save(path, "JPEG", quality=88, exif=exif.tobytes(), dpi=(72, 72))
    else:
        photo.save(path, "JPEG", quality=88, dpi=(72, 72))
    return path


def generate(pdf: Path, out_dir: Path, stem: str, rng: np.random.Generator) -> Path:
    folder = out_dir / stem
    folder.mkdir(parents=True, exist_ok=True)
    heic = rng.random() < 0.2
    sideways = rng.random() < 0.4
    for i, photo in enumerate(photo_pages(pdf, rng)):
        if heic:
            from pillow_heif import register_heif_opener

            register_heif_opener()
            photo.save(folder / f"IMG_{1001 + i}.heic", quality=88)
        else:
            save_photo(photo, folder / f"IMG_{1001 + i}.jpg", sideways)
    return folder
