"""Derive Gouji's int8 line recogniser (``models/weights/PP-OCRv6_rec_small.int8.onnx``) from the
float PP-OCRv6 small recogniser shipped in the rapidocr wheel.

Why: the recogniser's convolutions are ~75 % of its time; int8 convolutions (onnxruntime's
QLinearConv, per-channel weights) run them ~1.9× faster on CPU. Gouji reads long crops (labels,
prose: ``settings.RAPIDOCR_REC_FAST_MIN_WH_RATIO``) with it, and every table cell first; a
number's quick reading is kept only where tesseract reads the same digits, anything else is read
again by the float model (``models/rapid_ocr.RapidEngine``, ``service/scan/cell_reading.py``).

How (deterministic for the same inputs):
1. run Gouji's pipeline on the given scanned files with every crop read by the float model,
   recording its input batches (48 px high crops, normalised to [-1, 1]);
2. keep ``CALIBRATION_CROPS`` crops evenly spaced over them, on canvases of one width
   (``to_canvases``);
3. ``quant_pre_process`` (shape inference, constant folding), then ``quantize_static``:
   QOperator format, Conv only, per-channel int8 weights, uint8 activations whose ranges clip
   at the 99.99th percentile of the calibration activations (min–max ranges let one odd crop
   coarsen a layer: "0" read as "O" on faxes); the first two convolutions (the raw image) and
   the last two (feeding the CTC head) stay float;
4. ``fuse_gelu``: each GELU, which the quantised graph keeps as five float nodes (x/√2, Erf, +1,
   ·x, ·0.5) that onnxruntime 1.32 no longer fuses there, becomes one ``com.microsoft.Gelu``
   node (the same function; the model's outputs were bit-identical on test batches), ~24 %
   less recognition time. ``--fuse-only FILE`` applies this step alone to an int8 model made
   without it (how the committed file got it).

The committed file was made from a mix of archive conditions (none of them a benchmark report):

    python scripts/make_conditions.py SEEDS /tmp/cond            # seed001..004 of the dev corpus
    python scripts/quantise_rec.py /tmp/cond/{fax/seed001.fax.tiff,worn/seed001.scan.pdf,\\
        binarised_150/seed001.bin150.pdf,seal/seed001.scan.pdf} \\
        ../shared/corpus/dev/dev11020.scan.pdf ../shared/corpus/dev/dev11021.scan.pdf

A tool, not a run-time step: it needs ``pip install -e '.[tools]'`` (onnx, ml_dtypes) and ~6 GB of
memory for the calibration histograms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from models import rapid_ocr  # noqa: E402
from service import pipeline, settings  # noqa: E402

CALIBRATION_WIDTH_PX = 320   # calibration crops are laid on canvases of this width (48 px high)
CALIBRATION_BATCH = 16       # … this many per calibration batch
CALIBRATION_CROPS = 96       # crops kept, evenly spaced over all read (histograms hold every
                             # activation in memory: ~50 MB per crop)
CALIBRATION_PERCENTILE = 99.99  # activation ranges clip this far: one odd crop does not set them


def to_canvases(batches: list[np.ndarray]) -> list[np.ndarray]:
    """``CALIBRATION_CROPS`` of the crops of ``batches`` (N×3×48×W, normalised to [-1, 1],
    right-padded with 0), cut or padded to ``CALIBRATION_WIDTH_PX`` and regrouped in batches of
    ``CALIBRATION_BATCH``: histogram calibration needs one shape."""
    crops = [crop for batch in batches for crop in batch]
    crops = crops[::max(1, len(crops) // CALIBRATION_CROPS)][:CALIBRATION_CROPS]
    canvases = np.zeros((len(crops), 3, 48, CALIBRATION_WIDTH_PX), np.float32)
    for k, crop in enumerate(crops):
        width = min(crop.shape[2], CALIBRATION_WIDTH_PX)
        canvases[k, :, :, :width] = crop[:, :, :width]
    return [canvases[i:i + CALIBRATION_BATCH] for i in range(0, len(crops), CALIBRATION_BATCH)]


def collect_batches(files: list[str]) -> list[np.ndarray]:
    """The float recogniser's input batches (N×3×48×W float32) while Gouji reads ``files``."""
    settings.RAPIDOCR_REC_FAST_MODEL = settings.RAPIDOCR_REC_MODEL  # the int8 file may not exist yet
    settings.SCAN_PAGE_THREADS = 1  # batches recorded in one order: the same crops kept every run
    engine = rapid_ocr.get_rapid_engine()
    batches: list[np.ndarray] = []
    float_session = engine._rec.session

    def recording(batch: np.ndarray) -> Any:
        batches.append(batch.copy())
        return float_session(batch)

    engine._rec.session = engine._fast_rec = recording  # every crop, quick or exact, read in float
    for name in files:
        pipeline.extract(name)
        print(f"{name}: {len(batches)} batches so far")
    return batches


