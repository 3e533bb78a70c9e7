"""Images inside digital pages (issue 7 item 5): the table picture is OCR'd, the prose keeps its
text layer, and the page becomes ``mixed``."""

from __future__ import annotations

import json
from pathlib import Path

import hostile
import numpy as np
import pytest

from service.mixed import merge_regions, ocr_region
from service.model import Page, PageMode, Ruling, Source, Token
from tests.conditions import generate

FIXTURES = Path(__file__).parent / "fixtures"


def _text_page() -> Page:
    prose = Token(text="一、总体情况", bbox=(100, 100, 400, 130))
    stray = Token(text="7", bbox=(600, 700, 620, 720))  # a text-layer glyph lying on the picture
    return Page(number=2, width=1654, height=2339, mode=PageMode.TEXT, tokens=(prose, stray),
                rulings=(Ruling(x0=500, y0=800, x1=900, y1=800),))


def test_region_tokens_come_back_in_page_coordinates() -> None:
    seen: list[tuple[int, int]] = []

    def fake_read(crop: np.ndarray, number: int) -> tuple[Page, np.ndarray]:
        seen.append(crop.shape)
        token = Token(text="42", bbox=(10, 20, 30, 40), confidence=0.95, source=Source.OCR)
        return Page(number=number, width=crop.shape[1], height=crop.shape[0], mode=PageMode.OCR,
                    tokens=(token,), rulings=(Ruling(x0=0, y0=5, x1=300, y1=5),)), crop

    image = np.full((2339, 1654), 255, np.uint8)
    tokens, rulings = ocr_region(image, (500.0, 600.0, 1000.0, 900.0), 2, read=fake_read)
    pad = 8
    assert seen == [(300 + 2 * pad + 1, 500 + 2 * pad + 1)]
    assert tokens[0].bbox == (500 - pad + 10, 600 - pad + 20, 500 - pad + 30, 600 - pad + 40)
    assert rulings[0].y0 == 600 - pad + 5


def test_merge_replaces_the_region_and_keeps_the_prose() -> None:
    page = _text_page()
    ocr = Token(text="42", bbox=(610, 650, 640, 680), confidence=0.95, source=Source.OCR)
    merged = merge_regions(page, [(500.0, 600.0, 1000.0, 900.0)], [((ocr,), ())])
    assert merged.mode is PageMode.MIXED
    assert [t.text for t in merged.tokens] == ["一、总体情况", "42"]
    assert merged.rulings == ()
    assert "mixed page" in merged.note


def test_a_region_without_table_or_digits_changes_nothing() -> None:
    page = _text_page()
    assert merge_regions(page, [(500.0, 600.0, 1000.0, 900.0)], [((), ())]) is page


def test_screenshot_tables_are_read_by_ocr(tmp_path: Path) -> None:
    """End to end: tables 二/三/四 pasted as JPEG screenshots; every printed value comes back."""
    from service.pipeline import extract

    made = generate("screenshot", FIXTURES / "sample-report.pdf", tmp_path, "sample-report", seed=11)
    doc = extract(made)
    truth = json.loads((FIXTURES / "sample-report.json").read_text(encoding="utf-8"))
    assert doc.kind is not None and doc.kind.value == "mixed"
    assert {p.mode for p in doc.pages} == {PageMode.MIXED}
    blanks = set(truth["blank_cells"])
    for key, want in truth["cells"].items():
        cell = doc.cells[key]
        if key in blanks:
            assert cell.value is None and cell.flagged, key
        else:
            assert cell.value is not None and float(cell.value) == float(want), key
            assert cell.flagged or cell.source is Source.OCR, key
    assert doc.cells["t3.new.total"].value == 37
    assert doc.cells["t2.licensing.decisions"].value == 2459
    assert doc.report.agency == truth["agency"]


def _ruled(tokens: tuple[Token, ...]) -> Page:
    rulings = [Ruling(x0=100, y0=y, x1=900, y1=y) for y in (1000, 1040, 1080, 1120)]
    rulings += [Ruling(x0=x, y0=1000, x1=x, y1=1120) for x in (100, 500, 700, 900)]
    return Page(number=1, width=1654, height=2339, mode=PageMode.TEXT, tokens=tokens, rulings=tuple(rulings))


def test_a_ruled_table_without_glyphs_is_a_region_to_ocr() -> None:
    from service.mixed import glyphless_tables

    assert glyphless_tables(_ruled(())) == [(100, 1000, 900, 1120)]
    labels = tuple(Token(text="行政规范性文件", bbox=(110, 1005 + 40 * i, 300, 1030 + 40 * i)) for i in range(3))
    assert glyphless_tables(_ruled(labels)) == []


def _ruled_pdf(path: Path, drawn: bytes = b"") -> Path:
    """A one-page PDF without text: a ruled 3-column table (stroked lines) plus ``drawn`` (content ops)."""
    lines = b"".join(b"100 %d m 500 %d l S\n" % (y, y) for y in (640, 670, 700))
    lines += b"".join(b"%d 640 m %d 700 l S\n" % (x, x) for x in (100, 250, 375, 500))
    stream = b"1 w\n" + lines + drawn
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    path.write_bytes(hostile.pdf_from_objects(objects))
    return path


_CURVED_ZERO = b"300 645 m 290 645 288 665 300 665 c 312 665 310 645 300 645 c f\n"  # a "0" as a filled outline
_SLANTED_ONE = b"420 645 m 424 645 l 424 665 l 418 660 l h f\n"                       # a "1" with a slanted flag
_CELL_SHADE = b"0.9 g 101 671 148 28 re f\n"                                         # a shaded header cell


@pytest.mark.parametrize(("drawn", "read"), [(b"", False), (_CELL_SHADE, False), (_CURVED_ZERO, True),
                                             (_SLANTED_ONE, True)])
def test_a_glyphless_ruled_table_is_ocrd_only_when_something_is_drawn_in_it(
        tmp_path: Path, drawn: bytes, read: bool) -> None:
    """An empty ruled box costs no OCR (loading the engines alone is ~1 s); numbers drawn as
    vector outlines in it are still read by OCR."""
    from service.ingest import open_source
    from service.mixed import glyphless_tables, regions_to_read
    from service.model import Page
    from service.pipeline import Context, _page_or_scan

    with open_source(_ruled_pdf(tmp_path / "ruled.pdf", drawn)) as src:
        page = _page_or_scan(Context(source=src), 1)
        assert isinstance(page, Page) and page.mode is PageMode.TEXT and len(glyphless_tables(page)) == 1
        assert bool(regions_to_read(src.pdfium_page(1), page)) is read
