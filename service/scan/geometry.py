"""Page geometry before reading: paper, perspective, resolution, orientation (issue 7, item 1).

Input: a page as captured (``SourceFile.render_native``: RGB uint8 H×W×3, square pixels) and the
DPI its file claims. Output: the page upright, perspective-corrected, at ``OCR_RENDER_DPI``
(RGB), with the ``PageGeometry`` that re-creates it from the same capture
(:func:`apply_geometry`; ``service.page_images`` does so for the review UI). Skew within a few
degrees is left to ``deskew`` in the reader.

Steps (each a small pure function):
1. ``find_paper`` — a photo's paper: the largest bright, unsaturated quadrilateral that leaves
   desk visible around it (``service.scan.paper``).
2. resolution — from the content, never from a page size or EXIF alone: a found paper is A4
   (its long side is 297 mm); without one, the claimed DPI is kept only when it makes the page
   a plausible paper size, otherwise the page is taken to be the A4 sheet it shows.
3. orientation 0/90/180/270 — text-line evidence: PP-OCR det on a reduced page says whether the
   lines run across or down the page; PP-OCR rec on a few line crops, read both ways, says which
   way is up: PP-OCR's 0/180 line classifier on both turns, and when that is unclear the
   recognition scores of both turns (upright Chinese reads well, upside down not). When the
   evidence is weak the page is marked ``orientation_sure=False`` and its cells get flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models.base import LineDetector, LineRecognizer, UprightClassifier
from service import settings
from service.model import Page, PageGeometry
from service.scan.paper import find_paper, warp_paper

A4_LONG_IN = 297 / 25.4
A4_SHORT_IN = 210 / 25.4


@dataclass(frozen=True)
class OrientationEvidence:
    """Which way is up: ``quarter_turns`` (counter-clockwise, as ``numpy.rot90``) that make the
    page upright, ``sure`` when the evidence is clear, and the figures it was decided on."""

    quarter_turns: int
    sure: bool
    across_share: float = 1.0   # share of detected line length running across the page
    score_up: float = 0.0       # mean "upright" score of the sampled lines, turned the chosen way
    score_down: float = 0.0     # … turned the other way (180° apart)
    lines: int = 0


def to_grey(image: np.ndarray) -> np.ndarray:
    """8-bit greyscale of an RGB or greyscale uint8 image."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def content_dpi(shape: tuple[int, ...], claimed_dpi: float) -> float:
    """The resolution of a page image that shows one whole sheet (no paper outline found).

    The claimed DPI stands when it makes the page's long side a plausible paper length
    (``GEOMETRY_PLAUSIBLE_LONG_SIDE_IN``); otherwise the image is taken to be an A4 sheet.
    """
    long_px = max(shape[0], shape[1])
    lo, hi = settings.GEOMETRY_PLAUSIBLE_LONG_SIDE_IN
    if claimed_dpi > 0 and lo <= long_px / claimed_dpi <= hi:
        return float(claimed_dpi)
    return long_px / A4_LONG_IN


