"""A small, fully consistent 2021-format report for tests, plus fake extractors for the job runners.

``make_document`` returns all 200 keys with values for which every identity holds, except that
``MISREAD_KEY`` is read as ``TRUE_VALUE + 1`` with low OCR confidence: it breaks the row identity
of ``t3.new`` and the column identity of ``natural_person``, and the rules suggest ``TRUE_VALUE``.
``make_png`` draws every value at its bbox so page images and crops are real.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from service.errors import UnsupportedInput
from service.formats import FEE_KEY, T3_COLUMNS, T3_RESULT_ROWS, T4_GROUPS, all_keys
from service.model import Cell, Document, DocumentKind, Flag, Page, PageMode, ReportInfo, Source

MISREAD_KEY = "t3.new.natural_person"
TRUE_VALUE = 18
AGENCY = "测试区人民政府"
YEAR = 2021
PAGE_W, PAGE_H, DPI = 1400, 2000, 200
COLS_PER_LINE = 8


def true_values() -> dict[str, int | Decimal]:
    values: dict[str, int | Decimal] = {}
    for i, key in enumerate(k for k in all_keys() if k.startswith("t2.")):
        values[key] = Decimal("1.25") if key == FEE_KEY else i + 1
    applicants = T3_COLUMNS[:-1]
    for c, col in enumerate(applicants):
        results = {row: (c + 1 if row == "disclosed" else 1 if row == "partly_disclosed" else 0)
                   for row in T3_RESULT_ROWS}
        results["disclosed"] = TRUE_VALUE - 1 if col == "natural_person" else results["disclosed"]
        total = sum(results.values())
        col_values = {**results, "results_total": total, "carried_over": 1, "carried_forward": 1,
                      "new": total}
        for row, v in col_values.items():
            values[f"t3.{row}.{col}"] = v
    for row in {k.split(".")[1] for k in values if k.startswith("t3.")}:
        values[f"t3.{row}.total"] = sum(int(values[f"t3.{row}.{c}"]) for c in applicants)
    for g in T4_GROUPS:
        values.update({f"t4.{g}.upheld": 1, f"t4.{g}.corrected": 0, f"t4.{g}.other": 0,
                       f"t4.{g}.pending": 1, f"t4.{g}.total": 2})
    assert values[MISREAD_KEY] == TRUE_VALUE
    return values


def bbox_of(index: int) -> tuple[float, float, float, float]:
    x = 60 + (index % COLS_PER_LINE) * 165
    y = 80 + (index // COLS_PER_LINE) * 72
    return (float(x), float(y), float(x + 150), float(y + 50))


def make_document(path: str | Path, sha256: str = "0" * 64) -> Document:
    cells = {}
    for i, (key, value) in enumerate(_ordered(true_values()).items()):
        cell = Cell(key=key, text=str(value), value=value, confidence=0.999, page=1, bbox=bbox_of(i),
                    source=Source.OCR)
        if key == MISREAD_KEY:
            cell = cell.model_copy(update={"value": TRUE_VALUE + 1, "text": str(TRUE_VALUE + 1),
                                           "confidence": 0.61})
            cell = cell.with_flag(Flag.LOW_CONFIDENCE, "OCR confidence 0.61")
        cells[key] = cell
    page = Page(number=1, width=PAGE_W, height=PAGE_H, mode=PageMode.OCR)
    doc = Document(path=str(path), sha256=sha256, dpi=DPI, page_count=1, kind=DocumentKind.SCANNED,
                   pages=(page,), report=ReportInfo(agency=AGENCY, year=YEAR), cells=cells)
    from service.storage.revalidate import default_validator

    return default_validator()(doc)


def _ordered(values: dict[str, int | Decimal]) -> dict[str, int | Decimal]:
    return {k: values[k] for k in all_keys()}


def make_png(path: Path, salt: str = "") -> Path:
    """A page showing the misread value as printed (``TRUE_VALUE``) and every other value."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (PAGE_W, PAGE_H), 255)
    draw = ImageDraw.Draw(img)
    for i, value in enumerate(_ordered(true_values()).values()):
        x0, y0, x1, y1 = bbox_of(i)
        draw.rectangle((x0, y0, x1, y1), outline=0)
        draw.text((x0 + 8, y0 + 15), f"{value}", fill=0)
    draw.text((20, 20), f"test report {salt}", fill=0)
    img.save(path, format="PNG", dpi=(DPI, DPI))
    return path


def fake_extract(path: Path) -> Document:
    """The extractor for job tests: the sample report, with the file's real sha256."""
    return make_document(path, hashlib.sha256(Path(path).read_bytes()).hexdigest())


def bad_input_extract(path: Path) -> Document:
    raise UnsupportedInput("unsupported file type (expected PDF, PNG, JPEG or TIFF)")


CRASHES: dict[str, int] = {}


def flaky_extract(path: Path) -> Document:
    """Crashes on the first call for a given file, then works (to exercise retries)."""
    CRASHES[str(path)] = CRASHES.get(str(path), 0) + 1
    if CRASHES[str(path)] == 1:
        raise RuntimeError("engine crashed")
    return fake_extract(path)


def always_crash(path: Path) -> Document:
    raise RuntimeError("engine crashed for good")


def timed_fake_extract(path: Path) -> Document:
    """``fake_extract`` after ``GOUJI_FAKE_DELAY_S`` seconds (default 0.2), or 2 s for a file that
    contains ``b"slow"``: a job long enough to be killed in the middle of (fault tests run it in real
    ``gouji worker`` processes)."""
    import os
    import time

    slow = b"slow" in Path(path).read_bytes()[:200]
    time.sleep(2.0 if slow else float(os.environ.get("GOUJI_FAKE_DELAY_S", "0.2")))
    return fake_extract(path)
