"""Group a page's tokens into reading-order text lines, and normalise text for matching.

Coordinates are working-DPI pixels; a line is a run of tokens whose vertical centres lie within
``settings.ROW_TOLERANCE_PX`` of the line's first token.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service import settings
from service.model import BBox, Page, Token


class _computed_once:  # noqa: N801 — used as a decorator, like functools.cached_property
    """``functools.cached_property`` without its lock (Python 3.11 takes one per first access, a
    third of the cost of a line's box): the value is computed on first access and kept in the
    instance ``__dict__``, which then shadows this (non-data) descriptor."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class TextLine:
    """Tokens of one printed line on one page, left to right; ``bbox`` encloses them all."""

    page: int
    tokens: tuple[Token, ...]

    @_computed_once
    def text(self) -> str:
        return join_texts([t.text for t in self.tokens])

    @_computed_once
    def bbox(self) -> BBox:
        return enclosing([t.bbox for t in self.tokens])  # computed once: layout reads it ~60 times a line

    @property
    def y(self) -> float:
        return (self.bbox[1] + self.bbox[3]) / 2


def enclosing(boxes: list[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def centre(b: BBox) -> tuple[float, float]:
    return (b[0] + b[2]) / 2, (b[1] + b[3]) / 2


_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def has_chinese(text: str) -> bool:
    """Whether ``text`` holds a CJK unified ideograph (U+4E00–U+9FFF): a word, not a number,
    mark or machine header."""
    return _CHINESE.search(text) is not None


def join_texts(parts: list[str]) -> str:
    """Join pieces without spaces between CJK characters, with one space between Latin/digits."""
    out = ""
    for part in parts:
        if out and part and out[-1].isascii() and part[0].isascii() and out[-1].isalnum() \
                and part[0].isalnum():
            out += " "
        out += part
    return out


def page_lines(page: Page, tokens: tuple[Token, ...] | None = None) -> list[TextLine]:
    """Reading-order lines of ``tokens`` (default: all tokens of the page)."""
    return group_lines(tokens if tokens is not None else page.tokens, page.number)


def group_lines(tokens: tuple[Token, ...] | list[Token], page_number: int) -> list[TextLine]:
    """Tokens of one page grouped into lines, top to bottom, each left to right."""
    tolerance = settings.ROW_TOLERANCE_PX
    placed = sorted((((t.bbox[1] + t.bbox[3]) / 2, t) for t in tokens), key=_first)  # centre y, stable
    lines: list[list[Token]] = []
    line_y = 0.0  # centre y of the current line's first token
    for y, tok in placed:
        if lines and abs(line_y - y) <= tolerance:
            lines[-1].append(tok)
        else:
            lines.append([tok])
            line_y = y
    return [TextLine(page_number, tuple(sorted(line, key=_left))) for line in lines]


def _first(pair: tuple[float, Token]) -> float:
    return pair[0]


def _left(token: Token) -> float:
    return token.bbox[0]


_PUNCT_MAP = str.maketrans({
    "(": "（", ")": "）", "“": "", "”": "", '"': "", "'": "", "‘": "", "’": "",
    "．": ".", "、": "、", ",": "，", ":": "：", ";": "；",
})


def normalise(text: str) -> str:
    """NFKC, no whitespace, unified brackets and dots; used only for matching labels."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return text.translate(_PUNCT_MAP)
