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
