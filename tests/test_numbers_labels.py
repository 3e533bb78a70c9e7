"""Cell-text parsing and label matching on real-world variants."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.formats import T3_ROWS
from service.numbers import Parse, parse_number
from service.tables.labels import align_rows, similarity


@pytest.mark.parametrize(("text", "value"), [
    ("18", 18), (" 0　", 0), ("１２", 12), ("1,234", 1234), ("22（其中修订16件）", 22),
    ("12.3456", Decimal("12.3456")), ("0.000001", Decimal("0.000001")), ("5件", 5), ("-3", -3),
])
def test_numbers_are_parsed(text: str, value: int | Decimal) -> None:
    parsed = parse_number(text)
    assert parsed.status is Parse.OK
    assert parsed.value == value and type(parsed.value) is type(value)


@pytest.mark.parametrize("text", ["", " ", "—", "-", "/", "／", "无"])
def test_blanks_are_blank_never_zero(text: str) -> None:
    assert parse_number(text) == parse_number("") and parse_number(text).value is None


@pytest.mark.parametrize("text", ["3.5.1", "12a", "abc", "合计"])
def test_junk_is_unparsable(text: str) -> None:
    assert parse_number(text).status is Parse.UNPARSABLE


def test_units_and_repairs_are_reported() -> None:
    assert parse_number("251000元").unit == "元"
    assert parse_number("O").repaired and parse_number("O").value == 0


def test_label_variants_match_their_row() -> None:
    assert similarity("2.其他法律法规禁止公开", "2.其他法律行政法规禁止公开") > 0.85
    assert similarity("社会组织", "社会公益组织") > 0.7
    assert similarity("1.属于国家秘密", "1.本机关不掌握相关政府信息") < 0.3


def test_alignment_keeps_order_and_skips_headers() -> None:
    printed = ["（本列数据的勾稽关系为：第一项加第二项之和）", "自然人商业企业"] + [r.labels[0] for r in T3_ROWS]
    printed[5] = "（二）部分公开（区分处理的，只计这一情"  # wrapped label, first line only
    matches = align_rows(printed, list(T3_ROWS))
    assert matches == {i + 2: i for i in range(len(T3_ROWS))}


def test_lookalike_letters_inside_a_number_are_repaired_and_marked() -> None:
    parsed = parse_number("1l")
    assert parsed.value == 11 and parsed.repaired
    assert parse_number("12a").status is Parse.UNPARSABLE
