"""Page geometry (issue 7): orientation, paper finding, resolution, fax DPI, image inputs, folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from service.ingest import FileType, open_source, sniff_type
from service.ingest_images import natural_key
from service.model import Page, PageGeometry, PageMode, Token
from service.scan.geometry import (
    OrientationEvidence,
    apply_geometry,
    content_dpi,
    detect_orientation,
    ink_extent,
    normalise_capture,
    with_geometry,
)
from service.scan.paper import find_paper
from tests.conditions._render import render_pages

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "sample-report.pdf"


@pytest.fixture(scope="module")
def pages() -> list[np.ndarray]:
    """The sample report's pages, greyscale at 200 dpi."""
    return [np.asarray(p) for p in render_pages(SAMPLE, 200, grayscale=True)]


@pytest.fixture(scope="module")
def engine():
    from models.rapid_ocr import get_rapid_engine

    return get_rapid_engine()


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
@pytest.mark.parametrize("index", [0, 1])
def test_orientation_of_a_turned_page(pages, engine, turns: int, index: int) -> None:
    turned = np.ascontiguousarray(np.rot90(pages[index], turns))
    found = detect_orientation(turned, engine, engine, engine)
    assert (found.quarter_turns + turns) % 4 == 0
    assert found.sure
    assert found.score_up - found.score_down > 0.5


def test_a_page_without_text_is_left_as_it_is(engine) -> None:
    blank = np.full((2339, 1654), 255, np.uint8)
    found = detect_orientation(blank, engine, engine, engine)
    assert found.quarter_turns == 0 and found.lines == 0


def test_orientation_text_is_searched_only_around_the_ink() -> None:
    from service import settings

    small = np.full((600, 400), 255, np.uint8)
    assert ink_extent(small) == (0, 0, 400, 600)
    small[200:210, 100:200] = settings.GEOMETRY_ORIENT_INK_GREY  # faint print only: all is searched
    assert ink_extent(small) == (0, 0, 400, 600)
    small[100:120, 50:300] = 0
    small[400:410, 80:90] = 0
    pad = settings.GEOMETRY_ORIENT_INK_PAD_PX
    assert ink_extent(small) == (50 - pad, 100 - pad, 300 + pad, 410 + pad)
    small[0:5, 395:400] = 0  # ink at the edge: the box stops at the image
    assert ink_extent(small) == (50 - pad, 0, 400, 410 + pad)


class _OneLineDetector:
    """Finds one line at a fixed place of whatever image it is given; remembers its shape."""

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        self.shapes.append(image.shape)
        return [np.array([[10.0, 5.0], [60.0, 5.0], [60.0, 15.0], [10.0, 15.0]])]


class _RecordingClassifier:
    """Says every line is upright; remembers the crops it was shown."""

    def __init__(self) -> None:
        self.crops: list[np.ndarray] = []

    def upside_down(self, crops: list[np.ndarray]) -> list[float]:
        self.crops.extend(crops)
        return [0.0] * len(crops)


def test_lines_found_on_the_ink_crop_are_placed_on_the_page(pages, engine) -> None:
    import cv2

    from service import settings

    det, cls = _OneLineDetector(), _RecordingClassifier()
    page = pages[0]
    scale = settings.GEOMETRY_ORIENT_DET_SCALE
    small = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    x0, y0, x1, y1 = ink_extent(small)
    found = detect_orientation(page, det, cls, engine)
    assert det.shapes == [(y1 - y0, x1 - x0)] and (x1 - x0) * (y1 - y0) < small.size  # margins cut off
    assert found.lines == 1 and found.across_share == 1.0
    # the line (10..60, 5..15 on the crop) cut to 4 × its thickness, padded, in page pixels
    pad = settings.GEOMETRY_ORIENT_CROP_PAD_PX
    left, top, bottom = int((x0 + 10) / scale), int((y0 + 5) / scale), int((y0 + 15) / scale)
    right = int(left + settings.GEOMETRY_ORIENT_CROP_MAX_RATIO * (bottom - top))
    want = page[top - pad:bottom + pad, left - pad:right + pad]
    assert cls.crops[0].shape == want.shape and np.array_equal(cls.crops[0], want)


