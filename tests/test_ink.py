"""Ink (issue 7, items 2, 3, 7, 8): coloured ink separation, non-table line rejection, blank vs ink.

Small synthetic pages drawn here (the ruled table of ``tests/test_scan``), engine-free; the
end-to-end tests on the sample report are in ``tests/test_ink_e2e.py``.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from models.base import Reading
from service.model import Flag, Source, Token
from service.scan import read_scanned_page
from service.scan.cells import cell_crops
from service.scan.colour import separate_ink
from service.scan.deskew import binarise, normalise_lighting
from service.scan.lines import find_grid
from service.tables.reading import read_cell
from tests.conditions.seal import multiply, seal_alpha
from tests.test_scan import COLS, ROW_H, ROWS, X0, Y0, H, W, _cell_rects, _page, _Stub, _token_at

RED = (205, 35, 45)
BLUE = (35, 60, 160)


def _rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[:, :, None], 3, axis=2).copy()


def _stamped(seed: int = 0, colour: tuple[int, int, int] = RED, cx: int = 600, cy: int = 420) -> np.ndarray:
    """The straight test page in RGB with a seal centred at (cx, cy) and a blue tick."""
    page = _rgb(_page(skew=0.0, seed=seed))
    rng = np.random.default_rng(seed)
    alpha = seal_alpha(140, rng)
    multiply(page, alpha, colour, cx - 140, cy - 140)
    tick = Image.new("L", (W, H), 0)
    ImageDraw.Draw(tick).line([(560, 360), (570, 372), (590, 340)], fill=255, width=3)
    multiply(page, np.asarray(tick, np.float32) / 255 * 0.9, BLUE, 0, 0)
    return page


def _grid(grey: np.ndarray):
    return find_grid(binarise(normalise_lighting(grey)))


# --- colour ---------------------------------------------------------------------------------------


def test_red_seal_and_blue_tick_are_removed_but_print_under_them_stays() -> None:
    clean = _page(skew=0.0)
    split = separate_ink(_stamped())
    assert split.colour_px.get("red", 0) > 5000 and split.colour_px.get("blue", 0) > 50
    ink_clean = binarise(normalise_lighting(clean)) > 0
    ink_split = binarise(normalise_lighting(split.grey)) > 0
    region = np.s_[280:560, 460:740]  # the seal's box
    near_print = cv2.dilate(ink_clean.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    extra = ink_split[region] & ~near_print[region]  # ink away from the print: seal left-overs
    lost = ink_clean[region] & ~ink_split[region]
    assert extra.sum() < 30
    assert lost.sum() < 0.05 * ink_clean[region].sum()        # black print under the seal kept


def test_grey_image_passes_through_unchanged() -> None:
    grey = _page()
    assert separate_ink(grey).grey is grey


def test_black_print_with_chroma_noise_is_not_coloured() -> None:
    rgb = _rgb(_page(skew=0.0)).astype(np.int16)
    rgb += np.random.default_rng(3).normal(0, 5, rgb.shape).astype(np.int16)
    split = separate_ink(np.clip(rgb, 0, 255).astype(np.uint8))
    assert np.count_nonzero(split.coloured) < 0.001 * W * H


def test_reader_takes_rgb_and_returns_the_colour_page() -> None:
    stub = _Stub()
    stamped = _stamped()
    page, straight = read_scanned_page(stamped, 1, recognizer=stub, digits=stub, detector=stub)
    plain, _ = read_scanned_page(_page(skew=0.0), 1, recognizer=stub, digits=stub, detector=stub)
    assert straight.shape == stamped.shape and straight.dtype == np.uint8
    boxes = sorted(t.bbox for t in page.tokens if t.text != "title")
    assert boxes == sorted(t.bbox for t in plain.tokens if t.text != "title")  # same cells, same bboxes


# --- rulings that belong to a table ----------------------------------------------------------------


def _draw(grey: np.ndarray, draw) -> np.ndarray:
    img = Image.fromarray(grey)
    draw(ImageDraw.Draw(img))
    return np.asarray(img)


def _assert_table_intact(grey: np.ndarray) -> None:
    grid = _grid(grey)
    assert len(grid.cells) == 14
    for rect in _cell_rects():
        assert any(all(abs(a - b) <= 6 for a, b in zip(rect[:4], cell, strict=True)) for cell in grid.cells), rect


def test_full_height_streaks_are_not_rulings() -> None:
    """Fax sensor streaks: 2 px vertical lines over the whole sheet, through margin, prose and table."""
    xs = (X0 + COLS[0] + 60, X0 + COLS[0] + COLS[1] + 85, 40)

    def streaks(d: ImageDraw.ImageDraw) -> None:
        for x in xs:
            d.line([(x, 0), (x, H)], fill=30, width=2)

    grey = _draw(_page(skew=0.0), streaks)
    _assert_table_intact(grey)
    grid = _grid(grey)
    assert all(grid.rejected[H // 2, x - 1:x + 2].any() for x in xs[:2])


def test_streak_broken_by_dropouts_is_not_a_ruling() -> None:
    x = X0 + COLS[0] + 60

    def streak(d: ImageDraw.ImageDraw) -> None:
        for y in range(0, H, 130):
            d.line([(x, y), (x, y + 100)], fill=30, width=2)

    _assert_table_intact(_draw(_page(skew=0.0), streak))


def test_crease_across_the_sheet_is_not_a_ruling() -> None:
    y = Y0 + ROW_H + 45  # through the middle of a row of numbers' lower half

    def crease(d: ImageDraw.ImageDraw) -> None:
        d.line([(0, y), (W // 2, y + 4), (W, y + 1)], fill=90, width=3)

    _assert_table_intact(_draw(_page(skew=0.0), crease))


def test_black_seal_ring_is_not_a_ruling() -> None:
    def ring(d: ImageDraw.ImageDraw) -> None:
        d.ellipse((480, 250, 780, 550), outline=40, width=8)

    _assert_table_intact(_draw(_page(skew=0.0), ring))


def test_punch_holes_and_dark_borders_are_not_rulings() -> None:
    def worn(d: ImageDraw.ImageDraw) -> None:
        d.rectangle((0, 0, 30, H), fill=20)
        d.rectangle((0, H - 25, W, H), fill=30)
        for cy in (300, 600):
            d.ellipse((45, cy - 28, 101, cy + 28), fill=15)
        d.ellipse((45, 430, 101, 486), fill=250, outline=110, width=3)

    _assert_table_intact(_draw(_page(skew=0.0), worn))


def test_a_streak_through_a_number_puts_its_cell_in_doubt() -> None:
    stub = _Stub()
    x0, y0, x1, y1, _ = next(r for r in _cell_rects() if r[4] == "2411")
    x = x0 + 30  # through the printed digits

    def streak(d: ImageDraw.ImageDraw) -> None:
        d.line([(x, 0), (x, H)], fill=30, width=2)

    page, _ = read_scanned_page(_draw(_page(skew=0.0), streak), 1, recognizer=stub, digits=stub, detector=stub)
    crossed = [t for t in page.tokens if t.bbox[0] <= x <= t.bbox[2] and t.bbox[1] < Y0 + ROW_H * 4]
    assert crossed and all(t.doubt for t in crossed if t.bbox[1] >= Y0 + ROW_H)
    far = [t for t in page.tokens if t.bbox[2] < x - 20 and t.text != "title"]
    assert far and not any(t.doubt for t in far)


class _Agreeing(_Stub):
    """Both engines read every crop as "7" (a second opinion alike)."""

    def read_digits(self, crops: list[np.ndarray]) -> list[Reading]:
        return [Reading("7", 0.9) for _ in crops]


class _AgreeingUntilInked(_Agreeing):
    """Both engines read the cells as "7", and the cells read again with the line inked along
    the text (``cell_reading.settle_by_filling``, the second ``recognize``) as "17"."""

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        inked = self.crops > 0
        return [Reading("17", r.score) if inked and r.text else r for r in super().recognize(crops)]


@pytest.mark.parametrize(("offset", "engines", "doubt"), [
    (30, _AgreeingUntilInked, True),  # through the digits: their ink is cut, agreement on what is
                                      # left proves nothing when the cell inked reads otherwise
    (30, _Agreeing, False),   # … and it is lifted when both engines read the inked cell alike too
    (-5, _Agreeing, False),   # beside them, a clear gap, both engines alike: no doubt
    (-5, _Stub, True),        # beside them, but the engines differ ("7" / "1"): the doubt stays
])
def test_a_streak_beside_a_number_is_no_doubt_only_when_it_leaves_a_gap_and_engines_agree(
        offset: int, engines: type[_Stub], doubt: bool) -> None:
    stub = engines()
    x0, y0, _, _, _ = next(r for r in _cell_rects() if r[4] == "2411")
    x = x0 + 18 + offset  # the cell's text starts at x0 + 18 (``tests.test_scan._page``)

    def streak(d: ImageDraw.ImageDraw) -> None:
        d.line([(x, 0), (x, H)], fill=30, width=2)

    page, _ = read_scanned_page(_draw(_page(skew=0.0), streak), 1, recognizer=stub, digits=stub, detector=stub)
    cell = _token_at(page, x0 + 60, y0 + 30)
    assert cell is not None and bool(cell.doubt) == doubt


def test_a_line_over_the_glyphs_is_a_reading_doubt_two_sums_clear_a_misplacement_is_not() -> None:
    """A non-table line across the digits may hide strokes: a reading doubt, which the cell's row
    and column sums, both holding, clear as they clear a low OCR score. A doubt about the cell's
    place in the grid (a printed cell spanning two rows) is never cleared by sums."""
    from service.formats import IDENTITIES
    from service.grid import SPANS_ROWS_DOUBT
    from service.validation import confirm_by_sums

    line = "a line that is not a table ruling crosses the text"
    tok = Token(text="7", bbox=(0, 0, 10, 10), confidence=0.99, alt_text="7", source=Source.OCR, doubt=line)
    crossed = read_cell("t3.disclosed.natural_person", (tok,), 1, None)
    assert crossed.flags == (Flag.LOW_CONFIDENCE,) and crossed.reasons == (line,) and crossed.value == 7
    assert not confirm_by_sums(crossed, set(IDENTITIES)).flagged
    lone = read_cell("t4.review.upheld", (tok,), 1, None)  # one sum only: it stays in doubt
    assert confirm_by_sums(lone, set(IDENTITIES)).flags == lone.flags
    misplaced = read_cell("t3.disclosed.natural_person", (tok.model_copy(update={"placement": SPANS_ROWS_DOUBT}),),
                          1, None)
    assert Flag.PLACEMENT_DOUBT in misplaced.flags and misplaced.value == 7
    assert confirm_by_sums(misplaced, set(IDENTITIES)).flags == misplaced.flags


# --- blank means no ink ---------------------------------------------------------------------------


def _one_cell(fill: int, text: str | None, specks: int = 0) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    img = Image.new("L", (300, 200), 250)
    d = ImageDraw.Draw(img)
    d.rectangle((50, 50, 250, 150), outline=15, width=3)
    if text:
        from tests.test_scan import _font

        d.text((120, 80), text, fill=fill, font=_font(30))
    arr = np.asarray(img).copy()
    rng = np.random.default_rng(1)
    for _ in range(specks):
        y, x = rng.integers(60, 140), rng.integers(60, 240)
        arr[y:y + 2, x:x + 2] = 60
    return arr, (50, 50, 251, 151)


@pytest.mark.parametrize(("fill", "text", "specks", "inked"), [
    (20, "18", 0, True),     # print
    (212, "1", 0, True),     # a pale "1" (faint photo/fax): ink, never a blank
    (250, None, 0, False),   # nothing printed
    (250, None, 12, False),  # scanner specks only
])
def test_blank_only_when_no_ink(fill: int, text: str | None, specks: int, inked: bool) -> None:
    grey, box = _one_cell(fill, text, specks)
    norm = normalise_lighting(grey)
    ink = binarise(norm)
    grid = find_grid(ink)
    assert (cell_crops(norm, ink, grid.mask, box, False, grid.rejected) is not None) is inked


def test_unreadable_ink_is_flagged_never_blank() -> None:
    tok = Token(text="", bbox=(0, 0, 10, 10), confidence=0.0, source=Source.OCR)
    cell = read_cell("t3.new.total", (tok,), 1, None)
    assert cell.value is None and Flag.UNPARSABLE in cell.flags and Flag.BLANK not in cell.flags


@pytest.mark.parametrize("total_in_doubt", [True, False])
def test_sums_of_zeros_clear_no_doubt(total_in_doubt: bool) -> None:
    """0 = 0 + 0 holds whatever the printed digits were: it confirms no doubtful 0 — unless the
    other side is clear zeros (a column total read 0 without doubt): counts are never negative,
    so parts that add up to a clear 0 are all 0."""
    import random

    from service.formats import T3_COLUMNS, all_keys
    from service.validation import validate_document
    from tests.factories import consistent_values, document_with

    values = consistent_values(random.Random(5))
    rows = sorted({k.split(".")[1] for k in all_keys() if k.startswith("t3.")})
    for row in rows:
        values[f"t3.{row}.research"] = 0
        values[f"t3.{row}.total"] = sum(int(values[f"t3.{row}.{c}"]) for c in T3_COLUMNS[:-1])
    from service.formats import T3_RESULT_ROWS

    row = next(r for r in T3_RESULT_ROWS if values[f"t3.{r}.natural_person"])
    doc = document_with(values)
    doubt = (Flag.ENGINE_DISAGREEMENT,)
    cells = dict(doc.cells)
    for key in (f"t3.{row}.research", f"t3.{row}.natural_person"):
        cells[key] = cells[key].model_copy(update={"flags": doubt, "reasons": ("second engine read “8”",)})
    if total_in_doubt:  # a placement doubt: no sum clears it, so it pins nothing
        key = "t3.results_total.research"
        cells[key] = cells[key].with_flag(Flag.PLACEMENT_DOUBT, "row placed by its position only")
    doc = doc.model_copy(update={"cells": cells})
    assert not [v for v in validate_document(document_with(values)).violations]  # every sum holds
    out = validate_document(doc).cells
    # its column sum is 0 = 0 + … + 0: evidence only when the column total is a clear 0
    assert out[f"t3.{row}.research"].flags == (doubt if total_in_doubt else ())
    assert out[f"t3.{row}.natural_person"].flags == ()  # row and column sums with ink: cleared


def test_zeros_adding_up_to_a_clear_zero_with_doubtful_parts() -> None:
    """A row read 0 = 0 + … + 0 whose total is clear pins each doubtful part to 0, however many
    are doubtful; with the total in doubt too (and the column totals, which would pin each part
    by its column), none is pinned."""
    import random

    from service.formats import T3_COLUMNS, T3_RESULT_ROWS
    from service.validation import validate_document
    from tests.factories import consistent_values, document_with

    values = consistent_values(random.Random(7))
    row = T3_RESULT_ROWS[3]
    for col in T3_COLUMNS:  # an all-zero row; every column total keeps its sum
        values[f"t3.results_total.{col}"] = int(values[f"t3.results_total.{col}"]) - int(values[f"t3.{row}.{col}"])
        values[f"t3.{row}.{col}"] = 0
    values = {**values, **{f"t3.new.{c}": int(values[f"t3.results_total.{c}"]) + int(values[f"t3.carried_forward.{c}"])
                           - int(values[f"t3.carried_over.{c}"]) for c in T3_COLUMNS}}
    assert not validate_document(document_with(values)).violations
    doubt = (Flag.LOW_CONFIDENCE,)
    parts = [f"t3.{row}.{c}" for c in T3_COLUMNS[:3]]
    totals = [f"t3.{row}.total", *(f"t3.results_total.{c}" for c in T3_COLUMNS[:3])]
    for extra, cleared in (([], True), (totals, False)):
        doc = document_with(values)
        doubted = {k: doc.cells[k].model_copy(update={"flags": doubt, "reasons": ("OCR confidence 0.30",)})
                   for k in parts}
        placed = {k: doc.cells[k].with_flag(Flag.PLACEMENT_DOUBT, "row placed by its position only") for k in extra}
        cells = {**doc.cells, **doubted, **placed}
        out = validate_document(doc.model_copy(update={"cells": cells})).cells
        for key in parts:  # its column sum holds too (0 = 0 + … + 0 pinned by a clear total, or with ink)
            assert (out[key].flags == ()) is cleared, key


def _inked(text: str, tick: bool) -> np.ndarray:
    """The ink mask of one cell holding ``text`` (30 px font) and, optionally, a pen tick after it."""
    from tests.test_scan import _font

    img = Image.new("L", (220, 80), 250)
    d = ImageDraw.Draw(img)
    d.text((20, 20), text, fill=20, font=_font(30))
    right = int(d.textbbox((20, 20), text, font=_font(30))[2])
    if tick:
        d.line([(right + 7, 40), (right + 15, 52), (right + 30, 22)], fill=30, width=3)
    return binarise(normalise_lighting(np.asarray(img)))


@pytest.mark.parametrize("text", ["0", "18", "2411", "3.5", "11", "77", "100"])
def test_a_pen_tick_beside_a_number_is_not_part_of_it(text: str) -> None:
    from service.scan.cells import clean_cell_ink, drop_tick

    plain = clean_cell_ink(_inked(text, tick=False))
    ticked = clean_cell_ink(_inked(text, tick=True))
    assert np.array_equal(drop_tick(plain), plain)  # digits alone are never taken for a tick
    kept = drop_tick(ticked)
    assert abs(int(np.count_nonzero(kept)) - int(np.count_nonzero(plain))) < 15


@pytest.mark.parametrize("vertical", [True, False])
def test_a_white_crease_through_the_digits_is_healed(vertical: bool) -> None:
    """A light fold (paper-white, 3 px) cuts every ruling and the digits it crosses; healed, the
    digits' ink is whole again and nothing is added to the paper."""
    from service.scan.creases import heal_white_lines

    x0, y0, x1, y1, _ = next(r for r in _cell_rects() if r[4] == "2411")
    clean = normalise_lighting(_page(skew=0.0))

    def crease(d: ImageDraw.ImageDraw) -> None:
        if vertical:
            d.line([(x0 + 30, 0), (x0 + 33, H)], fill=255, width=3)
        else:
            d.line([(0, y0 + 33), (W, y0 + 35)], fill=255, width=3)

    cut = normalise_lighting(_draw(_page(skew=0.0), crease))
    healed, n = heal_white_lines(cut, binarise(cut), find_grid(binarise(cut)).rulings)
    assert n == 1
    ink_clean, ink_cut, ink_healed = (binarise(a) > 0 for a in (clean, cut, healed))
    lost_before = np.count_nonzero(ink_clean & ~ink_cut)
    assert lost_before > 50
    assert np.count_nonzero(ink_clean & ~ink_healed) < 0.7 * lost_before  # strokes along the crease stay lost
    near = cv2.dilate(ink_clean.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert np.count_nonzero(ink_healed & ~near) == 0


def test_no_white_line_no_healing() -> None:
    from service.scan.creases import heal_white_lines

    norm = normalise_lighting(_page(skew=0.0))
    healed, n = heal_white_lines(norm, binarise(norm), find_grid(binarise(norm)).rulings)
    assert n == 0 and np.array_equal(healed, norm)


def test_a_crease_touching_a_ruling_leaves_the_ruling() -> None:
    """A dark fold that runs into a table ruling makes one stroke of both: the straight ruling
    inside it is kept, the rest rejected."""
    y = Y0 + 2 * ROW_H

    def crease(d: ImageDraw.ImageDraw) -> None:
        d.line([(0, y - 8), (X0 + 200, y), (X0 + 500, y + 1), (W, y + 9)], fill=90, width=3)

    _assert_table_intact(_draw(_page(skew=0.0), crease))


def test_a_ruling_that_lost_a_stretch_of_ink_still_anchors_and_closes_its_cells() -> None:
    """A fax line dropout nearly parallel to the table's bottom rule erases a long stretch of it,
    under a column rule: that rule still ends on the table's frame (not rejected), and the
    cells either side of it stay two cells."""
    xb = X0 + COLS[0] + COLS[1]
    yb = Y0 + len(ROWS) * ROW_H

    def dropout(d: ImageDraw.ImageDraw) -> None:
        d.rectangle((xb - 80, yb - 4, xb + 80, yb + 4), fill=250)

    grey = _draw(_page(skew=0.0), dropout)
    _assert_table_intact(grey)
    assert not _grid(grey).rejected.any()


def test_a_merged_cell_is_not_closed_by_mending_breaks() -> None:
    """A break in a ruling where no crossing rule ends is a merged cell: it stays open."""
    xs = np.cumsum((X0, *COLS)).tolist()
    y = Y0 + 2 * ROW_H

    def merge(d: ImageDraw.ImageDraw) -> None:
        d.rectangle((xs[2] + 4, y - 4, xs[3] - 4, y + 4), fill=250)

    grid = _grid(_draw(_page(skew=0.0), merge))
    assert len(grid.cells) == 13
    assert any(abs(c[0] - xs[2]) <= 6 and abs(c[1] - (y - ROW_H)) <= 6 and abs(c[3] - (y + ROW_H)) <= 6
               for c in grid.cells)
