"""Properties of the 42 identities: a consistent table passes; perturbing one cell breaks
exactly the identities that cell belongs to, and the cell is always flagged. A perturbed clear
reading is the report's own error (no suggestion); a perturbed doubtful or unread cell explains
its identities alone (flagged with the original as suggestion, other members not flagged)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.formats import IDENTITIES, T3_COLUMNS, T3_RESULT_ROWS, T4_COLUMNS, all_keys, identities_of
from service.model import Cell, Document, Flag, Source, Token, ViolationKind
from service.tables.reading import missing_cell, read_cell
from service.validation import validate_document
from tests.factories import consistent_values, document_with

IDENTITY_NAMES = {i.name for i in IDENTITIES}
KEYS_IN_IDENTITIES = sorted({k for i in IDENTITIES for k in i.keys})


def test_there_are_42_identities_over_190_cells() -> None:
    assert len(IDENTITIES) == 42
    assert len(all_keys()) == 200
    assert len(KEYS_IN_IDENTITIES) == 190  # every t3 and t4 cell; t2 has none


@given(seed=st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_consistent_table_has_no_violation(seed: int) -> None:
    doc = validate_document(document_with(consistent_values(random.Random(seed))))
    assert doc.violations == ()
    assert not any(c.flagged for c in doc.cells.values())


@given(seed=st.integers(0, 10_000), key=st.sampled_from(KEYS_IN_IDENTITIES),
       delta=st.integers(1, 50))
@settings(max_examples=150, deadline=None)
def test_one_perturbed_cell_breaks_exactly_its_identities(seed: int, key: str, delta: int) -> None:
    values = consistent_values(random.Random(seed))
    original = values[key]
    values[key] = int(original) + delta
    doc = validate_document(document_with(values))
    broken = {v.rule for v in doc.violations if v.rule in IDENTITY_NAMES}
    assert broken == {i.name for i in identities_of(key)}
    cell = doc.cells[key]
    assert cell.flagged and Flag.REPORT_ERROR in cell.flags
    # every member is a clear reading: the report's own error, no overwrite suggestion
    assert {v.kind for v in doc.violations} == {ViolationKind.REPORT_ERROR}
    assert all(c.suggestion is None for c in doc.cells.values())
    assert all(v.message == f"printed {v.found}, the sums want {v.expected}" for v in doc.violations)
    assert cell.value == int(original) + delta  # the printed value is never overwritten


def _with_reading(doc: Document, key: str, cell: Cell) -> Document:
    return doc.model_copy(update={"cells": {**doc.cells, key: cell}})


@given(seed=st.integers(0, 10_000), key=st.sampled_from(KEYS_IN_IDENTITIES),
       delta=st.integers(1, 50))
@settings(max_examples=100, deadline=None)
def test_a_perturbed_doubtful_cell_alone_explains_its_identities(seed: int, key: str, delta: int) -> None:
    """…when a row and a column sum agree on its value; one sum alone could hide a clear misread,
    so then every member of it is flagged."""
    values = consistent_values(random.Random(seed))
    original = values[key]
    values[key] = int(original) + delta
    doc = document_with(values)
    doubtful = doc.cells[key].with_flag(Flag.ENGINE_DISAGREEMENT, "second engine read “7”")
    doc = validate_document(_with_reading(doc, key, doubtful))
    mine = identities_of(key)
    assert {v.rule for v in doc.violations} == {i.name for i in mine}
    assert {v.kind for v in doc.violations} == {ViolationKind.IDENTITY}
    flagged = {k for k, c in doc.cells.items() if c.flagged}
    assert flagged == ({key} if len(mine) >= 2 else set(mine[0].keys))
    assert Flag.BROKEN_IDENTITY in doc.cells[key].flags
    assert doc.cells[key].suggestion == original and doc.cells[key].value == int(original) + delta


@given(seed=st.integers(0, 10_000), key=st.sampled_from(KEYS_IN_IDENTITIES))
@settings(max_examples=100, deadline=None)
def test_an_unread_cell_is_flagged_alone_with_the_value_its_sums_want(seed: int, key: str) -> None:
    values = consistent_values(random.Random(seed))
    original = values[key]
    doc = document_with(values)
    doc = validate_document(_with_reading(doc, key, missing_cell(key, "no printed cell found")))
    assert {k for k, c in doc.cells.items() if c.flagged} == {key}
    assert doc.cells[key].value is None and doc.cells[key].suggestion == original
    assert all(v.kind is ViolationKind.IDENTITY for v in doc.violations)  # explained, not the report's


def test_a_missing_row_is_one_row_decision_with_column_suggestions() -> None:
    values = consistent_values(random.Random(7))
    values["t3.disclosed.natural_person"] = 5  # make sure the row is not all zeros
    values["t3.disclosed.total"] = sum(int(values[f"t3.disclosed.{c}"]) for c in T3_COLUMNS[:-1])
    for col in T3_COLUMNS:
        values[f"t3.results_total.{col}"] = sum(int(values[f"t3.{r}.{col}"]) for r in T3_RESULT_ROWS)
        values[f"t3.new.{col}"] = (int(values[f"t3.results_total.{col}"]) + int(values[f"t3.carried_forward.{col}"])
                                   - int(values[f"t3.carried_over.{col}"]))
    doc = document_with(values)
    row = [f"t3.disclosed.{c}" for c in T3_COLUMNS]
    cells = {**doc.cells, **{k: missing_cell(k, "no printed cell found") for k in row}}
    doc = validate_document(doc.model_copy(update={"cells": cells}))
    assert validate_document(document_with(values)).violations == ()
    rows = [v for v in doc.violations if v.kind is ViolationKind.MISSING_ROW]
    assert [v.rule for v in rows] == ["t3.disclosed: row not read"] and rows[0].cells == tuple(row)
    assert {k for k, c in doc.cells.items() if c.flagged} == set(row)
    assert all(Flag.ROW_NOT_READ in doc.cells[k].flags for k in row)
    assert {k: doc.cells[k].suggestion for k in row} == {k: values[k] for k in row}


def test_a_certain_blank_is_noted_and_a_doubtful_blank_mark_is_flagged() -> None:
    values = consistent_values(random.Random(8))
    key = next(k for k in KEYS_IN_IDENTITIES if values[k] == 0 and k.startswith("t3."))
    doc = document_with(values)
    certain = read_cell(key, (), 1, (0.0, 0.0, 9.0, 9.0))  # no glyph / no ink in the cell
    out = validate_document(_with_reading(doc, key, certain))
    cell = out.cells[key]
    assert not cell.flagged and cell.noted == (Flag.PRINTED_BLANK,) and cell.value is None
    assert cell.reasons[0].startswith("printed blank") and out.violations == ()
    ocr_dash = read_cell(key, (Token(text="—", bbox=(0, 0, 9, 9), confidence=0.95, source=Source.OCR),), 1, None)
    assert validate_document(_with_reading(doc, key, ocr_dash)).cells[key].flagged
    # idempotent: the noted blank survives a second validation unchanged
    assert validate_document(out).cells == out.cells


def test_a_certain_blank_in_a_report_error_is_flagged_with_it() -> None:
    values = consistent_values(random.Random(9))
    values["t4.review.upheld"] = 0
    values["t4.review.total"] = sum(int(values[f"t4.review.{c}"]) for c in ("corrected", "other", "pending")) + 2
    doc = document_with(values)
    doc = validate_document(_with_reading(doc, "t4.review.upheld", read_cell("t4.review.upheld", (), 1, None)))
    assert [v.kind for v in doc.violations] == [ViolationKind.REPORT_ERROR]
    assert doc.cells["t4.review.upheld"].flagged and Flag.REPORT_ERROR in doc.cells["t4.review.upheld"].flags


def test_single_identity_break_flags_all_its_cells_without_suggestion() -> None:
    values = consistent_values(random.Random(1))
    values["t4.review.total"] = int(values["t4.review.total"]) + 3
    doc = validate_document(document_with(values))
    flagged = {k for k, c in doc.cells.items() if c.flagged}
    assert flagged == {f"t4.review.{c}" for c in ("upheld", "corrected", "other", "pending", "total")}
    assert all(doc.cells[k].suggestion is None for k in flagged)
    assert [v.kind for v in doc.violations] == [ViolationKind.REPORT_ERROR]


def test_validation_is_idempotent_and_clears_after_fix() -> None:
    values = consistent_values(random.Random(2))
    good = values["t3.new.total"]
    values["t3.new.total"] = int(good) + 1
    once = validate_document(document_with(values))
    twice = validate_document(once)
    assert once.cells == twice.cells and once.violations == twice.violations
    fixed_cells = dict(twice.cells)
    fixed_cells["t3.new.total"] = twice.cells["t3.new.total"].model_copy(update={"value": good})
    fixed = validate_document(twice.model_copy(update={"cells": fixed_cells}))
    assert fixed.violations == ()
    assert not fixed.cells["t3.new.total"].flagged


def test_negative_and_implausible_values_are_flagged() -> None:
    values = consistent_values(random.Random(3))
    values["t2.rules.issued"] = -1
    values["t2.fees.amount_wan_yuan"] = Decimal("24074")
    doc = validate_document(document_with(values))
    assert Flag.NEGATIVE in doc.cells["t2.rules.issued"].flags
    assert Flag.IMPLAUSIBLE in doc.cells["t2.fees.amount_wan_yuan"].flags


def _doubtful(doc_values: dict, *keys: str) -> dict:
    doc = document_with(doc_values)
    cells = dict(doc.cells)
    for key in keys:
        cells[key] = cells[key].with_flag(Flag.ENGINE_DISAGREEMENT, "second engine read “7”")
    return validate_document(doc.model_copy(update={"cells": cells})).cells


def test_sums_that_hold_clear_a_doubtful_reading() -> None:
    values = consistent_values(random.Random(4))
    cell = _doubtful(values, "t3.disclosed.natural_person")["t3.disclosed.natural_person"]
    assert not cell.flagged and "second engine" in cell.reasons[0]
    t4 = _doubtful(values, "t4.review.upheld")["t4.review.upheld"]
    assert not t4.flagged  # its one sum holds, every other member read clearly: they fix its value
    assert "its other members read clearly" in t4.reasons[0]
    two = _doubtful(values, "t4.review.upheld", "t4.review.corrected")
    assert two["t4.review.upheld"].flagged and two["t4.review.corrected"].flagged  # one sum, two doubts


def test_a_cell_several_sums_pin_names_the_first_of_them_in_the_templates_order() -> None:
    """The reason is the same on every run (``holding`` is a set: its order changes with the
    process's string hashing)."""
    from service.formats import IDENTITIES

    key = "t3.results_total.commercial"
    cell = _doubtful(consistent_values(random.Random(4)), key)[key]
    first = next(i for i in IDENTITIES if key in i.keys)
    assert cell.reasons[0].startswith(f"confirmed by {first.name}, its other members read clearly")


def test_a_column_broken_by_one_misread_flags_that_cell_not_the_column() -> None:
    """Doubtful cells that their row sums pin (every other member of the row read clearly) are
    confirmed; the column sum one misread breaks then has that cell as its only suspect, and its
    row and column agree on the value that mends it."""
    values = consistent_values(random.Random(4))
    wrong = "t3.disclosed.natural_person"
    values[wrong] = int(values[wrong]) + 3
    doubtful = (wrong, "t3.partly_disclosed.natural_person", "t3.unable_not_held.natural_person")
    cells = _doubtful(values, *doubtful)
    assert cells[wrong].flagged and cells[wrong].suggestion == values[wrong] - 3
    flagged = {k for k, c in cells.items() if c.flagged}
    assert flagged == {wrong}


def test_a_doubtful_reading_in_a_broken_sum_stays_flagged() -> None:
    values = consistent_values(random.Random(4))
    values["t3.disclosed.natural_person"] = int(values["t3.disclosed.natural_person"]) + 1
    cell = _doubtful(values, "t3.disclosed.natural_person")["t3.disclosed.natural_person"]
    assert {Flag.ENGINE_DISAGREEMENT, Flag.BROKEN_IDENTITY} <= set(cell.flags)


def test_a_fee_printed_in_yuan_is_converted_and_stays_flagged() -> None:
    from service.model import Token
    from service.tables.reading import read_cell

    cell = read_cell("t2.fees.amount_wan_yuan", (Token(text="251000元", bbox=(0, 0, 9, 9)),), 1, None)
    assert cell.value == Decimal("25.1") and Flag.UNIT_CONVERTED in cell.flags
    values = consistent_values(random.Random(6))
    doc = document_with(values)
    doc = doc.model_copy(update={"cells": {**doc.cells, cell.key: cell}})
    assert validate_document(doc).cells[cell.key].flagged


def test_a_lone_suspect_that_cannot_close_its_identity_does_not_hide_the_others() -> None:
    values = consistent_values(random.Random(10))
    values["t4.review.upheld"] = 3
    values["t4.review.total"] = sum(int(values[f"t4.review.{c}"]) for c in ("upheld", "corrected", "other", "pending"))
    values["t4.review.total"] = int(values["t4.review.total"]) - 5  # closing it would need upheld = -2
    doc = document_with(values)
    doubtful = doc.cells["t4.review.upheld"].with_flag(Flag.LOW_CONFIDENCE, "OCR confidence 0.61")
    out = validate_document(_with_reading(doc, "t4.review.upheld", doubtful))
    assert out.cells["t4.review.upheld"].suggestion is None
    assert {k for k, c in out.cells.items() if c.flagged} == {f"t4.review.{c}" for c in T4_COLUMNS}


@given(seed=st.integers(0, 10_000), key=st.sampled_from(KEYS_IN_IDENTITIES), delta=st.integers(1, 50),
       pick=st.integers(0, 10_000))
@settings(max_examples=150, deadline=None)
def test_a_clear_misread_beside_a_doubtful_reading_is_never_silent(seed: int, key: str, delta: int,
                                                                   pick: int) -> None:
    values = consistent_values(random.Random(seed))
    values[key] = int(values[key]) + delta  # a confident misread (or the report's slip)
    mates = sorted({k for i in identities_of(key) for k in i.keys} - {key})
    other = mates[pick % len(mates)]
    doc = document_with(values)
    doubtful = doc.cells[other].with_flag(Flag.LOW_CONFIDENCE, "OCR confidence 0.61")
    assert validate_document(_with_reading(doc, other, doubtful)).cells[key].flagged


KEYS_IN_TWO_SUMS = [k for k in KEYS_IN_IDENTITIES if len(identities_of(k)) >= 2]


def _unread_beside_doubtful(values: dict, key: str, doubtful: str) -> Document:
    doc = document_with(values)
    doc = _with_reading(doc, key, missing_cell(key, "cannot read a number in “↓”"))
    return _with_reading(doc, doubtful, doc.cells[doubtful].with_flag(Flag.ENGINE_DISAGREEMENT,
                                                                       "second engine read “2”"))


@given(seed=st.integers(0, 10_000), key=st.sampled_from(KEYS_IN_TWO_SUMS), pick=st.integers(0, 10_000))
@settings(max_examples=100, deadline=None)
def test_an_unread_cell_beside_a_doubtful_reading_gets_the_value_two_sums_agree_on(seed: int, key: str,
                                                                                   pick: int) -> None:
    """A broken 4 in a row and a column where another reading is in doubt: the sums, its doubtful
    mate as read, agree on its value; only the suspects are flagged."""
    values = consistent_values(random.Random(seed))
    mates = sorted({k for i in identities_of(key) for k in i.keys} - {key})
    doubtful = mates[pick % len(mates)]
    doc = validate_document(_unread_beside_doubtful(values, key, doubtful))
    assert doc.cells[key].suggestion == values[key]
    flagged = {k for k, c in doc.cells.items() if c.flagged}
    assert key in flagged <= {key, doubtful}  # a 0 breaks nothing: the mate's sums may confirm it


def _mates(key: str) -> list[str]:
    return sorted({k for i in identities_of(key) for k in i.keys} - {key})


@given(seed=st.integers(0, 10_000), key=st.sampled_from(KEYS_IN_TWO_SUMS), delta=st.integers(1, 50),
       picks=st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000)))