def test_an_unsure_orientation_flags_every_token() -> None:
    page = Page(number=1, width=10, height=10, mode=PageMode.OCR,
                tokens=(Token(text="12", bbox=(0, 0, 5, 5), confidence=0.99),))
    geometry = PageGeometry(quarter_turns=2, orientation_sure=False)
    out = with_geometry(page, geometry, OrientationEvidence(2, False, lines=2))
    assert out.tokens[0].confidence <= 0.5
    assert "orientation not sure" in out.note
    assert out.geometry == geometry


def test_the_paper_is_found_in_a_photo() -> None:
    from tests.conditions.photo import photograph

    page = render_pages(SAMPLE, 100)[0]
    photo, corners = photograph(page, np.random.default_rng(4), camera=(1200, 1600))
    found = find_paper(np.asarray(photo))
    assert found is not None
    assert np.abs(found - corners).max() < 0.012 * 1600
    upright, geometry = normalise_capture(np.asarray(photo), 72)
    assert geometry.paper is not None
    assert upright.shape[:2] == (2339, 1654)  # A4 at 200 dpi, whatever the camera's 72 dpi says
    assert np.array_equal(apply_geometry(np.asarray(photo), geometry), upright)


def test_a_scan_has_no_paper_outline(pages) -> None:
    rgb = np.stack([pages[0]] * 3, axis=2)
    assert find_paper(rgb) is None
    upright, geometry = normalise_capture(rgb, 200)
    assert upright.shape == rgb.shape and geometry.paper is None


def test_resolution_from_the_page_not_from_the_claim() -> None:
    assert content_dpi((2339, 1654), 200) == 200
    assert content_dpi((1169, 827), 100) == 100
    assert content_dpi((4000, 3000), 72) == pytest.approx(4000 / (297 / 25.4))  # camera's 72 dpi
    assert content_dpi((3508, 2480), 0) == pytest.approx(300, abs=1)


def test_fax_tiff_with_non_square_dpi_is_resampled_to_square(pages, tmp_path: Path) -> None:
    grey = Image.fromarray(pages[0]).resize((1687, 1169))  # 204 dpi across, 98 (≈ ×0.48) down
    fax = grey.resize((1687, round(2385 * 98 / 204))).convert("1")
    path = tmp_path / "fax.tiff"
    fax.save(path, "TIFF", compression="group4", dpi=(204, 98))
    with open_source(path) as src:
        image = src.render(1, 200)
        native, dpi = src.render_native(1)
    assert abs(image.shape[0] / image.shape[1] - 297 / 210) < 0.02  # not a half-height page
    assert dpi == 204 and abs(native.shape[0] / native.shape[1] - 297 / 210) < 0.02


