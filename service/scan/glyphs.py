"""Reading a lone digit by its likeness to the digits the same page printed and both engines read.

On a 1-bit fax at 100 dpi a 0 is ~13 px tall and often loses its thin top and bottom: the text
recogniser reads "D", "()", "a", the digit engine nothing. The page's other cells, printed in the
same type and faxed through the same line, are the best reference there is: every cell both
engines read alike as one digit is an exemplar of that digit (``glyph_exemplars``), and a cell
nobody could read is the digit whose exemplars it resembles most, clearly more than any other
digit's (``likely_digit``).

Crops are the cells' whole-ink crops (greyscale, paper ≈ 255; any scale: every glyph is reduced
to a ``LIKENESS_GLYPH_PX`` square). Only single glyphs are compared: ink no wider than
``LIKENESS_MAX_ASPECT`` × its height.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from service import settings


@dataclass(frozen=True)
class Likeness:
    """The digit a glyph resembles most, its distance (1 − correlation of the blurred glyph
    images: 0 = identical, 1 = unrelated, up to 2) and the distance of the nearest other digit
    (``inf`` when the page has no exemplar of any other)."""

    digit: str
    distance: float
    runner_up: float

    @property
    def clear(self) -> bool:
        """Close to its digit and clearly closer than to any other (``LIKENESS_MAX_DISTANCE``,
        ``LIKENESS_MIN_MARGIN``)."""
        return (self.distance <= settings.LIKENESS_MAX_DISTANCE
                and self.runner_up - self.distance >= settings.LIKENESS_MIN_MARGIN)

    @property
    def clear_under_lines(self) -> bool:
        """As ``clear``, for a glyph partly hidden under a line (``likeness_under_lines``): its
        visible part tells digits apart less (a 3 is an 8 whose left side is hidden), the margin
        asked is ``LIKENESS_UNDER_LINES_MIN_MARGIN``."""
        return (self.distance <= settings.LIKENESS_MAX_DISTANCE
                and self.runner_up - self.distance >= settings.LIKENESS_UNDER_LINES_MIN_MARGIN)


def glyph_vector(crop: np.ndarray) -> np.ndarray | None:
    """The crop's ink as a zero-mean unit vector: trimmed to the ink, scaled so its height is
    ``LIKENESS_GLYPH_PX`` (width in proportion, centred on a square canvas: a 1 stays narrow),
    blurred (``LIKENESS_BLUR_PX``: a lost stroke row costs little). ``None`` when the crop holds
    no ink or more than one glyph's width of it."""
    ink = crop_to_ink(crop)
    if ink is None:
        return None
    h, w = ink.shape
    if w > settings.LIKENESS_MAX_ASPECT * h:
        return None
    g = settings.LIKENESS_GLYPH_PX
    width = max(1, round(w * g / h))
    glyph = cv2.resize(ink.astype(np.float32), (width, g), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((g, g), np.float32)
    x0 = (g - width) // 2
    canvas[:, x0:x0 + width] = glyph
    canvas = cv2.GaussianBlur(canvas, (0, 0), settings.LIKENESS_BLUR_PX).ravel()
    canvas -= canvas.mean()  # zero mean: paper where the other glyph has ink counts against it
    norm = float(np.linalg.norm(canvas))
    return canvas / norm if norm > 0 else None


def crop_to_ink(crop: np.ndarray) -> np.ndarray | None:
    """The crop's ink (Otsu, 1.0 = ink) trimmed to its bounding box; ``None`` without ink."""
    if crop.size == 0 or int(crop.min()) == int(crop.max()):
        return None
    _, bw = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ys, xs = np.nonzero(bw)
    if not ys.size:
        return None
    return bw[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def glyph_exemplars(samples: Iterable[tuple[np.ndarray, str]]) -> dict[str, np.ndarray]:
    """Digit → its exemplars' vectors (rows), from (crop, digit) pairs of lone digits both engines
    read alike; crops that are no single glyph are left out."""
    found: dict[str, list[np.ndarray]] = {}
    for crop, digit in samples:
        vector = glyph_vector(crop)
        if vector is not None:
            found.setdefault(digit, []).append(vector)
    return {d: np.stack(vs) for d, vs in found.items()}


def likeness(crop: np.ndarray, exemplars: dict[str, np.ndarray]) -> Likeness | None:
    """The digit ``crop`` resembles most among ``exemplars`` (``None``: no single glyph, or no
    digit with at least ``LIKENESS_MIN_EXEMPLARS`` exemplars)."""
    vector = glyph_vector(crop)
    if vector is None:
        return None
    distances = {d: 1.0 - float((vs @ vector).max()) for d, vs in exemplars.items()}
    return _nearest(distances, {d: len(vs) for d, vs in exemplars.items()})


def _nearest(distances: dict[str, float], counts: dict[str, int]) -> Likeness | None:
    """The nearest digit among those with ``LIKENESS_MIN_EXEMPLARS`` exemplars (``counts``), and
    the distance of the nearest other digit; ``None`` when no digit has enough."""
    known = [d for d, n in counts.items() if n >= settings.LIKENESS_MIN_EXEMPLARS]
    if not known:
        return None
    best = min(known, key=distances.__getitem__)
    runner_up = min((v for d, v in distances.items() if d != best), default=float("inf"))
    return Likeness(best, distances[best], runner_up)


def likely_digit(crop: np.ndarray, exemplars: dict[str, np.ndarray]) -> str | None:
    """The digit ``crop`` clearly resembles (``Likeness.clear``), or ``None``."""
    found = likeness(crop, exemplars)
    return found.digit if found is not None and found.clear else None


# --- under a line: the glyph's visible part compared where the line hides nothing -----------------
def ink_exemplars(samples: Iterable[tuple[np.ndarray, str]]) -> dict[str, list[np.ndarray]]:
    """Digit → its exemplars as ink masks trimmed to the ink (bool, page scale), from (cell ink
    mask, digit) pairs; at most ``LIKENESS_MAX_INK_EXEMPLARS`` per digit."""
    found: dict[str, list[np.ndarray]] = {}
    for ink, digit in samples:
        ys, xs = np.nonzero(ink)
        kept = found.setdefault(digit, [])
        if ys.size and len(kept) < settings.LIKENESS_MAX_INK_EXEMPLARS:
            kept.append(ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1] > 0)
    return found


def likeness_under_lines(ink: np.ndarray, hidden: np.ndarray,
                         exemplars: dict[str, list[np.ndarray]]) -> Likeness | None:
    """The digit whose exemplars best match the visible part of a cell's ink (``ink``, cell mask,
    255 = ink) where a non-table line may hide strokes (``hidden``, same frame, 255 = hidden).

    Each exemplar slides over the cell at the page's scale (same type, no resizing) in every
    position where its box holds all the visible ink (``LIKENESS_SLACK_PX``) and the lines hide
    at most ``LIKENESS_MAX_HIDDEN`` of its ink; it is scored by the correlation of the blurred
    images over the pixels the lines leave seen (``_masked_correlations``). ``None``: too little
    visible ink, or no digit with ``LIKENESS_MIN_EXEMPLARS`` exemplars."""
    if not any(len(v) >= settings.LIKENESS_MIN_EXEMPLARS for v in exemplars.values()):
        return None
    height = float(np.median([e.shape[0] for v in exemplars.values() for e in v]))
    sigma = settings.LIKENESS_BLUR_PX * height / settings.LIKENESS_GLYPH_PX
    margin = int(np.ceil(settings.LIKENESS_UNSEEN_MARGIN_SIGMAS * sigma))
    unseen = cv2.dilate(hidden, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)) > 0
    visible = (ink > 0) & ~unseen
    ys, xs = np.nonzero(visible)
    if ys.size < settings.LIKENESS_MIN_VISIBLE_PX:
        return None
    pad = int(height)
    box = (int(xs.min()) + pad, int(ys.min()) + pad, int(xs.max()) + 1 + pad, int(ys.max()) + 1 + pad)
    seen = np.pad(~unseen, pad, constant_values=True).astype(np.float32)
    shown = cv2.GaussianBlur(np.pad(visible, pad).astype(np.float32), (0, 0), sigma) * seen
    distances = {d: 1.0 - max((_best_placement(e, shown, seen, box, sigma) for e in v), default=-1.0)
                 for d, v in exemplars.items()}
    return _nearest(distances, {d: len(v) for d, v in exemplars.items()})


