"""A fold crease inside a tall cell, under its number (``cells.loose_lines``, ``cell_crops``).

Generated page pieces only: paper 255, a printed "0", and a thin dark line across the cell that
no line finder reported (not in the rulings nor in the rejected lines).
"""

from __future__ import annotations

import cv2
import numpy as np

from service import settings
from service.scan.cells import cell_crops, loose_lines
from service.scan.creases import heal_cut_strokes

W, H = 110, 210  # a tall three-line cell, pixels at OCR_RENDER_DPI
BOX = (0, 0, W, H)


def _cell(zero: bool = True, crease_y: int | None = 180, crease_x: tuple[int, int] = (4, 106)) -> tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """(grey page piece, its ink mask, an empty rulings mask)."""
    grey = np.full((H, W), 255, np.uint8)
    if zero:
        cv2.ellipse(grey, (55, 30), (8, 13), 0, 0, 360, 0, 3)
    if crease_y is not None:
        cv2.line(grey, (crease_x[0], crease_y), (crease_x[1], crease_y + 2), 90, 2)
    ink = np.where(grey < 160, 255, 0).astype(np.uint8)
    return grey, ink, np.zeros_like(ink)


def test_loose_line_found_and_digit_kept() -> None:
    _, ink, _ = _cell()
    lines = loose_lines(ink)
    assert lines[150:, :].any() and not lines[:60, :].any()


def test_crease_under_the_number_stays_out_of_its_crop() -> None:
    grey, ink, rulings = _cell()
    crops = cell_crops(grey, ink, rulings, BOX, denoise=False)
    assert crops is not None and len(crops.lines) == 1
    glyph_h = crops.whole.shape[0] - 2 * settings.SCAN_CROP_PAD_PX
    assert glyph_h < 60  # the 0 alone, not the 0 and the crease 150 px below it
    assert crops.doubt == ""


def test_crease_alone_is_no_text_and_short_strokes_stay() -> None:
    grey, ink, rulings = _cell(zero=False)
    assert cell_crops(grey, ink, rulings, BOX, denoise=False) is None
    # a minus-sized stroke is text, not a crease
    grey, ink, rulings = _cell(zero=False, crease_x=(45, 65))
    assert not loose_lines(ink).any()
    assert cell_crops(grey, ink, rulings, BOX, denoise=False) is not None


def test_crease_touching_the_digit_is_left_to_the_reading() -> None:
    """One component with the digit: not removed here (the reading or the doubt decides)."""
    grey, ink, _ = _cell(crease_y=36)
    assert not loose_lines(ink).any()


def test_a_tall_thin_one_in_a_low_cell_is_text() -> None:
    """A "1" 34 px tall in a cell 50 px high spans most of its height, yet is no line."""
    grey = np.full((50, 110), 255, np.uint8)
    cv2.line(grey, (55, 8), (55, 42), 0, 3)
    ink = np.where(grey < 160, 255, 0).astype(np.uint8)
    assert not loose_lines(ink).any()
    crops = cell_crops(grey, ink, np.zeros_like(ink), (0, 0, 110, 50), denoise=False)
    assert crops is not None


def test_a_faint_line_alone_is_no_text() -> None:
    """A pale crease (below the ink threshold, above the faint one) alone in a cell: blank."""
    grey = np.full((H, W), 255, np.uint8)
    cv2.line(grey, (4, 120), (106, 122), 175, 2)
    ink = np.where(grey < 160, 255, 0).astype(np.uint8)
    assert cell_crops(grey, ink, np.zeros_like(ink), BOX, denoise=False) is None


def test_upright_strokes_are_never_lines() -> None:
    """Only horizontal lines are taken out: a long thin upright stroke stays ink."""
    grey = np.full((H, W), 255, np.uint8)
    cv2.line(grey, (55, 10), (56, 200), 0, 2)
    ink = np.where(grey < 160, 255, 0).astype(np.uint8)
    assert not loose_lines(ink).any()


def test_a_removed_crease_through_a_digit_is_healed() -> None:
    """A dark crease across the top of a 0, found and rejected as no ruling: the 0 is read whole
    (its strokes joined across the cut), and the crop stays in doubt."""
    grey = np.full((H, W), 255, np.uint8)
    cv2.ellipse(grey, (55, 60), (8, 13), 0, 0, 360, 0, 3)
    grey[50:53, :] = 80  # the crease over the 0's upper part, across the whole cell
    ink = np.where(grey < 160, 255, 0).astype(np.uint8)
    rejected = np.zeros_like(ink)
    rejected[50:53, :] = 255
    healed, joined = heal_cut_strokes(grey, ink, rejected)
    assert joined[50:53, 45:50].any() and joined[50:53, 60:66].any()  # both sides of the 0 joined
    assert not joined[50:53, :40].any() and (healed[50:53, :40] > 200).all()  # paper stays paper
    crops = cell_crops(grey, ink, np.zeros_like(ink), BOX, denoise=False, rejected=rejected)
    assert crops is not None and crops.doubt
    whole = crops.whole
    n, _ = cv2.connectedComponents((whole < 128).astype(np.uint8), connectivity=8)
    assert n - 1 == 1  # one ring, not a cap over a "U"


def test_a_wide_removed_band_is_paper() -> None:
    """A run longer than SCAN_CREASE_MAX_GAP_PX is not healed: it becomes paper, as before."""
    grey = np.full((40, 40), 255, np.uint8)
    grey[10:30, 18:22] = 0
    ink = np.where(grey < 160, 255, 0).astype(np.uint8)
    cut = np.zeros_like(ink)
    cut[12:12 + settings.SCAN_CREASE_MAX_GAP_PX + 2, :] = 255
    healed, joined = heal_cut_strokes(grey, ink, cut)
    assert not joined.any() and (healed[cut > 0] == 255).all()
