"""Structural registration (issue 7 items 4 and 8): printed bands are aligned to the template's
row sequence by label, order, kind and value-cell count; a badly read label never loses its row,
and a placement in doubt is flagged so that holding identities cannot clear it."""

from __future__ import annotations

import pytest

from service.formats import T3_COLUMNS, T3_OTHER_SUBROWS, T3_ROWS, ReportFormat, RowSpec
from service.grid import region_bands
from service.model import Document, Flag, Page, PageMode, Ruling, Source, Token
from service.tables.registration import (
    BandEvidence,
    BandKind,
    Slot,
    confirmed_loose,
    only_embedding,
    placed_between_firm_anchors,
    register,
    table_head,
)
from service.tables.t2 import map_t2
from service.tables.t3 import map_t3
from service.validation import validate_document

ROW_H = 30.0
LABEL_X0, LABEL_X1 = 100.0, 500.0
VALUE_X0, COL_W = 700.0, 80.0

Row = tuple[str, list[str]]


def _ruled_page(rows: list[Row], skip_verticals: dict[int, int] | None = None, source: Source = Source.PDF_TEXT,
                alt: bool = False) -> Page:
    """One ruled table: a label cell, then ``len(values)`` value cells per band (rows top-down).

    ``skip_verticals`` {band index: value-column boundary} leaves one vertical out of one band.
    """
    tokens, rulings = [], []
    n_values = max(len(v) for _, v in rows)
    right = VALUE_X0 + n_values * COL_W
    skip = skip_verticals or {}
    for i, (label, values) in enumerate(rows):
        top = 100 + i * ROW_H
        rulings.append(Ruling(x0=LABEL_X0, y0=top, x1=right, y1=top))
        if label:
            tokens.append(Token(text=label, bbox=(LABEL_X0 + 5, top + 5, LABEL_X0 + 150, top + 20), source=source))
        for c, text in enumerate(values):
            x = VALUE_X0 + c * COL_W
            if text:
                tokens.append(Token(text=text, bbox=(x + 5, top + 5, x + 25, top + 20), source=source,
                                    confidence=0.99, alt_text=text if alt else None))
        xs = [LABEL_X0, VALUE_X0] + [VALUE_X0 + (c + 1) * COL_W for c in range(len(values))]
        if len(values) == 1:
            xs = [LABEL_X0, VALUE_X0, right]
        if not values:
            xs = [LABEL_X0, right]
        for k, x in enumerate(xs):
            if skip.get(i) == k - 1:
                continue
            rulings.append(Ruling(x0=x, y0=top, x1=x, y1=top + ROW_H))
    bottom = 100 + len(rows) * ROW_H
    rulings.append(Ruling(x0=LABEL_X0, y0=bottom, x1=right, y1=bottom))
    return Page(number=1, width=1654, height=2339, mode=PageMode.TEXT, tokens=tuple(tokens), rulings=tuple(rulings))


def _bands(page: Page) -> list:
    return region_bands((page,), ((1, 0.0, page.height),))


def _t3_rows(labels: dict[str, str] | None = None, values: dict[str, list[str]] | None = None) -> list[Row]:
    """Header, then the 25 rows of table 三 with distinct values (row i, column c → i*10+c)."""
    labels, values = labels or {}, values or {}
    header: Row = ("（本列数据的勾稽关系为：第一项加第二项之和）", ["自然人", "商业企业", "科研机构", "社会公益组织",
                                                      "法律服务机构", "其他", "总计"])
    body = [(labels.get(r.key, r.labels[0]), values.get(r.key, [str(i * 10 + c) for c in range(7)]))
            for i, r in enumerate(T3_ROWS)]
    return [header, *body]


def _value(cells: dict, row: str, col: str = "total") -> object:
    return cells[f"t3.{row}.{col}"].value


# --- the pure aligner --------------------------------------------------------------------------
def _template() -> list[Slot]:
    return [Slot(RowSpec(k, (lab,)), BandKind.DATA, 3) for k, lab in
            (("a", "属于国家秘密"), ("b", "保护第三方合法权益"), ("c", "重复申请"),
             ("d", "本年新收政府信息公开申请数量"))]