@settings(max_examples=300, deadline=None)
def test_a_clear_misread_among_unread_and_doubtful_cells_is_never_silent(seed: int, key: str, delta: int,
                                                                        picks: tuple[int, int, int]) -> None:
    """A confident misread near an unread cell, a doubtful reading and a second unread cell: the
    values the sums pin the unread cells to must not absorb it."""
    values = consistent_values(random.Random(seed))
    near = _mates(key)
    misread = near[picks[0] % len(near)]
    doubtful = (near + _mates(misread))[picks[1] % (len(near) + len(_mates(misread)))]
    second = (_mates(misread) + _mates(doubtful))[picks[2] % (len(_mates(misread)) + len(_mates(doubtful)))]
    if len({key, misread, doubtful, second}) < 4:
        return
    values[misread] = int(values[misread]) + delta
    doc = _unread_beside_doubtful(values, key, doubtful)
    doc = _with_reading(doc, second, missing_cell(second, "ink in the cell but no text could be read"))
    assert validate_document(doc).cells[misread].flagged


@pytest.mark.parametrize("seed", range(5))
def test_a_value_one_sum_pins_that_another_contradicts_is_no_suggestion(seed: int) -> None:
    """t3.new.research misread; t3.carried_over.research and t3.new.legal_service unread beside it;
    t3.carried_over.legal_service in doubt. Column research pins carried_over.research alone (and
    would absorb the misread); row carried_over, its doubtful mate as read, wants another value:
    no suggestion, and the misread stays flagged."""
    values = consistent_values(random.Random(seed))
    values["t3.new.research"] = int(values["t3.new.research"]) + 3
    doc = _unread_beside_doubtful(values, "t3.carried_over.research", "t3.carried_over.legal_service")
    doc = validate_document(_with_reading(doc, "t3.new.legal_service", missing_cell("t3.new.legal_service", "")))
    assert doc.cells["t3.new.research"].flagged
    assert doc.cells["t3.carried_over.research"].suggestion is None


def test_a_broken_sum_its_suspects_cannot_explain_spares_what_other_sums_vouch_for() -> None:
    """A doubtful misread (+3) in a column whose row also holds an unread cell: the row cannot
    pin the misread, so the column sum is not explained by it alone. Its other members are still
    not flagged: each sits in a row that holds and that only clear readings make up (a misread
    there would break that row too). Who is flagged: the misread and the unread cell."""
    values = consistent_values(random.Random(4))
    wrong, unread = "t3.disclosed.natural_person", "t3.disclosed.commercial"
    values[wrong] = int(values[wrong]) + 3
    doc = document_with(values)
    cells = dict(doc.cells)
    cells[wrong] = cells[wrong].with_flag(Flag.ENGINE_DISAGREEMENT, "second engine read “7”")
    cells[unread] = missing_cell(unread, "cannot read a number in “a”")
    out = validate_document(doc.model_copy(update={"cells": cells}))
    assert {k for k, c in out.cells.items() if c.flagged} == {wrong, unread}
    column = next(i for i in IDENTITIES if i.family == "t3_results" and wrong in i.keys)
    assert column.name in {v.rule for v in out.violations}  # the broken sum itself stays a violation
