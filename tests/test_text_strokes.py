"""A line rejected as no table ruling that lies inside the text's own box ("12322": the digits'
bottom strokes on a 1-bit scan form a short horizontal run) is the text's stroke: it stays ink
and puts the cell in no doubt; a streak that crosses the cell still does (issue 7)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from service.scan.cells import cell_crops, lines_beyond_text
from service.scan.deskew import binarise, normalise_lighting


def _cell() -> tuple[np.ndarray, np.ndarray, tuple[int, int, int, int], tuple[int, int, int, int]]:
    """(normalised page, ink, cell box, text box) of one ruled cell holding 12322."""
    from tests.test_scan import _font

    img = Image.new("L", (400, 120), 250)
    d = ImageDraw.Draw(img)
    d.rectangle((20, 20, 380, 100), outline=15, width=3)
    d.text((150, 45), "12322", fill=20, font=_font(28))
    tx0, ty0, tx1, ty1 = (int(v) for v in d.textbbox((150, 45), "12322", font=_font(28)))
    norm = normalise_lighting(np.asarray(img))
    return norm, binarise(norm), (20, 20, 381, 101), (tx0, ty0, tx1, ty1)


def _rulings(ink: np.ndarray) -> np.ndarray:
    lines = np.zeros_like(ink)
    lines[18:24, :] = lines[97:104, :] = lines[:, 18:24] = lines[:, 377:384] = 255
    return np.where(ink > 0, lines, 0).astype(np.uint8)


def _bottom_run(ink: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The text's lowest ink row as a 'rejected line' (what lines.py finds on 1-bit digits)."""
    x0, y0, x1, y1 = box
    rows = np.flatnonzero(ink[y0:y1 + 3, x0:x1 + 1].any(axis=1))
    y = y0 + int(rows[-1])
    rej = np.zeros_like(ink)
    rej[y, x0:x1 + 1] = ink[y, x0:x1 + 1]
    return rej


def test_the_digits_own_bottom_strokes_are_no_crossing_line() -> None:
    norm, ink, box, text = _cell()
    rej = _bottom_run(ink, text)
    assert rej.any()
    crops = cell_crops(norm, ink, _rulings(ink), box, denoise=False, rejected=rej)
    assert crops is not None and crops.doubt == ""
    cell = (slice(box[1] + 3, box[3] - 3), slice(box[0] + 3, box[2] - 3))
    assert not lines_beyond_text(rej[cell], ink[cell]).any()


def test_a_streak_across_the_cell_still_puts_it_in_doubt() -> None:
    norm, ink, box, text = _cell()
    rej = np.zeros_like(ink)
    y = (text[1] + text[3]) // 2
    rej[y:y + 2, 24:377] = 255  # a crease through the digits from one ruling to the other
    crops = cell_crops(norm, np.maximum(ink, rej), _rulings(ink), box, denoise=False, rejected=rej)
    assert crops is not None and crops.doubt
    both = _bottom_run(ink, text) | rej
    cell = (slice(box[1] + 3, box[3] - 3), slice(box[0] + 3, box[2] - 3))
    kept = lines_beyond_text(both[cell], np.maximum(ink, rej)[cell])
    assert np.array_equal(kept, rej[cell])  # the streak stays a line, the digits' strokes do not
