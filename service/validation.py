"""Pipeline stage (and review-time re-check): identities, value rules, narrative totals.

Problems are data: ``Violation(rule, cells, expected, found)``. Identity sums treat an empty
cell as 0 (an empty cell is already flagged on its own). When every broken identity shares a
single cell that takes part in no holding identity, and one value for it makes all of them
hold, that cell is the likely culprit: it alone gets the identity flag plus a ``suggestion``
(never applied). Otherwise every cell of every broken identity is flagged.

``validate_document`` is idempotent: it first strips the flags it owns, then recomputes them,
so the review service calls it after every human edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from service import settings
from service.formats import (
    DECIMAL_KEYS,
    FEE_KEY,
    IDENTITIES,
    SIGNED_KEYS_2019,
    T3_OTHER_SUBROWS,
    Identity,
    identities_of,
)
from service.model import Cell, Document, Flag, NarrativeTotal, Violation

RULE_FLAGS = (Flag.BROKEN_IDENTITY, Flag.NEGATIVE, Flag.IMPLAUSIBLE, Flag.NARRATIVE_MISMATCH)
# Doubts about a *reading* that sums outweigh: a misread digit cannot keep two independent sums.
READING_DOUBTS = frozenset({Flag.LOW_CONFIDENCE, Flag.ENGINE_DISAGREEMENT})
CONFIRMED_PREFIX = "confirmed by "
_RULE_REASON_PREFIXES = ("breaks ", "likely culprit", "negative ", "implausible", "narrative ")


def _value(cells: dict[str, Cell], key: str) -> Decimal:
    cell = cells.get(key)
    return Decimal(cell.value) if cell is not None and cell.value is not None else Decimal(0)


def identity_sides(identity: Identity, cells: dict[str, Cell], old_other: dict[str, Cell]) -> tuple[Decimal, Decimal]:
    """(lhs, rhs) sums. With the old single 其他处理 row, its value stands for the sub-rows."""
    lhs = sum((_value(cells, k) for k in identity.lhs), Decimal(0))
    rhs = sum((_value(cells, k) for k in identity.rhs), Decimal(0))
    if old_other and identity.family == "t3_results":
        col = identity.lhs[0].rsplit(".", 1)[1]
        extra = old_other.get(col)
        if extra is not None and extra.value is not None:
            rhs += Decimal(extra.value)
    return lhs, rhs


def _is_old_row_identity(identity: Identity, old_other: dict[str, Cell]) -> bool:
    return bool(old_other) and any(f"t3.{r}." in identity.lhs[0] for r in T3_OTHER_SUBROWS)


def check_identities(cells: dict[str, Cell], old_other: dict[str, Cell]) -> tuple[list[Violation], set[Identity]]:
    """Broken identities as violations, and the set of identities that hold."""
    broken, holding = [], set()
    for identity in IDENTITIES:
        if _is_old_row_identity(identity, old_other):
            continue
        lhs, rhs = identity_sides(identity, cells, old_other)
        if lhs == rhs:
            holding.add(identity)
        else:
            broken.append(Violation(rule=identity.name, cells=identity.keys, expected=rhs, found=lhs))
    return broken, holding


def find_culprit(broken: list[Violation], holding: set[Identity],
                 cells: dict[str, Cell]) -> tuple[str, Decimal] | None:
    """The single cell (and its value) that would make every broken identity hold, if unique."""
    if not broken:
        return None
    shared = set(broken[0].cells).intersection(*(v.cells for v in broken[1:]))
    in_holding = {k for i in holding for k in i.keys}
    candidates = []
    for key in shared - in_holding:
        fixes = {_fix_value(v, key, _value(cells, key)) for v in broken}
        if len(fixes) == 1 and (fix := fixes.pop()) >= 0:
            candidates.append((key, fix))
    return candidates[0] if len(candidates) == 1 else None


def _fix_value(v: Violation, key: str, current: Decimal) -> Decimal:
    """The value of ``key`` that closes ``v`` (``found`` = lhs sum, ``expected`` = rhs sum)."""
    identity = next(i for i in IDENTITIES if i.name == v.rule)
    assert v.found is not None and v.expected is not None
    gap = v.expected - v.found
    return current + gap if key in identity.lhs else current - gap


def value_rule_flags(cell: Cell) -> list[tuple[Flag, str]]:
    """Non-negativity and plausibility of one cell."""
    if cell.value is None:
        return []
    out = []
    if cell.value < 0 and cell.key not in SIGNED_KEYS_2019:
        out.append((Flag.NEGATIVE, "negative value: counts and fees cannot be below 0"))
    if cell.key == FEE_KEY and cell.value > settings.FEE_PLAUSIBLE_MAX_WAN_YUAN:
        out.append((Flag.IMPLAUSIBLE, f"implausible fee {cell.value} 万元: printed in 元 instead of 万元?"))
    elif cell.key not in DECIMAL_KEYS and cell.value > settings.COUNT_PLAUSIBLE_MAX:
        out.append((Flag.IMPLAUSIBLE, f"implausible count {cell.value}"))
    return out


def confirm_by_sums(cell: Cell, holding: set[Identity]) -> Cell:
    """Clear reading doubts (low OCR score, engines disagree) of a cell whose every identity holds,
    when there are at least ``settings.CONFIRMING_IDENTITIES`` of them (a row and a column sum).

    The doubts stay in ``reasons`` behind "confirmed by …", so a reviewer can still see them.
    """
    if cell.value is None or not cell.flags or not set(cell.flags) <= READING_DOUBTS:
        return cell
    mine = identities_of(cell.key)
    if len(mine) < settings.CONFIRMING_IDENTITIES or not all(i in holding for i in mine):
        return cell
    note = f"{CONFIRMED_PREFIX}{len(mine)} sums that hold, despite: " + "; ".join(cell.reasons)
    return cell.model_copy(update={"flags": (), "reasons": (note,)})


def strip_rule_flags(cell: Cell) -> Cell:
    flags = tuple(f for f in cell.flags if f not in RULE_FLAGS)
    reasons = tuple(r for r in cell.reasons if not r.startswith(_RULE_REASON_PREFIXES))
    return cell.model_copy(update={"flags": flags, "reasons": reasons, "suggestion": None})


def validate_document(doc: Document) -> Document:
    """Recompute violations and rule flags of ``doc.cells`` (idempotent)."""
    cells = {k: strip_rule_flags(c) for k, c in doc.cells.items()}
    broken, holding = check_identities(cells, doc.old_other_row)
    violations: list[Violation] = list(broken)
    culprit = find_culprit(broken, holding, cells)
    if culprit is not None:
        key, fix = culprit
        rules = "; ".join(v.rule for v in broken)
        reason = f"likely culprit of: {rules}; {fix} would make them hold"
        cells[key] = cells[key].with_flag(Flag.BROKEN_IDENTITY, reason)
        cells[key] = cells[key].model_copy(update={"suggestion": _as_number(fix)})
    else:
        for v in broken:
            _flag_all(cells, v.cells, f"breaks {v.rule} ({v.found} ≠ {v.expected})")
    # an identity that holds only as 0 = 0 + 0 confirms nothing (every member may be a misread ink)
    evidence = {i for i in holding if any(_value(cells, k) != 0 for k in i.keys)}
    for key, cell in list(cells.items()):
        cells[key] = confirm_by_sums(cell, evidence)
        for flag, reason in value_rule_flags(cell):
            cells[key] = cells[key].with_flag(flag, reason)
            violations.append(Violation(rule=f"{flag.value}: {key}", cells=(key,), found=Decimal(cell.value or 0)))
    violations.extend(_narrative_violations(doc, cells))
    return doc.model_copy(update={"cells": cells, "violations": tuple(violations)})


def _flag_all(cells: dict[str, Cell], keys: Iterable[str], reason: str) -> None:
    for key in keys:
        if key in cells:
            cells[key] = cells[key].with_flag(Flag.BROKEN_IDENTITY, reason)


def _narrative_violations(doc: Document, cells: dict[str, Cell]) -> list[Violation]:
    """A total the prose quotes only with other values than the table's flags that table cell."""
    out = []
    quotes_by_key: dict[str, list[NarrativeTotal]] = {}
    for quote in doc.narrative:
        quotes_by_key.setdefault(quote.key, []).append(quote)
    for key, quotes in quotes_by_key.items():
        cell = cells.get(key)
        if cell is None or cell.value is None or any(_agrees(q, cells) for q in quotes):
            continue
        quote = quotes[0]
        cells[key] = cell.with_flag(
            Flag.NARRATIVE_MISMATCH, f"narrative text says “{quote.text}” (page {quote.page})")
        out.append(Violation(rule=f"narrative: {key} quoted in text", cells=(key,),
                             expected=Decimal(quote.value), found=Decimal(cell.value)))
    return out


def _agrees(quote: NarrativeTotal, cells: dict[str, Cell]) -> bool:
    """The quote equals the table; 收到 may also count the carried-over applications."""
    if quote.value == _value(cells, quote.key):
        return True
    return quote.key == "t3.new.total" and quote.value == _value(cells, "t3.new.total") + _value(
        cells, "t3.carried_over.total")


def _as_number(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value
