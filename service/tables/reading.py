"""Read one canonical cell from the tokens found in its box.

Confidence: the lowest token confidence, lowered when engines disagree or when the text needed
repair. Flags set here concern the *reading* (blank, unparsable, low confidence, disagreement);
rule-based flags are added by ``service.validation``.
"""

from __future__ import annotations

from decimal import Decimal

from service import settings
from service.formats import DECIMAL_KEYS, FEE_KEY
from service.model import BBox, Cell, Flag, Source, Token
from service.numbers import Parse, parse_number
from service.textlines import centre, enclosing, join_texts

WAN = Decimal(10000)


def cell_text(tokens: tuple[Token, ...]) -> str:
    if len(tokens) <= 1:  # most cells: no sorting or joining to do
        return tokens[0].text if tokens else ""
    ordered = sorted(tokens, key=lambda t: (round(centre(t.bbox)[1] / 12), t.bbox[0]))
    return join_texts([t.text for t in ordered])


def read_cell(key: str, tokens: tuple[Token, ...], page: int, box: BBox | None) -> Cell:
    """The cell ``key`` printed in ``box`` on ``page`` (1-based), from the tokens inside it."""
    bbox = box or (enclosing([t.bbox for t in tokens]) if tokens else None)
    source = tokens[0].source if tokens else Source.PDF_TEXT
    text = cell_text(tokens)
    doubts = [(Flag.PLACEMENT_DOUBT, t.placement) for t in tokens if t.placement]
    doubts += [(Flag.LOW_CONFIDENCE, t.doubt) for t in tokens if t.doubt]

    def cell(**read: object) -> Cell:  # built once with what was read (no copy per field)
        made = Cell(key=key, text=text, page=page, bbox=bbox, source=source, **read)
        for flag, reason in dict.fromkeys(doubts):
            made = made.with_flag(flag, reason)
        return made

    if tokens and not text.strip():
        return cell().with_flag(Flag.UNPARSABLE, "ink in the cell but no text could be read")
    parsed = parse_number(text)
    if parsed.status is Parse.BLANK:
        return cell(confidence=_min_conf(tokens)).with_flag(
            Flag.BLANK, "printed blank (no number): value left empty, not 0")
    if parsed.status is Parse.UNPARSABLE:
        return cell().with_flag(Flag.UNPARSABLE, f"cannot read a number in “{text}”")
    return _check_reading(cell(value=parsed.value, confidence=_min_conf(tokens)), tokens, parsed.repaired,
                          parsed.unit)


def _min_conf(tokens: tuple[Token, ...]) -> float:
    """The weakest token's confidence (1.0 for no tokens: a printed blank is certain)."""
    return min((t.confidence for t in tokens), default=1.0)


def _check_reading(cell: Cell, tokens: tuple[Token, ...], repaired: bool, unit: str) -> Cell:
    if cell.key == FEE_KEY and unit == "元" and cell.value is not None:
        converted = Decimal(cell.value) / WAN
        cell = cell.model_copy(update={"value": converted}).with_flag(
            Flag.UNIT_CONVERTED, f"printed in 元 ({cell.text}); converted to {converted} 万元")
    if isinstance(cell.value, Decimal) and cell.key not in DECIMAL_KEYS:
        if cell.value == cell.value.to_integral_value():
            cell = cell.model_copy(update={"value": int(cell.value)})
        else:
            cell = cell.with_flag(Flag.NOT_INTEGER, "a count printed with decimals")
    if repaired:
        cell = cell.model_copy(update={"confidence": min(cell.confidence, settings.REPAIRED_CONFIDENCE)}).with_flag(
            Flag.LOW_CONFIDENCE, "letters read where digits belong")
    if cell.source is Source.OCR and cell.confidence < settings.OCR_MIN_CONFIDENCE and not _agreed(cell, tokens):
        derived = "; ".join(t.derived for t in tokens if t.derived)
        cell = cell.with_flag(Flag.LOW_CONFIDENCE, derived or f"OCR confidence {cell.confidence:.2f}")
    return _check_second_reading(cell, tokens)


def _agreed(cell: Cell, tokens: tuple[Token, ...]) -> bool:
    """A low OCR score that the second engine outweighs: it reads exactly the same number, and
    the score is at least ``settings.OCR_AGREED_MIN_CONFIDENCE`` (1-bit or faxed digits score low
    on jagged edges; two engines that read alike are the evidence the score alone is not), or
    at least ``OCR_RESEMBLED_MIN_CONFIDENCE`` when the glyph also clearly resembles the page's
    own exemplars of that digit (``Token.resembles``: a third, independent look)."""
    alts = [t.alt_text for t in tokens if t.alt_text is not None]
    resembled = bool(tokens) and all(t.resembles and t.resembles == t.text for t in tokens)
    floor = settings.OCR_RESEMBLED_MIN_CONFIDENCE if resembled else settings.OCR_AGREED_MIN_CONFIDENCE
    if not alts or cell.confidence < floor:
        return False
    alt = parse_number(join_texts(alts))
    return alt.status is Parse.OK and alt.value == parse_number(cell.text).value


def _check_second_reading(cell: Cell, tokens: tuple[Token, ...]) -> Cell:
    alts = [t.alt_text for t in tokens if t.alt_text is not None]
    if not alts:
        return cell
    alt = parse_number(join_texts(alts))
    if alt.status is Parse.OK and alt.value == cell.value:
        return cell
    shown = join_texts(alts) or "nothing"
    return cell.model_copy(update={"confidence": min(cell.confidence, settings.DISAGREEMENT_CONFIDENCE)}).with_flag(
        Flag.ENGINE_DISAGREEMENT, f"second engine read “{shown}”")


def missing_cell(key: str, why: str) -> Cell:
    """A key that no printed cell could be matched to: empty and flagged."""
    return Cell(key=key).with_flag(Flag.MISSING, why)
