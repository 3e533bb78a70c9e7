"""Lighting normalisation, binarisation and skew correction of a greyscale page image.

All images are 8-bit greyscale numpy arrays (H×W) at ``settings.OCR_RENDER_DPI``; ink is dark on
light paper. Angles are in degrees, positive = the page content is rotated counter-clockwise
(as ``cv2.getRotationMatrix2D`` counts them); ``deskew`` rotates by the opposite angle.
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings


def normalise_lighting(image: np.ndarray, kernel_px: int = settings.SCAN_BACKGROUND_KERNEL_PX) -> np.ndarray:
    """Divide out the paper background (uneven lighting); paper → 255, ink stays dark.

    ``kernel_px`` (pixels of ``image``) must exceed the thickest ink stroke.
    """
    k = kernel_px
    small = cv2.resize(image, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, k // 4), max(3, k // 4)))
    bg_small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    bg_small = cv2.GaussianBlur(bg_small, (0, 0), 2)
    bg = cv2.resize(bg_small, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    gain = np.maximum(bg, 1).astype(np.float32)
    np.divide(np.float32(255.0), gain, out=gain)  # in place: a page of float32 is 15 MB
    out = image.astype(np.float32)
    out *= gain
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def binarise(normalised: np.ndarray) -> np.ndarray:
    """Ink mask (uint8, ink = 255) of a lighting-normalised image."""
    thr = int(255 * settings.SCAN_INK_THRESHOLD)
    return cv2.compare(normalised, thr, cv2.CMP_LT)


def _profile_score(ink: np.ndarray, angle: float) -> float:
    """Sharpness of the horizontal projection of ``ink`` rotated by ``angle`` (sum of squared diffs)."""
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rot.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def estimate_skew(ink: np.ndarray) -> float:
    """Skew angle in degrees of an ink mask: the rotation that makes its text rows sharpest.

    Coarse search in ``±SCAN_SKEW_MAX_DEGREES``, then two finer searches around the optimum
    (projection profile; the mask should be about ``SCAN_SKEW_WORK_WIDTH_PX`` wide).
    """
    if int(np.count_nonzero(ink)) == 0:
        return 0.0
    lim, step = settings.SCAN_SKEW_MAX_DEGREES, settings.SCAN_SKEW_COARSE_STEP
    best = _best_angle(ink, np.arange(-lim, lim + step / 2, step))
    for fine in (step / 5, settings.SCAN_SKEW_FINE_STEP):
        best = _best_angle(ink, np.arange(best - 5 * fine, best + 5.5 * fine, fine))
    return best


def _best_angle(ink: np.ndarray, angles: np.ndarray) -> float:
    scores = [_profile_score(ink, float(a)) for a in angles]
    return float(angles[int(np.argmax(scores))])


def rotate(image: np.ndarray, angle: float, border: int) -> np.ndarray:
    """``image`` rotated by ``angle`` degrees about its centre, same size, ``border`` fill."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=border)


def deskew(image: np.ndarray) -> tuple[np.ndarray, float]:
    """(deskewed image, skew in degrees). The output has the input's size; corners fill with paper.

    The returned angle is the rotation that was applied to straighten the page (0.0 when below
    ``SCAN_SKEW_MIN_DEGREES``).
    """
    scale = min(1.0, settings.SCAN_SKEW_WORK_WIDTH_PX / image.shape[1])
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    kernel = max(3, round(settings.SCAN_BACKGROUND_KERNEL_PX * scale))
    angle = estimate_skew(binarise(normalise_lighting(small, kernel)))
    if abs(angle) < settings.SCAN_SKEW_MIN_DEGREES:
        return image, 0.0
    return straighten(image, angle), angle


def straighten(image: np.ndarray, angle: float) -> np.ndarray:
    """``image`` rotated by ``angle`` degrees (the angle ``deskew`` applied, i.e.
    ``-Page.skew_degrees``), corners filled with paper: re-creates the reader's deskewed image
    pixel for pixel from the same rendering."""
    if angle == 0:
        return image
    paper = int(np.percentile(image[::4, ::4], 90))
    return rotate(image, angle, paper)