def kept_float(model: Path) -> list[str]:
    """Names of the convolutions left in float: the first two and the last two in graph order."""
    import onnx

    convs = [n.name for n in onnx.load(str(model)).graph.node if n.op_type == "Conv"]
    return convs[:2] + convs[-2:]


def quantise(batches: list[np.ndarray], out: Path) -> None:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Batches(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter(batches)

        def get_next(self) -> dict[str, np.ndarray] | None:
            batch = next(self._it, None)
            return None if batch is None else {"x": batch}

    source = rapid_ocr._models_dir() / settings.RAPIDOCR_REC_MODEL
    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(source), str(pre), skip_symbolic_shape=True)
        quantize_static(str(pre), str(out), Batches(), quant_format=QuantFormat.QOperator, per_channel=True,
                        op_types_to_quantize=["Conv"], activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.Percentile,
                        nodes_to_exclude=kept_float(pre),
                        extra_options={"CalibPercentile": CALIBRATION_PERCENTILE})


def _scalar(initialisers: dict[str, np.ndarray], name: str, value: float) -> bool:
    array = initialisers.get(name)
    return array is not None and array.size == 1 and abs(float(array.reshape(-1)[0]) - value) < 1e-6


def fuse_gelu(model: Any) -> int:
    """Replace every ``0.5 · x · (1 + erf(x / √2))`` chain of ``model`` (an ``onnx.ModelProto``,
    changed in place) whose intermediate results feed nothing else by one ``com.microsoft.Gelu``
    node; unused constants are removed. Returns how many were fused."""
    from onnx import helper, numpy_helper

    graph = model.graph
    initialisers = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def sole(node: Any, op: str) -> Any:
        after = consumers.get(node.output[0], [])
        return after[0] if len(after) == 1 and after[0].op_type == op else None

    replaced: dict[int, Any] = {}
    gone: set[int] = set()
    for div in graph.node:
        if div.op_type != "Div" or not _scalar(initialisers, div.input[1], 2 ** 0.5):
            continue
        erf = sole(div, "Erf")
        one = erf and sole(erf, "Add")
        times_x = one and any(_scalar(initialisers, i, 1.0) for i in one.input) and sole(one, "Mul")
        half = times_x and div.input[0] in times_x.input and sole(times_x, "Mul")
        if not (half and any(_scalar(initialisers, i, 0.5) for i in half.input)):
            continue
        gone.update(id(n) for n in (div, erf, one, times_x))
        replaced[id(half)] = helper.make_node("Gelu", [div.input[0]], [half.output[0]],
                                              name=f"{half.name or 'gelu'}_fused", domain="com.microsoft")
    nodes = [replaced.get(id(n), n) for n in graph.node if id(n) not in gone]
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in graph.node for name in node.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if replaced and not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return len(replaced)


def fuse_file(source: Path, out: Path) -> int:
    import onnx

    model = onnx.load(str(source))
    fused = fuse_gelu(model)
    onnx.save(model, str(out))
    return fused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="scanned reports (PDF, TIFF, images) to calibrate on")
    parser.add_argument("--out", type=Path, default=rapid_ocr.WEIGHTS_DIR / settings.RAPIDOCR_REC_FAST_MODEL)
    parser.add_argument("--fuse-only", type=Path, metavar="FILE",
                        help="only fuse the GELUs of this int8 model (step 4) into --out")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.fuse_only:
        print(f"{args.out}: {fuse_file(args.fuse_only, args.out)} GELUs fused")
        return
    if not args.files:
        parser.error("give the scanned reports to calibrate on (or --fuse-only FILE)")
    batches = to_canvases(collect_batches(args.files))
    with tempfile.TemporaryDirectory() as tmp:
        quantised = Path(tmp) / "int8.onnx"
        quantise(batches, quantised)
        fuse_file(quantised, args.out)
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.1f} MB from {len(batches)} calibration batches")


if __name__ == "__main__":
    main()
