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
    known = [d for d, vs in exemplars.items() if len(vs) >= settings.LIKENESS_MIN_EXEMPLARS]
    if not known:
        return None
    best = min(known, key=distances.__getitem__)
    runner_up = min((v for d, v in distances.items() if d != best), default=float("inf"))
    return Likeness(best, distances[best], runner_up)


def likely_digit(crop: np.ndarray, exemplars: dict[str, np.ndarray]) -> str | None:
    """The digit ``crop`` clearly resembles (``Likeness.clear``), or ``None``."""
    found = likeness(crop, exemplars)
    return found.digit if found is not None and found.clear else None
