"""Properties of the 42 identities: a consistent table passes; perturbing one cell breaks
exactly the identities that cell belongs to, and the cell is always flagged."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from service.formats import IDENTITIES, all_keys, identities_of
from service.model import Flag
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
    assert Flag.BROKEN_IDENTITY in cell.flags
    if len(identities_of(key)) >= 2:  # row and column cross at this cell: it is pinned
        assert cell.suggestion == original
        assert sum(c.flagged for c in doc.cells.values()) == 1
    assert cell.value == int(original) + delta  # the printed value is never overwritten


def test_single_identity_break_flags_all_its_cells_without_suggestion() -> None:
    values = consistent_values(random.Random(1))
    values["t4.review.total"] = int(values["t4.review.total"]) + 3
    doc = validate_document(document_with(values))
    flagged = {k for k, c in doc.cells.items() if c.flagged}
    assert flagged == {f"t4.review.{c}" for c in ("upheld", "corrected", "other", "pending", "total")}
    assert all(doc.cells[k].suggestion is None for k in flagged)


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


def _doubtful(doc_values: dict, key: str) -> dict:
    doc = document_with(doc_values)
    cells = dict(doc.cells)
    cells[key] = cells[key].with_flag(Flag.ENGINE_DISAGREEMENT, "second engine read “7”")
    return validate_document(doc.model_copy(update={"cells": cells})).cells


def test_sums_that_hold_clear_a_doubtful_reading() -> None:
    values = consistent_values(random.Random(4))
    cell = _doubtful(values, "t3.disclosed.natural_person")["t3.disclosed.natural_person"]
    assert not cell.flagged and "second engine" in cell.reasons[0]
    t4 = _doubtful(values, "t4.review.upheld")["t4.review.upheld"]
    assert t4.flagged  # only one identity: not enough to outweigh the doubt


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