def test_jpeg_with_exif_orientation_is_turned_upright(pages, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape: turn 90° clockwise to show
    upright = Image.fromarray(pages[0][:800, :600])
    path = tmp_path / "photo.jpg"
    upright.transpose(Image.Transpose.ROTATE_90).save(path, "JPEG", exif=exif.tobytes(), dpi=(200, 200))
    with open_source(path) as src:
        assert src.page_size_points(1) == pytest.approx((600 * 72 / 200, 800 * 72 / 200))
        image = src.render(1, 200)
    assert image.shape == (800, 600)
    assert np.abs(image.astype(int) - pages[0][:800, :600]).mean() < 8


def test_heic_is_read(tmp_path: Path) -> None:
    from pillow_heif import register_heif_opener  # a dependency of the package: must be installed

    register_heif_opener()
    path = tmp_path / "page.heic"
    Image.fromarray(np.full((300, 200, 3), 230, np.uint8)).save(path, quality=90)
    assert sniff_type(path.read_bytes()[:64]) is FileType.HEIC
    with open_source(path) as src:
        native, _ = src.render_native(1)
    assert native.shape == (300, 200, 3)


def test_natural_sort_puts_page_2_before_page_10() -> None:
    names = ["page-10.jpg", "page-2.jpg", "page-1.jpg", "Page-11.jpg", "page-9.jpg"]
    assert sorted(names, key=natural_key) == ["page-1.jpg", "page-2.jpg", "page-9.jpg", "page-10.jpg", "Page-11.jpg"]


def test_a_folder_is_one_report_in_natural_order(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    folder.mkdir()
    for n in (10, 2, 9):
        Image.fromarray(np.full((200 + n, 160), 255, np.uint8)).save(folder / f"page-{n}.png")
    (folder / ".DS_Store").write_bytes(b"junk")
    with open_source(folder) as src:
        assert src.type is FileType.FOLDER and src.page_count == 3
        heights = [src.render(i, 200).shape[0] for i in (1, 2, 3)]
    assert heights == [202, 209, 210]


def test_a_folder_with_a_stray_file_is_refused(tmp_path: Path) -> None:
    from service.errors import UnsupportedInput

    folder = tmp_path / "report"
    folder.mkdir()
    Image.fromarray(np.full((200, 200), 255, np.uint8)).save(folder / "page-1.png")
    (folder / "notes.txt").write_text("not a page")
    with pytest.raises(UnsupportedInput, match="notes.txt"):
        open_source(folder)


def test_two_inputs_with_one_output_name_are_refused(tmp_path: Path) -> None:
    from service.cli import main

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        Image.fromarray(np.full((10, 10), 255, np.uint8)).save(tmp_path / name / "page-02.jpg")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "a" / "page-02.jpg"),
                                       str(tmp_path / "b" / "page-02.jpg"), "--out", str(out)])
    assert result.exit_code == 2
    assert "page-02.json would be written by" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_the_fax_header_is_not_the_agency() -> None:
    from service.report_info import read_title

    lines = ["2024-03-05 10:12  FROM: 0571-8888123  FAX  P.001/004", "东城区农业农村局2021年政府信息公开工作年度报告"]
    page = Page(number=1, width=1000, height=1000, mode=PageMode.OCR,
                tokens=tuple(Token(text=t, bbox=(10, 10 + 60 * i, 900, 40 + 60 * i)) for i, t in enumerate(lines)))
    info = read_title(page)
    assert info.agency == "东城区农业农村局" and info.year == 2021


def test_a_zip_of_page_images_is_one_report_like_a_folder(tmp_path: Path) -> None:
    """The archive stores a page folder as one zip of its pages (``archive.pages.pages_zip``): it is
    read as that folder, in page order, and its temporary unpacking is removed on close."""
    import io

    from service.archive.pages import pages_zip

    def png(height: int) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(np.full((height, 160), 255, np.uint8)).save(buf, "PNG")
        return buf.getvalue()

    archive = tmp_path / "report.zip"
    archive.write_bytes(pages_zip([("page-10.png", png(210)), ("page-2.png", png(202)), ("page-9.png", png(209))]))
    with open_source(archive) as src:
        assert src.type is FileType.PAGES_ZIP and src.page_count == 3
        assert [src.render(i, 200).shape[0] for i in (1, 2, 3)] == [202, 209, 210]
        unpacked = src._unpacked  # noqa: SLF001 - the temporary folder must not outlive the source
    assert unpacked is not None and not unpacked.exists()


def test_a_zip_that_holds_more_than_page_images_is_refused(tmp_path: Path) -> None:
    import zipfile

    from service.errors import UnsupportedInput

    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("page-1.png", b"not really")
        zf.writestr("notes.txt", b"text")
    with pytest.raises(UnsupportedInput, match="page images"):
        open_source(archive)