def test_a_garbled_label_between_known_rows_is_placed_by_structure() -> None:
    evidence = [BandEvidence("属于国家秘密", values=3), BandEvidence("#@%", values=3),
                BandEvidence("重复申请", values=3), BandEvidence("本年新收政府信息公开申请数量", values=3)]
    placed = register(evidence, _template(), 0.45)
    assert [(p.band, p.slot) for p in placed] == [(0, 0), (1, 1), (2, 2), (3, 3)]
    middle = placed[1]
    assert middle.by_structure and middle.bounded and not middle.in_doubt


def test_an_extra_band_or_a_missing_row_shifts_nothing() -> None:
    extra = [BandEvidence("属于国家秘密", values=3), BandEvidence("", values=3), BandEvidence("??", values=3),
             BandEvidence("重复申请", values=3)]
    placed = register(extra, _template(), 0.45)
    assert [(p.band, p.slot) for p in placed] == [(0, 0), (3, 2)]  # two bands for one row: left alone
    missing = [BandEvidence("属于国家秘密", values=3), BandEvidence("重复申请", values=3)]
    assert [(p.band, p.slot) for p in register(missing, _template(), 0.45)] == [(0, 0), (1, 2)]


def test_a_band_against_the_table_edge_or_with_a_wrong_cell_count_is_in_doubt() -> None:
    evidence = [BandEvidence("xx", values=3), BandEvidence("保护第三方合法权益", values=2)]
    placed = register(evidence, _template(), 0.45)
    assert [(p.band, p.slot) for p in placed] == [(0, 0), (1, 1)]
    assert placed[0].by_structure and not placed[0].bounded and placed[0].in_doubt
    assert not placed[1].count_ok and placed[1].in_doubt


def test_a_loose_label_is_confirmed_only_where_the_structure_places_it_alike() -> None:
    """"重友中请" (1-bit OCR of 重复申请) between two sure rows: the structure puts it on its row too."""
    sure = 0.6
    evidence = [BandEvidence("属于国家秘密", values=3), BandEvidence("保护第三方合法权益", values=3),
                BandEvidence("重友中请", values=3), BandEvidence("本年新收政府信息公开申请数量", values=3)]
    placed = register(evidence, _template(), 0.45)
    loose = [p for p in placed if not p.by_structure and p.label_score < sure]
    assert [(p.band, p.slot) for p in loose] == [(2, 2)]
    assert confirmed_loose(evidence, _template(), placed, sure) == {2}
    edge = evidence[1:3]  # nothing sure after it: the table's edge, no confirmation
    assert confirmed_loose(edge, _template(), register(edge, _template(), 0.45), sure) == set()
    extra = [*evidence[:2], BandEvidence("??", values=3), *evidence[2:]]  # one band too many in the gap
    assert confirmed_loose(extra, _template(), register(extra, _template(), 0.45), sure) == set()
    counts = [*evidence[:2], BandEvidence("重友中请", values=2), evidence[3]]  # a cell missing
    assert confirmed_loose(counts, _template(), register(counts, _template(), 0.45), sure) == set()


def test_rows_placed_by_structure_between_sure_anchors_need_no_label() -> None:
    """Two unlabelled bands (their label cell shared, glued) between two sure rows: placed by the
    count alone. Next to a loose anchor ("国秘" for 属于国家秘密) they are bounded, not firmly."""
    sure = 0.6
    bare = [BandEvidence("属于国家秘密", values=3), BandEvidence("", values=3), BandEvidence("", values=3),
            BandEvidence("本年新收政府信息公开申请数量", values=3)]
    placed = register(bare, _template(), 0.45)
    assert [(p.band, p.slot, p.by_structure) for p in placed][1:3] == [(1, 1, True), (2, 2, True)]
    assert placed_between_firm_anchors(bare, _template(), placed, sure) == {1, 2}
    loose = [BandEvidence("国秘", values=3), *bare[1:]]
    placed = register(loose, _template(), 0.45)
    assert placed[0].label_score < sure and all(p.bounded for p in placed[1:3])
    assert placed_between_firm_anchors(loose, _template(), placed, sure) == set()


