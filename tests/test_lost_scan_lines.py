"""Lost fax scan lines (``service.scan.dropouts``): found on the 1-bit page as received, never
in print; a cell they cross stays in doubt unless both engines read the same zeros or every
stroke merely crosses the line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from service.scan.dropouts import lost_rows


def _ruled_page(lost: tuple[int, ...] = ()) -> np.ndarray:
    """A 1-bit table with digits (bool, True = ink), rows in ``lost`` left as paper."""
    img = Image.new("1", (600, 400), 1)
    draw = ImageDraw.Draw(img)
    for x in range(50, 551, 100):
        draw.line([(x, 50), (x, 350)], fill=0, width=2)
    for y in range(50, 351, 50):
        draw.line([(50, y), (550, y)], fill=0, width=2)
    for row in range(6):
        for col in range(5):
            draw.text((90 + 100 * col, 62 + 50 * row), "70", fill=0, font_size=24)
    ink = ~np.asarray(img, dtype=bool)
    for y in lost:
        ink[y] = False
    return ink


def test_a_row_of_paper_through_every_stroke_is_a_lost_scan_line() -> None:
    assert lost_rows(_ruled_page(lost=(130,))) == [(130, 131)]
    assert lost_rows(_ruled_page(lost=(200, 201))) == [(200, 202)]


def test_the_mask_of_a_lost_line_is_the_row_stretched_with_the_page() -> None:
    """A 98-dpi row on a page resampled to 200 dpi: the rows a resampled mask keeps."""
    import cv2

    from service.scan.dropouts import at_half, lost_row_mask

    ink = _ruled_page(lost=(130,))
    size = (600, round(400 * 200 / 98))
    one_row = np.zeros(ink.shape, np.uint8)
    one_row[130] = 255
    resized = at_half(cv2.resize(one_row, size, interpolation=cv2.INTER_LINEAR))
    mask = lost_row_mask(ink, size)
    assert mask is not None and mask.shape == (size[1], size[0])
    assert np.array_equal(mask, resized)
    assert lost_row_mask(_ruled_page(), size) is None


def test_a_fax_tiff_is_decoded_once_for_its_capture_and_its_lost_lines(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``SourceFile.render_scan``: the capture ``render_native`` gives and the lost rows of the
    1-bit frame, stretched with it (204×98 dpi → square pixels), from one decode."""
    from service.ingest import open_source
    from service.ingest_images import Frame
    from service.scan.dropouts import lost_row_mask

    ink = _ruled_page(lost=(130,))
    path = tmp_path / "fax.tiff"
    Image.fromarray(~ink).convert("1").save(path, dpi=(204, 98), compression="group4")
    decodes = []
    real_load = Frame.load
    monkeypatch.setattr(Frame, "load", lambda self: decodes.append(self.index) or real_load(self))
    with open_source(path) as src:
        capture, dpi, lost = src.render_scan(1)
        assert decodes == [0]
        native, native_dpi = src.render_native(1)
    assert np.array_equal(capture, native) and dpi == native_dpi
    size = (capture.shape[1], capture.shape[0])
    assert size == (600, round(400 * 204 / 98))
    expected = lost_row_mask(ink, size)
    assert lost is not None and expected is not None and np.array_equal(lost, expected)


def test_a_grey_image_has_no_lost_lines(tmp_path: Path) -> None:
    from service.ingest import open_source

    path = tmp_path / "page.png"
    Image.fromarray(np.where(_ruled_page(lost=(130,)), 0, 255).astype(np.uint8)).save(path, dpi=(200, 200))
    with open_source(path) as src:
        assert src.render_scan(1)[2] is None


def test_print_alone_has_no_lost_line() -> None:
    """Between text lines and inside glyphs every row of paper is met by strokes that go on."""
    assert lost_rows(_ruled_page()) == []


def test_a_cell_a_lost_line_crosses_is_cleared_only_for_agreed_zeros() -> None:
    """A lost row may have taken a one-row bar (a 7 left as a "1"): the doubt stays for any
    other reading; no digit that lost a bar is read as a 0."""
    from models.base import Reading
    from service.scan.cell_reading import read_cells
    from service.scan.cells import CellCrops

    class Engine:
        def __init__(self, text: str) -> None:
            self.text = text

        def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
            return [Reading(self.text, 0.99) for _ in crops]

        def read_digits(self, crops: list[np.ndarray]) -> list[Reading]:
            return [Reading(self.text, 0.99) for _ in crops]

    crop = np.full((30, 20), 255, np.uint8)
    cell = CellCrops(box=(0, 0, 20, 30), lines=(crop,), whole=crop,
                     doubt="a fax scan line lost in transmission crosses the text", clear_if_zeros=True)
    assert read_cells([cell], Engine("0"), Engine("0"))[0].doubt == ""
    assert read_cells([cell], Engine("1"), Engine("1"))[0].doubt != ""
