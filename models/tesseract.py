"""Tesseract (tesserocr, ``eng``) as a digits-only second opinion behind ``DigitReader``.

Each crop is read as a single line (PSM 7) with the whitelist ``settings.TESS_WHITELIST``. The
LSTM drops a lone "0" it sees as "O" when whitelisted, so an empty reading is retried without the
whitelist and digit look-alikes are mapped back (``settings.SCAN_DIGIT_LOOKALIKES``); anything
still not a digit gives an empty reading.
tesserocr is imported lazily and one API handle is kept per process (guarded by a lock: a
``PyTessBaseAPI`` is not thread-safe). Crops are 8-bit greyscale numpy arrays.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from models.base import Reading, built_once
from service import settings
from service.errors import EngineUnavailable


def _tessdata_dir() -> str:
    """The first directory of ``settings.TESSDATA_DIRS`` that holds ``eng.traineddata``."""
    for d in settings.TESSDATA_DIRS:
        if d and (Path(d) / "eng.traineddata").is_file():
            return str(d)
    raise EngineUnavailable(
        "tesseract eng.traineddata not found in " + ", ".join(d for d in settings.TESSDATA_DIRS if d)
        + " (apt-get install tesseract-ocr-eng or set TESSDATA_PREFIX)"
    )


# Letters the unrestricted engine gives for digits (a lone "0" is read "O" and then dropped by
# the whitelist, so an empty whitelisted reading is retried without it and mapped back).
_LOOKALIKES = str.maketrans(settings.SCAN_DIGIT_LOOKALIKES)


class TesseractDigits:
    """Reads numeric crops with tesseract restricted to digits, '.' and '-'."""

    def __init__(self) -> None:
        path = _tessdata_dir()
        try:
            import tesserocr
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise EngineUnavailable("tesserocr is not installed (pip install tesserocr)") from exc
        try:
            self._digits: Any = tesserocr.PyTessBaseAPI(path=path, lang="eng", psm=tesserocr.PSM.SINGLE_LINE)
            self._free: Any = tesserocr.PyTessBaseAPI(path=path, lang="eng", psm=tesserocr.PSM.SINGLE_LINE)
        except RuntimeError as exc:
            raise EngineUnavailable(f"tesseract could not be initialised from {path}: {exc}") from exc
        self._digits.SetVariable("tessedit_char_whitelist", settings.TESS_WHITELIST)
        self._lock = threading.Lock()

    def read_digits(self, crops: list[np.ndarray]) -> list[Reading]:
        """One reading per crop: text with whitespace removed, score = mean confidence / 100."""
        with self._lock:
            return [self._read(crop) for crop in crops]

    def _read(self, crop: np.ndarray) -> Reading:
        if crop.size == 0:
            return Reading("", 0.0)
        if crop.ndim != 2 or crop.dtype != np.uint8:
            raise ValueError("tesseract digit crops must be 8-bit greyscale")
        crop = np.ascontiguousarray(crop)
        data = crop.tobytes()  # raw 8-bit pixels: the same image as via PIL, without a BMP round trip
        for api, mapped in ((self._digits, False), (self._free, True)):
            api.SetImageBytes(data, crop.shape[1], crop.shape[0], 1, crop.shape[1])
            text = "".join(api.GetUTF8Text().split())
            if mapped:
                text = text.translate(_LOOKALIKES)
                if not set(text) <= set(settings.TESS_WHITELIST):
                    break  # not digits even after mapping: no digit reading
            if text:
                return Reading(text, max(0, api.MeanTextConf()) / 100.0)
        return Reading("", 0.0)


@built_once
def get_digit_reader() -> TesseractDigits:
    """The process-wide tesseract digit reader (raises ``EngineUnavailable`` when missing)."""
    return TesseractDigits()
