"""The scanned-page reader on small synthetic pages drawn here (no files from /work/shared).

A ruled table with a merged header cell, labels, numbers and one blank cell is drawn with PIL,
rotated by 2°, blurred and noised. Engine-free tests use stub engines; the end-to-end tests use
rapidocr + tesseract and are skipped only when an engine cannot be created on this machine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import require
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from models.base import Reading, TextBox
from service.errors import EngineUnavailable
from service.model import PageMode, Source
from service.scan import read_scanned_page
from service.scan.cell_reading import wants_digit_reading
from service.scan.cells import text_bands
from service.scan.deskew import binarise, deskew, normalise_lighting
from service.scan.lines import find_grid

W, H = 1200, 900
X0, Y0 = 120, 260
COLS = (260, 170, 170, 170)  # column widths, px
ROW_H = 70
# Row 0 is a header whose last three columns are one merged cell; None = blank cell.
ROWS: tuple[tuple[str | None, ...], ...] = (
    ("Item", "Applicants"),
    ("New", "0", "18", "2411"),
    ("Carried", "7", None, "305"),
    ("Fees", "3.5", "0", "96"),
)
SKEW = 2.0
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for p in FONT_PATHS:
        if Path(p).is_file():
            return ImageFont.truetype(p, size)
    return ImageFont.load_default(size=size)


def _cell_rects() -> list[tuple[int, int, int, int, str | None]]:
    """(x0, y0, x1, y1, text) of every drawn cell, in unrotated page pixels."""
    xs = np.cumsum((X0, *COLS)).tolist()
    out = []
    for r, row in enumerate(ROWS):
        y0, y1 = Y0 + r * ROW_H, Y0 + (r + 1) * ROW_H
        if len(row) == 2:
            out += [(xs[0], y0, xs[1], y1, row[0]), (xs[1], y0, xs[-1], y1, row[1])]
        else:
            out += [(xs[c], y0, xs[c + 1], y1, t) for c, t in enumerate(row)]
    return out


def _page(skew: float = SKEW, seed: int = 0, open_top: bool = False) -> np.ndarray:
    """The synthetic scan: title line, ruled table, rotated by ``skew``° CCW, blur and noise.

    ``open_top`` erases the table's top rule (a table continued from the previous page)."""
    img = Image.new("L", (W, H), 250)
    d = ImageDraw.Draw(img)
    font = _font(30)
    d.text((X0, 150), "Annual Report 2021 on Disclosure", fill=20, font=_font(36))
    for x0, y0, x1, y1, text in _cell_rects():
        d.rectangle((x0, y0, x1, y1), outline=15, width=3)
        if text:
            d.text((x0 + 18, y0 + 18), text, fill=20, font=font)
    if open_top:
        d.rectangle((X0 - 5, Y0 - 3, X0 + sum(COLS) + 5, Y0 + 2), fill=250)
    img = img.rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=250)
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    rng = np.random.default_rng(seed)
    arr = np.asarray(img, dtype=np.float32) + rng.normal(0, 8, (H, W))
    arr -= np.linspace(0, 30, W)[None, :]  # uneven lighting
    return np.clip(arr, 0, 255).astype(np.uint8)


def _token_at(page, x: float, y: float):
    hits = [t for t in page.tokens if t.bbox[0] <= x <= t.bbox[2] and t.bbox[1] <= y <= t.bbox[3]]
    return hits[0] if hits else None


# --- engine-free ---------------------------------------------------------------------------------


def test_deskew_finds_the_angle() -> None:
    _, angle = deskew(_page())
    assert abs(-angle - SKEW) < 0.15


def test_straighten_recreates_the_deskewed_image() -> None:
    from service.scan.deskew import straighten

    img = _page()
    out, angle = deskew(img)
    assert np.array_equal(straighten(img, angle), out)


def test_straight_page_is_left_alone() -> None:
    img = _page(skew=0.0)
    out, angle = deskew(img)
    assert abs(angle) < 0.15
    assert out.shape == img.shape


def test_grid_finds_every_cell_including_merged_and_blank() -> None:
    straight, _ = deskew(_page())
    grid = find_grid(binarise(normalise_lighting(straight)))
    assert len(grid.cells) == len(_cell_rects()) == 14
    widest = max(c[2] - c[0] for c in grid.cells)
    assert abs(widest - sum(COLS[1:])) < 12  # the merged header cell is one box
    assert sum(r.vertical for r in grid.rulings) >= 2
    assert sum(not r.vertical for r in grid.rulings) >= 2


def test_table_cut_at_the_top_still_has_its_first_row() -> None:
    straight, _ = deskew(_page(open_top=True))
    grid = find_grid(binarise(normalise_lighting(straight)))
    assert len(grid.cells) == 14