def test_kinds_must_agree() -> None:
    evidence = [BandEvidence("属于国家秘密", BandKind.HEADER, 3)]
    assert register(evidence, _template(), 0.45) == []


# --- table 三 ----------------------------------------------------------------------------------
def test_t3_garbled_and_missing_labels_keep_their_rows() -> None:
    rows = _t3_rows(labels={"results_total": "（七）总il", "refused_law": "", "unable_unclear": "3.补正后屮"})
    cells, old = map_t3(_bands(_ruled_page(rows)))
    keys = [r.key for r in T3_ROWS]
    for key in ("results_total", "refused_law", "unable_unclear"):
        i = keys.index(key)
        assert [_value(cells, key, c) for c in T3_COLUMNS] == [i * 10 + c for c in range(7)], key
        assert not any(cells[f"t3.{key}.{c}"].flags for c in T3_COLUMNS), key
    assert old == {}


def test_t3_row_whose_numbers_read_as_marks_is_no_header() -> None:
    """A faxed row of 0s read as "1)", "D" (no numbers, no words) keeps its row and its neighbours."""
    rows = _t3_rows(labels={"refused_law": "2.其他注律注规禁止公坪"},
                    values={"refused_law": ["0", "0", "0", "1)", "D", "D", "D"]})
    cells, _ = map_t3(_bands(_ruled_page(rows)))
    keys = [r.key for r in T3_ROWS]
    assert _value(cells, "refused_law", "natural_person") == 0
    assert Flag.UNPARSABLE in cells["t3.refused_law.social_welfare"].flags
    i = keys.index("refused_security")
    assert [_value(cells, "refused_security", c) for c in T3_COLUMNS] == [i * 10 + c for c in range(7)]


def test_t3_old_layout_row_is_followed_by_its_total() -> None:
    """A WPS-made report: the single （六）其他处理 row, then （七）总计 (here read badly)."""
    rows = _t3_rows(labels={"results_total": "（七）总il"})
    subrows = [1 + [r.key for r in T3_ROWS].index(k) for k in T3_OTHER_SUBROWS]
    rows[subrows[0]] = ("（六）其他处理", ["1", "0", "0", "0", "0", "0", "1"])
    del rows[subrows[1]:subrows[2] + 1]
    cells, old = map_t3(_bands(_ruled_page(rows)))
    i = [r.key for r in T3_ROWS].index("results_total")
    assert _value(cells, "results_total") == i * 10 + 6
    assert old["total"].value == 1
    assert all(cells[f"t3.{sub}.total"].value is None and Flag.OLD_LAYOUT in cells[f"t3.{sub}.total"].flags
               for sub in T3_OTHER_SUBROWS)
    assert _value(cells, "carried_forward") == (i + 1) * 10 + 6


@pytest.mark.parametrize("label", ["#一本年新", "本在新政政府行息公开中的敌量"])  # unplaced / loosely alike
def test_t3_first_row_garbled_below_the_column_header_keeps_its_row(label: str) -> None:
    """The column-header band closes the table's top as an anchor would: the garbled first row
    is placed (or its loose label confirmed) by the structure without doubt. With no header band
    above it, the row leans on the table's edge: placed in doubt."""
    rows = _t3_rows(labels={"new": label})
    cells, _ = map_t3(_bands(_ruled_page(rows)))
    cell = cells["t3.new.total"]
    assert cell.value == 6 and not cell.flags
    cells, _ = map_t3(_bands(_ruled_page(rows[1:])))
    cell = cells["t3.new.total"]
    assert cell.value == 6 and {Flag.PLACEMENT_DOUBT, Flag.UNCERTAIN_ROW} & set(cell.flags)


