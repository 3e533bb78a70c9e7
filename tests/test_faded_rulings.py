"""A ruling that faded out over a few cells (a 1-px ruling of a 98-dpi fax lost in the
threshold) is restored from its pieces on both sides when two rows of text show it divided
cells; a break that a glyph crosses (the text of a merged cell) stays open."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from service.scan.deskew import binarise, normalise_lighting
from service.scan.lines import find_grid
from tests.test_scan import COLS, ROW_H, X0, Y0, _cell_rects, _font, _page

XS = np.cumsum((X0, *COLS)).tolist()
FADED_Y = Y0 + 2 * ROW_H  # the ruling between the rows "New" and "Carried"


def _faded(extra_text: str | None = None) -> np.ndarray:
    """The straight test page with that ruling erased over the number columns 1 and 2 (its
    pieces in the label column and in column 3 stay); ``extra_text`` is drawn across the gap."""
    img = Image.fromarray(_page(skew=0.0))
    d = ImageDraw.Draw(img)
    d.rectangle((XS[1] + 3, FADED_Y - 3, XS[3] - 3, FADED_Y + 3), fill=250)
    if extra_text:
        d.text((XS[1] + 60, FADED_Y - 20), extra_text, fill=20, font=_font(40))
    return np.asarray(img).copy()


def _cells(grey: np.ndarray) -> set[tuple[int, int, int, int]]:
    return set(find_grid(binarise(normalise_lighting(grey))).cells)


def _near(cell: tuple[int, ...], rect: tuple[int, ...]) -> bool:
    return all(abs(a - b) <= 6 for a, b in zip(cell, rect, strict=True))


def test_a_ruling_faded_over_two_cells_is_restored() -> None:
    cells = _cells(_faded())
    rects = [r[:4] for r in _cell_rects()]
    assert len(cells) == len(rects)
    assert all(any(_near(c, r) for c in cells) for r in rects)


def test_a_break_crossed_by_a_glyph_stays_open() -> None:
    cells = _cells(_faded(extra_text="8"))
    merged = (XS[1], Y0 + ROW_H, XS[2], Y0 + 3 * ROW_H)  # column 1 over both rows
    assert any(_near(c, merged) for c in cells)


def test_a_streak_through_a_digit_hides_no_stroke_but_one_beside_a_sliver_may() -> None:
    """A sensor streak through the middle of a 0 touches it only where it crosses the 0's top
    and bottom; one with a pixel-wide sliver beside it along the text's height (what is left of
    a "1" it covered) may hide a stroke: its doubt stays."""
    import cv2

    from service.scan.rejected_lines import hides_no_stroke

    ink = np.zeros((60, 60), np.uint8)
    cv2.ellipse(ink, (30, 30), (9, 14), 0, 0, 360, 255, 3)  # a 0, strokes 3 px
    streak = np.zeros_like(ink)
    streak[:, 29:31] = 255
    cut = cv2.bitwise_and(ink, cv2.bitwise_not(streak))
    assert hides_no_stroke(streak, cut)
    sliver = cut.copy()
    sliver[17:44, 31] = 255  # a "1" under the streak, one pixel of it left
    assert not hides_no_stroke(streak, sliver)
    crossing = streak.copy()
    crossing[29:31, :] = 255  # two lines: not judged
    assert not hides_no_stroke(crossing, cut)


def test_a_ruling_faded_inside_one_cell_or_from_an_inner_corner_is_restored() -> None:
    """A stretch lost in mid-cell (no crossing ruling meets it), and a ruling lost from an inner
    corner on (the vertical above ends where the piece ends: an L inside the table)."""
    mid = Y0 + 3 * ROW_H  # between "Carried" and "Fees"
    img = Image.fromarray(_page(skew=0.0))
    d = ImageDraw.Draw(img)
    d.rectangle((XS[1] + 40, mid - 3, XS[2] - 40, mid + 3), fill=250)
    rects = [r[:4] for r in _cell_rects()]
    cells = _cells(np.asarray(img).copy())
    assert len(cells) == len(rects) and all(any(_near(c, r) for c in cells) for r in rects)
    top = Y0 + 2 * ROW_H  # between "New" and "Carried"
    corner = Image.fromarray(_page(skew=0.0))
    d = ImageDraw.Draw(corner)
    d.rectangle((XS[3] + 3, top - 3, XS[4] - 3, top + 3), fill=250)  # lost from the vertical at XS[3] on …
    d.rectangle((XS[3] - 3, top + 3, XS[3] + 3, top + ROW_H - 3), fill=250)  # … which ends there (merged below)
    cells = _cells(np.asarray(corner).copy())
    assert any(_near(c, (XS[3], Y0 + ROW_H, XS[4], top)) for c in cells)  # "New" column 3 closed again


def test_a_lost_scan_line_through_digits_hides_no_stroke_unless_a_stroke_ends_on_it() -> None:
    """A lying line (a fax's black dropout row) through the middle of a 0 is crossed by both of
    its sides: nothing can hide under it. One along the top of a 7 hides its bar: the diagonal
    ends on the line from below (ink on one side only), so the doubt stays."""
    import cv2

    from service.scan.rejected_lines import hides_no_stroke

    line = np.zeros((40, 30), np.uint8)
    line[19:22, :] = 255
    zero = np.zeros_like(line)
    cv2.ellipse(zero, (15, 20), (6, 12), 0, 0, 360, 255, 4)  # sides 4 px wide, the glyph 16 px
    assert hides_no_stroke(line, cv2.bitwise_and(zero, cv2.bitwise_not(line)))
    seven = np.zeros_like(line)
    cv2.line(seven, (8, 20), (22, 20), 255, 3)  # the bar, under the line
    cv2.line(seven, (22, 20), (12, 36), 255, 3)  # the diagonal, ending on it
    assert not hides_no_stroke(line, cv2.bitwise_and(seven, cv2.bitwise_not(line)))


def _lost_to_the_frame() -> tuple[np.ndarray, np.ndarray]:
    """(the test page, its lost-lines mask): a fax scan line lost along the ruling between "New"
    and "Carried" erased it from the middle of number column 2 to the table's right frame; the
    piece left (label column, column 1, half of column 2) ends in mid-cell."""
    img = Image.fromarray(_page(skew=0.0))
    d = ImageDraw.Draw(img)
    d.rectangle((XS[2] + 60, FADED_Y - 3, XS[3] - 3, FADED_Y + 3), fill=250)
    for a, b in zip(XS[3:], XS[4:], strict=False):
        d.rectangle((a + 3, FADED_Y - 3, b - 3, FADED_Y + 3), fill=250)
    lost = np.zeros(np.asarray(img).shape[:2], np.uint8)
    lost[FADED_Y - 2:FADED_Y + 3, :] = 255
    return np.asarray(img).copy(), lost


def test_a_ruling_a_lost_scan_line_erased_to_the_frame_is_restored_along_it() -> None:
    grey, lost = _lost_to_the_frame()
    ink = binarise(normalise_lighting(grey))
    rects = [r[:4] for r in _cell_rects()]
    without = set(find_grid(ink).cells)
    assert not all(any(_near(c, r) for c in without) for r in rects)  # the rows merge without the lost line
    cells = set(find_grid(ink, lost).cells)
    assert len(cells) == len(rects) and all(any(_near(c, r) for c in cells) for r in rects)
    elsewhere = np.roll(lost, 2 * ROW_H, axis=0)  # a lost line that does not run along the ruling
    assert set(find_grid(ink, elsewhere).cells) == without


def _worn_at_both_ends(left_end: int) -> np.ndarray:
    """The test page with the ruling between "New" and "Carried" rubbed off from the frame to
    ``left_end`` and from the middle of number column 3 to the right frame: what is left ends
    in mid-cell at both ends (a worn copy)."""
    img = Image.fromarray(_page(skew=0.0))
    d = ImageDraw.Draw(img)
    for a, b in ((XS[0] + 3, left_end), (XS[3] + 60, XS[4] - 3)):
        d.rectangle((a, FADED_Y - 3, b, FADED_Y + 3), fill=250)
    return np.asarray(img).copy()


def test_a_ruling_worn_off_at_both_ends_is_restored_from_frame_to_frame() -> None:
    rects = [r[:4] for r in _cell_rects()]
    cells = _cells(_worn_at_both_ends(XS[1] - 80))  # the piece left crosses all three inner rulings
    assert len(cells) == len(rects) and all(any(_near(c, r) for c in cells) for r in rects)
    fewer = _cells(_worn_at_both_ends(XS[1] + 60))  # one that crosses two may be a streak's piece
    assert not all(any(_near(c, r) for c in fewer) for r in rects)
