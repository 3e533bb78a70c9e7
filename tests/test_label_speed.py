"""The fast label scoring must equal difflib's, and memoising must not change results."""

from __future__ import annotations

from difflib import SequenceMatcher

from hypothesis import given, settings
from hypothesis import strategies as st

from service.formats import T3_ROWS
from service.tables.labels import label_parts, matched_chars, row_similarity, similarity

ALPHABET = "公开信息不予属于国家秘密其他法律行政法规禁止（）()一二三1.2、"


def _difflib_matched(a: str, b: str) -> int:
    return sum(m.size for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())


@settings(max_examples=400, deadline=None)
@given(st.text(ALPHABET, max_size=24), st.text(ALPHABET, max_size=24))
def test_matched_chars_equals_difflib(a: str, b: str) -> None:
    assert matched_chars(a, b) == _difflib_matched(a, b)


def test_memoised_scores_are_stable_and_lists_stay_lists() -> None:
    printed = "（三）不予公开1.属于国家秘密"
    first = [row_similarity(printed, r) for r in T3_ROWS]
    assert [row_similarity(printed, r) for r in T3_ROWS] == first
    assert similarity(printed, "1.属于国家秘密") == 1.0
    parts = label_parts(printed)
    parts.append("mutated")  # callers get their own list: the memo must not change
    assert "mutated" not in label_parts(printed)
