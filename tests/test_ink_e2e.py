"""End to end on the bundled sample report: stamped (seal, ticks, signature) and worn copies are
read with the printed values; a seal stamped anywhere over a table changes no extracted value.

The inputs are generated here from ``tests/fixtures/sample-report.pdf`` (2 pages) with the
condition generators; the truth is ``sample-report.json``. Real engines (skipped when missing).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from conftest import require
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from service.errors import EngineUnavailable
from tests.conditions import generate
from tests.conditions._render import add_noise, jpeg_roundtrip, render_pages, save_image_pdf
from tests.conditions.seal import RED, _layout, multiply, seal_alpha

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "sample-report.pdf"


@pytest.fixture(scope="module", autouse=True)
def _engines() -> None:
    try:
        from models.rapid_ocr import get_rapid_engine
        from models.tesseract import get_digit_reader

        get_rapid_engine()
        get_digit_reader()
    except EngineUnavailable as exc:
        require(False, f"OCR engine unavailable: {exc}")


def _truth() -> dict[str, Decimal | None]:
    data = json.loads((FIXTURES / "sample-report.json").read_text())
    blank = set(data.get("blank_cells", []))
    return {k: None if k in blank else Decimal(str(v)) for k, v in data["cells"].items()}


def _values(path: Path, images: dict[int, np.ndarray] | None = None) -> tuple[dict[str, Decimal | None], set[str]]:
    """(value per key, flagged keys) as extracted from ``path`` (page images into ``images``)."""
    from service.pipeline import extract

    doc = extract(path, images=images)
    values = {k: None if c.value is None else Decimal(str(c.value)) for k, c in doc.cells.items()}
    if images is not None:
        _assert_page_images_recreated(path, doc, images)
    return values, {k for k, c in doc.cells.items() if c.flagged}


def _assert_page_images_recreated(path: Path, doc, images: dict[int, np.ndarray]) -> None:
    """The reviewer's page image (``page_images.page_image``) is the reader's deskewed image,
    pixel for pixel, and in colour (RGB) for OCR pages."""
    from service.ingest import open_source
    from service.page_images import page_image

    with open_source(path) as src:
        for page in doc.pages:
            again = page_image(src, page)
            assert again.ndim == 3 and again.shape[2] == 3
            assert np.array_equal(again, images[page.number])


def _assert_read(path: Path, images: dict[int, np.ndarray] | None = None) -> None:
    truth = _truth()
    values, flagged = _values(path, images)
    wrong = {k: (truth.get(k), v) for k, v in values.items() if v != truth.get(k)}
    silent = {k: w for k, w in wrong.items() if k not in flagged}
    assert not silent, f"silent errors: {silent}"
    assert not wrong, f"wrong (flagged) cells: {wrong}"


@pytest.mark.parametrize("condition", ["seal", "worn"])
def test_the_condition_is_read_with_the_printed_values(condition: str, tmp_path: Path) -> None:
    _assert_read(generate(condition, SAMPLE, tmp_path, "sample-report", seed=7), images={})


@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# allow_subnormal=False: the OCR engine computes with denormals flushed to zero
# (settings.RAPIDOCR_DENORMALS_AS_ZERO), a processor state of the thread that calls it
@given(u=st.floats(0, 1, allow_subnormal=False), v=st.floats(0, 1, allow_subnormal=False), seed=st.integers(0, 2**16))
def test_a_seal_anywhere_over_a_table_changes_no_value(tmp_path_factory: pytest.TempPathFactory,
                                                       u: float, v: float, seed: int) -> None:
    """Property: a red seal centred at a random point of the tables' extent (the box of the
    printed numbers of a page) leaves every extracted value as printed (no value changes; a
    flag alone does not excuse a change)."""
    rng = np.random.default_rng(seed)
    pages = [np.array(p) for p in render_pages(SAMPLE, 200)]
    _, numbers = _layout(SAMPLE)
    page = sorted(numbers)[int(rng.integers(len(numbers)))]
    boxes = np.array(numbers[page])
    cx = boxes[:, 0].min() + u * (boxes[:, 2].max() - boxes[:, 0].min())
    cy = boxes[:, 1].min() + v * (boxes[:, 3].max() - boxes[:, 1].min())
    r = int(rng.integers(140, 170))
    multiply(pages[page], seal_alpha(r, rng), RED, int(cx) - r, int(cy) - r)
    out = tmp_path_factory.mktemp("sealed") / "sample-report.scan.pdf"
    save_image_pdf([jpeg_roundtrip(add_noise(Image.fromarray(p), rng, 4.0)) for p in pages], out, 200)
    truth = _truth()
    values, _ = _values(out)
    assert {k: v for k, v in values.items() if v != truth.get(k)} == {}
