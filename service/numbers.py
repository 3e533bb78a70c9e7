"""Turn a printed cell text into a number, saying what was odd about it.

Handles full-width digits, thousands separators, units (件/条/起/个/元/万元), notes after the
number ("22（其中修订16件）"), blanks and dashes ("", "—", "/", "无" → blank, never 0) and
decimals with up to 6 places. Pure functions; no engine or page knowledge.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class Parse(StrEnum):
    OK = "ok"
    BLANK = "blank"
    UNPARSABLE = "unparsable"


@dataclass(frozen=True)
class ParsedNumber:
    """``value`` is an ``int`` for whole numbers, ``Decimal`` when printed with a decimal point."""

    status: Parse
    value: int | Decimal | None = None
    note: str = ""          # text printed beside the number, e.g. "（其中修订16件）"
    unit: str = ""          # unit printed in the cell: "元", "万元", "件", …
    repaired: bool = False  # letters read as digits (O→0, l→1): the reading is doubtful


_BLANK_MARKS = {"", "-", "—", "–", "－", "/", "／", "\\", "无", "空", "——", "--", "…", "_"}
_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
_UNITS = ("万元", "元", "件", "条", "起", "个", "项", "人次", "次", "份")
_OCR_DIGIT_FIXES = str.maketrans({"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1"})


def clean(text: str) -> str:
    """NFKC (full-width digits → ASCII), no whitespace, Chinese comma as thousands separator."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", "", text)
    return text.replace("，", ",").replace("。", ".")


@functools.lru_cache(maxsize=4096)  # pure, and the result is immutable: "0" alone is most cells
def parse_number(text: str) -> ParsedNumber:
    """Parse one cell. A number followed by a note keeps the note; junk is UNPARSABLE.

    Letters that OCR confuses with digits (O→0, l/I→1) are repaired only when the repaired text
    is a number, and the result says ``repaired`` so the reading is treated as doubtful.
    """
    s = clean(text)
    if s in _BLANK_MARKS or set(s) <= {"-", "—", "/", "_", "."}:
        return ParsedNumber(Parse.BLANK)
    parsed = _parse_clean(s)
    fixed = s.translate(_OCR_DIGIT_FIXES)
    if parsed.status is Parse.UNPARSABLE and fixed != s:
        repaired = _parse_clean(fixed)
        if repaired.status is Parse.OK:
            return ParsedNumber(Parse.OK, repaired.value, repaired.note, repaired.unit, repaired=True)
    return parsed


def _parse_clean(s: str) -> ParsedNumber:
    match = _NUMBER.match(s)
    if not match:
        return ParsedNumber(Parse.UNPARSABLE)
    sign, digits, frac = match.group(1), match.group(2).replace(",", ""), match.group(3)
    rest = s[match.end():]
    unit = next((u for u in _UNITS if rest.startswith(u)), "")
    note = rest[len(unit):]
    if note and not _is_note(note):
        return ParsedNumber(Parse.UNPARSABLE)
    try:
        value: int | Decimal = Decimal(sign + digits + frac) if frac else int(sign + digits)
    except InvalidOperation:
        return ParsedNumber(Parse.UNPARSABLE)
    return ParsedNumber(Parse.OK, value, note=note, unit=unit)


def _is_note(rest: str) -> bool:
    """A bracketed remark or a Chinese remark, not Latin letters or digits glued to the number."""
    return rest[0] in "(（[【" or ord(rest[0]) >= 0x2E80


def looks_numeric(text: str) -> bool:
    return parse_number(text).status is Parse.OK
