"""Structure repair (REVIEW_UX.md §8): fix where values sit, not what they read.

``shift_row`` moves a row's readings one column left or right (the mapper misaligned the columns);
``move_row`` re-assigns a row's readings to another canonical row of the same table (the mapper
put the numbers in the wrong row); the target row's readings go to the source row, so nothing is
lost (a swap; moving onto an empty row leaves the source row empty).

A reading travels whole — value, printed text, page and bbox (the crop stays the evidence). A moved
reading that was read confidently becomes the reviewer's value (source human: corrected, or accepted
when the value is the same); one that carried a doubt (low confidence, blank, unreadable…) stays a
reading, still flagged for a look. A cell left without a reading (the column shifted off) becomes
empty and flagged ``missing``. Each is ONE action: one transaction, a revision for every affected
cell, then the rules re-run — and one undoable action (``service.review.undo``, Ctrl+Z).
"""

from __future__ import annotations

from typing import Any

from service.model import Cell, Document, Flag, Source
from service.review import review, undo
from service.storage import Storage
from service.storage.codec import number_to_text
from service.storage.errors import InvalidAction
from service.storage.tables import CellStatus, RevisionAction
from service.validation import RULE_FLAGS

DIRECTIONS = {"left": -1, "right": 1}
EMPTIED_REASON = "emptied by structure repair: type the printed value (or confirm it is blank)"


def row_keys(doc: Document, row: str) -> list[str]:
    """The keys of ``row`` (``"t3.new"``) in reading (column) order; InvalidAction when it has none."""
    if row.count(".") != 1:
        raise InvalidAction(f"{row!r} is not a row (expected table.row, e.g. t3.new)")
    keys = [k for k in doc.cells if k.startswith(row + ".")]
    if not keys:
        raise InvalidAction(f"the document has no row {row}")
    return keys


def _shift_builder(row: str, direction: str) -> review.Builder:
    if direction not in DIRECTIONS:
        raise InvalidAction("direction must be left or right")
    step = DIRECTIONS[direction]

    def build(doc: Document) -> list[review.CellChange]:
        keys = row_keys(doc, row)
        if len(keys) < 2:
            raise InvalidAction(f"{row} has a single column: nothing to shift")
        reason = f"structure repair: {row} shifted one column {direction}"
        changes = []
        for i, key in enumerate(keys):
            j = i - step                                   # the column whose reading lands here
            source = doc.cells[keys[j]] if 0 <= j < len(keys) else None
            changes.append(_change(doc.cells[key], source, reason))
        return changes

    return build


def shift_row(st: Storage, doc_id: int, row: str, direction: str, versions: dict[str, int],
              user_id: int) -> dict[str, int]:
    """Shift ``row``'s readings one column ``left`` or ``right`` (printed column order); returns the
    new cell versions. Recorded as one undoable action. The exact reverse of the newest repair (the
    same row shifted back, nothing changed since) is that repair's undo, so a value shifted off the
    edge comes back: left then right loses nothing."""
    build = _shift_builder(row, direction)
    if undo.is_reversal(undo.latest(st, doc_id), undo.RepairKind.SHIFT, row, direction, versions):
        return undo.undo_last(st, doc_id, user_id)[1]
    return review.apply_changes(st, doc_id, versions, build, user_id,
                                on_commit=undo.recorder(doc_id, undo.RepairKind.SHIFT, row, direction, user_id))


def preview_shift(st: Storage, doc_id: int, row: str, direction: str) -> dict[str, list[Any]]:
    """What ``shift_row`` would write, without writing: ``{keys, before, after}`` in printed column
    order (values as text; None for an empty cell). The same builder as the shift itself."""
    doc = review.load_document(st, doc_id)
    changes = _shift_builder(row, direction)(doc)
    keys = [c.key for c in changes]
    return {"keys": keys, "before": [number_to_text(doc.cells[k].value) for k in keys],
            "after": [number_to_text(c.cell.value) for c in changes]}


def set_box(st: Storage, doc_id: int, key: str, page: int, bbox: tuple[float, float, float, float],
            version: int, user_id: int) -> int:
    """Record where a cell with no printed cell lies (drawn by the reviewer): ``page`` (1-based) and
    ``bbox`` in page-image pixels at the document's DPI. The value and flags stay; returns the version."""
    x0, y0, x1, y1 = bbox
    if not (x1 > x0 >= 0 and y1 > y0 >= 0):
        raise InvalidAction("bbox must be [x0, y0, x1, y1] with x0 < x1 and y0 < y1, in pixels")

    def build(doc: Document) -> list[review.CellChange]:
        if key not in doc.cells:
            raise InvalidAction(f"the document has no cell {key}")
        if not 1 <= page <= doc.page_count:
            raise InvalidAction(f"the document has no page {page}")
        cell = doc.cells[key].model_copy(update={"page": page, "bbox": (x0, y0, x1, y1)})
        return [review.CellChange(key, cell, RevisionAction.CORRECT, f"box drawn by the reviewer on page {page}")]

    return review.apply_changes(st, doc_id, {key: version}, build, user_id)[key]


def move_row(st: Storage, doc_id: int, row: str, target: str, versions: dict[str, int],
             user_id: int) -> dict[str, int]:
    """Swap the readings of ``row`` and ``target`` (same table, same columns)."""
    if row == target:
        raise InvalidAction("the target row is the row itself")
    if row.split(".", 1)[0] != target.split(".", 1)[0]:
        raise InvalidAction("a row can only be re-assigned within its table")

    def build(doc: Document) -> list[review.CellChange]:
        src, dst = row_keys(doc, row), row_keys(doc, target)
        cols = [k.rsplit(".", 1)[1] for k in src]
        if cols != [k.rsplit(".", 1)[1] for k in dst]:
            raise InvalidAction(f"{row} and {target} do not have the same columns")
        reason = f"structure repair: readings of {row} re-assigned to {target} (and back)"
        changes = []
        for a, b in zip(src, dst, strict=True):
            changes.append(_change(doc.cells[b], doc.cells[a], reason))
            changes.append(_change(doc.cells[a], doc.cells[b], reason))
        return changes

    return review.apply_changes(st, doc_id, versions, build, user_id,
                                on_commit=undo.recorder(doc_id, undo.RepairKind.MOVE, row, target, user_id))


def _change(old: Cell, reading: Cell | None, reason: str) -> review.CellChange:
    """The cell ``old.key`` after receiving ``reading`` (None, or an empty missing cell: no reading)."""
    if reading is None or (reading.value is None and Flag.MISSING in reading.flags):
        source = Source.PDF_TEXT if old.source is Source.HUMAN else old.source
        empty = Cell(key=old.key, page=old.page, source=source).with_flag(Flag.MISSING, EMPTIED_REASON)
        return review.CellChange(old.key, empty, RevisionAction.CORRECT, reason)
    flags = tuple(f for f in reading.flags if f not in RULE_FLAGS)
    cell = reading.model_copy(update={"key": old.key, "flags": flags, "suggestion": None,
                                      "reasons": reading.reasons if flags else ()})
    if flags and cell.source is not Source.HUMAN:
        return review.CellChange(old.key, cell, RevisionAction.CORRECT, reason)   # still a doubtful reading
    status = CellStatus.ACCEPTED if cell.value == old.value else CellStatus.CORRECTED
    human = cell.model_copy(update={"source": Source.HUMAN, "flags": (), "reasons": ()})
    return review.CellChange(old.key, human, RevisionAction.CORRECT, reason, status)

