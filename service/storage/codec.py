"""Conversions between the typed model (``service.model``) and database rows.

Numbers travel as canonical decimal text: ints as ``"18"``, decimals with their printed scale
(``Decimal("3.50")`` → ``"3.50"``). Keys in ``formats.DECIMAL_KEYS`` always read back as ``Decimal``.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from service.formats import DECIMAL_KEYS
from service.model import Cell, Document, Flag, Source, Violation, ViolationKind
from service.settings import REVIEW_BASE_CACHE_DOCUMENTS as BASE_CACHE_DOCUMENTS
from service.storage.tables import CellRow, CellStatus, ViolationRow

Number = int | Decimal


def number_to_text(value: Number | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(int(value))


def text_to_number(text: str | None, key: str) -> Number | None:
    if text is None or text == "":
        return None
    if key in DECIMAL_KEYS or "." in text:
        return Decimal(text)
    return int(text)


def parse_user_number(raw: object, key: str) -> Number | None:
    """A value typed by a person (str/int/float/None) → model number; ``ValueError`` if not a number.

    Accepts ``""``/``None`` (blank), thousands separators and full-width digits.
    """
    if raw is None:
        return None
    text = str(raw).strip().translate(_FULLWIDTH).replace(",", "").replace(" ", "")
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{raw!r} is not a number") from exc
    if not number.is_finite():
        raise ValueError(f"{raw!r} is not a number")
    if key in DECIMAL_KEYS:
        return number
    if number != number.to_integral_value():
        raise ValueError(f"{key} takes a whole number, not {raw!r}")
    return int(number)


_FULLWIDTH = str.maketrans("０１２３４５６７８９．－，", "0123456789.-,")


def cell_status(cell: Cell, human_status: CellStatus | None) -> CellStatus:
    """A human-touched cell keeps its human status; otherwise flagged or ok by its flags."""
    if cell.source is Source.HUMAN and human_status in (CellStatus.ACCEPTED, CellStatus.CORRECTED):
        return human_status
    return CellStatus.FLAGGED if cell.flagged else CellStatus.OK


def fill_row(row: CellRow, cell: Cell) -> None:
    """Copy the model cell's data onto ``row`` (status and version are the caller's business)."""
    row.value = number_to_text(cell.value)
    row.text = cell.text
    row.confidence = float(cell.confidence)
    row.page = cell.page
    row.bbox = json.dumps([round(v, 2) for v in cell.bbox]) if cell.bbox else None
    row.flags = ",".join(f.value for f in cell.flags)
    row.reasons = json.dumps(list(cell.reasons), ensure_ascii=False)
    row.suggestion = number_to_text(cell.suggestion)
    row.source = cell.source.value


def row_to_cell(row: CellRow) -> Cell:
    bbox = json.loads(row.bbox) if row.bbox else None
    return Cell(
        key=row.key, text=row.text, value=text_to_number(row.value, row.key), confidence=row.confidence,
        page=row.page, bbox=tuple(bbox) if bbox else None, source=Source(row.source),
        flags=tuple(Flag(f) for f in row.flags.split(",") if f), reasons=tuple(json.loads(row.reasons)),
        suggestion=text_to_number(row.suggestion, row.key),
    )


def violation_row(v: Violation) -> ViolationRow:
    return ViolationRow(rule=v.rule, cells=json.dumps(list(v.cells)),
                        expected=number_to_text(v.expected), found=number_to_text(v.found), kind=v.kind.value)


def row_to_violation(row: ViolationRow) -> Violation:
    exp = Decimal(row.expected) if row.expected is not None else None
    found = Decimal(row.found) if row.found is not None else None
    return Violation(rule=row.rule, cells=tuple(json.loads(row.cells)), expected=exp, found=found,
                     kind=ViolationKind(row.kind or ViolationKind.IDENTITY.value))


def base_json(doc: Document) -> str:
    """The document without cells and violations (those live in their own tables)."""
    return doc.model_copy(update={"cells": {}, "violations": ()}).model_dump_json()


@lru_cache(maxsize=BASE_CACHE_DOCUMENTS)
def _base_document(doc_json: str) -> Document:
    """The parsed document without cells (pages, tokens, report): parsed once per distinct JSON —
    every save reads it twice, and it does not change while a document is reviewed. Frozen, so
    sharing it is safe."""
    return Document.model_validate_json(doc_json)


def document_from_rows(doc_json: str, cells: list[CellRow], violations: list[ViolationRow]) -> Document:
    base = _base_document(doc_json)
    return base.model_copy(update={
        "cells": {row.key: row_to_cell(row) for row in sorted(cells, key=lambda r: r.position)},
        "violations": tuple(row_to_violation(v) for v in violations),
    })