def test_text_bands_split_lines_but_not_glyphs() -> None:
    ink = np.zeros((100, 60), np.uint8)
    ink[10:13, 5:50] = 255  # a glyph made of three strokes (like 三) …
    ink[16:19, 5:50] = 255
    ink[22:25, 5:50] = 255
    ink[60:85, 5:40] = 255  # … and a second text line
    assert text_bands(ink) == [(10, 25), (60, 85)]


def test_looks_numeric() -> None:
    assert wants_digit_reading("0") and wants_digit_reading("2411") and wants_digit_reading("3.5")
    assert wants_digit_reading("1l") and wants_digit_reading("O")  # misreads still get a digit second opinion
    assert not wants_digit_reading("") and not wants_digit_reading("1.属于") and not wants_digit_reading("3.")


def test_lookalike_reading_is_corrected_only_when_engines_agree() -> None:
    from service.model import Token
    from service.scan.cell_reading import _with_alt

    tok = Token(text="1l", bbox=(0, 0, 1, 1), confidence=0.6, source=Source.OCR)
    assert _with_alt(tok, "11").text == "11"
    assert _with_alt(tok, "1").text == "1l"  # disagreement stays visible
    assert _with_alt(tok.model_copy(update={"text": "7"}), "1").text == "7"
    faxed = tok.model_copy(update={"text": "a"})  # a faxed 1-bit 0 as rapidocr reads it
    assert wants_digit_reading("a") and _with_alt(faxed, "0").text == "0"
    assert _with_alt(faxed, "").text == "a" and _with_alt(faxed, "6").text == "a"  # one engine alone: no 0
    longer = tok.model_copy(update={"text": "1a"})  # a lone-0 look-alike inside a number is a letter
    assert not wants_digit_reading("1a") and _with_alt(longer, "10").text == "1a"
    bracketed = tok.model_copy(update={"text": "0)"})  # a 1-bit 0 that lost its thin top or bottom
    assert wants_digit_reading("()") and _with_alt(bracketed, "0").text == "0"
    assert _with_alt(bracketed, "6").text == "0)" and not wants_digit_reading("(16)")


class _Stub:
    """Reads every crop as "7" except very wide ones, which give no reading."""

    def __init__(self) -> None:
        self.crops = 0

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        self.crops += len(crops)
        return [Reading("", 0.0) if c.shape[1] > 6 * c.shape[0] else Reading("7", 0.97) for c in crops]

    def read_digits(self, crops: list[np.ndarray]) -> list[Reading]:
        return [Reading("1", 0.9) for _ in crops]

    def detect_and_read(self, image: np.ndarray) -> list[TextBox]:
        return [TextBox("title", 0.99, (10.0, 5.0, 300.0, 40.0))]


def test_page_structure_with_stub_engines() -> None:
    stub = _Stub()
    page, straight = read_scanned_page(_page(), 3, recognizer=stub, digits=stub, detector=stub)
    assert page.number == 3 and page.mode is PageMode.OCR
    assert (page.width, page.height) == (W, H) and straight.shape == (H, W)
    assert abs(page.skew_degrees - SKEW) < 0.15
    cells = [t for t in page.tokens if t.text != "title"]
    assert len(cells) == 13  # 14 cells, one blank
    assert all(t.source is Source.OCR for t in page.tokens)
    assert _token_at(page, *_centre("Carried", 2)) is None  # the blank cell gives no token
    numeric = [t for t in cells if t.text == "7"]
    assert numeric and all(t.alt_text == "1" for t in numeric)
    free = [t for t in page.tokens if t.text == "title"]
    assert len(free) == 1 and free[0].bbox[1] >= 5.0  # offset into page coordinates


def test_ink_without_reading_is_an_empty_token() -> None:
    class Blind(_Stub):
        def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
            return [Reading("", 0.0) for _ in crops]

    blind = Blind()
    page, _ = read_scanned_page(_page(), 1, recognizer=blind, digits=blind, detector=blind)
    empty = [t for t in page.tokens if t.text == ""]
    assert len(empty) == 13 and all(t.confidence == 0.0 and t.alt_text is None for t in empty)


def _centre(label: str, col: int) -> tuple[float, float]:
    """Centre of the cell in row ``label``, column ``col`` (deskewed ≈ unrotated coordinates)."""
    rects = _cell_rects()
    r = next(i for i, row in enumerate(ROWS) if row[0] == label)
    x0, y0, x1, y1, _ = [c for c in rects if c[1] == Y0 + r * ROW_H][col]
    return (x0 + x1) / 2, (y0 + y1) / 2


