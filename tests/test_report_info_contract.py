"""Title and prose reading; the output contract."""

from __future__ import annotations

import json
import random

from service.contract import document_to_contract, output_name
from service.formats import ReportFormat, all_keys
from service.grid import Band
from service.model import Page, PageMode, Token
from service.report_info import quoted_totals, read_title
from service.tables.t2 import detect_format, map_t2
from service.textlines import page_lines
from service.validation import validate_document
from tests.factories import consistent_values, document_with


def _page(lines: list[str]) -> Page:
    tokens = tuple(Token(text=t, bbox=(100, 100 + 40 * i, 1500, 130 + 40 * i)) for i, t in enumerate(lines))
    return Page(number=1, width=1654, height=2339, mode=PageMode.TEXT, tokens=tokens)


def test_title_wrapped_over_two_lines() -> None:
    info = read_title(_page(["相山区经济和信息化局2021年政府", "信息公开工作年度报告", "本年度报告是根据"]))
    assert (info.agency, info.year) == ("相山区经济和信息化局", 2021)


def test_prose_totals_are_quoted() -> None:
    page = _page(["2021年度共收到政府信息公开申请18件，上年结转0件，本年度办结18件，结转下年度",
                  "继续办理0件。因政府信息公开引起的行政复议1起。"])
    found = {(q.key, q.value) for q in quoted_totals(page_lines(page))}
    assert found == {("t3.new.total", 18), ("t3.carried_over.total", 0), ("t3.results_total.total", 18),
                     ("t3.carried_forward.total", 0), ("t4.review.total", 1)}


def test_contract_has_all_keys_and_round_trips_through_json() -> None:
    values = consistent_values(random.Random(5))
    values["t3.new.commercial"] = None
    doc = validate_document(document_with(values))
    out = json.loads(json.dumps(document_to_contract(doc)))
    assert out["schema"] == "gouji.report/1"
    assert set(out["cells"]) == set(all_keys())
    blank = out["cells"]["t3.new.commercial"]
    assert blank["value"] is None
    assert out["needs_review"] is True and out["violations"]
    assert isinstance(out["cells"]["t2.fees.amount_wan_yuan"]["value"], int | float)
    assert output_name("/a/x.scan.pdf") == "x.scan.json"


def _band(label: str, values: list[str], y: float) -> Band:
    tokens = [Token(text=label, bbox=(100, y, 300, y + 20))]
    tokens += [Token(text=v, bbox=(400 + 150 * i, y, 430 + 150 * i, y + 20)) for i, v in enumerate(values)]
    return Band(1, y, y + 30, (), tuple(tokens), ruled=False)


def test_2019_table_two_is_recognised() -> None:
    bands = [_band("信息内容本年新制作数量本年新公开数量对外公开总数量", [], 50),
             _band("规章", ["1", "2", "30"], 100), _band("规范性文件", ["4", "5", "60"], 140),
             _band("信息内容上一年项目数量本年增/减处理决定数量", [], 180),
             _band("行政许可", ["10", "-2", "300"], 220)]
    assert detect_format(bands) is ReportFormat.F2019
    cells = map_t2(bands, ReportFormat.F2019)
    assert cells["t2_2019.rules.total_public"].value == 30
    assert cells["t2_2019.licensing.change"].value == -2
    assert "t2_2019.procurement.amount_yuan" in all_keys(ReportFormat.F2019)
