"""Reviewer load: decisions per document and the time estimate (service.review_load)."""

from __future__ import annotations

import random

import pytest

from service import settings
from service.model import Document, Flag
from service.review_load import DecisionKind, ReportLoad, document_decisions, load_summary, report_load
from service.tables.reading import missing_cell
from service.validation import validate_document
from tests.factories import consistent_values, document_with


def _doc(values: dict, **cells) -> Document:
    doc = document_with(values)
    return validate_document(doc.model_copy(update={"cells": {**doc.cells, **cells}}))


def test_a_consistent_report_is_straight_through() -> None:
    load = report_load(validate_document(document_with(consistent_values(random.Random(1)))))
    assert load.straight_through and (load.decisions, load.keys, load.seconds) == (0, 0, 0.0)


def test_identical_doubtful_readings_are_one_group_decision() -> None:
    values = consistent_values(random.Random(2))
    # two doubtful zeros of one sum (a lone doubt among clear members is pinned by its sum)
    values.update({"t4.review.corrected": 0, "t4.review.other": 0})
    values["t4.review.total"] = values["t4.review.upheld"] + values["t4.review.pending"]
    zeros = ["t4.review.corrected", "t4.review.other"]
    base = document_with(values)
    doubtful = {k: base.cells[k].with_flag(Flag.ENGINE_DISAGREEMENT, "second engine read “8”") for k in zeros}
    decisions = document_decisions(validate_document(base.model_copy(update={"cells": {**base.cells, **doubtful}})))
    assert [(d.kind, set(d.cells)) for d in decisions] == [(DecisionKind.GROUP, set(zeros))]


def test_a_report_error_is_one_decision_per_identity() -> None:
    values = consistent_values(random.Random(3))
    values["t3.new.total"] = int(values["t3.new.total"]) + 2  # breaks the row and the column
    decisions = document_decisions(_doc(values))
    assert [d.kind for d in decisions] == [DecisionKind.REPORT_ERROR] * 2
    load = report_load(_doc(values))
    assert load.keys == 2 * 2 + 3 and load.looks == 3
    assert load.seconds == pytest.approx(7 * settings.REVIEW_SECONDS_PER_KEY + 3 * settings.REVIEW_SECONDS_PER_LOOK)


def test_a_missing_row_is_one_decision_and_an_unread_cell_one_more() -> None:
    values = consistent_values(random.Random(4))
    row = {f"t4.review.{c}": missing_cell(f"t4.review.{c}", "no printed cell found")
           for c in ("upheld", "corrected", "other", "pending", "total")}
    other = {"t2.rules.issued": missing_cell("t2.rules.issued", "no printed cell found")}
    decisions = document_decisions(_doc(values, **row, **other))
    assert sorted(d.kind for d in decisions) == [DecisionKind.CELL, DecisionKind.MISSING_ROW]


def test_load_summary_counts_straight_through_reports_without_a_slip() -> None:
    loads = [ReportLoad(decisions=0, keys=0, looks=0), ReportLoad(decisions=2, keys=7, looks=3, slip=True),
             ReportLoad(decisions=1, keys=4, looks=2)]
    text = "\n".join(load_summary(loads))
    assert "decisions per report 1.00 (median 1, max 2)" in text
    assert "33 % of reports (1/3); without a printed slip 50 % (1/2)" in text



def test_cells_not_printed_in_this_layout_are_one_decision() -> None:
    """Cells with no printed cell (flag ``missing``, no value) are one group decision, as the
    review station's ``not_printed`` group settles them with one action."""
    from service.review_load import group_of

    base = document_with(consistent_values(random.Random(3)))
    keys = sorted(k for k in base.cells if k.startswith("t2."))[:3]
    gone = {k: missing_cell(k, "not printed in this layout") for k in keys}
    assert {group_of(c) for c in gone.values()} == {"not_printed"}
    decisions = document_decisions(base.model_copy(update={"cells": {**base.cells, **gone}}))
    assert [(d.kind, set(d.cells)) for d in decisions] == [(DecisionKind.GROUP, set(keys))]
