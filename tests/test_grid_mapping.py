"""Grid recovery and table mapping on synthetic pages (tokens + rulings, no PDF needed)."""

from __future__ import annotations

from service.formats import T3_ROWS, T4_COLUMNS, T4_GROUPS
from service.grid import region_bands, span_to_bands
from service.layout import find_headings, is_heading
from service.model import Page, PageMode, Ruling, Token
from service.tables.t3 import map_t3
from service.tables.t4 import map_t4
from service.textlines import page_lines

ROW_H = 30.0
LABEL_X = (100.0, 300.0, 500.0)  # three label sub-columns: 三、本年度办理结果 | （三）不予公开 | 1.…
VALUE_X0 = 700.0
COL_W = 80.0


def _t3_page(values: dict[str, list[str]], skip_vertical_in_row: int | None = None) -> Page:
    """Table 三 body only: one band per canonical row, label in the rightmost label column."""
    tokens, rulings = [], []
    right = VALUE_X0 + 7 * COL_W
    for i, row in enumerate(T3_ROWS):
        top = 100 + i * ROW_H
        rulings.append(Ruling(x0=LABEL_X[0], y0=top, x1=right, y1=top))
        tokens.append(Token(text=row.labels[0], bbox=(LABEL_X[2] + 5, top + 5, LABEL_X[2] + 150, top + 20)))
        for c, text in enumerate(values.get(row.key, ["1"] * 7)):
            x = VALUE_X0 + c * COL_W
            if text:
                tokens.append(Token(text=text, bbox=(x + 5, top + 5, x + 25, top + 20)))
    bottom = 100 + len(T3_ROWS) * ROW_H
    rulings.append(Ruling(x0=LABEL_X[0], y0=bottom, x1=right, y1=bottom))
    for x in [*LABEL_X, *(VALUE_X0 + c * COL_W for c in range(8))]:
        rulings.append(Ruling(x0=x, y0=100, x1=x, y1=bottom))
    return Page(number=1, width=1654, height=2339, mode=PageMode.TEXT, tokens=tuple(tokens),
                rulings=tuple(rulings))


def test_bands_follow_rulings() -> None:
    page = _t3_page({})
    bands = span_to_bands(page, 0, page.height)
    assert len(bands) == 25
    assert all(len(b.cells) == 10 for b in bands)


def test_t3_maps_every_cell_and_keeps_blanks_null() -> None:
    page = _t3_page({"new": ["3", "", "0", "0", "0", "0", "3"]})
    cells, old = map_t3(region_bands((page,), ((1, 0.0, page.height),)))
    assert len(cells) == 175 and old == {}
    assert cells["t3.new.natural_person"].value == 3
    blank = cells["t3.new.commercial"]
    assert blank.value is None and blank.flagged and blank.bbox is not None
    assert cells["t3.carried_forward.total"].value == 1


def test_t4_reads_the_fifteen_number_row() -> None:
    tokens, rulings = [], []
    xs = [100 + i * 60.0 for i in range(17)]
    for y in (100.0, 140.0, 180.0):
        rulings.append(Ruling(x0=xs[0], y0=y, x1=xs[-1], y1=y))
    for x in xs:
        rulings.append(Ruling(x0=x, y0=100, x1=x, y1=180))
    tokens.append(Token(text="结果维持", bbox=(xs[1] + 5, 105, xs[1] + 50, 130)))
    for i in range(15):
        tokens.append(Token(text=str(i), bbox=(xs[i + 1] + 5, 145, xs[i + 1] + 20, 170)))
    page = Page(number=1, width=1654, height=2339, mode=PageMode.TEXT, tokens=tuple(tokens),
                rulings=tuple(rulings))
    cells = map_t4(region_bands((page,), ((1, 0.0, page.height),)))
    keys = [f"t4.{g}.{c}" for g in T4_GROUPS for c in T4_COLUMNS]
    assert [cells[k].value for k in keys] == list(range(15))


