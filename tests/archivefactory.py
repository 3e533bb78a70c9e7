"""Synthetic archives for the archive tests: consistent multi-year series of one agency, inserted through
the storage API (upload + save_extraction) without OCR.

``series_values(rng, years)`` gives one value dict per year in which every identity of FORMAT.md holds
inside each report *and* across consecutive years: 上年结转 = last year's 结转下年度 per column, and
现行有效件数 = last year's + 本年制发 − 本年废止.
"""

from __future__ import annotations

import io
import random
import uuid
from decimal import Decimal

from service.formats import FEE_KEY, T3_COLUMNS, T3_RESULT_ROWS, T4_COLUMNS, T4_GROUPS, all_keys
from service.model import Cell, Document, Page, PageMode, ReportInfo, Source, Token
from service.storage import Storage
from service.storage.intake import add_upload
from service.storage.results import save_extraction, start_processing

Values = dict[str, int | Decimal | None]
APPLICANTS = T3_COLUMNS[:-1]


def year_values(rng: random.Random, carried: dict[str, int], in_force: dict[str, int]) -> Values:
    """One report: ``carried`` = this year's 上年结转 per applicant column, ``in_force`` = last year's 现行有效."""
    v: Values = {}
    for item, before in in_force.items():
        issued = rng.randint(0, 6)
        repealed = rng.randint(0, min(3, before + issued))
        v.update({f"t2.{item}.issued": issued, f"t2.{item}.repealed": repealed,
                  f"t2.{item}.in_force": before + issued - repealed})
    for item in ("licensing", "punishment", "enforcement"):
        v[f"t2.{item}.decisions"] = rng.randint(0, 500)
    v[FEE_KEY] = Decimal(rng.randint(0, 9999)) / 100
    for col in APPLICANTS:
        results = {r: 0 for r in T3_RESULT_ROWS}
        results["disclosed"] = carried[col] + rng.randint(0, 20)
        results["unable_not_held"] = rng.randint(0, 3)
        forward = rng.randint(0, 5)
        total = sum(results.values())
        v.update({f"t3.{r}.{col}": n for r, n in results.items()})
        v.update({f"t3.results_total.{col}": total, f"t3.carried_forward.{col}": forward,
                  f"t3.carried_over.{col}": carried[col], f"t3.new.{col}": total + forward - carried[col]})
    for row in {k.split(".")[1] for k in v if k.startswith("t3.")}:
        v[f"t3.{row}.total"] = sum(int(v[f"t3.{row}.{c}"] or 0) for c in APPLICANTS)
    for g in T4_GROUPS:
        parts = [rng.randint(0, 4) for _ in T4_COLUMNS[:-1]]
        v.update({f"t4.{g}.{c}": n for c, n in zip(T4_COLUMNS[:-1], parts, strict=True)})
        v[f"t4.{g}.total"] = sum(parts)
    assert set(v) == set(all_keys())
    return v


def series_values(rng: random.Random, years: int) -> list[Values]:
    carried = {c: rng.randint(0, 4) for c in APPLICANTS}
    in_force = {"rules": rng.randint(5, 30), "normative_docs": rng.randint(10, 60)}
    out = []
    for _ in range(years):
        values = year_values(rng, carried, in_force)
        out.append(values)
        carried = {c: int(values[f"t3.carried_forward.{c}"] or 0) for c in APPLICANTS}
        in_force = {i: int(values[f"t2.{i}.in_force"] or 0) for i in in_force}
    return out


def document_of(agency: str, year: int, values: Values, text: str = "") -> Document:
    cells = {k: Cell(key=k, text="" if v is None else str(v), value=v, confidence=0.999, page=1,
                     bbox=(0.0, 0.0, 10.0, 10.0), source=Source.PDF_TEXT) for k, v in values.items()}
    tokens = (Token(text=text, bbox=(0.0, 0.0, 100.0, 10.0)),) if text else ()
    page = Page(number=1, width=1000, height=1400, mode=PageMode.TEXT, tokens=tokens)
    return Document(path=f"{agency}-{year}.pdf", sha256="0" * 64, dpi=200, page_count=1, pages=(page,),
                    report=ReportInfo(agency=agency, year=year), cells=cells)


def add_report(st: Storage, batch_id: int, agency: str, year: int, values: Values, text: str = "") -> int:
    """Upload a unique small PDF-looking file and save ``values`` as its extraction (status review)."""
    data = f"%PDF-1.4\n% {agency} {year} {uuid.uuid4().hex}\n".encode()
    up = add_upload(st, batch_id, f"{agency}-{year}.pdf", io.BytesIO(data))
    attempt = start_processing(st, up.document_id)
    assert attempt is not None
    doc = st.validator(document_of(agency, year, values, text))
    assert save_extraction(st, up.document_id, doc, attempt.claim)
    return up.document_id


# Twelve agencies in ten cities; the first is printed three different ways over the years.
AGENCIES = ("淮安市洪泽区人民政府", "南京市鼓楼区人民政府", "福州市鼓楼区人民政府", "苏州市姑苏区人民政府",
            "杭州市西湖区人民政府", "成都市武侯区人民政府", "武汉市江汉区人民政府", "广州市天河区人民政府",
            "北京市海淀区人民政府", "上海市浦东新区人民政府", "淮安市市场监督管理局", "浙江省教育厅")
PRINTINGS = ("淮安市洪泽区人民政府", "江苏省淮安市洪泽区人民政府",
             "洪泽区 人民政府 ２０２２年度政府信息公开工作年度报告")
ARCHIVE_YEARS = tuple(range(2020, 2026))


def build_archive(st: Storage, seed: int = 3) -> tuple[dict[str, dict[int, int]], set[tuple[str, int]]]:
    """≥ 50 reports of 12 agencies over 2020–2025 with gaps; returns ``{agency: {year: doc}}`` and the gaps.

    Each agency's series is consistent across years (no finding between reports); the first year and
    the last year are kept for agency 0 so the archive's year range is always 2020–2025."""
    rng = random.Random(seed)
    batch = create_batch_named(st, "archive")
    docs: dict[str, dict[int, int]] = {}
    gaps: set[tuple[str, int]] = set()
    for number, agency in enumerate(AGENCIES):
        series = series_values(rng, len(ARCHIVE_YEARS))
        for index, (year, values) in enumerate(zip(ARCHIVE_YEARS, series, strict=True)):
            keep = number == 0 or rng.random() > 0.25
            if not keep:
                gaps.add((agency, year))
                continue
            printed = PRINTINGS[index % len(PRINTINGS)] if number == 0 else agency
            docs.setdefault(agency, {})[year] = add_report(st, batch, printed, year, values)
    return docs, gaps


def create_batch_named(st: Storage, name: str) -> int:
    from service.storage.intake import create_batch

    return create_batch(st, name)
