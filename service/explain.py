"""Who explains a broken identity, and what a person has to decide (issue 8).

Every cell is in one of three reading states (``Reading``):

* ``clear`` — a number read without doubt (text layer, or OCR confident with both engines
  agreeing), a person's value, or a *certain* printed blank (no glyph in a text-layer cell, no
  ink in a scanned one: the reader left no token, or a text-layer blank mark such as "—");
* ``doubtful`` — a number read with a doubt a person must see (low confidence, engines disagree,
  note in the cell, …);
* ``unread`` — no value and not a certain blank (missing, unparsable, a blank mark OCR read).

A broken identity whose members are all clear is the **report's own error**: no overwrite
suggestion, one decision. Otherwise its doubtful/unread members (*suspects*) may explain it
(``explains``): then only they are flagged; when they do not, every member is, but the clear
readings that another identity of clear readings, which holds, vouches for (``corroborated_keys``:
a misread there would break that one too). A suspect that is
the only suspect of an identity gets the value that makes it hold as ``suggestion`` when every
identity pins it to the same value (checked jointly). A row whose cells are all unread is one
``missing_row`` decision.

Pure functions over ``dict[str, Cell]``; the identity sums are ``validation.identity_sides``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum

from service import settings
from service.formats import DECIMAL_KEYS, IDENTITIES, T3_OTHER_SUBROWS, Identity, identities_of
from service.model import Cell, Flag, Source, Violation, ViolationKind

Sides = Callable[[Identity, dict[str, Cell], dict[str, Cell]], tuple[Decimal, Decimal]]
OLD_ROW_SUSPECT = "old-layout （六）其他处理 row"   # pseudo key: the printed single row is doubtful
ROW_NOT_READ_REASON = "row not read: no cell of this row could be read (one decision for the row)"
REPORT_ERROR_REASON = "report's own error"
BLANK_FLAGS = frozenset({Flag.BLANK, Flag.PRINTED_BLANK})


class Reading(StrEnum):
    CLEAR = "clear"
    DOUBTFUL = "doubtful"
    UNREAD = "unread"


def is_certain_blank(cell: Cell) -> bool:
    """A printed blank with nothing else doubtful: no token in the cell (digital: no glyph; scan:
    no ink), or a blank mark ("—", "/") in a text layer."""
    if cell.value is not None or not cell.flags or not set(cell.flags) <= BLANK_FLAGS:
        return False
    return not cell.text.strip() or cell.source is Source.PDF_TEXT


def reading_of(cell: Cell | None) -> Reading:
    """The reading state of a cell whose rule flags were stripped (validation owns those)."""
    if cell is None:
        return Reading.UNREAD
    if cell.value is None:
        return Reading.CLEAR if not cell.flagged or is_certain_blank(cell) else Reading.UNREAD
    return Reading.DOUBTFUL if cell.flagged else Reading.CLEAR


def _old_column(identity: Identity, old_other: dict[str, Cell]) -> str | None:
    """The t3 column whose results sum includes the printed single 其他处理 row, if any."""
    if not old_other or identity.family != "t3_results":
        return None
    return identity.lhs[0].rsplit(".", 1)[1]


def suspects_of(identity: Identity, cells: dict[str, Cell], old_other: dict[str, Cell]) -> list[str]:
    """The identity's doubtful/unread members. With the old single 其他处理 row the three sub-row
    keys are replaced by that row's cell (``OLD_ROW_SUSPECT`` when it is doubtful)."""
    col = _old_column(identity, old_other)
    skip = {f"t3.{r}.{col}" for r in T3_OTHER_SUBROWS} if col else set()
    out = [k for k in identity.keys if k not in skip and reading_of(cells.get(k)) is not Reading.CLEAR]
    if col and col in old_other and reading_of(old_other[col]) is not Reading.CLEAR:
        out.append(OLD_ROW_SUSPECT)
    return out


def classify(v: Violation, identity: Identity, cells: dict[str, Cell], old_other: dict[str, Cell]) -> Violation:
    """A broken identity with only clear members becomes a ``report_error``."""
    if suspects_of(identity, cells, old_other):
        return v
    return v.model_copy(update={"kind": ViolationKind.REPORT_ERROR})


# --- missing rows ------------------------------------------------------------------------------
def row_of(key: str) -> str:
    """``t3.disclosed.total`` → ``t3.disclosed`` (the row's key prefix)."""
    return key.rsplit(".", 1)[0]


