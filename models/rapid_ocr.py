"""RapidOCR (PP-OCRv6 small, onnxruntime) behind ``LineRecognizer`` and ``PageTextDetector``.

The model files are the ``.onnx`` files shipped inside the rapidocr wheel (``rapidocr/models``);
their paths are pinned so that rapidocr never tries to download anything. The orientation
classifier is off. rapidocr is imported lazily and one engine (det, rec and 0/180 classifier
sessions, each loaded once) is built per process: ``RAPIDOCR_THREADS`` intra-op threads in a lone
process, ``RAPIDOCR_WORKER_THREADS`` in a worker of ``-j N``; idle threads do not spin
(``RAPIDOCR_SPIN``): busy-waiting threads cost CPU that other processes need; denormal floats are
computed as zero (``RAPIDOCR_DENORMALS_AS_ZERO``).

Input images are 8-bit greyscale (or BGR) numpy arrays; boxes come back in pixels of the image
passed in, origin top-left.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from models.base import Reading, TextBox, built_once
from service import settings
from service.errors import EngineUnavailable

_REC_HEIGHT = 48  # input height of the PP-OCR recognition networks, pixels


def _models_dir() -> Path:
    """``site-packages/rapidocr/models`` without importing rapidocr's heavy modules twice."""
    try:
        import rapidocr
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise EngineUnavailable("rapidocr is not installed (pip install 'rapidocr==3.10.*')") from exc
    return Path(rapidocr.__file__).resolve().parent / "models"


WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"  # models derived here (scripts/quantise_rec.py)


def _model_path(name: str) -> str:
    """A model file: Gouji's own ``models/weights/NAME`` if there is one, else the wheel's."""
    path = WEIGHTS_DIR / name if (WEIGHTS_DIR / name).is_file() else _models_dir() / name
    if not path.is_file():
        raise EngineUnavailable(f"rapidocr model file missing: {path} (reinstall the rapidocr wheel)")
    return str(path)


def intra_op_threads() -> int:
    """onnxruntime threads per session: fewer in a worker process of a pool (``-j N``)."""
    from service.parallel import in_worker_process

    return settings.RAPIDOCR_WORKER_THREADS if in_worker_process() else settings.RAPIDOCR_THREADS


def _tune_session_options() -> None:
    """Make rapidocr's onnxruntime sessions honour ``RAPIDOCR_SPIN`` and
    ``RAPIDOCR_DENORMALS_AS_ZERO`` (rapidocr has no option for either: its session options are
    wrapped once per process, before any session is created)."""
    from rapidocr.inference_engine.onnxruntime import main as ort_main

    base = ort_main.OrtInferSession._init_sess_opts
    if getattr(base, "_gouji", False):
        return

    def init_sess_opts(cfg: Any) -> Any:
        opts = base(cfg)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if settings.RAPIDOCR_SPIN else "0")
        opts.add_session_config_entry("session.set_denormal_as_zero",
                                      "1" if settings.RAPIDOCR_DENORMALS_AS_ZERO else "0")
        return opts

    init_sess_opts._gouji = True  # type: ignore[attr-defined]
    ort_main.OrtInferSession._init_sess_opts = staticmethod(init_sess_opts)  # type: ignore[method-assign]


def _bgr(image: np.ndarray) -> np.ndarray:
    """rapidocr's networks take 3-channel uint8 images."""
    import cv2

    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image


