"""Two-speed recognition (issue 11): the int8 recogniser reads first, the float one what it
leaves unsure; a number kept from the quick reading is one the digit engine read the same at
its first, plain look (``cell_reading.read_cells``, ``rapid_ocr.RapidEngine.recognize``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from models.base import Reading, TwoSpeedRecognizer
from service import settings
from service.errors import EngineUnavailable
from service.scan.cell_reading import read_cells
from service.scan.cells import CellCrops
from tests.conftest import require

if TYPE_CHECKING:
    from models.rapid_ocr import RapidEngine

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # Debian fonts-wqy-microhei (scripts/setup)


def _crop(tag: int, width: int = 40) -> np.ndarray:
    """A blank 40 px high crop whose top-left pixel names it (the fakes read by that tag)."""
    crop = np.full((40, width), 255, np.uint8)
    crop[0, 0] = tag
    return crop


def _cell(tag: int) -> CellCrops:
    crop = _crop(tag)
    return CellCrops(box=(0, 0, 40, 40), lines=(crop,), whole=crop)


@dataclass
class _Engines:
    """Scripted engines: ``quick``/``exact`` map a crop tag to its reading, ``digits`` the number
    of earlier digit looks to the next one's reading."""

    quick: dict[int, Reading]
    exact: dict[int, Reading]
    digits: dict[int, str]
    exact_asked: list[int] = field(default_factory=list)
    looks: int = 0

    def recognize_quick(self, crops: list[np.ndarray]) -> list[Reading]:
        return [self.quick[int(c[0, 0])] for c in crops]

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        self.exact_asked += [int(c[0, 0]) for c in crops]
        return [self.exact[int(c[0, 0])] for c in crops]

    def read_digits(self, crops: list[np.ndarray]) -> list[Reading]:
        """The n-th look at any crop reads ``digits[n]`` (tesseract gets re-binarised crops)."""
        start, self.looks = self.looks, self.looks + len(crops)
        return [Reading(self.digits.get(start + k, ""), 0.9) for k in range(len(crops))]


def test_the_quick_reading_stands_only_where_both_engines_agree_and_it_is_sure() -> None:
    # 1: quick "8" sure, digits "8" → kept; 2: quick "3", digits "8" → read exactly; 3: quick
    # "5" unsure → read exactly; 4: a short label read by the quick model only → read exactly;
    # 5: a long label whose quick reading is already the exact one → kept
    engines = _Engines(
        quick={1: Reading("8", 0.99, exact=False), 2: Reading("3", 0.99, exact=False),
               3: Reading("5", 0.5, exact=False), 4: Reading("总汁", 0.97, exact=False),
               5: Reading("本年新收政府信息公开申请数量", 0.96)},
        exact={2: Reading("8", 0.98), 3: Reading("5", 0.97), 4: Reading("总计", 0.99)},
        digits={0: "8", 1: "8", 2: "5", 3: "8", 4: "5"})
    assert isinstance(engines, TwoSpeedRecognizer)
    tokens = read_cells([_cell(k) for k in (1, 2, 3, 4, 5)], engines, engines)
    assert [t.text for t in tokens] == ["8", "8", "5", "总计", "本年新收政府信息公开申请数量"]
    assert sorted(engines.exact_asked) == [2, 3, 4]
    assert tokens[1].confidence == pytest.approx(0.98) and tokens[1].alt_text == "8"


def test_a_plain_recogniser_reads_once() -> None:
    @dataclass
    class Plain:
        asked: int = 0

        def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
            self.asked += 1
            return [Reading("7", 0.99) for _ in crops]

    plain = Plain()
    assert not isinstance(plain, TwoSpeedRecognizer)
    tokens = read_cells([_cell(1), _cell(2)], plain, None)
    assert [t.text for t in tokens] == ["7", "7"] and plain.asked == 1


def test_quick_agreement_uses_the_plain_digit_look_only() -> None:
    """Tesseract's retries are steered towards the first engine's digits; an agreement they
    produce must not settle a quick reading (the exact model reads the cell instead)."""
    engines = _Engines(quick={1: Reading("6", 0.99, exact=False)}, exact={1: Reading("8", 0.99)},
                       digits={0: "8", 1: "6", 2: "8"})  # plain look "8"; a retry's look: "6"
    tokens = read_cells([_cell(1)], engines, engines)
    assert engines.exact_asked == [1]
    # the exact pass: tesseract's plain look "6", its smoothed retry "8" — a retry agreeing with the
    # first engine overturns no number read plainly (``_may_overturn``): the disagreement stands
    assert tokens[0].text == "8" and tokens[0].alt_text == "6"


