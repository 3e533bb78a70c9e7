"""Find the sheet of paper in a photo and warp it flat (perspective correction).

Images are RGB (or greyscale) uint8; corners are (x, y) pixels of the image passed in, ordered
top-left, top-right, bottom-right, bottom-left. A scan (the paper fills the image) has no
outline: ``find_paper`` returns ``None`` and the page is used as it is.
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings


def paperness(image: np.ndarray) -> np.ndarray:
    """uint8 map, high where a pixel looks like paper: bright and unsaturated (V − S of HSV)."""
    if image.ndim == 2:
        return image
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    v, s = hsv[:, :, 2].astype(np.int16), hsv[:, :, 1].astype(np.int16)
    return np.clip(v - s, 0, 255).astype(np.uint8)


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four (x, y) points as top-left, top-right, bottom-right, bottom-left (float32 4×2)."""
    pts = points.reshape(-1, 2).astype(np.float32)
    s, d = pts.sum(axis=1), pts[:, 0] - pts[:, 1]
    return np.array([pts[np.argmin(s)], pts[np.argmax(d)], pts[np.argmax(s)], pts[np.argmin(d)]], dtype=np.float32)


def _quad_of(contour: np.ndarray) -> np.ndarray:
    """A quadrilateral around a blob: its convex hull simplified to 4 corners, or the hull's
    four extreme points (min/max of x+y and x−y) when no simplification gives exactly 4."""
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for eps in settings.GEOMETRY_PAPER_APPROX_EPS:
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            return order_corners(approx)
    return order_corners(hull)


def find_paper(image: np.ndarray) -> np.ndarray | None:
    """Corners of the photographed sheet in ``image`` pixels, or ``None`` when there is none.

    Works on a copy whose longer side is ``GEOMETRY_PAPER_WORK_SIDE_PX``: Otsu threshold of
    :func:`paperness`, the largest blob, its quadrilateral. ``None`` when that blob covers less
    than ``GEOMETRY_PAPER_MIN_AREA_RATIO`` of the image (no sheet) or the desk around it is less
    than ``GEOMETRY_PAPER_MIN_MARGIN_RATIO`` of the image (a scan: the paper is the image).
    """
    h, w = image.shape[:2]
    scale = settings.GEOMETRY_PAPER_WORK_SIDE_PX / max(h, w)
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    score = cv2.GaussianBlur(paperness(small), (5, 5), 0)
    _, mask = cv2.threshold(score, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = np.ones((7, 7), np.uint8)
    mask = cv2.morphologyEx(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel), cv2.MORPH_OPEN, kernel)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    blob = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(blob) / (small.shape[0] * small.shape[1])
    if area < settings.GEOMETRY_PAPER_MIN_AREA_RATIO or area > 1 - settings.GEOMETRY_PAPER_MIN_MARGIN_RATIO:
        return None
    quad = _quad_of(blob)
    if cv2.contourArea(quad) < settings.GEOMETRY_PAPER_MIN_FILL * cv2.contourArea(cv2.convexHull(blob)):
        return None  # not a quadrilateral sheet (a rounded or torn blob): leave the image alone
    if _touches_frame(quad, small.shape):
        return None  # the sheet runs out of the picture: its corners would be guesses
    return quad / scale


def _touches_frame(quad: np.ndarray, shape: tuple[int, ...]) -> bool:
    margin = settings.GEOMETRY_PAPER_FRAME_MARGIN_PX
    h, w = shape[:2]
    return bool(((quad[:, 0] < margin) | (quad[:, 0] > w - 1 - margin)
                 | (quad[:, 1] < margin) | (quad[:, 1] > h - 1 - margin)).sum() >= 3)


def warp_paper(image: np.ndarray, quad: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The sheet with corners ``quad`` warped to a ``size`` = (width, height) rectangle.

    A capture much finer than the target is first reduced with area averaging (a perspective
    warp samples bilinearly and would alias thin strokes), so the warp itself is about 1:1.
    """
    q = np.asarray(quad, dtype=np.float32)
    edge = max(float(np.linalg.norm(q[1] - q[0])), float(np.linalg.norm(q[3] - q[0])))
    shrink = max(size) / edge
    if shrink < settings.GEOMETRY_PAPER_PRESHRINK_BELOW:
        image = cv2.resize(image, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        q = q * shrink
    w, h = size
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(q, target)
    return cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
