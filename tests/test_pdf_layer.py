"""The pdfium text layer must equal pdfplumber's (words, edges, glyph count) on the bundled
born-digital reports; pages it cannot replicate (here: glyphs without unicode) go to pdfplumber,
and the text-layer check still sees them."""

from __future__ import annotations

from pathlib import Path

import hostile
import pdfplumber
import pypdfium2 as pdfium
import pytest

from models.pdf_structure import PdfStructure, raw_scan
from models.pdf_text import check_text_layer, plumber_layer, read_layer
from models.pdfium_layer import UNREPLICABLE, PageLayer, extract_words, load_page_layer, page_layer

FIXTURES = Path(__file__).parent / "fixtures"
DIGITAL = ["sample-report.pdf", "slip-report.pdf", "old-layout-report.pdf", "format-2019-report.pdf",
           "mixed-lying-report.pdf"]


def _close(a: tuple, b: tuple) -> bool:
    return a[0] == b[0] and all(abs(x - y) < 1e-9 for x, y in zip(a[1:], b[1:], strict=True))


@pytest.mark.parametrize("name", DIGITAL)
def test_pdfium_layer_equals_pdfplumber(name: str) -> None:
    path = FIXTURES / name
    structure = PdfStructure(path)
    with pdfplumber.open(path) as plumber:
        doc = pdfium.PdfDocument(path)
        for number, plumber_page in enumerate(plumber.pages, 1):
            page = doc[number - 1]
            fast = next(lay for info in structure.infos(number, page)
                        if (lay := load_page_layer(page, info)) is not None)
            slow = plumber_layer(plumber_page)
            assert (fast.width, fast.height) == (slow.width, slow.height)
            assert sorted(c.text for c in fast.chars) == sorted(c.text for c in slow.chars)
            key = lambda e: (e.x0, e.x1, e.top, e.bottom)  # noqa: E731
            assert sorted(map(key, fast.edges)) == sorted(map(key, slow.edges))
            words = extract_words(fast.chars, 1.5, 2)
            assert len(words) == len(slow.words or ())
            for w, v in zip(words, slow.words or (), strict=True):
                assert _close((w.text, w.x0, w.x1, w.top, w.bottom), (v.text, v.x0, v.x1, v.top, v.bottom))
    structure.close()


def _pdf_without_unicode(glyphs: int, box_on_page: bool = False) -> bytes:
    """A Type0 font with Identity-H and no ToUnicode: pdfminer reads (cid:N), pdfium a map error.
    The MediaBox sits on the page tree (pdfium then reads another one: only pdfminer describes
    the page) or, with ``box_on_page``, on the page (the raw scan describes it)."""
    content = b"BT /F1 12 Tf 72 700 Td <" + "".join(f"{i + 1:04x}" for i in range(glyphs)).encode() + b"> Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1%s >>" % (b"" if box_on_page else b" /MediaBox [0 0 595 842]"),
        b"<< /Type /Page /Parent 2 0 R%s /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        % (b" /MediaBox [0 0 595 842]" if box_on_page else b""),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap /CIDSystemInfo << /Registry (Adobe)"
        b" /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /NoMap /Flags 4 /FontBBox [0 -200 1000 800] /ItalicAngle 0"
        b" /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
    ]
    return hostile.pdf_from_objects(objects)


def test_glyphs_without_unicode_fall_back_and_are_detected(tmp_path: Path) -> None:
    path = tmp_path / "cid.pdf"
    path.write_bytes(_pdf_without_unicode(40))
    structure = PdfStructure(path)
    doc = pdfium.PdfDocument(path)
    page = doc[0]
    assert all(load_page_layer(page, info) is None for info in structure.infos(1, page))
    assert all(page_layer(page, info) is UNREPLICABLE for info in structure.infos(1, page))
    with pdfplumber.open(path) as plumber:
        layer = read_layer(page, structure, 1, lambda: plumber.pages[0])
        check = check_text_layer(layer, page)
    assert not check.usable and check.chars == 40 and "without unicode" in check.reason