class RapidEngine:
    """One rapidocr pipeline: ``recognize`` (rec only, batched) and ``detect_and_read`` (det+rec)."""

    def __init__(self) -> None:
        det_path = _model_path(settings.RAPIDOCR_DET_MODEL)
        rec_path = _model_path(settings.RAPIDOCR_REC_MODEL)
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise EngineUnavailable(f"rapidocr cannot be imported: {exc}") from exc
        params: dict[str, Any] = {
            "Global.use_cls": False,
            "Global.max_side_len": settings.RAPIDOCR_MAX_SIDE_LEN,
            "Global.text_score": settings.RAPIDOCR_TEXT_SCORE,
            "Global.log_level": "error",
            "Det.model_path": det_path,
            "Det.limit_type": "max",
            "Det.limit_side_len": settings.RAPIDOCR_DET_LIMIT_SIDE_PX,
            "Det.box_thresh": settings.RAPIDOCR_DET_BOX_THRESH,
            "Rec.model_path": rec_path,
            "Cls.model_path": _model_path(settings.RAPIDOCR_CLS_MODEL),
            "EngineConfig.onnxruntime.intra_op_num_threads": intra_op_threads(),
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            # the arena keeps buffers between runs: ~2.5× faster on the ever-changing crop widths
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
        }
        try:
            _tune_session_options()
            self._ocr = RapidOCR(params=params)
            self._rec = self._ocr._load_rec_model()  # rapidocr has no public getter
            self._fast_rec = self._fast_session(_model_path(settings.RAPIDOCR_REC_FAST_MODEL))
            if not settings.RAPIDOCR_DET_ARENA:
                self._det_without_arena()
        except Exception as exc:
            raise EngineUnavailable(f"rapidocr engine could not be created: {exc}") from exc
        # No lock: onnxruntime sessions are thread-safe, and what rapidocr 3.10 writes on a call
        # (``update_params(use_rec=False)``, the detector's pre-processing object) is the same on
        # every call of this engine, so page threads may detect and recognise at the same time.

    def _fast_session(self, path: str) -> Any:
        """A session of the int8 recogniser, built like rapidocr builds the float one (same
        threads, arena and spinning); its output decodes with the float model's vocabulary."""
        import copy

        cfg = copy.deepcopy(self._ocr.cfg.Rec)
        cfg.model_path = path
        return type(self._rec.session)(cfg)

    def _det_without_arena(self) -> None:
        """Rebuild the detector's session without onnxruntime's memory arena: the arena keeps
        the largest page's buffers for good (each page thread's), which pays for the recogniser's
        ever-changing crop widths but not for the detector's few whole-page runs."""
        import copy

        det = self._ocr._load_det_model()  # rapidocr has no public getter
        cfg = copy.deepcopy(self._ocr.cfg.Det)
        cfg.engine_cfg.enable_cpu_mem_arena = False
        det.session = type(det.session)(cfg)

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        """Read each crop as one text line (no detection); empty crops read as ("", 0.0).

        Crops are sorted by aspect ratio and batched with crops of about their own width
        (:func:`_batches`); each batch is padded only to its own widest crop (rapidocr pads every
        batch to 320 px, which wastes most of the time on the short number crops of a table).
        Crops wider than ``RAPIDOCR_REC_FAST_MIN_WH_RATIO`` × their height (labels and prose,
        most of the recognition work) are read by the int8 model, and again by the float one
        when the int8 score is below ``RAPIDOCR_REC_FAST_MIN_SCORE`` (faxes, damaged print); the
        rest (every table number) by the float one: the readings that are summed and compared
        are the exact model's.
        """
        return self._recognize(crops, quick=False)

    def recognize_quick(self, crops: list[np.ndarray]) -> list[Reading]:
        """``recognize`` with the short crops (numbers) read by the int8 model too: about half
        the work. Those readings are not ``exact``: callers confirm them (a second engine) or
        read them again with ``recognize`` (``cell_reading.read_cells``)."""
        return self._recognize(crops, quick=True)

    def _recognize(self, crops: list[np.ndarray], quick: bool) -> list[Reading]:
        idx = [i for i, c in enumerate(crops) if c.size and min(c.shape[:2]) >= 2]
        out = [Reading("", 0.0)] * len(crops)
        ratio = {i: crops[i].shape[1] / crops[i].shape[0] for i in idx}
        idx.sort(key=ratio.__getitem__)
        cut = settings.RAPIDOCR_REC_FAST_MIN_WH_RATIO
        long, short = [i for i in idx if ratio[i] > cut], [i for i in idx if ratio[i] <= cut]
        self._read_into(out, crops, idx if quick else long, ratio, self._fast_rec)
        unsure = [i for i in long if out[i].score < settings.RAPIDOCR_REC_FAST_MIN_SCORE]
        self._read_into(out, crops, sorted(unsure if quick else short + unsure, key=ratio.__getitem__),
                        ratio, self._rec.session)
        if quick:
            for i in short:
                out[i] = Reading(out[i].text, out[i].score, exact=False)
        return out

    def _read_into(self, out: list[Reading], crops: list[np.ndarray], idx: list[int], ratio: dict[int, float],
                   session: Any) -> None:
        """``out[i]`` = the reading of ``crops[i]`` by ``session`` for each ``i`` of ``idx``
        (sorted by ``ratio``, width/height)."""
        least = self._least_ratio(session)
        for batch in _batches(idx, [ratio[i] for i in idx], least):
            for i, reading in zip(batch, self._rec_batch([crops[i] for i in batch], session), strict=True):
                out[i] = reading

    def _least_ratio(self, session: Any) -> float:
        """The width/height ratio narrower crops are padded to for ``session``: the int8 model's
        short crops are quick readings that a second engine confirms, so they may be narrower
        (``RAPIDOCR_REC_QUICK_MIN_WH_RATIO``: a lone digit costs a third less) than the exact
        model's (``RAPIDOCR_REC_MIN_WH_RATIO``: at 1.0 the float model read a printed 11 as "n1")."""
        if session is self._fast_rec:
            return settings.RAPIDOCR_REC_QUICK_MIN_WH_RATIO
        return settings.RAPIDOCR_REC_MIN_WH_RATIO

    def _rec_batch(self, crops: list[np.ndarray], session: Any) -> list[Reading]:
        import cv2

        height = _REC_HEIGHT
        least = self._least_ratio(session)
        ratios = [max(c.shape[1] / c.shape[0], least) for c in crops]
        step = settings.RAPIDOCR_REC_WIDTH_STEP_PX
        width = int(np.ceil(height * max(ratios) / step) * step)
        batch = np.zeros((len(crops), 3, height, width), dtype=np.float32)
        for k, crop in enumerate(crops):
            w = min(width, int(np.ceil(height * crop.shape[1] / crop.shape[0])))
            img = cv2.resize(_bgr(crop), (max(w, 1), height)).astype(np.float32)
            batch[k, :, :, : img.shape[1]] = img.transpose(2, 0, 1) / 127.5 - 1.0
        preds = session(batch)
        lines, _ = self._rec.postprocess_op(preds, False, wh_ratio_list=ratios, max_wh_ratio=width / height)
        return [Reading(str(text), float(score)) for text, score in lines]

    def upside_down(self, crops: list[np.ndarray]) -> list[float]:
        """P(the line is upside down) for each text-line crop (PP-OCR's 0/180 line classifier)."""
        if not crops:
            return []
        cls = self._ocr._load_cls_model()  # rapidocr has no public getter
        res = cls([_bgr(c) for c in crops])
        return [float(score) if "180" in str(label) else 1.0 - float(score) for label, score in res.cls_res]

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Text-line quadrilaterals (4×2 float arrays, pixels of ``image``) found by det alone."""
        res = self._ocr(_bgr(image), use_rec=False)
        boxes = getattr(res, "boxes", None)
        return [] if boxes is None else [np.asarray(q, dtype=float) for q in boxes]

    def detect_and_read(self, image: np.ndarray) -> list[TextBox]:
        """Detect text lines on a page image and read them; bbox = axis-aligned line box.

        Detection is rapidocr's (page scaled to ``RAPIDOCR_DET_LIMIT_SIDE_PX``); the line crops
        are read with :meth:`recognize`, padded with ``RAPIDOCR_LINE_PAD_PX`` of white paper (the
        shorter width/height ratio is faster and reads as well). ``image`` must be dark-on-light.
        Lines scored below ``RAPIDOCR_TEXT_SCORE`` are dropped.
        """
        import cv2

        res = self._ocr(_bgr(image), use_rec=False)
        boxes = getattr(res, "boxes", None)
        if boxes is None or len(boxes) == 0:
            return []
        h, w = image.shape[:2]
        bboxes = [_axis_box(np.asarray(q, dtype=float), w, h) for q in boxes]
        p = settings.RAPIDOCR_LINE_PAD_PX
        crops = [cv2.copyMakeBorder(image[y0:y1, x0:x1], p, p, p, p, cv2.BORDER_CONSTANT, value=255)
                 for x0, y0, x1, y1 in bboxes]
        out: list[TextBox] = []
        for box, reading in zip(bboxes, self.recognize(crops), strict=True):
            if reading.text.strip() and reading.score >= settings.RAPIDOCR_TEXT_SCORE:
                out.append(TextBox(reading.text, reading.score, tuple(float(v) for v in box)))
        return out


def _batches(idx: list[int], ratios: list[float], least: float) -> list[list[int]]:
    """Split width-sorted crops into batches of at most ``RAPIDOCR_REC_BATCH`` crops whose padded
    width (count × widest, at the 48 px input height) stays within ``RAPIDOCR_REC_BATCH_WIDTH_PX``
    and whose widest crop is at most ``RAPIDOCR_REC_BATCH_MAX_STRETCH`` × the narrowest (widths
    rounded up to ``RAPIDOCR_REC_WIDTH_STEP_PX``).

    Recognition costs the padded width, so padding a short crop to a long neighbour is waste
    (on one core a batch of one is cheaper than a widely spread batch); crops that are padded
    by less than a width step read as they read alone.
    """
    out: list[list[int]] = []
    cur: list[int] = []
    first = 0.0
    for i, r in zip(idx, ratios, strict=True):
        width = _padded_width(r, least)
        if cur and (len(cur) >= settings.RAPIDOCR_REC_BATCH
                    or (len(cur) + 1) * width > settings.RAPIDOCR_REC_BATCH_WIDTH_PX
                    or width > settings.RAPIDOCR_REC_BATCH_MAX_STRETCH * first):
            out.append(cur)
            cur = []
        if not cur:
            first = width
        cur.append(i)
    if cur:
        out.append(cur)
    return out


def _padded_width(ratio: float, least: float) -> float:
    """Input width (pixels at the 48 px height) of a crop of width/height ``ratio`` in a batch
    whose crops are padded to at least ``least`` × the height."""
    step = settings.RAPIDOCR_REC_WIDTH_STEP_PX
    return float(np.ceil(_REC_HEIGHT * max(ratio, least) / step) * step)


def _axis_box(quad: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """Integer (x0, y0, x1, y1) around a detected quadrilateral, clipped to the image."""
    x0, y0 = max(0, int(np.floor(quad[:, 0].min()))), max(0, int(np.floor(quad[:, 1].min())))
    x1, y1 = min(width, int(np.ceil(quad[:, 0].max()))), min(height, int(np.ceil(quad[:, 1].max())))
    return x0, y0, x1, y1


@built_once
def get_rapid_engine() -> RapidEngine:
    """The process-wide rapidocr engine (built on first use; raises ``EngineUnavailable``)."""
    return RapidEngine()