def test_the_table_head_bounds_the_first_gap_only_where_the_template_has_no_header_slots() -> None:
    evidence = [BandEvidence("申请人情况", BandKind.HEADER, 3), BandEvidence("xx", values=3),
                BandEvidence("保护第三方合法权益", values=3)]
    placed = register(evidence, _template(), 0.45)
    assert [(p.band, p.slot, p.bounded) for p in placed] == [(1, 0, True), (2, 1, True)]
    assert table_head(evidence, _template()) == 0
    with_header_slot = [Slot(RowSpec("header", ("信息内容",)), BandKind.HEADER), *_template()]
    assert table_head(evidence, with_header_slot) == -1
    data_first = [evidence[1], evidence[0], evidence[2]]  # a header after a data band closes nothing
    assert table_head(data_first, _template()) == -1


def test_t3_band_with_a_missing_vertical_is_in_doubt_and_sums_cannot_clear_it() -> None:
    values = {r.key: ["0"] * 7 for r in T3_ROWS}
    values["new"] = ["1", "0", "0", "0", "0", "0", "1"]
    values["disclosed"] = ["1", "0", "0", "0", "0", "0", "1"]
    values["results_total"] = ["1", "0", "0", "0", "0", "0", "1"]
    rows = _t3_rows(values=values)
    disclosed = 1 + [r.key for r in T3_ROWS].index("disclosed")
    cells, _ = map_t3(_bands(_ruled_page(rows, skip_verticals={disclosed: 2})))
    doubt = cells["t3.disclosed.natural_person"]
    assert Flag.PLACEMENT_DOUBT in doubt.flags
    doc = Document(path="x", sha256="0", dpi=200, page_count=1, cells=cells)
    checked = validate_document(doc)
    assert not checked.violations
    assert Flag.PLACEMENT_DOUBT in checked.cells["t3.disclosed.natural_person"].flags


# --- table 二 ----------------------------------------------------------------------------------
def _t2_rows(rules_label: str = "规章") -> list[Row]:
    return [
        ("第二十条第（一）项", []), ("信息内容", ["本年制发件数", "本年废止件数", "现行有效件数"]),
        (rules_label, ["1", "0", "6"]), ("行政规范性文件", ["2", "1", "28"]),
        ("第二十条第（五）项", []), ("信息内容", ["本年处理决定数量"]), ("行政许可", ["2459"]),
        ("第二十条第（六）项", []), ("信息内容", ["本年处理决定数量"]), ("行政处罚", ["271"]), ("行政强制", ["15"]),
        ("第二十条第（八）项", []), ("信息内容", ["本年收费金额（单位：万元）"]), ("行政事业性收费", ["70.03"]),
    ]


def test_t2_garbled_label_inside_its_section_keeps_its_row() -> None:
    cells = map_t2(_bands(_ruled_page(_t2_rows("规管"))), ReportFormat.F2021)
    assert [cells[f"t2.rules.{c}"].value for c in ("issued", "repealed", "in_force")] == [1, 0, 6]
    assert not cells["t2.rules.issued"].flags
    assert cells["t2.normative_docs.in_force"].value == 28
    assert cells["t2.enforcement.decisions"].value == 15


@pytest.mark.parametrize("header", ["信息内容本年制发件数本年废止件数现行有效件数", "信息内作本年制发件教"])
def test_t2_header_without_verticals_and_a_row_cut_by_the_page_break_keep_the_rows(header: str) -> None:
    """Page 1 ends with the 信息内容 header whose verticals were lost (its words read as one
    label, on a fax with a slip: 信息内作); page 2 starts with the empty half of the row the page
    break cut, then 规章 read badly: the header is a header, the half row no row, 规章 keeps its
    values."""
    rows = _t2_rows("规管")
    first = _ruled_page([rows[0], (header, [])])
    second = _ruled_page([("", ["", "", ""]), *rows[2:]]).model_copy(update={"number": 2})
    bands = region_bands((first, second), ((1, 0.0, first.height), (2, 0.0, second.height)))
    cells = map_t2(bands, ReportFormat.F2021)
    assert [cells[f"t2.rules.{c}"].value for c in ("issued", "repealed", "in_force")] == [1, 0, 6]
    assert not cells["t2.rules.issued"].flags and cells["t2.normative_docs.in_force"].value == 28