def _best_placement(exemplar: np.ndarray, shown: np.ndarray, seen: np.ndarray, box: tuple[int, int, int, int],
                    sigma: float) -> float:
    """The highest masked correlation of ``exemplar`` (bool, trimmed) over the placements where
    its box holds the visible ink's ``box`` (x0, y0, x1, y1 of the padded frame) within the slack
    and the unseen pixels hide at most ``LIKENESS_MAX_HIDDEN`` of its ink; -1.0 where none does."""
    h, w = exemplar.shape
    slack = settings.LIKENESS_SLACK_PX
    x_lo, x_hi = box[2] - w - slack, box[0] + slack   # exemplar's left edge range
    y_lo, y_hi = box[3] - h - slack, box[1] + slack
    x_lo, y_lo = max(x_lo, 0), max(y_lo, 0)
    x_hi, y_hi = min(x_hi, shown.shape[1] - w), min(y_hi, shown.shape[0] - h)
    if x_lo > x_hi or y_lo > y_hi:
        return -1.0
    window = (slice(y_lo, y_hi + h), slice(x_lo, x_hi + w))
    if not seen[window].any():  # the lines hide the whole window: the ink seen lies beyond it
        return -1.0
    corr = _masked_correlations(exemplar, shown[window], seen[window], sigma)
    ink = exemplar.astype(np.float32)
    hidden_share = cv2.matchTemplate(1.0 - seen[window], ink, cv2.TM_CCORR) / max(float(ink.sum()), 1.0)
    corr[hidden_share > settings.LIKENESS_MAX_HIDDEN] = -1.0
    return float(corr.max())


def _masked_correlations(exemplar: np.ndarray, shown: np.ndarray, seen: np.ndarray, sigma: float) -> np.ndarray:
    """Per placement of ``exemplar`` in the window, the correlation (Pearson, over the ``seen``
    pixels of the whole window) of the blurred exemplar with ``shown`` (the blurred visible ink,
    0 where unseen). Sums over the window come from cross-correlations with the template, which is
    0 outside its box."""
    m = int(np.ceil(3 * sigma))
    template = cv2.GaussianBlur(np.pad(exemplar, m).astype(np.float32), (0, 0), sigma)
    big_shown, big_seen = np.pad(shown, m), np.pad(seen, m)
    n = float(seen.sum())
    sum_c, sum_cc = float(shown.sum()), float((shown * shown).sum())
    sum_cb = cv2.matchTemplate(big_shown, template, cv2.TM_CCORR)
    sum_b = cv2.matchTemplate(big_seen, template, cv2.TM_CCORR)
    sum_bb = cv2.matchTemplate(big_seen, template * template, cv2.TM_CCORR)
    var_c = sum_cc - sum_c * sum_c / n
    var_b = np.maximum(sum_bb - sum_b * sum_b / n, 1e-9)
    return (sum_cb - sum_c * sum_b / n) / np.sqrt(max(var_c, 1e-9) * var_b)
