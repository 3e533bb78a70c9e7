"""A line that is not a table ruling crosses a cell's text: the cell is read as if the line hid
nothing (taken away) and, when that leaves it in doubt, also as if it hid strokes all along
(inked along the text: ``rejected_lines.hidden_ink``). Only when both engines read both as the
same number is the doubt lifted (``cell_reading.settle_by_filling``)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from models.base import Reading
from service import settings
from service.errors import EngineUnavailable
from service.model import Source, Token
from service.scan.cell_reading import read_cells, settle_by_filling
from service.scan.cells import CellCrops, cell_crops
from service.scan.deskew import binarise
from service.scan.rejected_lines import hidden_ink
from tests.conftest import require
from tests.test_scan import _font


def test_hidden_ink_is_the_line_along_the_text_only() -> None:
    ink = np.zeros((60, 80), np.uint8)
    ink[20:40, 30:44] = 255  # the text's extent: rows 20–39, columns 30–43
    upright = np.zeros_like(ink)
    upright[:, 44:47] = 255  # a streak down the whole cell, just right of the text
    got = hidden_ink(upright, ink)
    assert got is not None
    rows = np.flatnonzero(got.any(axis=1))
    assert (rows.min(), rows.max()) == (20, 39) and set(np.flatnonzero(got.any(axis=0))) == {44, 45, 46}
    lying = np.zeros_like(ink)
    lying[40:42, :] = 255  # a lost scan line along the text's foot
    got = hidden_ink(lying, ink)
    assert got is not None
    cols = np.flatnonzero(got.any(axis=0))
    assert (cols.min(), cols.max()) == (30, 43)
    far = np.zeros_like(ink)
    far[:, 44 + settings.SCAN_REJECTED_NEAR_PX + 1:] = 255  # too far across to hide a stroke of it
    assert hidden_ink(far, ink) is None


def _token(text: str, alt: str) -> Token:
    return Token(text=text, bbox=(0.0, 0.0, 40.0, 40.0), confidence=0.99, source=Source.OCR, doubt="a line",
                 alt_text=alt)


class _Scripted:
    """Reads every crop as ``line``; the digit engine reads every crop as ``digits``."""

    def __init__(self, line: str, digits: str) -> None:
        self.line, self.digits, self.asked = line, digits, 0

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        self.asked += len(crops)
        return [Reading(self.line, 0.99) for _ in crops]

    def read_digits(self, crops: list[np.ndarray]) -> list[Reading]:
        return [Reading(self.digits, 0.9) for _ in crops]


def _doubtful_cell() -> CellCrops:
    crop = np.full((40, 40), 255, np.uint8)
    inked = CellCrops(box=(0, 0, 40, 40), lines=(crop,), whole=crop)
    return CellCrops(box=(0, 0, 40, 40), lines=(crop,), whole=crop, doubt="a line", filled=inked)


@pytest.mark.parametrize(("line", "digits", "lifted"), [("30", "30", True), ("80", "80", False),
                                                         ("30", "80", False), ("80", "30", False)])
def test_the_doubt_is_lifted_only_when_both_engines_read_the_filled_cell_alike(line: str, digits: str,
                                                                              lifted: bool) -> None:
    engines = _Scripted(line, digits)
    out = settle_by_filling([_doubtful_cell()], [_token("30", "30")], engines, engines)
    assert (out[0].doubt == "") is lifted


def test_cells_the_engines_disagree_on_or_without_filled_crops_are_not_read_again() -> None:
    engines = _Scripted("30", "30")
    plain = CellCrops(box=(0, 0, 40, 40), lines=(np.full((40, 40), 255, np.uint8),),
                      whole=np.full((40, 40), 255, np.uint8), doubt="a line")
    out = settle_by_filling([_doubtful_cell(), plain], [_token("30", "38"), _token("30", "30")], engines, engines)
    assert [t.doubt for t in out] == ["a line", "a line"] and engines.asked == 0


def _streaked_cell(text: str, upright: bool, offset: int) -> CellCrops:
    """A 160×60 cell holding ``text`` with a 3 px black line across it: upright at the text's
    first ink column + ``offset``, or lying at its last ink row + ``offset``; the line is
    the cell's rejected non-table line."""
    img = Image.new("L", (160, 60), 255)
    ImageDraw.Draw(img).text((40, 12), text, fill=0, font=_font(30))
    grey = np.asarray(img).copy()
    ys, xs = np.nonzero(binarise(grey))
    line = np.zeros_like(grey)
    if upright:
        line[:, xs.min() + offset:xs.min() + offset + 3] = 255
    else:
        line[ys.max() + offset:ys.max() + offset + 3, :] = 255
    grey[line > 0] = 0
    made = cell_crops(grey, binarise(grey), np.zeros_like(grey), (0, 0, 160, 60), False, line, None)
    assert made is not None and made.doubt and not made.clear and made.filled is not None
    return made


def test_real_engines_settle_a_line_under_a_number_but_not_one_along_a_3() -> None:
    """A line along the foot of 257 cannot make it another number; one along the left of a 3
    can (inked, it reads 80): that doubt stays."""
    try:
        from models.rapid_ocr import get_rapid_engine
        from models.tesseract import get_digit_reader

        recognizer, digits = get_rapid_engine(), get_digit_reader()
    except EngineUnavailable as exc:
        require(False, f"OCR engines unavailable: {exc}")
        return
    cells = [_streaked_cell("257", upright=False, offset=-1), _streaked_cell("30", upright=True, offset=1)]
    tokens = read_cells(cells, recognizer, digits)
    assert [t.text for t in tokens] == ["257", "30"]
    assert [bool(t.doubt) for t in tokens] == [False, True]


def test_a_number_the_line_spoiled_is_read_from_the_filled_cell_and_stays_in_doubt() -> None:
    """A 0 whose right side a streak covers reads "c"; inked along the streak both engines read
    0: the cell reads 0, still in doubt (a person confirms what the line may have hidden)."""
    engines = _Scripted("0", "0")
    spoiled = Token(text="c", bbox=(0.0, 0.0, 40.0, 40.0), confidence=0.6, source=Source.OCR, doubt="a line")
    label = spoiled.model_copy(update={"text": "行政许可"})
    dash = spoiled.model_copy(update={"text": "—"})
    out = settle_by_filling([_doubtful_cell()] * 3, [spoiled, label, dash], engines, engines)
    assert (out[0].text, out[0].alt_text, out[0].doubt) == ("0", "0", "a line")
    assert out[1:] == [label, dash] and engines.asked == 1  # a label, a printed dash: not read again
    other = settle_by_filling([_doubtful_cell()], [spoiled], _Scripted("0", "8"), _Scripted("0", "8"))
    assert other[0].text == "c"  # the engines disagree on the filled cell: nothing is read into it
