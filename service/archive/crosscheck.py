"""Rules between the reports of one agency (pure functions; the storage side is ``checks.py``).

For every pair of reports of consecutive years (``year - 1``, ``year``):

- 上年结转: this year's ``t3.carried_over.<col>`` must equal last year's ``t3.carried_forward.<col>``,
  column by column (one violation per differing column, in both reports);
- 现行有效件数 (2021 format, table 二, 规章 and 行政规范性文件): last year's ``in_force`` + this year's
  ``issued`` − ``repealed`` should be this year's ``in_force`` (a plausibility check: a report may count
  differently, but the reviewer should see the gap);

and the same agency-year printed by two reports is a conflict (in both reports). A missing value
(``None``) never breaks a rule here: the report's own blank flag already asks a person.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from service.formats import T3_COLUMNS
from service.model import Frozen, Violation, ViolationKind

RULE_CARRY_OVER = "across years: carried over = carried forward of the year before"
RULE_CARRY_FORWARD = "across years: carried forward = carried over of the year after"
RULE_IN_FORCE = "across years: in force = in force of the year before + issued − repealed"
RULE_DUPLICATE = "across reports: the same agency and year twice"
CROSS_RULES = (RULE_CARRY_OVER, RULE_CARRY_FORWARD, RULE_IN_FORCE, RULE_DUPLICATE)
IN_FORCE_ITEMS = ("rules", "normative_docs")
FORMAT_2021 = "2021"

Number = int | Decimal


class ReportFacts(Frozen):
    """What the rules need of one report: its id, year, format and the values of the keys involved."""

    document_id: int
    year: int
    format: str
    values: dict[str, Number | None]


class CrossFinding(Frozen):
    """A violation that belongs to ``document_id`` (its ``other_document_id`` is the other report)."""

    document_id: int
    violation: Violation


def needed_keys() -> tuple[str, ...]:
    carry = [f"t3.{row}.{col}" for row in ("carried_over", "carried_forward") for col in T3_COLUMNS]
    force = [f"t2.{item}.{col}" for item in IN_FORCE_ITEMS for col in ("issued", "repealed", "in_force")]
    return (*carry, *force)


def _cross(rule: str, cells: tuple[str, ...], expected: Number | None, found: Number | None,
           other: int) -> Violation:
    return Violation(rule=rule, cells=cells, kind=ViolationKind.CROSS_REPORT, other_document_id=other,
                     expected=None if expected is None else Decimal(expected),
                     found=None if found is None else Decimal(found))


def carry_over_findings(last: ReportFacts, this: ReportFacts) -> list[CrossFinding]:
    out = []
    for col in T3_COLUMNS:
        forward = last.values.get(f"t3.carried_forward.{col}")
        over = this.values.get(f"t3.carried_over.{col}")
        if forward is None or over is None or Decimal(forward) == Decimal(over):
            continue
        out.append(CrossFinding(document_id=this.document_id, violation=_cross(
            RULE_CARRY_OVER, (f"t3.carried_over.{col}",), forward, over, last.document_id)))
        out.append(CrossFinding(document_id=last.document_id, violation=_cross(
            RULE_CARRY_FORWARD, (f"t3.carried_forward.{col}",), over, forward, this.document_id)))
    return out


def in_force_findings(last: ReportFacts, this: ReportFacts) -> list[CrossFinding]:
    if last.format != FORMAT_2021 or this.format != FORMAT_2021:
        return []  # the 2019 table 二 counts other things (新制作/新公开/对外公开总数量)
    out = []
    for item in IN_FORCE_ITEMS:
        before = last.values.get(f"t2.{item}.in_force")
        issued, repealed, now = (this.values.get(f"t2.{item}.{c}") for c in ("issued", "repealed", "in_force"))
        if before is None or issued is None or repealed is None or now is None:
            continue
        expected = Decimal(before) + Decimal(issued) - Decimal(repealed)
        if expected == Decimal(now):
            continue
        keys = tuple(f"t2.{item}.{c}" for c in ("in_force", "issued", "repealed"))
        out.append(CrossFinding(document_id=this.document_id,
                                violation=_cross(RULE_IN_FORCE, keys, expected, now, last.document_id)))
        out.append(CrossFinding(document_id=last.document_id, violation=_cross(
            RULE_IN_FORCE, (f"t2.{item}.in_force",), expected, now, this.document_id)))
    return out


def duplicate_findings(reports: list[ReportFacts]) -> list[CrossFinding]:
    """Every report of a year printed twice names each other report of that year."""
    return [CrossFinding(document_id=a.document_id, violation=_cross(RULE_DUPLICATE, (), None, None, b.document_id))
            for a in reports for b in reports if a.document_id != b.document_id]


def check_agency(reports: Iterable[ReportFacts]) -> list[CrossFinding]:
    """All findings between the reports of one agency. A year printed twice is compared with its
    neighbours through each of its reports (the conflict itself is a finding too)."""
    by_year: dict[int, list[ReportFacts]] = {}
    for report in sorted(reports, key=lambda r: (r.year, r.document_id)):
        by_year.setdefault(report.year, []).append(report)
    out: list[CrossFinding] = []
    for year, same in by_year.items():
        if len(same) > 1:
            out.extend(duplicate_findings(same))
        for last in by_year.get(year - 1, []):
            for this in same:
                out.extend(carry_over_findings(last, this))
                out.extend(in_force_findings(last, this))
    return out
