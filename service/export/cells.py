"""Export cells that cannot run as spreadsheet formulas (OWASP "CSV injection").

A *text* value that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could be taken
for a formula by Excel/LibreOffice. In CSV such a value is written with a leading ``'``; in XLSX it is
stored as a string cell with ``quotePrefix`` (never as a formula). Numbers (``int``, ``float``,
``Decimal``) are values, not text: a negative count or fee stays a number in both formats.
"""

from __future__ import annotations

from decimal import Decimal

from service import settings


def is_risky_text(value: object) -> bool:
    """True for a ``str`` that a spreadsheet could evaluate (numbers are never risky)."""
    return isinstance(value, str) and value[:1] in settings.EXPORT_FORMULA_PREFIXES


def csv_field(value: object) -> object:
    """One CSV field: blank for None, ``true``/``false``, exact decimals, risky text quoted with ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if is_risky_text(value):
        return "'" + str(value)
    return value


def xlsx_value(value: object) -> object:
    """The value an XLSX cell gets: the fee as a float, anything else unchanged (see ``set_xlsx_cell``)."""
    return float(value) if isinstance(value, Decimal) else value


def set_xlsx_cell(cell: object, value: object) -> None:
    """Write ``value`` into an openpyxl cell; risky text is a quote-prefixed string, never a formula."""
    cell.value = xlsx_value(value)  # type: ignore[attr-defined]
    if is_risky_text(value):
        cell.data_type = "s"  # type: ignore[attr-defined]
        cell.quotePrefix = True  # type: ignore[attr-defined]
