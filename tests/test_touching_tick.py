"""A black ballpoint tick drawn touching the last digit ("0√") is cut off where the pen stroke
meets the digit (issue 7); digits alone, and digits whose own strokes end in a thin diagonal
(7, 2, 4), are never cut."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from service.scan.cells import clean_cell_ink
from service.scan.deskew import binarise, normalise_lighting
from service.scan.ticks import drop_tick


def _inked(text: str, tick: str = "", clip_top: bool = False) -> np.ndarray:
    """Ink mask of one cell: ``text`` (30 px font) and a tick drawn as seal.py draws them
    (``"touching"``: its left end on the last digit's right side; ``"apart"``: 7 px away);
    ``clip_top``: the cell's edge cuts the tick's top at the digits' top."""
    from tests.test_scan import _font

    img = Image.new("L", (220, 80), 250)
    d = ImageDraw.Draw(img)
    d.text((20, 20), text, fill=20, font=_font(30))
    glyphs = np.asarray(img) < 128
    rows, cols = np.flatnonzero(glyphs.any(axis=1)), np.flatnonzero(glyphs.any(axis=0))
    size, mid, right = 1.1 * (rows[-1] - rows[0] + 1), (rows[0] + rows[-1]) / 2, int(cols[-1])
    if tick:
        edge = np.flatnonzero(glyphs[:, right - 1])  # the last digit's right side
        y = float(edge.mean()) if tick == "touching" else mid
        x = right - 1 if tick == "touching" else right + 7
        d.line([(x, y), (x + size * 0.35, y + size * 0.45), (x + size * 0.95, y - size * 0.55)],
               fill=30, width=3, joint="curve")
    if clip_top:
        d.rectangle((0, 0, 219, int(rows[0]) - 1), fill=250)
    return binarise(normalise_lighting(np.asarray(img)))


@pytest.mark.parametrize("clip_top", [False, True])
@pytest.mark.parametrize("text", ["0", "18", "2411", "3.5", "10", "26"])
def test_a_tick_touching_the_last_digit_is_cut_off(text: str, clip_top: bool) -> None:
    plain = clean_cell_ink(_inked(text, clip_top=clip_top))
    ticked = clean_cell_ink(_inked(text, "touching", clip_top))
    n_plain = int(np.count_nonzero(plain))
    assert int(np.count_nonzero(ticked)) > n_plain + 40   # the tick is really there …
    assert cv2.connectedComponents(ticked)[0] == cv2.connectedComponents(plain)[0]  # … and touches
    kept = drop_tick(ticked)
    assert abs(int(np.count_nonzero(kept)) - n_plain) < 0.1 * n_plain
    assert np.count_nonzero(kept & ~plain) < 15  # nothing of the tick is left


@pytest.mark.parametrize("text", ["0", "7", "2", "4", "17", "72", "47", "1", "11", "77", "100", "2411", "3.5"])
def test_digits_alone_are_never_cut(text: str) -> None:
    plain = clean_cell_ink(_inked(text))
    assert np.array_equal(drop_tick(plain), plain)


def test_a_square_mark_before_a_stroke_is_not_a_digit_with_a_tick() -> None:
    """Square glyphs (Chinese labels, boxes) keep their strokes: only digits carry ticks."""
    img = Image.new("L", (220, 80), 250)
    d = ImageDraw.Draw(img)
    d.rectangle((20, 20, 46, 46), outline=20, width=3)
    d.line([(45, 33), (55, 45), (75, 12)], fill=30, width=3, joint="curve")
    ink = clean_cell_ink(binarise(normalise_lighting(np.asarray(img))))
    assert np.array_equal(drop_tick(ink), ink)


def test_a_tick_apart_from_the_digits_is_still_dropped() -> None:
    plain = clean_cell_ink(_inked("0"))
    kept = drop_tick(clean_cell_ink(_inked("0", "apart")))
    assert abs(int(np.count_nonzero(kept)) - int(np.count_nonzero(plain))) < 15