def test_bands_fill_a_gap_with_a_lost_row_only_where_their_kinds_and_counts_pin_them() -> None:
    kinds = "SHddSHe"  # slots: sub-header, header, two 3-value rows, sub-header, header, a 1-value row

    def fits(band: str) -> object:
        return lambda b, s: band[b] == kinds[s]

    bands = "HddSHe"  # the first sub-header was read as nothing
    assert only_embedding(list(range(6)), list(range(7)), fits(bands)) == [(i, i + 1) for i in range(6)]
    assert only_embedding(list(range(6)), list(range(7)), fits("SHdSHe")) is None  # which 3-value row is lost?
    assert only_embedding(list(range(7)), list(range(7)), fits(kinds)) == [(i, i) for i in range(7)]
    assert only_embedding([0, 1], [0], fits("SS")) is None


def test_t2_rows_below_a_lost_sub_header_keep_their_rows_in_doubt_at_the_table_edge() -> None:
    """A fax lost the first 第二十条第（一）项 band and garbled every label above 第二十条第（八）项:
    the kinds and value-cell counts still place each band, leaning on the table's top edge."""
    garbled = ["GAONY", "C9", "政规范件文作", "第：十条第（斤）项", "CO內容", "行政音", "第：十条第（t)项", "G0內容",
               "{设公…", "行改袋制"]
    rows = _t2_rows()[1:]
    rows = [(garbled[i] if i < len(garbled) else label, values) for i, (label, values) in enumerate(rows)]
    cells = map_t2(_bands(_ruled_page(rows)), ReportFormat.F2021)
    assert [cells[f"t2.rules.{c}"].value for c in ("issued", "repealed", "in_force")] == [1, 0, 6]
    assert cells["t2.licensing.decisions"].value == 2459 and cells["t2.enforcement.decisions"].value == 15
    assert Flag.PLACEMENT_DOUBT in cells["t2.rules.issued"].flags
    assert not cells["t2.fees.amount_wan_yuan"].flags


def test_t2_data_row_whose_numbers_read_as_marks_is_no_header() -> None:
    """A faxed 0 read as "1)" is no number, but no header word either: the 行政规范性文件 band
    stays a data row, so the section's structure still places every row (issue 7, fax)."""
    rows = _t2_rows()
    rows[3] = (rows[3][0], ["1)", "0", "1)"])
    cells = map_t2(_bands(_ruled_page(rows)), ReportFormat.F2021)
    assert [cells[f"t2.rules.{c}"].value for c in ("issued", "repealed", "in_force")] == [1, 0, 6]
    assert cells["t2.normative_docs.repealed"].value == 0
    assert Flag.UNPARSABLE in cells["t2.normative_docs.issued"].flags
    assert cells["t2.licensing.decisions"].value == 2459


def test_t2_ocr_cells_need_two_readings() -> None:
    one = map_t2(_bands(_ruled_page(_t2_rows(), source=Source.OCR)), ReportFormat.F2021)
    assert Flag.LOW_CONFIDENCE in one["t2.licensing.decisions"].flags
    two = map_t2(_bands(_ruled_page(_t2_rows(), source=Source.OCR, alt=True)), ReportFormat.F2021)
    assert two["t2.licensing.decisions"].value == 2459 and not two["t2.licensing.decisions"].flags


# --- end to end: 150 dpi 1-bit scan --------------------------------------------------------------
def test_binarised_150_scan_reads_the_printed_values(tmp_path) -> None:
    """The sample report scanned at 150 dpi, 1-bit: every value right or flagged, rows 规章 /
    行政规范性文件 of table 二 present, and no wrong value unflagged."""
    import json
    from pathlib import Path

    from service.pipeline import extract
    from tests.conditions import generate

    fixtures = Path(__file__).parent / "fixtures"
    made = generate("binarised_150", fixtures / "sample-report.pdf", tmp_path, "sample-report", seed=5)
    doc = extract(made)
    truth = json.loads((fixtures / "sample-report.json").read_text(encoding="utf-8"))
    blanks = set(truth["blank_cells"])
    wrong = [k for k, want in truth["cells"].items() if k not in blanks
             and (doc.cells[k].value is None or float(doc.cells[k].value) != float(want))]
    silent = [k for k in wrong if not doc.cells[k].flagged]
    assert silent == []
    assert len(wrong) <= 2, wrong
    assert [doc.cells[f"t2.rules.{c}"].value for c in ("issued", "repealed", "in_force")] == [1, 0, 6]
    assert doc.cells["t2.normative_docs.in_force"].value == 28
    assert doc.cells["t3.new.total"].value == 37


