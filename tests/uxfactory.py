"""A test report with the cases the review-station extras are for (group verification, structure
repair, audit), built on ``docfactory.make_document`` and stored over an extracted document.

- ``ZERO_GROUP``: three cells read "0" with low confidence (t4 cells in a single identity beside
  another doubtful member, ``ZERO_ROW_MATE`` for the third: no sum of clear readings pins them,
  so the sums cannot clear the doubt);
- ``BLANK_GROUP``: two blank marks read by OCR as "—" (value null, true value 0): doubtful blanks,
  so flagged (a cell without ink would be a certain blank: noted, not flagged);
- ``SHIFTED_ROW`` (``t3.disclosed``) was mapped one column too far left: its first value is lost,
  every other reading sits one column left, the total column is blank;
- ``SWAPPED_ROWS``: the readings of ``t3.partly_disclosed`` and ``t3.refused_law`` were mapped to
  each other's row.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docfactory import make_document, make_png

from service.model import Cell, Document, Flag
from service.storage import Storage
from service.storage.results import save_extraction
from service.storage.revalidate import default_validator

ZERO_GROUP = ("t4.review.corrected", "t4.review.other", "t4.suit_direct.corrected")
ZERO_ROW_MATE = "t4.suit_direct.upheld"  # read "1" with low confidence: a doubt of its own
BLANK_GROUP = ("t4.suit_after_review.corrected", "t4.suit_after_review.other")
SHIFTED_ROW = "t3.disclosed"
SWAPPED_ROWS = ("t3.partly_disclosed", "t3.refused_law")
T3_COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total")


BLANK_REASON = "printed blank (no number): value left empty, not 0"   # as service/tables/reading.py writes it


def ux_document(path: str | Path) -> Document:
    doc = make_document(path)
    cells = dict(doc.cells)
    for key in ZERO_GROUP:
        cells[key] = cells[key].model_copy(update={"confidence": 0.55}).with_flag(
            Flag.LOW_CONFIDENCE, "OCR confidence 0.55")
    cells[ZERO_ROW_MATE] = cells[ZERO_ROW_MATE].model_copy(update={"confidence": 0.6}).with_flag(
        Flag.LOW_CONFIDENCE, "OCR confidence 0.60")
    for key in BLANK_GROUP:
        cells[key] = cells[key].model_copy(update={"value": None, "text": "—"}).with_flag(
            Flag.BLANK, BLANK_REASON)
    row = [cells[f"{SHIFTED_ROW}.{c}"] for c in T3_COLS]
    for i, col in enumerate(T3_COLS):
        key = f"{SHIFTED_ROW}.{col}"
        cells[key] = (row[i + 1].model_copy(update={"key": key}) if i + 1 < len(row)
                      else Cell(key=key, page=1).with_flag(Flag.BLANK, BLANK_REASON))
    a, b = SWAPPED_ROWS
    for col in T3_COLS:
        ka, kb = f"{a}.{col}", f"{b}.{col}"
        cells[ka], cells[kb] = cells[kb].model_copy(update={"key": ka}), cells[ka].model_copy(update={"key": kb})
    return default_validator()(doc.model_copy(update={"cells": cells}))


def store_ux_document(storage: Storage, doc_id: int, path: str | Path = "ux.png") -> None:
    """Replace an extracted document's result with ``ux_document``."""
    assert save_extraction(storage, doc_id, ux_document(path))


# Issue 8's one-decision groups (``groups_document``): three items table 二 of this layout does not
# print (no printed cell found), and a t4 total the report itself prints one too high (clear readings).
NOT_PRINTED = ("t2.rules.issued", "t2.rules.repealed", "t2.rules.in_force")
REPORT_ERROR_GROUP = "t4.suit_after_review"


def groups_document(path: str | Path) -> Document:
    from service.tables.reading import missing_cell

    doc = make_document(path)
    cells = dict(doc.cells)
    for key in NOT_PRINTED:
        cells[key] = missing_cell(key, "no printed cell found for this item")
    total = cells[f"{REPORT_ERROR_GROUP}.total"]
    printed = int(total.value or 0) + 1
    cells[total.key] = total.model_copy(update={"value": printed, "text": str(printed)})
    return default_validator()(doc.model_copy(update={"cells": cells}))


def extracted_upload(app: Any, storage: Storage, png_path: Path, batch: str, salt: str = "") -> int:
    """The id of a document uploaded as ``docfactory.make_png(png_path, salt)`` into a new batch
    ``batch`` and extracted by the app's job runner (waited for)."""
    from service.storage.intake import add_upload, create_batch

    png = make_png(png_path, salt)
    up = add_upload(storage, create_batch(storage, batch), png.name, io.BytesIO(png.read_bytes()))
    runner = app.extensions["gouji"].runner
    runner.submit(up.document_id)
    runner.wait()
    return up.document_id


def store_groups_document(storage: Storage, doc_id: int, path: str | Path = "groups.png") -> None:
    assert save_extraction(storage, doc_id, groups_document(path))
