"""Re-running the rules after a human edit.

``default_validator()`` is ``service.validation.validate_document`` when that stage is present;
until then a minimal stand-in recomputes the identity violations, ``BROKEN_IDENTITY`` flags and
single-cell suggestions so the review service works on its own. A human edit (``human_value``)
sets ``source=HUMAN``, the new value, confidence 1.0, and clears the reading flags of that cell.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from service.formats import IDENTITIES, Identity
from service.model import Cell, Document, Flag, Source, Violation

Validator = Callable[[Document], Document]
IDENTITY_REASON_PREFIX = "broken identity: "


def default_validator() -> Validator:
    try:
        from service.validation import validate_document
    except ImportError:
        return fallback_validate
    return validate_document


ENGINE_EVIDENCE_PREFIX = "engine reading: "


def engine_evidence(cell: Cell) -> str | None:
    """What the engine read, kept beside the human decision (one reason line): the value, the
    printed text, the confidence, the source and the doubts. A human cell keeps the line it has."""
    if cell.source is Source.HUMAN:
        return next((r for r in cell.reasons if r.startswith(ENGINE_EVIDENCE_PREFIX)), None)
    shown = "∅" if cell.value is None else str(cell.value)
    doubts = "; ".join(cell.reasons)
    return (f"{ENGINE_EVIDENCE_PREFIX}{shown} (printed “{cell.text}”, confidence {cell.confidence:.2f}, "
            f"{cell.source.value})" + (f": {doubts}" if doubts else ""))


def human_value(cell: Cell, value: int | Decimal | None) -> Cell:
    """The cell after a person confirmed or typed ``value``: no reading flags, source HUMAN; the
    engine's reading stays as one reason line (``engine_evidence``)."""
    evidence = engine_evidence(cell)
    return cell.model_copy(update={
        "value": value, "source": Source.HUMAN, "confidence": 1.0,
        "flags": (), "reasons": (evidence,) if evidence else (), "suggestion": None,
    })


def fallback_validate(doc: Document) -> Document:
    """Recompute identity violations/flags/suggestions; keeps every other flag as it was."""
    cells = {k: _without_identity_flags(c) for k, c in doc.cells.items()}
    violations: list[Violation] = []
    for ident in IDENTITIES:
        violation = _check(ident, cells)
        if violation is None:
            continue
        violations.append(violation)
        for key in ident.keys:
            if key in cells:
                cells[key] = cells[key].with_flag(Flag.BROKEN_IDENTITY, IDENTITY_REASON_PREFIX + ident.name)
    _suggest(cells, violations)
    return doc.model_copy(update={"cells": cells, "violations": tuple(violations)})


def _without_identity_flags(cell: Cell) -> Cell:
    flags = tuple(f for f in cell.flags if f is not Flag.BROKEN_IDENTITY)
    reasons = tuple(r for r in cell.reasons if not r.startswith(IDENTITY_REASON_PREFIX))
    return cell.model_copy(update={"flags": flags, "reasons": reasons, "suggestion": None})


def sides(ident: Identity, cells: dict[str, Cell]) -> tuple[Decimal | None, Decimal | None]:
    """``(sum of lhs, sum of rhs)``; a side is ``None`` when one of its cells has no value."""
    def total(keys: tuple[str, ...]) -> Decimal | None:
        values = [cells[k].value if k in cells else None for k in keys]
        return None if any(v is None for v in values) else sum((Decimal(v) for v in values), Decimal(0))
    return total(ident.lhs), total(ident.rhs)


def _check(ident: Identity, cells: dict[str, Cell]) -> Violation | None:
    lhs, rhs = sides(ident, cells)
    if lhs is None or rhs is None or lhs == rhs:
        return None
    return Violation(rule=ident.name, cells=ident.keys, expected=lhs, found=rhs)


def _suggest(cells: dict[str, Cell], violations: list[Violation]) -> None:
    """A cell in two broken identities that one value would fix both of gets that value suggested."""
    by_rule = {i.name: i for i in IDENTITIES}
    counts: dict[str, list[Violation]] = {}
    for v in violations:
        for key in v.cells:
            counts.setdefault(key, []).append(v)
    for key, vs in counts.items():
        if len(vs) < 2 or cells[key].source is Source.HUMAN:
            continue
        fixes = {_fix(by_rule[v.rule], key, cells) for v in vs}
        fix = fixes.pop() if len(fixes) == 1 else None
        if fix is not None and fix >= 0:
            cells[key] = cells[key].model_copy(update={"suggestion": int(fix) if fix == int(fix) else fix})


def _fix(ident: Identity, key: str, cells: dict[str, Cell]) -> Decimal | None:
    lhs, rhs = sides(ident, cells)
    value = cells[key].value
    if lhs is None or rhs is None or value is None:
        return None
    gap = lhs - rhs
    return Decimal(value) + (gap if key in ident.rhs else -gap)