def _engine() -> RapidEngine:
    """The rapidocr adapter (a failure, not a skip, in CI when it cannot be built)."""
    try:
        from models.rapid_ocr import get_rapid_engine

        return get_rapid_engine()
    except EngineUnavailable as exc:
        require(False, f"OCR engine unavailable: {exc}")
        raise


def test_long_lines_go_to_the_int8_model_and_numbers_to_the_float_one(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine()
    seen: dict[str, list[float]] = {"fast": [], "float": []}
    real = type(engine)._rec_batch

    def spying(self: RapidEngine, crops: list[np.ndarray], session: Any) -> list[Reading]:
        name = "fast" if session is self._fast_rec else "float"
        seen[name] += [round(c.shape[1] / c.shape[0], 1) for c in crops]
        readings = real(self, crops, session)
        if name == "fast":  # the fast model is unsure of the widest line: the float one reads it
            return [Reading(r.text, 0.1 if c.shape[1] > 400 else 0.99) for c, r in zip(crops, readings, strict=True)]
        return readings

    monkeypatch.setattr(type(engine), "_rec_batch", spying)
    crops = [_crop(7, 40), _crop(7, 80), _crop(7, 200), _crop(7, 480)]  # ratios 1, 2, 5, 12
    assert all(r.exact for r in engine.recognize(crops))
    assert sorted(seen["fast"]) == [5.0, 12.0]
    assert sorted(seen["float"]) == [1.0, 2.0, 12.0]
    assert settings.RAPIDOCR_REC_FAST_MIN_WH_RATIO < 5.0
    seen["fast"].clear()
    seen["float"].clear()  # the quick reading: the short crops by the int8 model, not exact
    assert [r.exact for r in engine.recognize_quick(crops)] == [False, False, True, True]
    assert sorted(seen["fast"]) == [1.0, 2.0, 5.0, 12.0]
    assert seen["float"] == [12.0]


def test_the_int8_model_reads_printed_numbers_and_labels_as_the_float_one() -> None:
    engine = _engine()
    require(CJK_FONT.is_file(), f"{CJK_FONT} missing (apt install fonts-wqy-microhei)")
    font = ImageFont.truetype(str(CJK_FONT), 32)
    texts = ("18", "2411", "306", "政府信息公开申请", "本年新收政府信息公开申请数量")
    crops = []
    for text in texts:
        img = Image.fromarray(np.full((48, 34 * len(text) + 16), 255, np.uint8))
        ImageDraw.Draw(img).text((8, 6), text, fill=0, font=font)
        crops.append(np.asarray(img))
    exact = [r.text for r in engine.recognize(crops)]
    quick = [r.text for r in engine.recognize_quick(crops)]
    assert exact == list(texts)
    assert quick == exact


def test_the_detector_runs_without_a_memory_arena_and_the_recognisers_with_one() -> None:
    """The arena keeps the largest run's buffers: worth it for the recognisers' ever-changing
    crop widths, not for the detector's whole-page runs (``RAPIDOCR_DET_ARENA``)."""
    engine = _engine()
    det = engine._ocr._load_det_model()
    assert det.session.session.get_session_options().enable_cpu_mem_arena is settings.RAPIDOCR_DET_ARENA is False
    for rec in (engine._rec.session, engine._fast_rec):
        assert rec.session.get_session_options().enable_cpu_mem_arena
    page = np.full((400, 600, 3), 255, np.uint8)
    page[180:220, 100:500] = 0  # one dark bar: a "line" the detector finds
    assert engine.detect(page)


def test_the_shipped_int8_recogniser_runs_its_gelus_fused(tmp_path: Path) -> None:
    """``scripts/quantise_rec.py`` step 4: onnxruntime does not fuse the GELUs of the quantised
    graph itself, so the committed model carries them as ``com.microsoft.Gelu`` nodes; a model
    re-derived without that step would run Erf kernels again (~24 % slower)."""
    import json

    import onnxruntime as ort

    from models.rapid_ocr import WEIGHTS_DIR

    options = ort.SessionOptions()
    options.enable_profiling = True
    options.profile_file_prefix = str(tmp_path / "rec")
    session = ort.InferenceSession(str(WEIGHTS_DIR / settings.RAPIDOCR_REC_FAST_MODEL), options,
                                   providers=["CPUExecutionProvider"])
    session.run(None, {session.get_inputs()[0].name: np.zeros((1, 3, 48, 96), np.float32)})
    trace = Path(session.end_profiling())
    events = json.loads(trace.read_text())
    ops = {e["args"]["op_name"] for e in events if e.get("cat") == "Node" and "op_name" in e.get("args", {})}
    assert "Gelu" in ops and "Erf" not in ops
