"""A 1-bit 0 at 100 dpi (fax) loses its thin top and bottom: OCR reads "1)", "D", "u" and the
digit engine nothing. Such a cell is read again with its strokes closed
(``cell_reading.read_closed``): a number both engines read there is kept as a reading doubt
(flagged unless its sums confirm it), never as a clear reading; and a lone "u", "1)" is a 0
only when the digit engine reads a 0 too (``SCAN_LONE_ZERO_LOOKALIKES``)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from service import settings
from service.errors import EngineUnavailable
from service.model import Flag, Source, Token
from service.numbers import Parse, parse_number
from service.scan.cell_reading import CLOSED_REASON, as_digits, read_cells, read_closed
from service.scan.cells import CellCrops, cell_crops
from service.scan.deskew import binarise
from service.tables.reading import read_cell
from tests.conftest import require
from tests.test_filled_lines import _Scripted
from tests.test_scan import _font


def _cell() -> CellCrops:
    crop = np.full((40, 40), 255, np.uint8)
    crop[10:30, 12:15] = 0
    crop[10:30, 25:28] = 0  # "( )": the two sides of a 0 without its top and bottom
    return CellCrops(box=(0, 0, 40, 40), lines=(crop,), whole=crop)


def _token(text: str, alt: str | None = None) -> Token:
    return Token(text=text, bbox=(0.0, 0.0, 40.0, 40.0), confidence=0.95, source=Source.OCR, alt_text=alt)


@pytest.mark.parametrize(("line", "digits", "read"), [("0", "0", "0"), ("0", "", "1)"), ("8", "0", "1)")])
def test_a_number_read_from_closed_strokes_needs_both_engines(line: str, digits: str, read: str) -> None:
    engines = _Scripted(line, digits)
    out = read_closed([_cell()], [_token("1)")], engines, engines)
    assert out[0].text == read
    if read == "0":
        assert out[0].alt_text == "0" and out[0].confidence == settings.SCAN_CLOSED_CONFIDENCE
        assert out[0].confidence < settings.OCR_AGREED_MIN_CONFIDENCE  # stays a reading doubt
        cell = read_cell("t3.new.research", (out[0],), 1, None)  # … that says how it was read
        assert Flag.LOW_CONFIDENCE in cell.flags and CLOSED_REASON in cell.reasons
    else:
        assert not out[0].derived


def test_a_mark_that_is_no_digit_is_read_again_too() -> None:
    engines = _Scripted("4", "4")
    assert read_closed([_cell()], [_token("↓")], engines, engines)[0].text == "4"


def test_numbers_labels_and_dashes_are_not_read_again() -> None:
    engines = _Scripted("0", "0")
    tokens = [_token("12", "12"), _token("规章"), _token("—"), _token("12", "17")]
    assert read_closed([_cell()] * 4, tokens, engines, engines) == tokens and engines.asked == 0


def test_lone_zero_lookalikes_of_a_broken_0() -> None:
    assert [as_digits(t) for t in ("1)", "u", "n", "D")] == ["0", "0", "0", "0"]
    assert as_digits("1u") != "10"  # inside a longer reading they stay letters


@pytest.mark.parametrize("size", [12, 13, 14, 16])
def test_real_engines_never_read_a_broken_0_as_another_number(size: int) -> None:
    """A 0 drawn at fax size (100 dpi, 1-bit), its top and bottom row lost, doubled to 200 dpi:
    read as 0 or as no number (flagged), never as another number."""
    try:
        from models.rapid_ocr import get_rapid_engine
        from models.tesseract import get_digit_reader

        recognizer, digits = get_rapid_engine(), get_digit_reader()
    except EngineUnavailable as exc:
        require(False, f"OCR engines unavailable: {exc}")
        return
    img = Image.new("L", (60, 40), 255)
    ImageDraw.Draw(img).text((20, 6), "0", fill=0, font=_font(size))
    small = binarise(np.asarray(img).copy())
    ys = np.flatnonzero(small.any(axis=1))
    small[[ys.min(), ys.max()]] = 0  # the thin top and bottom lost
    page = np.where(np.kron(small, np.ones((2, 2), np.uint8)) > 0, 0, 255).astype(np.uint8)
    made = cell_crops(page, binarise(page), np.zeros_like(page), (0, 0, 120, 80), False)
    assert made is not None
    token = read_cells([made], recognizer, digits)[0]
    parsed = parse_number(token.text)
    assert parsed.status is not Parse.OK or parsed.value == 0, token
