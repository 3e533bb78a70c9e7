"""Locate tables 二/三/四 in the document by their section headings.

The headings (二、主动公开政府信息情况 / 三、收到和处理政府信息公开申请情况 /
四、政府信息公开行政复议、行政诉讼情况 / 五、…) are the most reliable anchors in this fixed
format: a table runs from its heading to the next heading, possibly across pages. A missing
heading leaves its table bounded by its neighbours' headings (or the document ends).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service import settings
from service.model import Document, TableRegion
from service.tables.labels import matched_chars
from service.textlines import TextLine, normalise, page_lines

_NUMBERED = re.compile(r"^[一二三四五六七八九十]{1,2}[、.]")
HEADING_MAX_EXTRA_CHARS = 8  # a heading line holds its key phrase plus at most a numeral/prefix


@dataclass(frozen=True)
class Anchor:
    """A position in reading order: page (1-based) and y (working-DPI pixels)."""

    page: int
    y: float

    def key(self) -> tuple[int, float]:
        return self.page, self.y


_HEADINGS: dict[str, tuple[str, ...]] = {
    "t2": ("主动公开政府信息情况",),
    "t3": ("收到和处理政府信息公开申请情况",),
    "t4": ("行政复议、行政诉讼情况", "行政复议和行政诉讼情况", "行政复议行政诉讼情况"),
    "end": ("存在的主要问题", "其他需要报告的事项"),
}


def is_heading(line_text: str, phrases: tuple[str, ...]) -> bool:
    """A short line containing one of ``phrases``, or a numbered line (三、…) containing it.

    On a scan the phrase may be misread: a short line (at most ``HEADING_MAX_EXTRA_CHARS`` longer
    than the phrase) that holds ``HEADING_MIN_MATCHED_SHARE`` of the phrase's characters in
    order (``labels.matched_chars``) counts too.
    """
    text = normalise(line_text)
    for phrase in phrases:
        short = len(text) <= len(phrase) + HEADING_MAX_EXTRA_CHARS
        if phrase in text and (short or _NUMBERED.match(text)):
            return True
        if short and matched_chars(phrase, text) >= settings.HEADING_MIN_MATCHED_SHARE * len(phrase):
            return True
    return False


def find_headings(lines: list[TextLine]) -> dict[str, Anchor]:
    """First heading of each table in reading order, each after the previous one found."""
    found: dict[str, Anchor] = {}
    last = (0, -1.0)
    for name, phrases in _HEADINGS.items():
        for line in lines:
            pos = (line.page, line.y)
            if pos > last and is_heading(line.text, phrases):
                found[name] = Anchor(line.page, line.bbox[1])
                last = pos
                break
    return found


def regions_from_anchors(anchors: dict[str, Anchor], page_heights: list[float]) -> list[TableRegion]:
    """Spans (page, y_top, y_bottom) from each table's heading to the next anchor found."""
    order = ["t2", "t3", "t4", "end"]
    doc_start = Anchor(1, 0.0)
    doc_end = Anchor(len(page_heights), page_heights[-1])
    regions = []
    for i, table in enumerate(order[:-1]):
        start = anchors.get(table) or _previous(anchors, order[:i]) or doc_start
        end = next((anchors[n] for n in order[i + 1:] if n in anchors), doc_end)
        regions.append(TableRegion(table=table, spans=tuple(_spans(start, end, page_heights))))
    return regions


def _previous(anchors: dict[str, Anchor], names: list[str]) -> Anchor | None:
    found = [anchors[n] for n in names if n in anchors]
    return found[-1] if found else None


def _spans(start: Anchor, end: Anchor, heights: list[float]) -> list[tuple[int, float, float]]:
    spans = []
    for page in range(start.page, end.page + 1):
        top = start.y if page == start.page else 0.0
        bottom = end.y if page == end.page else heights[page - 1]
        if bottom > top:
            spans.append((page, top, bottom))
    return spans


def locate_tables(doc: Document, ctx: object) -> Document:
    """Pipeline stage: set ``doc.regions`` (one per table, always three)."""
    lines = [line for page in doc.pages for line in page_lines(page)]
    anchors = find_headings(lines)
    regions = regions_from_anchors(anchors, [p.height for p in doc.pages])
    missing = [t for t in ("t2", "t3", "t4") if t not in anchors]
    notes = doc.notes + ((f"section headings not found for {', '.join(missing)}",) if missing else ())
    return doc.model_copy(update={"regions": tuple(regions), "notes": notes})