def test_the_inkless_half_of_a_row_cut_by_a_page_break_is_left_out() -> None:
    evidence = [BandEvidence("属于国家秘密", values=3), BandEvidence("", values=3, split_part=True),
                BandEvidence("qu", values=3), BandEvidence("重复申请", values=3)]
    placed = register(evidence, _template(), 0.45)
    assert [(p.band, p.slot) for p in placed] == [(0, 0), (2, 1), (3, 2)]
    assert placed[1].by_structure and not placed[1].in_doubt


def _glued_group(rows: list[Row], keys: list[str], text: str) -> Page:
    """The OCR page of ``rows`` where the label cells of the rows ``keys`` (consecutive) are one
    enclosed region (the ruling left of the item labels was lost): one token over all of them."""
    index = [1 + [r.key for r in T3_ROWS].index(k) for k in keys]
    bare = [(label if i not in index else "", values) for i, (label, values) in enumerate(rows)]
    page = _ruled_page(bare, source=Source.OCR, alt=True)
    top, bottom = 100 + index[0] * ROW_H, 100 + (index[-1] + 1) * ROW_H
    glued = Token(text=text, bbox=(LABEL_X0 + 2, top + 2, VALUE_X0 - 2, bottom - 2), source=Source.OCR, confidence=0.9)
    return page.model_copy(update={"tokens": (*page.tokens, glued)})


def test_t3_rows_sharing_a_label_cell_are_confirmed_by_its_text_or_by_sure_rows_around() -> None:
    """A label region that holds several rows' labels is evidence for none of them alone (its
    text names the last one fully): the rows are placed by structure, confirmed by its text
    naming them all, or by sure rows above and below with as many bands between as rows."""
    keys = ["not_processed_petition", "not_processed_repeat", "not_processed_publication", "not_processed_mass",
            "not_processed_confirm"]
    labels = "".join(f"{n}.{next(r for r in T3_ROWS if r.key == k).labels[0]}" for n, k in enumerate(keys, 1))
    rows = _t3_rows()
    cells, _ = map_t3(_bands(_glued_group(rows, keys, "（五）不予处理" + labels)))
    order = [r.key for r in T3_ROWS]
    for key in keys:
        i = order.index(key)
        assert [_value(cells, key, c) for c in T3_COLUMNS] == [i * 10 + c for c in range(7)], key
        assert not any(cells[f"t3.{key}.{c}"].flagged for c in T3_COLUMNS), key
    short = labels.split("3.")[0]  # names only the first two of the five rows it spans
    cells, _ = map_t3(_bands(_glued_group(rows, keys, "（五）不予处理" + short)))
    for key in keys:  # between sure rows (信访举报… above, 1.行政机关不予更正… below) the count places them
        i = order.index(key)
        assert [_value(cells, key, c) for c in T3_COLUMNS] == [i * 10 + c for c in range(7)], key
        assert not any(cells[f"t3.{key}.{c}"].flagged for c in T3_COLUMNS), key
    # the row below: its label barely read, a value cell lost: no sure count between sure rows
    below = 1 + order.index("not_processed_confirm") + 1
    loose = [(("无正当理由逾期不补正", values[:6]) if i == below else (label, values))
             for i, (label, values) in enumerate(rows)]
    cells, _ = map_t3(_bands(_glued_group(loose, keys, "（五）不予处理" + short)))
    assert all(Flag.UNCERTAIN_ROW in cells[f"t3.{k}.total"].flags for k in keys)
