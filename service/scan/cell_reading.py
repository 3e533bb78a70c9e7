"""Cell crops → tokens: rapidocr rec per text line, tesseract's second opinion on the numbers.

Crops come from ``cells.cell_crops`` (greyscale, paper ≈ 255, pixels of the deskewed page at
``settings.OCR_RENDER_DPI``); token boxes are the cell boxes ``(x0, y0, x1, y1)`` of that page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import cv2
import numpy as np

from models.base import DigitReader, LineRecognizer, Reading, TwoSpeedRecognizer
from service import settings
from service.model import Source, Token
from service.numbers import Parse, parse_number
from service.scan.cells import CellCrops
from service.scan.glyphs import glyph_exemplars, ink_exemplars, likely_digit, likeness_under_lines

_NUMERIC = re.compile(settings.SCAN_NUMERIC_PATTERN)
_LOOKALIKES = str.maketrans(settings.SCAN_DIGIT_LOOKALIKES)
Exemplars = Callable[[], dict[str, np.ndarray]]  # the page's glyph exemplars (glyphs.glyph_exemplars), made once
LIKENESS_REASON = "read only by its likeness to the digits printed on the page"  # read_by_likeness
CLOSED_REASON = "read only once its strokes were closed"  # read_closed


def as_digits(text: str) -> str:
    """``text`` with digit look-alikes mapped to digits (``SCAN_DIGIT_LOOKALIKES``; a lone
    ``SCAN_LONE_ZERO_LOOKALIKES`` glyph is a 0)."""
    return "0" if text in settings.SCAN_LONE_ZERO_LOOKALIKES else text.translate(_LOOKALIKES)


def _for_tesseract(crop: np.ndarray, blur_px: float = 0.0, glyph_px: int | None = None,
                   close_px: int = 0) -> np.ndarray:
    """A digit crop for tesseract: glyphs scaled to ``glyph_px`` (default ``SCAN_TESS_GLYPH_PX``),
    Otsu-binarised, trimmed to the ink and padded with ``SCAN_TESS_PAD_PX`` of paper. ``blur_px``
    (Gaussian sigma, pixels of ``crop``) smooths the staircase edges of a 1-bit capture first;
    ``close_px`` (disc diameter, pixels of the scaled crop) then closes gaps in the strokes (a
    1-bit 0 whose thin top and bottom were lost reads "()")."""
    if blur_px > 0:
        crop = cv2.GaussianBlur(crop, (0, 0), blur_px)
    p = settings.SCAN_CROP_PAD_PX
    f = (glyph_px or settings.SCAN_TESS_GLYPH_PX) / max(crop.shape[0] - 2 * p, 1)
    crop = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    _, bw = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if close_px > 0:  # closing of the ink (black) = opening of the paper
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (close_px, close_px))
        bw = cv2.morphologyEx(bw, cv2.MORPH_OPEN, disc)
    ys, xs = np.nonzero(bw < 128)
    if ys.size:
        bw = bw[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    q = settings.SCAN_TESS_PAD_PX
    return cv2.copyMakeBorder(bw, q, q, q, q, cv2.BORDER_CONSTANT, value=255)


# (blur sigma, glyph height or None, closing disc, kept also where nothing was read so far,
#  kept only where the first engine read zeros)
_RETRIES = ((settings.SCAN_TESS_RETRY_BLUR_PX, None, 0, True, False),
            (0.0, settings.SCAN_TESS_RETRY_GLYPH_PX, 0, True, False),
            (settings.SCAN_TESS_CLOSE_BLUR_PX, None, settings.SCAN_TESS_CLOSE_PX, False, True))


def second_opinions(digits: DigitReader, wholes: list[np.ndarray], texts: list[str],
                    retry: bool = True) -> list[str]:
    """Tesseract's digit reading of each numeric cell (``wholes``: its whole-ink crops), given
    the first engine's ``texts``.

    A reading that is empty or differs from the first engine's is read again, in the ways of
    ``_RETRIES`` in turn, while it still differs: from a smoothed crop
    (``SCAN_TESS_RETRY_BLUR_PX``: on a 1-bit page the staircase edges of a glyph make tesseract
    read nothing or a stray digit, a hollow 0 as "9", "00"), with glyphs scaled larger
    (``SCAN_TESS_RETRY_GLYPH_PX``: a faxed 0 at 100 dpi is ~13 px tall, its staircase edges blown
    up to 28 px), with its strokes closed (``SCAN_TESS_CLOSE_BLUR_PX``, ``SCAN_TESS_CLOSE_PX``: a
    1-bit 0 that lost its thin top and bottom; only where the first engine read zeros: closing
    melts a faxed 7's short bar into its stem, and tesseract then "agrees" on the 1 the first
    engine misread). A retry is kept when it reads exactly the first engine's digits
    (tesseract's steady view agrees) or, for the first two, when nothing was read so far;
    otherwise the disagreeing reading stands. ``retry=False``: the plain reading only.
    """
    out = [r.text for r in digits.read_digits([_for_tesseract(w) for w in wholes])]
    wanted = [as_digits(t) for t in texts]
    for blur, glyph, close, fills_empty, zeros_only in _RETRIES if retry else ():
        again = [i for i, (alt, want) in enumerate(zip(out, wanted, strict=True))
                 if alt != want and (not zeros_only or _all_zeros(want))]
        if not again:
            break
        looks = digits.read_digits([_for_tesseract(wholes[i], blur, glyph, close) for i in again])
        for i, r in zip(again, looks, strict=True):
            if (r.text == wanted[i] and _may_overturn(out[i], wanted[i])) or (fills_empty and not out[i]):
                out[i] = r.text
    return out


def _may_overturn(plain: str, wanted: str) -> bool:
    """Whether a retry that reads the first engine's digits may replace tesseract's reading so far:
    always where it read nothing or no number, and over another number only where the first
    engine read zeros (a hollow 1-bit 0 read "9" or "00"). A 7 whose short bar a fax blurred
    reads "1" to the first engine and "7" to tesseract's plain look: smoothed, tesseract reads
    "1" too, and that agreement would be made, not found."""
    return parse_number(plain).status is not Parse.OK or _all_zeros(wanted)


def _all_zeros(digits: str) -> bool:
    """Whether a reading is zeros only ("0", "00"): what a digit retry or a lost scan line may
    be trusted with (a hollow 0, a bar lost from no 0)."""
    return set(digits) == {"0"}


def wants_digit_reading(text: str) -> bool:
    """Digits, possibly with one decimal point or a leading minus (``SCAN_NUMERIC_PATTERN``),
    counting letters that OCR gives for digits (``as_digits``: "1l", "O", a lone "a")."""
    return bool(_NUMERIC.match(as_digits(text)))


def read_cells(cells: list[CellCrops], recognizer: LineRecognizer,
               digits: DigitReader | None) -> list[Token]:
    """One OCR token per inked cell: bbox = cell box, text = lines joined without spaces.

    ``confidence`` is the lowest line score; a cell with ink but no reading gets ``""`` and 0.0.
    Numeric readings get ``alt_text`` from ``digits`` (when given).

    A ``TwoSpeedRecognizer`` reads every cell quickly first; a cell is read again, exactly, unless
    its quick reading is settled (``_settled``). So every number kept from the quick reading has
    two independent engines behind it, and every other text is the exact reading.
    """
    if digits is None:
        return [token for token, _ in _read(cells, recognizer.recognize, digits)]
    if not isinstance(recognizer, TwoSpeedRecognizer):
        tokens = [token for token, _ in _read(cells, recognizer.recognize, digits)]
        return _read_spoiled(cells, settle_by_filling(cells, tokens, recognizer, digits), recognizer, digits)
    lines = _ExactLines(recognizer)
    first = _read(cells, lines.quick, digits, retry=False)
    tokens = [token for token, _ in first]
    redo = [i for i, (token, exact) in enumerate(first) if not _settled(token, exact)]
    for i, (token, _) in zip(redo, _read([cells[i] for i in redo], lines.exact, digits), strict=True):
        tokens[i] = token
    return _read_spoiled(cells, settle_by_filling(cells, tokens, recognizer, digits), recognizer, digits)


def _read_spoiled(cells: list[CellCrops], tokens: list[Token], recognizer: LineRecognizer,
                  digits: DigitReader) -> list[Token]:
    """The page's readings with the numbers nobody could read given their last chances: their
    ink with the strokes closed (``read_closed``), then their likeness to the page's digits
    (``read_by_likeness``)."""
    return read_by_likeness(cells, read_closed(cells, tokens, recognizer, digits))


class _ExactLines:
    """A two-speed recogniser's readings of one page's line crops, by crop identity: a cell read
    again exactly has only its lines that the quick pass did not read exactly read again (a
    label whose long first line the quick pass read exactly and whose short last line it did
    not). The crops must stay alive between ``quick`` and ``exact`` (they are the cells')."""

    def __init__(self, recognizer: TwoSpeedRecognizer) -> None:
        self._recognizer = recognizer
        self._exact: dict[int, Reading] = {}

    def quick(self, crops: list[np.ndarray]) -> list[Reading]:
        readings = self._recognizer.recognize_quick(crops)
        self._exact.update((id(c), r) for c, r in zip(crops, readings, strict=True) if r.exact)
        return readings

    def exact(self, crops: list[np.ndarray]) -> list[Reading]:
        todo = [c for c in crops if id(c) not in self._exact]
        fresh = iter(self._recognizer.recognize(todo) if todo else [])
        return [self._exact[id(c)] if id(c) in self._exact else next(fresh) for c in crops]


def settle_by_filling(cells: list[CellCrops], tokens: list[Token], recognizer: LineRecognizer,
                      digits: DigitReader) -> list[Token]:
    """``tokens`` with the line doubt lifted where the line cannot have changed the number.

    A cell whose text a non-table line crosses was read with the line taken away (as if it hid
    no ink). Where the cell has ``filled`` crops (the line inked along the text: as if it hid
    strokes all along), those are read too, exactly, with the digit engine's second opinion:
    - both engines had read the cell as one number and read the filled crops as it again: what
      lies under the line does not change the reading, and the doubt is lifted. A 3 whose left
      side a streak runs along reads "8" inked; a 1 hidden under a streak beside a 0 comes back
      as "10": both stay in doubt;
    - the cell read as no number (a 0 whose right side a streak covers reads "c") and both
      engines read the filled crops as one number: that number is the cell's reading, and the
      doubt stays (a person confirms what the line may have hidden).
    """
    todo = [(i, filled) for i, (cell, token) in enumerate(zip(cells, tokens, strict=True))
            if token.doubt and (filled := cell.filled) is not None
            and (token.text == token.alt_text or _unparsed_mark(token))]
    if not todo:
        return tokens
    out = list(tokens)
    inked = _read([filled for _, filled in todo], recognizer.recognize, digits)
    for (i, _), (read, _) in zip(todo, inked, strict=True):
        if not _both_engines_read_a_number(read):
            continue
        if read.text == tokens[i].text:
            out[i] = tokens[i].model_copy(update={"doubt": ""})
        elif _unparsed_mark(tokens[i]):
            out[i] = tokens[i].model_copy(update={"text": read.text, "alt_text": read.alt_text,
                                                  "confidence": read.confidence})
    return out


def read_closed(cells: list[CellCrops], tokens: list[Token], recognizer: LineRecognizer,
                digits: DigitReader) -> list[Token]:
    """``tokens`` with the cells read as no number (``_unparsed_mark``: "1)", "D", "u" for a 1-bit
    0 whose thin top and bottom were lost at 100 dpi) read again from their ink with the strokes
    closed (``_closed``): when both engines read the closed crop as the same number (tesseract at
    its plain look only), that number is the cell's reading, scored ``SCAN_CLOSED_CONFIDENCE``
    (below ``OCR_AGREED_MIN_CONFIDENCE``: it stays a reading doubt, flagged unless its sums
    confirm it) with the reason ``CLOSED_REASON``. A line doubt stays too."""
    todo = [i for i, token in enumerate(tokens) if _unparsed_mark(token)]
    if not todo:
        return tokens
    out = list(tokens)
    closed = _read([_closed(cells[i]) for i in todo], recognizer.recognize, digits, retry=False)
    for i, (read, _) in zip(todo, closed, strict=True):
        if _both_engines_read_a_number(read):
            out[i] = tokens[i].model_copy(update={"text": read.text, "alt_text": read.alt_text,
                                                  "derived": CLOSED_REASON,
                                                  "confidence": settings.SCAN_CLOSED_CONFIDENCE})
    return out


def read_by_likeness(cells: list[CellCrops], tokens: list[Token]) -> list[Token]:
    """``tokens`` with the numbers a glyph's likeness to the page's exemplars (``glyphs``: the lone
    digits both engines read alike at ``SCAN_QUICK_MIN_SCORE`` or more, crossed by no line) reads
    where the engines could not: lone glyphs read as no number (``_read_lone_glyphs``), then
    glyphs a non-table line crosses (``_read_under_lines``); and notes which low-scored agreed
    0s resemble the page's own (``_note_resemblance``)."""
    exemplary = [(cell, token) for cell, token in zip(cells, tokens, strict=True) if _exemplary(token)]
    if not exemplary:
        return tokens
    exemplars = cache(lambda: glyph_exemplars((cell.whole, token.text) for cell, token in exemplary))
    read = _read_under_lines(cells, _read_lone_glyphs(cells, tokens, exemplars), exemplary)
    return _note_resemblance(cells, read, exemplars)


def _note_resemblance(cells: list[CellCrops], tokens: list[Token], exemplars: Exemplars) -> list[Token]:
    """``tokens`` with ``resembles`` set on each lone ``LIKENESS_DIGITS`` glyph that both engines
    read alike but scored below ``OCR_AGREED_MIN_CONFIDENCE`` (no line crossing it, no derived
    reading) when it clearly resembles the page's exemplars of that digit (``glyphs.likely_digit``):
    the evidence ``tables.reading`` lets stand for a score down to ``OCR_RESEMBLED_MIN_CONFIDENCE``."""
    todo = [i for i, token in enumerate(tokens)
            if token.text in settings.LIKENESS_DIGITS and len(token.text) == 1 and not token.doubt
            and not token.derived and _both_engines_read_a_number(token)
            and token.confidence < settings.OCR_AGREED_MIN_CONFIDENCE]
    if not todo:
        return tokens
    out = list(tokens)
    for i in todo:
        if likely_digit(cells[i].whole, exemplars()) == tokens[i].text:
            out[i] = tokens[i].model_copy(update={"resembles": tokens[i].text})
    return out


def _read_lone_glyphs(cells: list[CellCrops], tokens: list[Token], exemplars: Exemplars) -> list[Token]:
    """``tokens`` with each lone glyph read as no number (``_unparsed_mark``, or ink with no
    reading) read as the digit it clearly resembles (``glyphs.likely_digit``) when that is one of
    ``LIKENESS_DIGITS`` (a hollow 0 whose thin arcs a 1-bit capture lost; a narrow glyph is
    ambiguous: a 4 that lost its bar looks like the page's 1s), scored ``SCAN_CLOSED_CONFIDENCE``
    with the reason ``LIKENESS_REASON``: a reading doubt, flagged unless its sums confirm it (the
    digit engine's reading is kept: where it read something else, the disagreement stays a reason
    too). A digit the engines read differently keeps the first engine's reading: a glyph so
    spoiled that they disagree can resemble another digit's exemplars more than its own (a broken
    3 like the page's 1s)."""
    todo = [i for i, token in enumerate(tokens) if _unparsed_mark(token) or not token.text]
    out = list(tokens)
    for i in todo:
        digit = likely_digit(cells[i].whole, exemplars()) if exemplars() else None
        if digit is not None and digit in settings.LIKENESS_DIGITS:
            out[i] = _by_likeness(tokens[i], digit)
    return out


def _read_under_lines(cells: list[CellCrops], tokens: list[Token],
                      exemplary: list[tuple[CellCrops, Token]]) -> list[Token]:
    """``tokens`` with each glyph that a non-table line crosses (a token still in doubt whose
    cell has ``hidden`` pixels) read as the digit whose exemplars its visible part clearly matches
    (``glyphs.likeness_under_lines``, ``LIKENESS_UNDER_LINES_MIN_MARGIN``) when that is one of
    ``LIKENESS_DIGITS`` and not its reading already: a 0 whose right side a streak covers reads
    "c", "(" or "1", and the two engines may even agree on a "2" healed across it. The line
    doubt stays (a person sees what it may hide); the reading gets ``LIKENESS_REASON``."""
    todo = [i for i, (cell, token) in enumerate(zip(cells, tokens, strict=True))
            if token.doubt and cell.hidden is not None and cell.ink is not None and token.derived != LIKENESS_REASON]
    if not todo:
        return tokens
    exemplars = ink_exemplars((cell.ink, token.text) for cell, token in exemplary if cell.ink is not None)
    out = list(tokens)
    for i in todo:
        found = likeness_under_lines(cells[i].ink, cells[i].hidden, exemplars)
        if (found is not None and found.clear_under_lines and found.digit in settings.LIKENESS_DIGITS
                and found.digit != tokens[i].text):
            out[i] = _by_likeness(tokens[i], found.digit)
    return out


def _by_likeness(token: Token, digit: str) -> Token:
    return token.model_copy(update={"text": digit, "derived": LIKENESS_REASON,
                                    "confidence": settings.SCAN_CLOSED_CONFIDENCE})


def _exemplary(token: Token) -> bool:
    """A lone digit both engines read alike, scored high, crossed by no line."""
    return (len(token.text) == 1 and token.text.isdigit() and _both_engines_read_a_number(token)
            and token.confidence >= settings.SCAN_QUICK_MIN_SCORE and not token.doubt)


def _both_engines_read_a_number(token: Token) -> bool:
    """Whether the digit engine gave ``token`` a second opinion (numbers only) that is its text."""
    return token.alt_text is not None and token.text == token.alt_text


def _unparsed_mark(token: Token) -> bool:
    """Whether ``token`` may be a number the print or a line spoiled: at most
    ``SCAN_SPOILED_NUMBER_MAX_CHARS`` characters, none of them CJK (a label stays a label), and
    neither a number nor a printed blank mark (a dash stays a blank): "c" for a 0 whose side a
    streak covers, "1)" or "u" for a 1-bit 0 that lost its thin top, "↓" for a broken 4."""
    text = token.text
    return (0 < len(text) <= settings.SCAN_SPOILED_NUMBER_MAX_CHARS
            and all(ord(ch) < settings.SCAN_CJK_FIRST_CODEPOINT for ch in text)
            and parse_number(text).status is Parse.UNPARSABLE)


def _closed(cell: CellCrops) -> CellCrops:
    """The cell's whole ink, smoothed, binarised and closed as for tesseract's last retry
    (``SCAN_TESS_CLOSE_BLUR_PX``, ``SCAN_TESS_CLOSE_PX``), as a one-line crop."""
    crop = _for_tesseract(cell.whole, settings.SCAN_TESS_CLOSE_BLUR_PX, None, settings.SCAN_TESS_CLOSE_PX)
    return CellCrops(box=cell.box, lines=(crop,), whole=crop, doubt=cell.doubt)


def _settled(token: Token, exact: bool) -> bool:
    """A quick reading that stands: a number scored at least ``SCAN_QUICK_MIN_SCORE`` that the
    digit engine read as the same digits at its first, plain look (no retry steered towards the
    quick reading); any other text only when the reading is already the exact one."""
    if token.alt_text is None:
        return exact
    return token.alt_text == token.text and token.confidence >= settings.SCAN_QUICK_MIN_SCORE


def _read(cells: list[CellCrops], recognize: Callable[[list[np.ndarray]], list[Reading]],
          digits: DigitReader | None, retry: bool = True) -> list[tuple[Token, bool]]:
    """(token, whether every line's reading is ``exact``) per cell, every line read through
    ``recognize``, with the digit engine's second opinion on the numbers (``second_opinions``,
    ``retry``)."""
    flat = [c for cell in cells for c in cell.lines]
    readings = recognize(flat) if flat else []
    tokens: list[Token] = []
    exact: list[bool] = []
    numeric: list[int] = []
    k = 0
    for cell in cells:
        parts = readings[k:k + len(cell.lines)]
        k += len(cell.lines)
        text = "".join("".join(r.text.split()) for r in parts)
        conf = min((r.score for r in parts), default=0.0) if text else 0.0
        if wants_digit_reading(text):
            numeric.append(len(tokens))
        tokens.append(Token(text=text, bbox=tuple(float(v) for v in cell.box), confidence=conf,
                            source=Source.OCR, doubt=cell.doubt))
        exact.append(all(r.exact for r in parts))
    if digits is not None and numeric:
        alts = second_opinions(digits, [cells[i].whole for i in numeric], [tokens[i].text for i in numeric], retry)
        for i, alt in zip(numeric, alts, strict=True):
            tokens[i] = _with_alt(tokens[i], alt)
            alike = tokens[i].text == alt
            if alike and (cells[i].clear or (cells[i].clear_if_zeros and _all_zeros(alt))):
                tokens[i] = tokens[i].model_copy(update={"doubt": ""})
    return list(zip(tokens, exact, strict=True))


def _with_alt(token: Token, alt: str) -> Token:
    """``token`` with its digit second opinion; a reading with digit look-alikes ("1l", "o")
    becomes the digits when the second engine reads exactly those digits."""
    mapped = as_digits(token.text)
    text = mapped if mapped != token.text and mapped == alt else token.text
    return token.model_copy(update={"alt_text": alt, "text": text})