def test_an_unreplicable_page_goes_to_pdfplumber_without_a_second_description(tmp_path: Path) -> None:
    """Glyphs without unicode cannot be replicated whatever the page description: once the raw
    scan's description shows it, pdfminer does not parse the file for another one."""
    path = tmp_path / "cid.pdf"
    path.write_bytes(_pdf_without_unicode(40, box_on_page=True))
    structure = PdfStructure(path)
    doc = pdfium.PdfDocument(path)
    page = doc[0]
    with pdfplumber.open(path) as plumber:
        layer = read_layer(page, structure, 1, lambda: plumber.pages[0])
        assert layer.chars == plumber_layer(plumber.pages[0]).chars
    assert len(layer.chars) == 40 and structure._miner is None
    page.close()
    doc.close()
    structure.close()


def test_raw_scan_declines_what_it_could_miss() -> None:
    box = b"/MediaBox [0 0 595.28 841.89]"
    assert raw_scan(box).boxes == ((0.0, 0.0, 595.28, 841.89),)
    assert raw_scan(box + b" /Type /ObjStm") is None
    assert raw_scan(box + b" /Subtype /Type3") is None
    assert raw_scan(box + b" /Rotate 90") is None
    assert raw_scan(b"no boxes") is None
    descriptor = b"7 0 obj << /Type /FontDescriptor /FontName /ABCDEF+Song /Descent 12 0 R >> endobj"
    assert raw_scan(box + descriptor).descents == {"Song": None}  # indirect: left to pdfminer
    assert raw_scan(box + descriptor.replace(b"12 0 R", b"-120")).descents == {"Song": -120.0}


def _ligature_pdf() -> bytes:
    """A Type0 font whose glyph 2 is the ligature ﬂ (ToUnicode: "fl"), drawn between other glyphs."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Lig def "
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange 3 beginbfchar "
            b"<0001> <0061> <0002> <0066006C> <0003> <0062> endbfchar endcmap "
            b"CMapName currentdict /CMap defineresource pop end end")
    content = b"BT /F1 12 Tf 72 700 Td <00010002000300010002> Tj 0 -20 Td <0003000200010001> Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Lig /Encoding /Identity-H /DescendantFonts [6 0 R]"
        b" /ToUnicode 8 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Lig /CIDSystemInfo << /Registry (Adobe)"
        b" /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 /W [1 [500 665 540]] >>",
        b"<< /Type /FontDescriptor /FontName /Lig /Flags 4 /FontBBox [0 -200 1000 800] /ItalicAngle 0"
        b" /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    return hostile.pdf_from_objects(objects)


def test_ligatures_are_one_char_as_pdfminer_reads_them(tmp_path: Path) -> None:
    """One glyph, two code points: one char "fl" with the glyph's advance (not a pdfplumber page)."""
    path = tmp_path / "ligature.pdf"
    path.write_bytes(_ligature_pdf())
    structure = PdfStructure(path)
    doc = pdfium.PdfDocument(path)
    page = doc[0]
    fast = page_layer(page, next(structure.infos(1, page)))
    assert isinstance(fast, PageLayer)
    with pdfplumber.open(path) as plumber:
        slow = plumber_layer(plumber.pages[0])
    key = lambda c: (c.text, c.x0, c.x1, c.top, c.bottom)  # noqa: E731
    assert [c.text for c in fast.chars].count("fl") == 3 and len(fast.chars) == len(slow.chars) == 9
    assert all(_close(key(a), key(b)) for a, b in zip(fast.chars, slow.chars, strict=True))
    words = extract_words(fast.chars, 1.5, 2)
    assert [w.text for w in words] == [w.text for w in slow.words or ()] == ["aflbafl", "bflaa"]
    page.close()
    doc.close()
    structure.close()


def test_a_file_pdfplumber_cannot_open_is_corrupt_input(tmp_path: Path) -> None:
    """Opening with pdfplumber moved from the open-time check to the pages that need it: a parser
    failure there is still a permanent ``CorruptInput``, not an internal error."""
    from service.errors import CorruptInput

    path = tmp_path / "cid.pdf"
    path.write_bytes(_pdf_without_unicode(40))
    doc = pdfium.PdfDocument(path)

    def broken() -> None:
        raise RecursionError("maximum recursion depth exceeded")

    with pytest.raises(CorruptInput, match="RecursionError"):
        read_layer(doc[0], None, 1, broken)
    doc.close()
