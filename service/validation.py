"""Pipeline stage (and review-time re-check): identities, value rules, narrative totals.

Problems are data: ``Violation(rule, cells, expected, found, kind)``. Identity sums treat an
empty cell as 0. Who must decide a broken identity is ``service.explain``'s business: when all
its members are clear readings it is the report's own error (``kind=report_error``, every member
flagged ``report_error``, one decision, no suggestion); otherwise only its doubtful/unread members
are flagged, with the value that makes the identities hold as ``suggestion`` when it is unique
(never applied). A row none of whose cells was read is one ``missing_row`` violation. A certain
printed blank is *noted* (flag ``printed_blank``: reason kept, ``flagged`` false).

``validate_document`` is idempotent: it first strips the flags it owns, then recomputes them,
so the review service calls it after every human edit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from service import settings
from service.explain import (
    Reading,
    classify,
    corroborated_keys,
    explains,
    flag_missing_row,
    flag_violation,
    is_certain_blank,
    missing_rows,
    note_certain_blank,
    reading_of,
    suggestions,
    unnote_blank,
)
from service.formats import (
    DECIMAL_KEYS,
    FEE_KEY,
    IDENTITIES,
    SIGNED_KEYS_2019,
    T3_OTHER_SUBROWS,
    Identity,
    identities_of,
)
from service.model import Cell, Document, Flag, NarrativeTotal, Violation, ViolationKind

RULE_FLAGS = (Flag.BROKEN_IDENTITY, Flag.NEGATIVE, Flag.IMPLAUSIBLE, Flag.NARRATIVE_MISMATCH,
              Flag.REPORT_ERROR, Flag.ROW_NOT_READ)
# Doubts about a *reading* that sums outweigh: a misread digit cannot keep two independent sums.
READING_DOUBTS = frozenset({Flag.LOW_CONFIDENCE, Flag.ENGINE_DISAGREEMENT})
CONFIRMED_PREFIX = "confirmed by "
_RULE_REASON_PREFIXES = ("breaks ", "likely culprit", "negative ", "implausible", "narrative ",
                         "report's own error", "row not read", "suggested ")


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


def pinned_by_clear_sums(cells: dict[str, Cell], holding: set[Identity]) -> dict[str, Cell]:
    """Cells in reading doubt (only ``READING_DOUBTS``) confirmed because an identity that holds
    has them as its only member that is not a clear reading: the clear members fix the value, as
    surely as two sums do (it could be wrong only if a clear member were misread by exactly the
    opposite amount). Confirmed before broken identities are explained, so a broken column sum
    whose other doubtful members are pinned by their rows points at the one it does not pin.

    Decided on the readings as they are (one pass: a cell confirmed here pins nothing else)."""
    out: dict[str, Cell] = {}
    for identity in (i for i in IDENTITIES if i in holding):  # in the template's order: the same reason every run
        doubtful = [k for k in identity.keys if reading_of(cells.get(k)) is not Reading.CLEAR]
        cell = cells.get(doubtful[0]) if len(doubtful) == 1 else None
        if cell is None or cell.value is None or not set(cell.flags) <= READING_DOUBTS or cell.key in out:
            continue
        note = f"{CONFIRMED_PREFIX}{identity.name}, its other members read clearly, despite: " + "; ".join(cell.reasons)
        out[cell.key] = cell.model_copy(update={"flags": (), "reasons": (note,)})
    return out


def strip_rule_flags(cell: Cell) -> Cell:
    if not cell.flags and not cell.reasons and cell.suggestion is None:
        return cell  # nothing to strip (most cells): the same content, no copy
    cell = unnote_blank(cell)
    flags = tuple(f for f in cell.flags if f not in RULE_FLAGS)
    reasons = tuple(r for r in cell.reasons if not r.startswith(_RULE_REASON_PREFIXES))
    return cell.model_copy(update={"flags": flags, "reasons": reasons, "suggestion": None})


def validate_document(doc: Document) -> Document:
    """Recompute violations and rule flags of ``doc.cells`` (idempotent)."""
    cells = {k: strip_rule_flags(c) for k, c in doc.cells.items()}
    broken, holding = check_identities(cells, doc.old_other_row)  # on values: pinning changes none
    cells.update(pinned_by_clear_sums(cells, holding))
    corroborated = corroborated_keys(cells, holding)  # a pinned doubt counts: clear members fixed its value
    violations = _identity_violations(cells, doc.old_other_row, broken, corroborated)
    evidence = _evidence_for(holding, cells)
    unsure = _unsure_blanks(doc, cells)
    for key, cell in list(cells.items()):
        confirmed = confirm_by_sums(cell, evidence(key))
        cells[key] = confirmed if unsure(confirmed) else note_certain_blank(confirmed)
        for flag, reason in value_rule_flags(cell):
            cells[key] = cells[key].with_flag(flag, reason)
            violations.append(Violation(rule=f"{flag.value}: {key}", cells=(key,), found=Decimal(cell.value or 0),
                                        kind=ViolationKind.VALUE_RULE))
    violations.extend(_narrative_violations(doc, cells))
    return doc.model_copy(update={"cells": cells, "violations": tuple(violations)})


def _evidence_for(holding: set[Identity], cells: dict[str, Cell]) -> Callable[[str], set[Identity]]:
    """Per cell key, the holding identities that are evidence for its value: those with a member
    other than 0, and those that hold as 0 = 0 + 0 with every member of the other side a clear
    number (read without doubt).

    An identity that holds only as 0 = 0 + 0 confirms nothing by itself (every member may be a
    misread ink), but where one side is clear zeros the other side's members are pinned to 0 as
    surely as any sum pins a cell: the identities add counts, never negative, so parts that add
    up to a clear 0 are all 0. Decided on the readings before any confirmation (the order of
    the cells does not matter)."""
    nonzero = {i for i in holding if any(_value(cells, k) != 0 for k in i.keys)}
    clear = {k for k, c in cells.items() if c.value is not None and not c.flagged}
    zeros = holding - nonzero

    def evidence(key: str) -> set[Identity]:
        pinned = {i for i in zeros if _other_side_clear(i, key, clear)}
        return nonzero | pinned if pinned else nonzero
    return evidence


def _other_side_clear(identity: Identity, key: str, clear: set[str]) -> bool:
    """Whether ``key`` is a member of ``identity`` and every member of the other side is clear."""
    if key in identity.lhs:
        return all(k in clear for k in identity.rhs)
    return key in identity.rhs and all(k in clear for k in identity.lhs)


def _unsure_blanks(doc: Document, cells: dict[str, Cell]) -> Callable[[Cell], bool]:
    """Which cells' lack of ink proves no printed blank: those on a page whose ink is unreliable
    (1-bit, fax 98 dpi: a digit might have been lost) in a table (t2/t3/t4) that has fewer than
    ``FAINT_BLANK_STYLE_MIN_CELLS`` inkless cells on such pages. A report that prints blanks for
    its zeros leaves dozens; a lost digit is a lone inkless cell among printed numbers."""
    faint = {p.number for p in doc.pages if not p.ink_reliable}
    if not faint:
        return lambda cell: False
    counts = Counter(k.split(".", 1)[0] for k, c in cells.items() if c.page in faint and is_certain_blank(c))
    styled = {t for t, n in counts.items() if n >= settings.FAINT_BLANK_STYLE_MIN_CELLS}
    return lambda cell: cell.page in faint and cell.key.split(".", 1)[0] not in styled


def _identity_violations(cells: dict[str, Cell], old: dict[str, Cell], broken: list[Violation],
                         corroborated: frozenset[str]) -> list[Violation]:
    """Missing rows and the ``broken`` identities (``check_identities``) classified, flagging who
    must decide them in ``cells`` (in place; not the ``corroborated`` clear readings of an
    unexplained one); returns the violations."""
    by_name = {i.name: i for i in IDENTITIES}
    rows = missing_rows(cells)
    broken = [classify(v, by_name[v.rule], cells, old) for v in broken]
    def skip(i: Identity) -> bool:
        return _is_old_row_identity(i, old)

    suggested = suggestions(cells, old, identity_sides, skip)
    explained = {v.rule: explains(by_name[v.rule], cells, old, suggested, skip, identity_sides)
                 for v in broken if v.kind is ViolationKind.IDENTITY}
    in_missing_row = {k for v in rows for k in v.cells}
    for v in rows:
        flag_missing_row(cells, v)
    for v in broken:
        flag_violation(cells, v, by_name[v.rule], old, in_missing_row, explained.get(v.rule, False), corroborated)
    for key, fix in suggested.items():
        cells[key] = _with_suggestion(cells[key], fix, broken)
    return [*rows, *broken]


def _with_suggestion(cell: Cell, fix: Decimal, broken: list[Violation]) -> Cell:
    """The suggested value and why: the broken rules it closes (or the sums it keeps holding)."""
    rules = "; ".join(v.rule for v in broken if cell.key in v.cells) or "its sums"
    value = _as_number(fix)
    note = f"suggested {value}: the value that makes {rules} hold"
    return cell.model_copy(update={"suggestion": value, "reasons": (*cell.reasons, note)})


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
                             expected=Decimal(quote.value), found=Decimal(cell.value),
                             kind=ViolationKind.NARRATIVE))
    return out


def _agrees(quote: NarrativeTotal, cells: dict[str, Cell]) -> bool:
    """The quote equals the table; 收到 may also count the carried-over applications."""
    if quote.value == _value(cells, quote.key):
        return True
    return quote.key == "t3.new.total" and quote.value == _value(cells, "t3.new.total") + _value(
        cells, "t3.carried_over.total")


def _as_number(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value
