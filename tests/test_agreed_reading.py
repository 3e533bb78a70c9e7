"""A low OCR score on a number that the digit engine reads exactly alike is no doubt (issue 8:
1-bit and faxed digits score low on jagged edges); a lower score, a different or missing second
reading, or letters taken for digits still are."""

from __future__ import annotations

import pytest

from service import settings
from service.model import Flag, Source, Token
from service.tables.reading import read_cell


def _cell(text: str, conf: float, alt: str | None):
    tok = Token(text=text, bbox=(0, 0, 10, 10), confidence=conf, alt_text=alt, source=Source.OCR)
    return read_cell("t3.new.research", (tok,), 1, None)


@pytest.mark.parametrize(("text", "alt"), [("0", "0"), ("17", "17"), ("2411", "2411")])
def test_two_engines_reading_alike_outweigh_a_low_score(text: str, alt: str) -> None:
    cell = _cell(text, 0.75, alt)
    assert cell.value == int(text) and not cell.flagged


@pytest.mark.parametrize(("conf", "alt", "flags"), [
    (0.75, "8", {Flag.LOW_CONFIDENCE, Flag.ENGINE_DISAGREEMENT}),    # engines disagree
    (0.75, "", {Flag.LOW_CONFIDENCE, Flag.ENGINE_DISAGREEMENT}),     # second engine read nothing
    (0.75, None, {Flag.LOW_CONFIDENCE}),                               # no second reading at all
    (settings.OCR_AGREED_MIN_CONFIDENCE - 0.05, "0", {Flag.LOW_CONFIDENCE}),  # too low even so
])
def test_a_low_score_stays_a_doubt_without_an_agreeing_second_engine(conf: float, alt: str | None,
                                                                     flags: set[Flag]) -> None:
    assert set(_cell("0", conf, alt).flags) == flags


def test_letters_taken_for_digits_stay_a_doubt_when_engines_agree() -> None:
    cell = _cell("1O", 0.95, "10")
    assert cell.value == 10 and Flag.LOW_CONFIDENCE in cell.flags


class _SizeDigits:
    """A digit reader that reads a crop by its glyph height: "0" on crops scaled to the larger
    retry size, ``small`` below it (how tesseract misreads a low-resolution 1-bit 0)."""

    def __init__(self, small: str) -> None:
        self.small, self.calls = small, 0

    def read_digits(self, crops):
        from models.base import Reading

        self.calls += 1
        tall = settings.SCAN_TESS_RETRY_GLYPH_PX + 2 * settings.SCAN_TESS_PAD_PX - 4
        return [Reading("0" if c.shape[0] >= tall else self.small, 0.9) for c in crops]


def _zero_crop():
    import numpy as np

    img = np.full((13 + 2 * settings.SCAN_CROP_PAD_PX, 24), 255, np.uint8)
    p = settings.SCAN_CROP_PAD_PX
    img[p:p + 13, 8:16] = 0
    img[p + 3:p + 10, 10:14] = 255
    return img


@pytest.mark.parametrize(("first", "small", "alt"), [
    ("0", "", "0"),    # tesseract reads nothing at 28 px, the larger glyphs agree with rapidocr
    ("0", "9", "0"),   # "9" at 28 px, "0" larger: agreement
    ("6", "9", "9"),   # rapidocr "6", tesseract "9" then "0": never made to agree, "9" stands
])
def test_a_larger_retry_reads_a_small_1bit_zero(first: str, small: str, alt: str) -> None:
    from service.scan.cell_reading import second_opinions

    reader = _SizeDigits(small)
    assert second_opinions(reader, [_zero_crop()], [first]) == [alt]
    assert reader.calls == (4 if alt != first and set(first) == {"0"} else 3)  # zeros still unlike: closed too