def paper_size_px(quad: np.ndarray, dpi: float, claimed_dpi: float) -> tuple[int, int]:
    """(width, height) at ``dpi`` of the sheet whose corners are ``quad``.

    A sheet whose measured aspect is within ``GEOMETRY_A4_ASPECT_TOLERANCE`` of A4 is A4 in the
    quad's orientation (portrait when its left/right edges are the longer ones); another sheet
    (a cut page) keeps its measured shape at the capture's resolution (``content_dpi``).
    """
    tl, tr, br, bl = quad
    across = float(np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    down = float(np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    aspect = max(across, down) / max(1.0, min(across, down))
    if abs(aspect / (A4_LONG_IN / A4_SHORT_IN) - 1) <= settings.GEOMETRY_A4_ASPECT_TOLERANCE:
        long_px, short_px = round(A4_LONG_IN * dpi), round(A4_SHORT_IN * dpi)
        return (short_px, long_px) if down >= across else (long_px, short_px)
    scale = dpi / content_dpi((round(down), round(across)), claimed_dpi)
    return max(1, round(across * scale)), max(1, round(down * scale))


def _resample(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (image.shape[1], image.shape[0]) == size:
        return image
    shrink = size[0] < image.shape[1]
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def normalise_capture(image: np.ndarray, claimed_dpi: float) -> tuple[np.ndarray, PageGeometry]:
    """Paper found and warped (photos) or the page resampled: the page at ``OCR_RENDER_DPI``,
    not yet turned upright; the geometry so far (``quarter_turns`` 0)."""
    target = settings.OCR_RENDER_DPI
    quad = find_paper(image)
    if quad is not None:
        size = paper_size_px(quad, target, claimed_dpi)
        corners = tuple((float(x), float(y)) for x, y in quad)
        geometry = PageGeometry(paper=corners, size=size, dpi=_quad_dpi(quad, size, target))
        return warp_paper(image, quad, size), geometry
    dpi = content_dpi(image.shape, claimed_dpi)
    size = (max(1, round(image.shape[1] * target / dpi)), max(1, round(image.shape[0] * target / dpi)))
    return _resample(image, size), PageGeometry(size=size, dpi=round(dpi, 2))


def _quad_dpi(quad: np.ndarray, size: tuple[int, int], target: int) -> float:
    """The capture's resolution on the paper: its mean edge length over the A4 edge length."""
    tl, tr, br, bl = quad
    across = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    return round(float(across) * target / size[0], 2)


def apply_geometry(image: np.ndarray, geometry: PageGeometry) -> np.ndarray:
    """Re-create the upright page from the same capture (``SourceFile.render_native``)."""
    if geometry.paper is not None and geometry.size is not None:
        out = warp_paper(image, np.asarray(geometry.paper, dtype=np.float32), geometry.size)
    elif geometry.size is not None:
        out = _resample(image, geometry.size)
    else:
        out = image
    return np.ascontiguousarray(np.rot90(out, geometry.quarter_turns)) if geometry.quarter_turns else out


def ink_extent(small: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), pixels of ``small``: the box around its dark pixels (below
    ``GEOMETRY_ORIENT_INK_GREY``) widened by ``GEOMETRY_ORIENT_INK_PAD_PX``; the whole image
    when it has no such pixel (faint print is searched everywhere, as before).

    Text detection costs the image area: the white margins of a page need not be searched.
    """
    rows = np.flatnonzero((small < settings.GEOMETRY_ORIENT_INK_GREY).any(axis=1))
    if rows.size == 0:
        return 0, 0, small.shape[1], small.shape[0]
    cols = np.flatnonzero((small[rows[0]:rows[-1] + 1] < settings.GEOMETRY_ORIENT_INK_GREY).any(axis=0))
    pad, (h, w) = settings.GEOMETRY_ORIENT_INK_PAD_PX, small.shape
    return (max(0, int(cols[0]) - pad), max(0, int(rows[0]) - pad),
            min(w, int(cols[-1]) + 1 + pad), min(h, int(rows[-1]) + 1 + pad))


def _line_boxes(quads: list[np.ndarray], scale: float) -> tuple[list[np.ndarray], list[np.ndarray], float, float]:
    """(across boxes, down boxes, across length, down length) of detected lines, page pixels.

    A box is (x0, y0, x1, y1); a line runs across when its width is ``GEOMETRY_LINE_MIN_ELONGATION``
    times its height, down when the reverse holds; square boxes (one glyph) say nothing.
    """
    across, down = [], []
    k = settings.GEOMETRY_LINE_MIN_ELONGATION
    for q in quads:
        x0, y0 = q.min(axis=0) / scale
        x1, y1 = q.max(axis=0) / scale
        w, h = x1 - x0, y1 - y0
        if w >= k * h:
            across.append(np.array([x0, y0, x1, y1]))
        elif h >= k * w:
            down.append(np.array([x0, y0, x1, y1]))
    return across, down, float(sum(b[2] - b[0] for b in across)), float(sum(b[3] - b[1] for b in down))


def _sample_crops(grey: np.ndarray, boxes: list[np.ndarray], across: bool) -> list[np.ndarray]:
    """Crops of the longest lines, cut to ``GEOMETRY_ORIENT_CROP_MAX_RATIO`` × their thickness
    (their start; ten glyphs are plenty to tell up from down), in page orientation."""
    h, w = grey.shape
    length = (lambda b: b[2] - b[0]) if across else (lambda b: b[3] - b[1])
    picked = sorted(boxes, key=length, reverse=True)[: settings.GEOMETRY_ORIENT_LINES]
    pad = settings.GEOMETRY_ORIENT_CROP_PAD_PX
    crops = []
    for x0, y0, x1, y1 in picked:
        thick = (y1 - y0) if across else (x1 - x0)
        cut = settings.GEOMETRY_ORIENT_CROP_MAX_RATIO * thick
        if across:
            x1 = min(x1, x0 + cut)
        else:
            y1 = min(y1, y0 + cut)
        box = (max(0, int(x0) - pad), max(0, int(y0) - pad), min(w, int(x1) + pad), min(h, int(y1) + pad))
        crop = grey[box[1]:box[3], box[0]:box[2]]
        if crop.size and min(crop.shape) >= 4:
            crops.append(crop)
    return crops


def _turned(crops: list[np.ndarray], turns: int) -> list[np.ndarray]:
    return [np.ascontiguousarray(np.rot90(c, turns)) for c in crops]


def _decide(first: np.ndarray, second: np.ndarray, margin: float) -> tuple[bool, bool]:
    """(first way wins, sure) from per-line scores of two readings (higher = more upright)."""
    wins = float(first.mean()) >= float(second.mean())
    up, down = (first, second) if wins else (second, first)
    sure = (len(up) >= settings.GEOMETRY_ORIENT_MIN_LINES
            and float(up.mean() - down.mean()) >= margin
            and float(np.mean(up > down)) >= settings.GEOMETRY_ORIENT_MIN_VOTES)
    return wins, sure


def detect_orientation(grey: np.ndarray, detector: LineDetector, classifier: UprightClassifier,
                       recognizer: LineRecognizer) -> OrientationEvidence:
    """Quarter turns that make ``grey`` (a page at the OCR DPI) upright, with how sure that is.

    Up or down is first asked of the line classifier (cheap); only when it is not clear are
    the lines read both ways and the recognition scores compared. Sure needs a clear axis too.
    """
    scale = settings.GEOMETRY_ORIENT_DET_SCALE
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    x0, y0, x1, y1 = ink_extent(small)
    quads = [q + (x0, y0) for q in detector.detect(small[y0:y1, x0:x1])]
    across_boxes, down_boxes, across_len, down_len = _line_boxes(quads, scale)
    total = across_len + down_len
    if total == 0:
        return OrientationEvidence(0, True, lines=0)  # no text at all: nothing can be misread
    across = across_len >= down_len
    share = across_len / total
    axis_sure = max(share, 1 - share) >= settings.GEOMETRY_ORIENT_MIN_AXIS_SHARE
    candidates = (0, 2) if across else (1, 3)
    crops = _sample_crops(grey, across_boxes if across else down_boxes, across)
    if not crops:
        return OrientationEvidence(candidates[0], False, share, lines=0)
    first, second = _turned(crops, candidates[0]), _turned(crops, candidates[1])
    p = np.array(classifier.upside_down(first + second))
    up_first, up_second = 1 - p[: len(crops)], 1 - p[len(crops):]
    wins, sure = _decide(up_first, up_second, settings.GEOMETRY_ORIENT_CLS_MIN_MARGIN)
    if not sure:
        cut = settings.GEOMETRY_ORIENT_REC_LINES
        readings = recognizer.recognize(first[:cut] + second[:cut])
        n = len(first[:cut])
        rec_first = np.array([r.score for r in readings[:n]])
        rec_second = np.array([r.score for r in readings[n:]])
        wins, sure = _decide(rec_first, rec_second, settings.GEOMETRY_ORIENT_REC_MIN_MARGIN)
        up_first, up_second = rec_first, rec_second
    up, down = (up_first, up_second) if wins else (up_second, up_first)
    return OrientationEvidence(candidates[0] if wins else candidates[1], sure and axis_sure, share,
                               float(up.mean()), float(down.mean()), len(crops))


Upright = tuple[np.ndarray, PageGeometry, "OrientationEvidence"]


def make_upright(image: np.ndarray, claimed_dpi: float, detector: LineDetector,
                 classifier: UprightClassifier, recognizer: LineRecognizer) -> Upright:
    """The page upright at ``OCR_RENDER_DPI`` (same channels as ``image``), its geometry, and the
    orientation evidence (for notes and tests)."""
    page, geometry = normalise_capture(image, claimed_dpi)
    evidence = detect_orientation(to_grey(page), detector, classifier, recognizer)
    geometry = geometry.model_copy(update={"quarter_turns": evidence.quarter_turns,
                                           "orientation_sure": evidence.sure})
    if evidence.quarter_turns:
        page = np.ascontiguousarray(np.rot90(page, evidence.quarter_turns))
    return page, geometry, evidence


def make_upright_default(image: np.ndarray, claimed_dpi: float) -> Upright:
    """:func:`make_upright` with the process-wide rapidocr engine (det, 0/180 classifier, rec)."""
    from models.rapid_ocr import get_rapid_engine

    engine = get_rapid_engine()
    return make_upright(image, claimed_dpi, engine, engine, engine)


def with_geometry(page: Page, geometry: PageGeometry, evidence: OrientationEvidence) -> Page:
    """The read page with its geometry; when the orientation is not sure, every token's
    confidence is capped at ``GEOMETRY_UNSURE_CONFIDENCE`` (its cells get flagged) and a note says why."""
    update: dict[str, object] = {"geometry": geometry}
    if not geometry.orientation_sure:
        cap = settings.GEOMETRY_UNSURE_CONFIDENCE
        update["tokens"] = tuple(t.model_copy(update={"confidence": min(t.confidence, cap)}) for t in page.tokens)
        why = (f"orientation not sure (turned {90 * geometry.quarter_turns}°, {evidence.lines} lines, "
               f"up {evidence.score_up:.2f} vs {evidence.score_down:.2f}, across {evidence.across_share:.2f})")
        update["note"] = "; ".join(n for n in (page.note, why) if n)
    elif geometry.quarter_turns:
        update["note"] = "; ".join(n for n in (page.note, f"turned {90 * geometry.quarter_turns}° to read") if n)
    return page.model_copy(update=update)
