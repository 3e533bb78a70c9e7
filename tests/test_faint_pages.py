"""On a page whose capture cannot prove absence of ink (1-bit or coarse fax), a cell without ink
is not a certain printed blank: it stays flagged for a person instead of being noted."""

from __future__ import annotations

from pathlib import Path

from service.pipeline import extract
from service.validation import validate_document

FIXTURES = Path(__file__).parent / "fixtures"


def test_blanks_on_a_faint_page_are_flagged_not_noted() -> None:
    doc = extract(FIXTURES / "slip-report.pdf")
    noted = {k for k, c in doc.cells.items() if c.noted and not c.flagged}
    assert noted, "the slip report prints a blank row: its cells are noted blanks"
    faint = doc.model_copy(update={"pages": tuple(p.model_copy(update={"ink_reliable": False}) for p in doc.pages)})
    again = validate_document(faint)
    assert all(again.cells[k].flagged and again.cells[k].value is None for k in noted)
    assert {k for k, c in validate_document(doc).cells.items() if c.noted and not c.flagged} == noted


def test_a_table_printing_blanks_for_zeros_keeps_them_noted_on_a_faint_page() -> None:
    """Dozens of inkless cells in one table are the report's way of printing 0, not lost digits;
    a lone inkless cell among printed numbers stays flagged."""
    from service.model import Cell, Flag

    doc = extract(FIXTURES / "slip-report.pdf")
    zeros = [k for k, c in doc.cells.items() if k.startswith("t3.") and c.value == 0 and not c.flagged]
    assert len(zeros) > 25

    def blank(key: str) -> Cell:
        c = doc.cells[key]
        return Cell(key=key, page=c.page, bbox=c.bbox, source=c.source, flags=(Flag.BLANK,),
                    reasons=("printed blank (no number): value left empty, not 0",))

    pages = tuple(p.model_copy(update={"ink_reliable": False}) for p in doc.pages)
    blanks = {k: blank(k) for k in zeros}
    many = validate_document(doc.model_copy(update={"pages": pages, "cells": {**doc.cells, **blanks}}))
    assert all(many.cells[k].noted and not many.cells[k].flagged for k in zeros)
    lone = validate_document(doc.model_copy(update={"pages": pages, "cells": {**doc.cells, zeros[0]: blank(zeros[0])}}))
    assert lone.cells[zeros[0]].flagged
