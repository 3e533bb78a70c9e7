"""A lone digit nobody could read is read by its likeness to the digits the same page printed
(``service.scan.glyphs``, ``cell_reading.read_by_likeness``): only where it clearly resembles one
digit's exemplars, and only as a reading doubt (flagged unless its sums confirm it)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from service import settings
from service.model import Flag, Source, Token
from service.scan.cell_reading import LIKENESS_REASON, read_by_likeness
from service.scan.cells import CellCrops
from service.scan.glyphs import (
    glyph_exemplars,
    glyph_vector,
    ink_exemplars,
    likely_digit,
    likeness,
    likeness_under_lines,
)
from service.tables.reading import read_cell
from tests.test_scan import _font


def _glyph(text: str, shift: float = 0.0) -> np.ndarray:
    """``text`` as a 1-bit fax at 100 dpi shows it (~13 px tall) in a cell crop upscaled 2×
    (``OCR_RENDER_DPI``), printed ``shift`` pixels off the scan grid."""
    img = Image.new("L", (60, 40), 255)
    ImageDraw.Draw(img).text((10, 8), text, fill=0, font=_font(18))
    grey = cv2.warpAffine(np.asarray(img).astype(np.float32), np.float32([[1, 0, shift], [0, 1, shift / 2]]),
                          (60, 40), borderValue=255)
    bw = np.where(grey < 128, 0, 255).astype(np.uint8)
    return cv2.resize(bw, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)


def _broken_zero(shift: float = 0.0) -> np.ndarray:
    """A 0 whose thin top and bottom arcs lost their middle, the sides still at full height:
    "( )", read "1)", "D" or nothing."""
    crop = _glyph("0", shift)
    ys, xs = np.nonzero(crop < 128)
    third = (xs.max() - xs.min() + 1) // 3
    inner = slice(xs.min() + third, xs.max() + 1 - third)
    crop[ys.min():ys.min() + 2, inner] = 255
    crop[ys.max() - 1:ys.max() + 1, inner] = 255
    return crop


def _exemplars(digits: str = "0123", per: int = 4) -> dict[str, np.ndarray]:
    return glyph_exemplars((_glyph(d, seed / per), d) for d in digits for seed in range(per))


def test_a_broken_zero_resembles_the_pages_zeros() -> None:
    exemplars = _exemplars()
    for shift in (0.0, 0.15, 0.3):  # shifts at which the sides keep the full height
        found = likeness(_broken_zero(shift), exemplars)
        assert found is not None and found.digit == "0" and found.clear, found


@pytest.mark.parametrize("digit", ["1", "2", "3"])
def test_printed_digits_resemble_their_own_exemplars(digit: str) -> None:
    assert likely_digit(_glyph(digit, 0.45), _exemplars()) == digit


def test_a_digit_the_page_has_no_exemplar_of_is_not_read_as_another() -> None:
    """No 4 on the page: a 4 is like none of 0–3 closely enough to be read as one."""
    assert likely_digit(_glyph("4", 0.2), _exemplars()) is None


def test_too_few_exemplars_read_nothing() -> None:
    few = _exemplars("0", settings.LIKENESS_MIN_EXEMPLARS - 1)
    assert likely_digit(_broken_zero(), few) is None


def test_ink_wider_than_one_digit_is_no_glyph() -> None:
    assert glyph_vector(_glyph("00")) is None
    assert glyph_vector(np.full((30, 30), 255, np.uint8)) is None  # no ink


def _cell(crop: np.ndarray) -> CellCrops:
    return CellCrops(box=(0, 0, crop.shape[1], crop.shape[0]), lines=(crop,), whole=crop)


def _token(text: str, alt: str | None, confidence: float = 0.99) -> Token:
    return Token(text=text, bbox=(0.0, 0.0, 40.0, 40.0), confidence=confidence, source=Source.OCR, alt_text=alt)


def _page() -> tuple[list[CellCrops], list[Token]]:
    """Twelve cells both engines read alike (0–3, three each), then the cells in question."""
    cells = [_cell(_glyph(d, shift / 3)) for d in "0123" for shift in range(3)]
    tokens = [_token(d, d) for d in "0123" for _ in range(3)]
    return cells, tokens


def test_a_mark_nobody_could_read_becomes_a_doubtful_digit() -> None:
    cells, tokens = _page()
    cells += [_cell(_broken_zero(0.0)), _cell(_broken_zero(0.15))]
    tokens += [_token("1)", ""), _token("", None, 0.0)]
    out = read_by_likeness(cells, tokens)
    assert out[:12] == tokens[:12]
    for token in out[12:]:
        assert token.text == "0" and token.derived == LIKENESS_REASON
        assert token.confidence == settings.SCAN_CLOSED_CONFIDENCE < settings.OCR_AGREED_MIN_CONFIDENCE
    cell = read_cell("t3.new.research", (out[12],), 1, None)
    assert cell.value == 0 and Flag.LOW_CONFIDENCE in cell.flags and LIKENESS_REASON in cell.reasons


def test_readings_and_labels_are_left_alone() -> None:
    """A digit the engines disagree on keeps the first engine's reading; a label stays a label;
    exemplars crossed by a line or scored low teach nothing."""
    cells, tokens = _page()
    cells += [_cell(_glyph("3", 0.5)), _cell(_glyph("0", 0.5))]
    tokens += [_token("8", "3"), _token("规章", None)]
    assert read_by_likeness(cells, tokens) == tokens
    unsure = [t.model_copy(update={"doubt": "a line crosses"}) if i % 2 else t.model_copy(update={"confidence": 0.5})
              for i, t in enumerate(tokens[:12])]
    lone = [_cell(_broken_zero(0.4))]
    assert read_by_likeness(cells[:12] + lone, [*unsure, _token("D", "")])[-1].text == "D"


def test_a_low_scored_zero_both_engines_read_stands_when_it_looks_like_the_pages_zeros() -> None:
    """Both engines read "0" but the first scored it 0.3 (a jagged 1-bit 0): it looks like the
    page's well-read 0s, so the reading stands unflagged down to OCR_RESEMBLED_MIN_CONFIDENCE. A
    3 read "0" by both at that score resembles no 0 and stays flagged; so does a 0 scored below
    the floor, and one a line crosses (its strokes may be hidden)."""
    score = (settings.OCR_RESEMBLED_MIN_CONFIDENCE + settings.OCR_AGREED_MIN_CONFIDENCE) / 2
    cells, tokens = _page()
    cells += [_cell(_glyph("0", 0.5)), _cell(_glyph("3", 0.5)), _cell(_glyph("0", 0.2)), _cell(_glyph("0", 0.4))]
    tokens += [_token("0", "0", score), _token("0", "0", score),
               _token("0", "0", settings.OCR_RESEMBLED_MIN_CONFIDENCE - 0.05),
               _token("0", "0", score).model_copy(update={"doubt": "a line crosses"})]
    out = read_by_likeness(cells, tokens)
    assert [t.resembles for t in out[12:]] == ["0", "", "0", ""]
    flagged = [read_cell("t3.new.research", (t,), 1, None).flagged for t in out[12:]]
    assert flagged == [False, True, True, True]


def test_only_a_hollow_zero_is_read_by_likeness() -> None:
    """A lone stroke is like the page's 1s, but a 4 or 7 that lost its bar is too: nobody's
    reading of a narrow glyph is left to likeness (``LIKENESS_DIGITS``)."""
    cells, tokens = _page()
    stroke = _glyph("1", 0.5)
    assert likely_digit(stroke, _exemplars()) == "1"
    assert read_by_likeness([*cells, _cell(stroke)], [*tokens, _token("↓", None)])[-1].text == "↓"


# --- under a line -------------------------------------------------------------------------------
def _ink(crop: np.ndarray) -> np.ndarray:
    return np.where(crop < 128, 255, 0).astype(np.uint8)


def _under_streak(digit: str, side: str, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(ink left once a 6 px streak over the digit's ``side`` was taken away, the streak's mask)."""
    ink = _ink(_glyph(digit, shift))
    xs = np.nonzero(ink)[1]
    x = {"right": int(xs.max()) - 5, "left": int(xs.min()), "middle": (int(xs.min()) + int(xs.max())) // 2 - 3}[side]
    hidden = np.zeros_like(ink)
    hidden[:, x:x + 6] = 255
    return np.where(hidden > 0, 0, ink).astype(np.uint8), hidden


def _ink_exemplars(digits: str = "0123") -> dict[str, list[np.ndarray]]:
    return ink_exemplars((_ink(_glyph(d, shift / 3)), d) for d in digits for shift in range(3))


@pytest.mark.parametrize(("shift", "side"), [(0.0, "right"), (0.2, "right"), (0.4, "right"), (0.0, "middle")])
def test_a_zero_whose_side_a_streak_hides_matches_the_pages_zeros(shift: float, side: str) -> None:
    """Also a streak down its middle (a 100-dpi 0 is 12 px wide here, the streak 6): what it
    leaves seen is compared right up to the streak's edge (``LIKENESS_UNSEEN_MARGIN_SIGMAS``)."""
    found = likeness_under_lines(*_under_streak("0", side, shift), _ink_exemplars())
    assert found is not None and found.digit == "0" and found.clear_under_lines, found


def test_what_a_streak_leaves_of_an_eight_is_no_clear_digit() -> None:
    """An 8 whose left side is hidden shows a 3: with the page's 8s beside its 3s, neither is
    clearly it; with no 8 on the page it is like a 3, and likeness gives no 3 (``LIKENESS_DIGITS``)."""
    eight = _under_streak("8", "left")
    found = likeness_under_lines(*eight, _ink_exemplars("012389"))
    assert found is None or not found.clear_under_lines, found
    cells, tokens = _page()
    cells = [replace(c, ink=_ink(c.whole)) for c in cells]
    streaked = CellCrops(box=(0, 0, 120, 80), lines=(), whole=255 - eight[0], doubt="a line crosses",
                         ink=eight[0], hidden=eight[1])
    assert read_by_likeness([*cells, streaked], [*tokens, _line_token("B")])[-1].text == "B"


def _line_token(text: str, alt: str | None = None) -> Token:
    return _token(text, alt, 0.6).model_copy(update={"doubt": "a line crosses"})


def test_a_zero_under_a_streak_is_read_by_likeness_and_stays_in_doubt() -> None:
    cells, tokens = _page()
    cells = [replace(c, ink=_ink(c.whole)) for c in cells]
    ink, hidden = _under_streak("0", "right", 0.2)
    streaked = CellCrops(box=(0, 0, 120, 80), lines=(), whole=255 - ink, doubt="a line crosses",
                         ink=ink, hidden=hidden)
    out = read_by_likeness([*cells, streaked, replace(streaked, hidden=None)],
                           [*tokens, _line_token("c", ""), _line_token("c", "")])
    assert out[-2].text == "0" and out[-2].derived == LIKENESS_REASON and out[-2].doubt
    assert out[-1].text == "c"  # no line mask: nothing says what is hidden
    cell = read_cell("t3.new.research", (out[-2],), 1, None)
    assert cell.value == 0 and cell.flagged


def test_ink_seen_only_on_both_sides_of_a_line_reads_nothing() -> None:
    """A blot (a 1-bit 0 filled in) with a 4 px line down its middle (worn seed003): a narrow
    exemplar (a 1) placed over the ink sees only what the line hides: no match, no crash."""
    ink = np.zeros((60, 98), np.uint8)
    ink[6:23, 43:55] = 255
    hidden = np.zeros_like(ink)
    hidden[:, 47:51] = 255
    ink[hidden > 0] = 0
    ring = np.ones((18, 12), bool)
    ring[3:-3, 3:-3] = False
    exemplars = {"0": [ring] * 3, "1": [np.ones((17, 8), bool)] * 3}
    found = likeness_under_lines(ink, hidden, exemplars)
    assert found is None or found.digit != "1"  # the 1 saw nothing: no evidence for it