def missing_rows(cells: dict[str, Cell]) -> list[Violation]:
    """One ``missing_row`` violation per row (2+ cells) none of whose cells was read. The sub-rows
    of the old single （六）其他处理 row (flag ``old_layout``) are not missing: their split is unknown."""
    rows: dict[str, list[str]] = {}
    for key in cells:
        rows.setdefault(row_of(key), []).append(key)
    return [Violation(rule=f"{prefix}: row not read", cells=tuple(keys), kind=ViolationKind.MISSING_ROW)
            for prefix, keys in rows.items()
            if len(keys) >= 2 and all(reading_of(cells[k]) is Reading.UNREAD
                                      and Flag.OLD_LAYOUT not in cells[k].flags for k in keys)]


# --- suggestions ---------------------------------------------------------------------------------
def _current(cells: dict[str, Cell], key: str) -> Decimal:
    cell = cells.get(key)
    return Decimal(cell.value) if cell is not None and cell.value is not None else Decimal(0)


def _pinned_value(identity: Identity, key: str, cells: dict[str, Cell], old_other: dict[str, Cell],
                  sides: Sides) -> Decimal:
    """The value of ``key`` that makes ``identity`` hold, the other members as they are."""
    lhs, rhs = sides(identity, cells, old_other)
    gap = rhs - lhs
    return _current(cells, key) + gap if key in identity.lhs else _current(cells, key) - gap


def _acceptable(key: str, value: Decimal) -> bool:
    return value >= 0 and (key in DECIMAL_KEYS or value == value.to_integral_value())


def suggestions(cells: dict[str, Cell], old_other: dict[str, Cell], sides: Sides,
                skip: Callable[[Identity], bool]) -> dict[str, Decimal]:
    """Per suspect, the one value that every identity where it is the only suspect pins it to; per
    unread suspect that no such identity pins, the one value that ``settings.CONFIRMING_IDENTITIES``
    or more identities where it is the only unread suspect pin it to, their doubtful members as read
    (a broken 4 in a row and a column whose other suspects are readings in doubt: two sums agree).
    A value pinned where the suspect is alone that such a looser pin contradicts is no suggestion:
    a clear misread beside it would hide in it.

    Checked jointly: with all suggested values applied, an identity whose suspects all got a value
    must hold, else its suggestions are dropped. A value equal to the reading is no suggestion,
    nor is 0 for a doubtful blank mark (the blank group decides those)."""
    pinned: dict[str, set[Decimal]] = {}
    loosely: dict[str, list[Decimal]] = {}
    for identity in IDENTITIES:
        if skip(identity):
            continue
        sus = suspects_of(identity, cells, old_other)
        if len(sus) == 1 and sus[0] != OLD_ROW_SUSPECT:
            pinned.setdefault(sus[0], set()).add(_pinned_value(identity, sus[0], cells, old_other, sides))
        elif (unread := _lone_unread(sus, cells)) is not None:
            loosely.setdefault(unread, []).append(_pinned_value(identity, unread, cells, old_other, sides))
    proposed = {k: next(iter(vs)) for k, vs in pinned.items() if len(vs) == 1 and set(loosely.get(k, ())) <= vs}
    proposed.update({k: vs[0] for k, vs in loosely.items() if k not in pinned
                     and len(vs) >= settings.CONFIRMING_IDENTITIES and len(set(vs)) == 1})
    proposed = {k: v for k, v in proposed.items() if _acceptable(k, v)}
    applied = _with_values(cells, proposed)
    for identity in IDENTITIES:
        sus = suspects_of(identity, cells, old_other)
        if skip(identity) or not sus or not any(k in proposed for k in sus):
            continue
        lhs, rhs = sides(identity, applied, old_other)
        if all(k in proposed for k in sus) and lhs != rhs:
            for k in sus:
                proposed.pop(k, None)
    return {k: v for k, v in proposed.items() if not _same_as_read(cells[k], v)}


def _lone_unread(sus: list[str], cells: dict[str, Cell]) -> str | None:
    """The one unread suspect among several (the others doubtful readings), or ``None``."""
    if OLD_ROW_SUSPECT in sus:
        return None
    unread = [k for k in sus if reading_of(cells.get(k)) is Reading.UNREAD]
    return unread[0] if len(unread) == 1 and len(sus) > 1 else None


def _same_as_read(cell: Cell, value: Decimal) -> bool:
    if cell.value is not None:
        return Decimal(cell.value) == value
    return value == 0 and Flag.BLANK in cell.flags


