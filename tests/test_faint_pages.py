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
