"""The digit engine's retries on 1-bit crops (``cell_reading.second_opinions``, ``cell_reading._for_tesseract``).

Generated crops only: a 1-bit "0" whose thin top and bottom strokes were lost (as a 150 dpi
binarised scan of a light font leaves it) and a scripted digit reader that records what it saw.
"""

from __future__ import annotations

import cv2
import numpy as np

from models.base import Reading
from service import settings
from service.scan.cell_reading import _for_tesseract, second_opinions


def broken_zero(gap_px: int = 3) -> np.ndarray:
    """A line crop (paper 255, padded like ``cells._crop``) holding a 0 whose top and bottom
    strokes are cut by ``gap_px``-wide white slits: two brackets, "()"."""
    glyph = np.full((30, 22), 255, np.uint8)
    cv2.ellipse(glyph, (11, 15), (8, 13), 0, 0, 360, 0, 3)
    x0 = 11 - gap_px // 2
    glyph[:6, x0:x0 + gap_px] = 255
    glyph[24:, x0:x0 + gap_px] = 255
    p = settings.SCAN_CROP_PAD_PX
    return cv2.copyMakeBorder(glyph, p, p, p, p, cv2.BORDER_CONSTANT, value=255)


def _components(bw: np.ndarray) -> int:
    n, _ = cv2.connectedComponents((bw < 128).astype(np.uint8), connectivity=8)
    return n - 1


def test_closing_joins_the_brackets_of_a_broken_zero() -> None:
    crop = broken_zero()
    plain = _for_tesseract(crop)
    closed = _for_tesseract(crop, settings.SCAN_TESS_CLOSE_BLUR_PX, close_px=settings.SCAN_TESS_CLOSE_PX)
    smoothed = _for_tesseract(crop, settings.SCAN_TESS_RETRY_BLUR_PX)
    assert _components(plain) == 2 and _components(smoothed) == 2  # "()": tesseract reads nothing
    assert _components(closed) == 1         # one ring again
    assert closed.dtype == np.uint8 and set(np.unique(closed)) <= {0, 255}


class Scripted:
    """A digit reader answering each call (first read, smoothed, larger and closed retries) from a list."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[int] = []

    def read_digits(self, crops: list[np.ndarray]) -> list[Reading]:
        texts = self.answers.pop(0)
        assert len(texts) == len(crops)
        self.calls.append(len(crops))
        return [Reading(t, 0.9) for t in texts]


def test_closed_retry_only_for_zeros_still_differing_and_kept_only_on_exact_agreement() -> None:
    crops = [broken_zero() for _ in range(5)]
    rapid = ["0", "0", "12", "7", "00"]
    reader = Scripted(["0", "", "", "9", ""],   # first read: cell 0 agrees
                      ["", "4", "", ""],        # smoothed retry of cells 1–4: nothing agrees
                      ["", "", "9", ""],        # larger-glyph retry of cells 1–4: nothing agrees
                      ["0", "01"])              # closed retry of the zeros still differing (1, 4)
    assert second_opinions(reader, crops, rapid) == ["0", "0", "4", "9", ""]
    assert reader.calls == [5, 4, 4, 2]
    # cell 1: closed read agrees → kept; cell 2: no closing for a 12 (it melts strokes): the
    # earlier reading stays ("4", taken because the first read nothing); cell 3: still the
    # first, disagreeing "9"; cell 4: closed "01" ≠ "00" → nothing read


def test_a_retry_does_not_overturn_a_number_read_plainly_unless_the_first_engine_read_zeros() -> None:
    """A faxed 7 (short bar): the first engine reads "1", tesseract's plain look "7", smoothed
    "1". That agreement would be made, not found: the "7" stands. A hollow 0 read "9" and, smoothed,
    "0" is the staircase misread the retries are for."""
    reader = Scripted(["7", "9", ""], ["1", "0", "5"], ["1"])  # no closing: no zeros left to read
    assert second_opinions(reader, [broken_zero()] * 3, ["1", "0", "5"]) == ["7", "0", "5"]
    assert reader.calls == [3, 3, 1]


def test_no_closed_retry_when_the_smoothed_one_agrees() -> None:
    reader = Scripted([""], ["0"])
    assert second_opinions(reader, [broken_zero()], ["0"]) == ["0"]
    assert reader.calls == [1, 1]