def test_headings_are_found_in_order_and_prose_is_not_a_heading() -> None:
    prose = "全文包括政府信息公开工作总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等"
    assert not is_heading(prose, ("主动公开政府信息情况",))
    lines = [prose, "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
             "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况"]
    tokens = tuple(Token(text=t, bbox=(100, 100 + 50 * i, 900, 130 + 50 * i)) for i, t in enumerate(lines))
    page = Page(number=1, width=1654, height=2339, mode=PageMode.TEXT, tokens=tokens)
    anchors = find_headings(page_lines(page))
    assert [round(anchors[t].y) for t in ("t2", "t3", "t4", "end")] == [150, 200, 250, 300]


def test_misread_headings_are_still_headings_but_other_short_lines_are_not() -> None:
    """OCR on a fax drops the numeral or slips a character (收利 for 收到): a short line holding
    most of the phrase in order is the heading; 「（一）主动公开情况」 is a sub-heading of the prose."""
    assert is_heading("、收利和处理政府信息公开申请情况", ("收到和处理政府信息公开申请情况",))
    assert is_heading("、主中公开政府信息情况", ("主动公开政府信息情况",))
    assert not is_heading("（一）主动公开情况", ("主动公开政府信息情况",))
    assert not is_heading("本机关主动公开政府信息情况良好，全年共发布信息一千余条", ("主动公开政府信息情况",))


def test_borderless_t3_uses_header_words_for_columns() -> None:
    ruled = _t3_page({"new": ["3", "1", "0", "0", "0", "0", "4"]})
    words = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    headers = [Token(text=w, bbox=(VALUE_X0 + c * COL_W + 5, 60, VALUE_X0 + c * COL_W + 40, 80))
               for c, w in enumerate(words)]
    page = ruled.model_copy(update={"rulings": (), "tokens": (*headers, *ruled.tokens)})
    cells, _ = map_t3(region_bands((page,), ((1, 0.0, page.height),)))
    assert cells["t3.new.commercial"].value == 1 and cells["t3.new.total"].value == 4
    assert cells["t3.carried_forward.other"].value == 1
    assert not any(c.flagged for c in cells.values())


def _t4_page(numbers: list[str]) -> Page:
    """A ruled table 四: a header row and one data row of ``len(numbers) + 1`` cells (the first
    is the empty label cell), numbers from the second cell on."""
    tokens, rulings = [], []
    xs = [100 + i * 60.0 for i in range(len(numbers) + 2)]
    for y in (100.0, 140.0, 180.0):
        rulings.append(Ruling(x0=xs[0], y0=y, x1=xs[-1], y1=y))
    for x in xs:
        rulings.append(Ruling(x0=x, y0=100, x1=x, y1=180))
    tokens.append(Token(text="结果维持", bbox=(xs[1] + 5, 105, xs[1] + 50, 130)))
    for i, text in enumerate(numbers):
        tokens.append(Token(text=text, bbox=(xs[i + 1] + 5, 145, xs[i + 1] + 20, 170)))
    return Page(number=1, width=1654, height=2339, mode=PageMode.TEXT, tokens=tuple(tokens),
                rulings=tuple(rulings))


def test_t4_with_more_number_columns_than_the_template_is_in_placement_doubt() -> None:
    """16 numbers in the data row (a spurious vertical split a cell): which 15 are table 四's is
    not known, so every cell is in doubt; with the template's 15 none is."""
    from service.model import Flag

    right = map_t4(region_bands((_t4_page([str(i) for i in range(15)]),), ((1, 0.0, 2339.0),)))
    assert right and not any(Flag.PLACEMENT_DOUBT in c.flags for c in right.values())
    shifted = map_t4(region_bands((_t4_page([str(i) for i in range(16)]),), ((1, 0.0, 2339.0),)))
    assert len(shifted) == 15 and all(Flag.PLACEMENT_DOUBT in c.flags for c in shifted.values())
