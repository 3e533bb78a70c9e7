"""Coloured ink (red seals 公章, blue ballpoint ticks and signatures) separated from black print.

Input: an RGB page image (uint8 H×W×3) at ``settings.OCR_RENDER_DPI``. Output: the greyscale
"print" image the reader works on (uint8 H×W, same pixels/coordinates) in which coloured ink is
turned back into paper while black print — also black print *under* a seal — stays dark.

Model: a stamp or pen stroke multiplies the paper (``observed ≈ print_grey × ink_colour``). A
pixel is coloured when its chroma ``C = max(R,G,B) − min(R,G,B)`` is at least
``SCAN_COLOUR_MIN_CHROMA`` and its saturation ``C / max`` at least ``SCAN_COLOUR_MIN_SATURATION``
(black print and JPEG chroma noise on it stay below). Its print grey is estimated by dividing its
value ``V = max(R,G,B)`` by the typical value of that ink over paper (the median ``V`` of the
page's pixels of the same hue family): an ink over paper becomes ≈ 255, black print under it
keeps its darkness. Hue families: red (seals), blue (pens), other.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from service import settings


@dataclass(frozen=True)
class InkSplit:
    """A page split into black print and coloured ink (same size as the input).

    ``grey``: the print image (coloured ink removed); ``coloured``: 255 where coloured ink was
    found (any hue); ``colour_px``: how many such pixels, per hue family.
    """

    grey: np.ndarray
    coloured: np.ndarray
    colour_px: dict[str, int]


def to_grey(image: np.ndarray) -> np.ndarray:
    """Luminance (ITU-R 601) of an RGB uint8 image; a 2-D image is returned unchanged."""
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _hue_families(pixels: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean masks over ``pixels`` (N×3 RGB) of the red, blue and other hue families.

    OpenCV hue is 0–179 (degrees / 2): red wraps around 0, blue is about 100–130.
    """
    hue = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_RGB2HSV)[:, 0, 0]
    red_lo, red_hi = settings.SCAN_COLOUR_RED_HUE
    blue_lo, blue_hi = settings.SCAN_COLOUR_BLUE_HUE
    red = (hue <= red_hi) | (hue >= red_lo)
    blue = (hue >= blue_lo) & (hue <= blue_hi)
    return {"red": red, "blue": blue, "other": ~red & ~blue}


def coloured_mask(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(255 where a pixel of the RGB ``image`` is coloured ink, its value ``max(R,G,B)``)."""
    r, g, b = cv2.split(image)
    v = cv2.max(cv2.max(r, g), b)
    chroma = cv2.subtract(v, cv2.min(cv2.min(r, g), b))
    strong = cv2.compare(chroma, settings.SCAN_COLOUR_MIN_CHROMA, cv2.CMP_GE)
    idx = np.flatnonzero(strong)  # saturation judged on strong pixels only (a few: no float page)
    weak = chroma.reshape(-1)[idx].astype(np.float32) < (
        v.reshape(-1)[idx].astype(np.float32) * np.float32(settings.SCAN_COLOUR_MIN_SATURATION))
    strong.reshape(-1)[idx[weak]] = 0
    return strong, v


def separate_ink(image: np.ndarray) -> InkSplit:
    """Split an RGB page into its print image and coloured-ink mask (see module doc).

    A greyscale (2-D) image has no coloured ink: it comes back as its own print image.
    """
    if image.ndim == 2:
        return InkSplit(grey=image, coloured=np.zeros_like(image), colour_px={})
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("separate_ink expects an H×W×3 RGB image")
    grey = to_grey(image)
    coloured, v = coloured_mask(image)
    idx = np.flatnonzero(coloured)
    if idx.size == 0:
        return InkSplit(grey=grey, coloured=coloured, colour_px={})
    values = v.reshape(-1)[idx].astype(np.float32)
    lifted = np.empty_like(values)
    counts: dict[str, int] = {}
    for name, fam in _hue_families(image.reshape(-1, 3)[idx]).items():
        if not fam.any():
            continue
        counts[name] = int(np.count_nonzero(fam))
        ref = max(float(np.median(values[fam])), 1.0)
        lifted[fam] = values[fam] * (255.0 / ref)
    out = grey.copy()
    out.reshape(-1)[idx] = np.clip(lifted, 0, 255).astype(np.uint8)
    return InkSplit(grey=_soften_fringes(out, grey, coloured), coloured=coloured, colour_px=counts)


def _soften_fringes(out: np.ndarray, grey: np.ndarray, coloured: np.ndarray) -> np.ndarray:
    """Pixels next to coloured ink that are not coloured themselves (the pale fringe of a stroke
    after JPEG's chroma smoothing) take the lighter of their grey and the local print image.

    Dark print next to a stroke stays dark (the max of two dark values is dark)."""
    r = settings.SCAN_COLOUR_FRINGE_PX
    if r <= 0:
        return out
    near = cv2.dilate(coloured, np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0
    fringe = near & (coloured == 0) & (grey > settings.SCAN_COLOUR_FRINGE_MIN_GREY)
    lifted = cv2.dilate(out, np.ones((2 * r + 1, 2 * r + 1), np.uint8))
    res = out.copy()
    res[fringe] = np.maximum(grey[fringe], lifted[fringe])
    return res


def straighten_colour(image: np.ndarray, angle: float) -> np.ndarray:
    """``image`` (grey or RGB) rotated by ``angle`` degrees about its centre like
    ``deskew.straighten``: same size, corners filled with the paper colour (90th percentile per
    channel). Re-creates the reader's deskewed colour image from the same rendering."""
    if angle == 0:
        return image
    from service.scan.deskew import rotate, straighten

    if image.ndim == 2:
        return straighten(image, angle)
    paper = tuple(int(np.percentile(image[::4, ::4, c], 90)) for c in range(image.shape[2]))
    return rotate(image, angle, paper)  # type: ignore[arg-type]
