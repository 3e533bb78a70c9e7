"""The contract's additions for issue 8 are additive: ``flagged``/``reasons`` keep their meaning,
noted cells say ``noted``, violations say ``kind`` and ``message``, ``blank_as`` writes blanks as 0."""

from __future__ import annotations

import json
import random

from service.contract import document_to_contract
from service.model import BlankAs
from service.tables.reading import missing_cell, read_cell
from service.validation import validate_document
from tests.factories import consistent_values, document_with


def test_noted_blank_report_error_and_blank_as_in_the_contract() -> None:
    values = consistent_values(random.Random(11))
    blank = next(k for k, v in values.items() if k.startswith("t3.") and v == 0)
    values["t4.review.total"] = int(values["t4.review.total"]) + 1
    doc = document_with(values)
    unread = "t2.rules.issued"
    cells = {**doc.cells, blank: read_cell(blank, (), 1, None), unread: missing_cell(unread, "no printed cell")}
    doc = validate_document(doc.model_copy(update={"cells": cells}))
    out = json.loads(json.dumps(document_to_contract(doc)))
    cell = out["cells"][blank]
    assert (cell["value"], cell["flagged"], cell["noted"]) == (None, False, ["printed_blank"])
    assert cell["reasons"][0].startswith("printed blank")
    assert "noted" not in out["cells"][unread] and out["cells"][unread]["flagged"]
    [v] = out["violations"]
    assert (v["kind"], v["rule"], v["difference"]) == ("report_error", "t4 review: total = sum", 1)
    assert v["message"] == f"printed {v['found']}, the sums want {v['expected']}"
    assert all(out["cells"][k]["flagged"] and "suggestion" not in out["cells"][k] for k in v["cells"])
    zero = document_to_contract(doc, BlankAs.ZERO)
    assert zero["cells"][blank]["value"] == 0 and zero["cells"][unread]["value"] is None


def test_revalidating_extracted_reports_changes_nothing() -> None:
    from pathlib import Path

    from service.pipeline import extract
    from service.review_load import DecisionKind, document_decisions

    fixtures = Path(__file__).parent / "fixtures"
    for name in ("slip-report", "old-layout-report"):
        doc = extract(fixtures / f"{name}.pdf")
        again = validate_document(doc)
        assert again.cells == doc.cells and again.violations == doc.violations, name
    kinds = [d.kind for d in document_decisions(extract(fixtures / "slip-report.pdf"))]
    assert kinds == [DecisionKind.REPORT_ERROR, DecisionKind.REPORT_ERROR]
    old = document_decisions(extract(fixtures / "old-layout-report.pdf"))
    assert [(d.kind, d.label, len(d.cells)) for d in old] == [(DecisionKind.GROUP, "old_layout", 21)]
