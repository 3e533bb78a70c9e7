"""Pipeline stage: the agency and year from the title, and totals quoted in the narrative.

Title: 「<agency><year>年（度）政府信息公开工作年度报告」, possibly wrapped over two lines.
Narrative totals are read only from text outside the table regions, e.g.
「共收到政府信息公开申请18件」 → t3.new.total = 18, 「行政复议1起」 → t4.review.total = 1.
"""

from __future__ import annotations

import re

from service.model import Document, NarrativeTotal, Page, ReportInfo, TableRegion
from service.textlines import TextLine, has_chinese, normalise, page_lines

TITLE_MAX_LINES = 4
_TITLE = re.compile(r"^(?P<agency>.{2,40}?)(?P<year>20\d{2})年度?(?:政府)?信息公开")
# e.g. "2024-03-05 10:12 FROM: 0571-88881234 FAX P.001/004", "发件人：…传真…第1页"
_TRANSMISSION_HEADER = re.compile(r"(FROM|TO|FAX|TEL|传真|发件|收件)[:：]?.*(P\.?\d+|PAGE|第\d+页|\d+/\d+)"
                                  r"|\d{1,2}:\d{2}.*(FROM|FAX|传真)", re.IGNORECASE)
HEADER_MIN_DIGITS = 6  # a line without any Chinese but this many digits is a machine's header
_YEAR_FALLBACK = re.compile(r"(20\d{2})年1月1日至(20\d{2})年12月31日")
_QUOTED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("t3.new.total", re.compile(r"(?:共|累计)?(?:新)?收到(?:政府信息公开|依申请公开)?申请(\d+)[件个份]")),
    ("t3.carried_over.total", re.compile(r"上年结转(?:政府信息公开申请)?(\d+)件")),
    ("t3.results_total.total", re.compile(r"(?:本年度?)?办结(?:政府信息公开申请)?(\d+)件")),
    ("t3.carried_forward.total", re.compile(r"结转下年度?(?:继续办理)?(\d+)件")),
    ("t4.review.total", re.compile(r"行政复议(?:案件)?(\d+)[起件宗个]")),
)


def is_transmission_header(text: str) -> bool:
    """A fax/scanner header line (date, time, sender number, page count), not the title."""
    text = normalise(text)
    if not has_chinese(text) and sum(ch.isdigit() for ch in text) >= HEADER_MIN_DIGITS:
        return True
    return bool(_TRANSMISSION_HEADER.search(text))


def read_title(first_page: Page) -> ReportInfo:
    lines = [ln for ln in page_lines(first_page) if not is_transmission_header(ln.text)][:TITLE_MAX_LINES]
    joined = ""
    for line in lines:
        joined += normalise(line.text)
        match = _TITLE.search(joined)
        if match:
            agency = match.group("agency").strip("：:，,")
            return ReportInfo(agency=agency or None, year=int(match.group("year")))
    return ReportInfo()


def fallback_year(lines: list[TextLine]) -> int | None:
    for line in lines:
        match = _YEAR_FALLBACK.search(normalise(line.text))
        if match:
            return int(match.group(1))
    return None


def narrative_lines(doc: Document) -> list[TextLine]:
    """Lines outside every table region (the prose), in reading order."""
    out = []
    for page in doc.pages:
        for line in page_lines(page):
            if not any(_inside(line, r) for r in doc.regions):
                out.append(line)
    return out


def _inside(line: TextLine, region: TableRegion) -> bool:
    return any(p == line.page and top < line.y < bottom for p, top, bottom in region.spans)


def quoted_totals(lines: list[TextLine]) -> list[NarrativeTotal]:
    """Every quote of a total in the prose; lines are joined so a wrapped sentence counts."""
    found: dict[tuple[str, int, int], NarrativeTotal] = {}
    texts = [normalise(line.text) for line in lines]  # once per line, not three times
    for i, line in enumerate(lines):
        text = texts[i] + (texts[i + 1] if i + 1 < len(lines) else "")
        for key, pattern in _QUOTED:
            match = pattern.search(text)
            if match and match.start() < len(texts[i]):
                found[(key, line.page, int(line.y))] = NarrativeTotal(
                    key=key, value=int(match.group(1)), text=match.group(0), page=line.page)
    return list(found.values())


def read_report_info(doc: Document, ctx: object) -> Document:
    if not doc.pages:
        return doc
    info = read_title(doc.pages[0])
    prose = narrative_lines(doc)
    if info.year is None:
        info = info.model_copy(update={"year": fallback_year(prose)})
    return doc.model_copy(update={"report": info, "narrative": tuple(quoted_totals(prose))})
