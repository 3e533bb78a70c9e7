"""Reviewer load: the decisions a person must take on one document, and an estimate of the time.

Pure functions over ``Document`` (after validation). A *decision* is one thing a reviewer looks
at and settles:

* a ``missing_row`` violation: the row is one decision (its cells are not counted again);
* a ``report_error`` violation: one decision ("keep as printed — the report's own error"); its
  cells that carry nothing but ``report_error`` (and a noted blank) are not counted again;
* a group of identical doubtful readings in the document (every doubtful "0", every doubtful
  blank mark, every cell not printed in this layout: ``group_of``) is one decision, confirmed together;
* the sub-row cells of an old single （六）其他处理 row (flag ``old_layout`` only) are one decision
  ("the split is unknown"), like a row;
* every other flagged cell is one decision.

Time model (``settings.REVIEW_SECONDS_PER_KEY`` × keys + ``settings.REVIEW_SECONDS_PER_LOOK`` per
look, i.e. 0.3 s per key and 1.5 s per look). Assumed key counts, one look per decision:

* a flagged cell with a value: 1 key (``Ctrl+Enter`` accepts the reading, or ``Alt+S`` takes the
  suggestion and moves on);
* a flagged cell without a value: 2 keys (``Alt+S`` + ``Enter`` with a suggestion, or a one-digit
  value + ``Enter`` without one — most counts are small);
* a group: 2 keys (``Alt+G`` opens it, ``Enter`` confirms);
* a report's own error: 2 keys (the "keep as printed" key + ``Enter``; the reason is preset);
* a missing row: 2 keys per cell of the row (suggestion or one digit, + ``Enter``);
* a document with any decision: 3 more keys and 1 more look (``Enter`` opens it from the queue,
  ``Alt+P`` + ``Enter`` approve). A straight-through document costs nothing.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from service import settings
from service.model import Cell, Document, Flag, Frozen, ViolationKind
from service.validation import READING_DOUBTS

# A report-error cell that the prose also contradicts is the same slip: still one decision.
COVERED_BY_REPORT_ERROR = frozenset({Flag.REPORT_ERROR, Flag.PRINTED_BLANK, Flag.NARRATIVE_MISMATCH})
BLANK_FLAGS = frozenset({Flag.BLANK})
# No printed cell was found: the row or column is not printed in this layout (one group decision).
NOT_PRINTED_FLAGS = frozenset({Flag.MISSING, Flag.ROW_NOT_READ})
DOCUMENT_KEYS = 3   # open from the queue + approve (Alt+P, Enter)


class DecisionKind(StrEnum):
    MISSING_ROW = "missing_row"
    REPORT_ERROR = "report_error"
    GROUP = "group"
    CELL = "cell"


class Decision(Frozen):
    """One thing a reviewer settles: its kind, the cells it covers and the keys it takes."""

    kind: DecisionKind
    cells: tuple[str, ...]
    keys: int
    label: str = ""


class ReportLoad(Frozen):
    """The load of one document; ``slip`` is true when the report itself prints a slip (truth)."""

    decisions: int
    keys: int
    looks: int
    slip: bool = False

    @property
    def seconds(self) -> float:
        return self.keys * settings.REVIEW_SECONDS_PER_KEY + self.looks * settings.REVIEW_SECONDS_PER_LOOK

    @property
    def straight_through(self) -> bool:
        return self.decisions == 0


def _value_text(value: object) -> str:
    """A read value as the group id shows it (``0``, ``38.5816``): Decimals in plain notation."""
    return format(value, "f") if isinstance(value, Decimal) else str(int(value))  # type: ignore[call-overload]


def group_of(cell: Cell, report_rules: str = "") -> str | None:
    """The group id of a flagged cell (``reading:0``, ``blank``, ``not_printed``, ``report_error:<rules>``),
    or None when it needs its own look. The one rule of grouping: the review station's groups
    (``service.review.groups``) and this load estimate both use it. ``report_rules``: the broken
    rules whose report-error mark the cell carries, "; "-joined (empty: not a report-error member)."""
    flags = set(cell.flags)
    if not flags or cell.suggestion is not None:
        return None
    if flags <= BLANK_FLAGS and cell.value is None:
        return "blank"
    if flags <= READING_DOUBTS and cell.value is not None:
        return f"reading:{_value_text(cell.value)}"
    if Flag.MISSING in flags and flags <= NOT_PRINTED_FLAGS and cell.value is None:
        return "not_printed"
    if Flag.REPORT_ERROR in flags and flags <= COVERED_BY_REPORT_ERROR and report_rules:
        return f"report_error:{report_rules}"
    return None


def group_key(cell: Cell) -> str | None:
    """The decision group of a flagged cell for the load estimate: ``group_of`` (report-error
    members are counted with their violation instead), plus the sub-row cells of an old single
    （六）其他处理 row (``old_layout``), one decision like a row."""
    if not cell.flagged:
        return None
    if set(cell.flags) <= {Flag.OLD_LAYOUT} and cell.value is None and cell.suggestion is None:
        return "old_layout"
    return group_of(cell)


def _cell_keys(cell: Cell) -> int:
    return 1 if cell.value is not None else 2


def document_decisions(doc: Document) -> tuple[Decision, ...]:
    """Every decision the document asks of a reviewer, row decisions first."""
    out: list[Decision] = []
    covered: set[str] = set()
    for v in doc.violations:
        if v.kind is ViolationKind.MISSING_ROW:
            out.append(Decision(kind=DecisionKind.MISSING_ROW, cells=v.cells, keys=2 * len(v.cells), label=v.rule))
            covered.update(v.cells)
    for v in doc.violations:
        if v.kind is ViolationKind.REPORT_ERROR:
            out.append(Decision(kind=DecisionKind.REPORT_ERROR, cells=v.cells, keys=2, label=v.rule))
            covered.update(k for k in v.cells if k in doc.cells
                           and set(doc.cells[k].flags) <= COVERED_BY_REPORT_ERROR)
    groups: dict[str, list[str]] = {}
    for key, cell in doc.cells.items():
        if key in covered or not cell.flagged:
            continue
        group = group_key(cell)
        if group is None:
            out.append(Decision(kind=DecisionKind.CELL, cells=(key,), keys=_cell_keys(cell), label=key))
        else:
            groups.setdefault(group, []).append(key)
    for group, keys in groups.items():
        if len(keys) == 1:
            out.append(Decision(kind=DecisionKind.CELL, cells=tuple(keys),
                                keys=_cell_keys(doc.cells[keys[0]]), label=keys[0]))
        else:
            out.append(Decision(kind=DecisionKind.GROUP, cells=tuple(keys), keys=2, label=group))
    return tuple(out)


def report_load(doc: Document, slip: bool = False) -> ReportLoad:
    decisions = document_decisions(doc)
    if not decisions:
        return ReportLoad(decisions=0, keys=0, looks=0, slip=slip)
    return ReportLoad(decisions=len(decisions), keys=sum(d.keys for d in decisions) + DOCUMENT_KEYS,
                      looks=len(decisions) + 1, slip=slip)


def load_summary(loads: Iterable[ReportLoad]) -> list[str]:
    """Bench lines: decisions per report, straight-through shares, median, reviewer time."""
    loads = list(loads)
    if not loads:
        return ["  decisions            n/a"]
    clean = [x for x in loads if not x.slip]
    through = sum(x.straight_through for x in loads)
    clean_through = sum(x.straight_through for x in clean)
    seconds = sum(x.seconds for x in loads)
    clean_share = f"{100 * clean_through / len(clean):.0f} %" if clean else "n/a"
    return [
        f"  decisions per report {sum(x.decisions for x in loads) / len(loads):.2f} "
        f"(median {statistics.median(x.decisions for x in loads):g}, max {max(x.decisions for x in loads)})",
        f"  straight-through     {100 * through / len(loads):.0f} % of reports ({through}/{len(loads)}); "
        f"without a printed slip {clean_share} ({clean_through}/{len(clean)})",
        f"  reviewer time        {seconds / len(loads):.1f} s per report ({seconds:.0f} s in all; "
        f"{settings.REVIEW_SECONDS_PER_KEY} s/key + {settings.REVIEW_SECONDS_PER_LOOK} s/look)",
    ]
