"""Grid bands on worn copies (synthetic pages: tokens + rulings, no PDF needed).

A crease beside a vertical ruling makes a strip too narrow to be a cell; a crease lying on a
horizontal ruling can merge two rows' printed cells into one while a piece of that ruling still
separates the bands: the number must then not leave the other row a silent "printed blank".
"""

from __future__ import annotations

from service.formats import T3_ROWS
from service.grid import SPANS_ROWS_DOUBT, region_bands, span_to_bands
from service.model import Flag, Page, PageMode, Ruling, Source, Token
from service.tables.t3 import map_t3

ROW_H = 60.0
TOP = 100.0
LABEL_X = (100.0, 300.0, 500.0)
VALUE_X0 = 700.0
COL_W = 100.0
RIGHT = VALUE_X0 + 7 * COL_W


def _ocr(text: str, box: tuple[float, float, float, float]) -> Token:
    """An OCR cell token as the scan reader makes it: bbox = printed cell box, numbers with a
    tesseract reading."""
    numeric = text.isdigit()
    return Token(text=text, bbox=box, confidence=0.99, source=Source.OCR, alt_text=text if numeric else None)


def _t3_scan(merge_row: int | None = None, crease_x: float | None = None) -> Page:
    """Table 三 as read from a scan: one OCR token per printed cell, every value 0.

    ``merge_row`` i: the ruling between rows i and i+1 survives only over the last column, so
    the printed cells of the other columns span both rows (one token each, reading "00").
    ``crease_x``: an extra vertical "ruling" (a crease) that close beside a real one.
    """
    tokens, rulings = [], []
    bottom = TOP + len(T3_ROWS) * ROW_H
    for i, row in enumerate(T3_ROWS):
        top = TOP + i * ROW_H
        if merge_row is not None and i == merge_row + 1:
            rulings.append(Ruling(x0=VALUE_X0 + 6 * COL_W, y0=top, x1=RIGHT, y1=top))
        else:
            rulings.append(Ruling(x0=LABEL_X[0], y0=top, x1=RIGHT, y1=top))
        if merge_row is not None and i == merge_row + 1:
            continue  # its label and its merged value cells were made with the row above
        span = 2 if merge_row is not None and i == merge_row else 1
        tokens.append(_ocr(row.labels[0], (LABEL_X[2] + 2, top + 2, VALUE_X0 - 2, top + ROW_H - 2)))
        for c in range(7):
            x = VALUE_X0 + c * COL_W
            if span == 2 and c < 6:
                tokens.append(_ocr("00", (x + 2, top + 2, x + COL_W - 2, top + 2 * ROW_H - 2)))
            else:
                tokens.append(_ocr("0", (x + 2, top + 2, x + COL_W - 2, top + ROW_H - 2)))
                if span == 2:
                    tokens.append(_ocr("0", (x + 2, top + ROW_H + 2, x + COL_W - 2, top + 2 * ROW_H - 2)))
    rulings.append(Ruling(x0=LABEL_X[0], y0=bottom, x1=RIGHT, y1=bottom))
    xs = [*LABEL_X, *(VALUE_X0 + c * COL_W for c in range(8))]
    if crease_x is not None:
        xs.append(crease_x)
    for x in xs:
        rulings.append(Ruling(x0=x, y0=TOP, x1=x, y1=bottom))
    return Page(number=1, width=1654, height=2339, mode=PageMode.OCR, tokens=tuple(tokens), rulings=tuple(rulings))


def _cells(page: Page) -> dict:
    cells, _ = map_t3(region_bands((page,), ((1, 0.0, page.height),)))
    return cells


def test_plain_scan_table_has_no_row_spanning_doubt() -> None:
    cells = _cells(_t3_scan())
    assert len(cells) == 175
    assert all(c.value == 0 and not c.flagged for c in cells.values())


def test_cell_spanning_two_rows_reads_both_and_is_flagged() -> None:
    rows = [r.key for r in T3_ROWS]
    i = rows.index("disclosed")
    cells = _cells(_t3_scan(merge_row=i))
    for row in ("disclosed", "partly_disclosed"):
        for col in ("natural_person", "other"):
            cell = cells[f"t3.{row}.{col}"]
            assert cell.value == 0, (row, col)  # never a "printed blank" left empty and unflagged
            assert cell.flagged and Flag.PLACEMENT_DOUBT in cell.flags
            assert any(SPANS_ROWS_DOUBT in r for r in cell.reasons)
    # the column whose ruling survived is read as printed, without doubt
    assert not cells["t3.disclosed.total"].flagged and not cells["t3.partly_disclosed.total"].flagged
    # rows away from the merge are untouched
    assert not cells["t3.new.natural_person"].flagged


def test_text_layer_words_never_span_rows() -> None:
    """Only OCR number tokens (a printed cell box) are placed in every band they cover."""
    page = _t3_scan()
    tall = Token(text="7", bbox=(VALUE_X0 + 5, TOP + 5, VALUE_X0 + 30, TOP + 2 * ROW_H - 5))  # PDF word
    bands = span_to_bands(page.model_copy(update={"tokens": (*page.tokens, tall)}), 0, page.height)
    assert sum(tall in b.tokens for b in bands) == 1


def test_crease_beside_a_vertical_ruling_is_no_cell() -> None:
    """A strip narrower than GRID_MIN_CELL_WIDTH_PX (a crease 10 px beside the first value
    column's left ruling) is not a cell: the columns stay where they are printed."""
    page = _t3_scan(crease_x=VALUE_X0 + COL_W + 10)
    bands = span_to_bands(page, 0, page.height)
    assert all(len(b.cells) == 10 for b in bands)
    cells = _cells(page)
    assert all(c.value == 0 and not c.flagged for c in cells.values())