# --- real engines --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_page():
    try:
        from models.rapid_ocr import get_rapid_engine
        from models.tesseract import get_digit_reader

        get_rapid_engine()
        get_digit_reader()
    except EngineUnavailable as exc:
        require(False, f"OCR engine unavailable: {exc}")
    return read_scanned_page(_page(seed=1), 2)[0]


def test_numbers_are_read_per_cell(real_page) -> None:
    for row in ROWS[1:]:
        for col, expected in enumerate(row[1:], start=1):
            tok = _token_at(real_page, *_centre(row[0], col))
            if expected is None:
                assert tok is None
                continue
            assert tok is not None, f"no token for {row[0]}/{col}"
            assert tok.text == expected
            assert tok.alt_text == expected
            assert 0.5 < tok.confidence <= 1.0


def test_labels_and_free_text_are_read(real_page) -> None:
    label = _token_at(real_page, *_centre("Carried", 0))
    assert label is not None and label.text.lower() == "carried"
    assert any("2021" in t.text and t.bbox[3] < Y0 for t in real_page.tokens)


def test_missing_models_raise_engine_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from models import rapid_ocr, tesseract
    from service import settings

    monkeypatch.setattr(settings, "RAPIDOCR_DET_MODEL", "no-such-model.onnx")
    with pytest.raises(EngineUnavailable, match="no-such-model"):
        rapid_ocr.RapidEngine()
    monkeypatch.setattr(settings, "TESSDATA_DIRS", (str(tmp_path),))
    with pytest.raises(EngineUnavailable, match="eng.traineddata"):
        tesseract.TesseractDigits()


def test_borderless_page_falls_back_to_text_lines() -> None:
    drawn = Image.fromarray(np.full((400, 800), 245, np.uint8))
    ImageDraw.Draw(drawn).text((50, 100), "New 18 2411", fill=20, font=_font(30))
    stub = _Stub()
    page, _ = read_scanned_page(np.asarray(drawn), 1, recognizer=stub, digits=stub, detector=stub)
    assert [t.text for t in page.tokens] == ["title"] and page.note


def test_rec_batches_group_crops_of_about_the_same_width() -> None:
    from models.rapid_ocr import _batches, _padded_width
    from service import settings

    ratios = sorted([2.0, 2.0, 2.1, 3.0, 3.05, 6.0, 30.0, 30.5] + [2.0] * 20)
    least = settings.RAPIDOCR_REC_MIN_WH_RATIO
    batches = _batches(list(range(len(ratios))), ratios, least)
    assert sorted(i for b in batches for i in b) == list(range(len(ratios)))
    for batch in batches:
        widths = [_padded_width(ratios[i], least) for i in batch]
        assert max(widths) <= settings.RAPIDOCR_REC_BATCH_MAX_STRETCH * min(widths)
        assert len(batch) <= settings.RAPIDOCR_REC_BATCH
        assert len(batch) * max(widths) <= max(settings.RAPIDOCR_REC_BATCH_WIDTH_PX, max(widths))
    # the 22 narrow crops fill one full batch and the rest of the same width; wide ones stay apart
    assert [len(b) for b in batches][:2] == [settings.RAPIDOCR_REC_BATCH, 22 - settings.RAPIDOCR_REC_BATCH]


def test_a_crop_reads_the_same_alone_and_in_a_batch() -> None:
    try:
        from models.rapid_ocr import get_rapid_engine

        engine = get_rapid_engine()
    except EngineUnavailable as exc:
        require(False, f"OCR engine unavailable: {exc}")
        return
    crops = []
    for text in ("18", "24", "2411", "Carried over 7"):
        img = Image.fromarray(np.full((48, 24 * len(text) + 16), 255, np.uint8))
        ImageDraw.Draw(img).text((8, 6), text, fill=0, font=_font(32))
        crops.append(np.asarray(img))
    together = engine.recognize(crops)
    alone = [engine.recognize([c])[0] for c in crops]
    assert [r.text for r in together] == [r.text for r in alone]
    assert together[0].text == "18"


def test_onnxruntime_threads_do_not_spin_and_flush_denormals() -> None:
    try:
        from models.rapid_ocr import get_rapid_engine, intra_op_threads

        engine = get_rapid_engine()
    except EngineUnavailable as exc:
        require(False, f"OCR engine unavailable: {exc}")
        return
    from service import settings

    assert intra_op_threads() == settings.RAPIDOCR_THREADS  # not a pool worker
    ocr = engine._ocr
    for model in (ocr._load_det_model(), ocr._load_rec_model(), ocr._load_cls_model()):
        opts = model.session.session.get_session_options()
        assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert opts.get_session_config_entry("session.set_denormal_as_zero") == "1"
    fast = engine._fast_rec.session.get_session_options()
    assert fast.get_session_config_entry("session.set_denormal_as_zero") == "1"