def _as_number(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value


# --- flags ------------------------------------------------------------------------------------
def explains(identity: Identity, cells: dict[str, Cell], old_other: dict[str, Cell], suggested: dict[str, Decimal],
             skip: Callable[[Identity], bool], sides: Sides) -> bool:
    """Whether the suspects alone account for a broken identity (so its clear members stay unflagged).

    Unread cells do, unless one lone unread cell cannot close it (no acceptable value). A doubtful
    reading does only as the lone suspect whose suggested value ``settings.CONFIRMING_IDENTITIES``
    identities agree on (a row and a column sum): a single sum could as well hide a clear misread.
    Suspects do too when the identity holds with the values suggested for some of them applied
    (``suggestions``: each pinned by other identities), the others as read: two sums then agree
    on each suggested value."""
    sus = suspects_of(identity, cells, old_other)
    if OLD_ROW_SUSPECT in sus:
        return False
    if _holds_with_suggestions(identity, sus, cells, old_other, suggested, sides):
        return True
    if all(reading_of(cells[k]) is Reading.UNREAD for k in sus):
        return len(sus) > 1 or sus[0] in suggested
    if len(sus) > 1 or sus[0] not in suggested:
        return False
    pins = [i for i in identities_of(sus[0]) if not skip(i) and suspects_of(i, cells, old_other) == sus]
    return len(pins) >= settings.CONFIRMING_IDENTITIES


def _holds_with_suggestions(identity: Identity, sus: list[str], cells: dict[str, Cell], old_other: dict[str, Cell],
                            suggested: dict[str, Decimal], sides: Sides) -> bool:
    """Whether ``identity``, with more than one suspect, holds once the suggested values of its
    suspects are applied (at least one has one)."""
    fixes = {k: suggested[k] for k in sus if k in suggested}
    if len(sus) < 2 or not fixes:
        return False
    lhs, rhs = sides(identity, _with_values(cells, fixes), old_other)
    return lhs == rhs


def _with_values(cells: dict[str, Cell], values: dict[str, Decimal]) -> dict[str, Cell]:
    """``cells`` with ``values`` put in (suggestions tried out; the cells themselves unchanged)."""
    return {**cells, **{k: cells[k].model_copy(update={"value": _as_number(v)}) for k, v in values.items()}}


def corroborated_keys(cells: dict[str, Cell], holding: set[Identity]) -> frozenset[str]:
    """The members of the identities that hold (``holding``) whose every member is a clear
    reading (a doubt ``validation.pinned_by_clear_sums`` confirmed counts: clear members fixed
    its value): a clear misread among them would have broken that sum as well (unless another
    member were misread by exactly the opposite amount), so a broken sum elsewhere does not
    make them suspect."""
    clear = {k for k, c in cells.items() if c.value is not None and reading_of(c) is Reading.CLEAR}
    return frozenset(k for i in holding if all(m in clear for m in i.keys) for k in i.keys)


def flag_violation(cells: dict[str, Cell], v: Violation, identity: Identity, old_other: dict[str, Cell],
                   in_missing_row: set[str], explained: bool, corroborated: frozenset[str]) -> None:
    """Flag who must decide ``v``: every member of a report error (one decision); the suspects of an
    ``explained`` identity (not those a missing-row decision covers); else every member but those
    another sum of clear readings that holds vouches for (``corroborated_keys``): the suspects
    and the clear readings nothing else checks."""
    if v.kind is ViolationKind.REPORT_ERROR:
        reason = f"{REPORT_ERROR_REASON}: {v.rule}: {v.message}"
        for key in v.cells:
            if key in cells:
                cells[key] = cells[key].with_flag(Flag.REPORT_ERROR, reason)
        return
    keys = suspects_of(identity, cells, old_other) if explained else [k for k in v.cells if k not in corroborated]
    reason = f"breaks {v.rule} ({v.found} ≠ {v.expected})"
    for key in keys:
        if key in cells and (key not in in_missing_row or not explained):
            cells[key] = cells[key].with_flag(Flag.BROKEN_IDENTITY, reason)


def flag_missing_row(cells: dict[str, Cell], v: Violation) -> None:
    for key in v.cells:
        cells[key] = cells[key].with_flag(Flag.ROW_NOT_READ, ROW_NOT_READ_REASON)


def note_certain_blank(cell: Cell) -> Cell:
    """A certain printed blank is noted (``printed_blank``), not flagged: a report-error flag
    added to it keeps it flagged."""
    if Flag.BLANK not in cell.flags or not is_certain_blank(cell.model_copy(update={"flags": (Flag.BLANK,)})):
        return cell
    if not set(cell.flags) <= BLANK_FLAGS | {Flag.REPORT_ERROR}:
        return cell
    flags = tuple(Flag.PRINTED_BLANK if f is Flag.BLANK else f for f in cell.flags)
    return cell.model_copy(update={"flags": flags})


def unnote_blank(cell: Cell) -> Cell:
    """Undo ``note_certain_blank`` (validation re-derives it)."""
    if Flag.PRINTED_BLANK not in cell.flags:
        return cell
    flags = tuple(Flag.BLANK if f is Flag.PRINTED_BLANK else f for f in cell.flags)
    return cell.model_copy(update={"flags": flags})
