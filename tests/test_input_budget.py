"""Hostile inputs fail once with a clear message, and a work horse never decodes more than it must.

* corrupt files (page-tree loop, xref loop, 1×1 PNG) raise a ``GoujiError`` (permanent: the job ends
  as ``error`` after one attempt, no retry) instead of a crash (IndexError, RecursionError, cv2.error);
* a 12-frame 8000×8000 TIFF is refused from its frame headers (before: every frame decoded, 5 GB);
* an 8900×8900 PNG is processed within 1 GiB peak RSS (before: 1.9–2.3 GB).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import hostile
import pytest

from service.errors import CorruptInput, GoujiError, UnsupportedInput
from service.ingest import open_source
from service.review.views import document_summary
from service.storage import Storage
from service.storage.intake import add_upload, create_batch
from service.storage.processing import process

TESTS = Path(__file__).resolve().parent
PEAK_LIMIT_MIB = 1024

CORRUPT = {"page-tree-loop.pdf": hostile.page_tree_loop_pdf, "xref-loop.pdf": hostile.xref_loop_pdf,
           "one-pixel.png": hostile.one_pixel_png}


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_corrupt_input_is_a_permanent_error(tmp_path: Path, name: str) -> None:
    path = CORRUPT[name](tmp_path / name)
    with pytest.raises(GoujiError) as caught:
        open_source(path).close()
    assert isinstance(caught.value, CorruptInput | UnsupportedInput), caught.value
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_corrupt_input_fails_once_without_retry(storage: Storage, tmp_path: Path, name: str) -> None:
    from service.pipeline import extract

    data = CORRUPT[name](tmp_path / name).read_bytes()
    doc_id = add_upload(storage, create_batch(storage, "hostile"), name, io.BytesIO(data)).document_id
    assert process(storage, doc_id, extract, final_attempt=False) == "error"   # not re-raised: no retry
    summary = document_summary(storage, doc_id)
    assert (summary["status"], summary["attempts"]) == ("error", 1), summary
    assert summary["error"] and "Traceback" not in summary["error"]


def _peak_run(path: Path) -> dict[str, object]:
    """Extract ``path`` in a fresh interpreter; its outcome, peak RSS (MiB) and seconds."""
    code = f"""
import json, time
from service.pipeline import extract
t = time.monotonic()
try:
    extract({str(path)!r}); outcome = "ok"
except Exception as exc:
    outcome = type(exc).__name__ + ": " + str(exc)
# VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec and would report the forking pytest's size
hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"outcome": outcome, "peak_mib": hwm_kb // 1024, "seconds": round(time.monotonic() - t, 1)}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=TESTS.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_many_frame_tiff_is_refused_from_its_headers(tmp_path: Path) -> None:
    path = hostile.frames_tiff(tmp_path / "frames.tif", frames=12, side=8000)
    start = time.monotonic()
    with pytest.raises(UnsupportedInput, match="pixels together"):
        open_source(path)
    assert time.monotonic() - start < 5
    figures = _peak_run(path)
    print("12x8000x8000 tiff", figures)
    assert str(figures["outcome"]).startswith("UnsupportedInput") and figures["peak_mib"] < 400, figures


def test_huge_png_stays_within_the_memory_budget(tmp_path: Path) -> None:
    figures = _peak_run(hostile.big_png(tmp_path / "big.png", side=8900))
    print("8900x8900 png", figures)
    assert figures["peak_mib"] < PEAK_LIMIT_MIB, figures
    assert str(figures["outcome"]).startswith("NotAReport"), figures   # a blank page: read, then not a report


def test_frames_are_decoded_one_at_a_time(tmp_path: Path) -> None:
    """A 3-frame TIFF within budget: each page renders on demand, at the working DPI."""
    path = hostile.frames_tiff(tmp_path / "three.tif", frames=3, side=1000)
    with open_source(path) as src:
        assert src.page_count == 3
        assert src.render(2, 200).shape == (1000, 1000)
        assert src.render(3, 100).shape == (500, 500)


def test_a_corrupt_later_frame_is_permanent(tmp_path: Path) -> None:
    """Frames are decoded lazily, so a broken second frame surfaces at render: still ``CorruptInput``."""
    path = hostile.frames_tiff(tmp_path / "two.tif", frames=2, side=400)
    data = bytearray(path.read_bytes())
    with open_source(path) as src:
        assert src.page_count == 2  # two frames seen from the headers
    broken = tmp_path / "broken.tif"
    broken.write_bytes(bytes(data[: len(data) - 200]))  # the last frame's strip is cut short
    try:
        with open_source(broken) as src:
            for page in range(1, src.page_count + 1):
                src.render(page, 200)
    except GoujiError as exc:
        assert isinstance(exc, CorruptInput | UnsupportedInput), exc


def _incremental(base: bytes, prev_of_update: int) -> bytes:
    """``base`` plus an incremental update (one empty xref section) whose /Prev is ``prev_of_update``."""
    xref = len(base)
    return base + (b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 4 /Root 1 0 R /Prev %d >>\n"
                   b"startxref\n%d\n%%%%EOF\n" % (prev_of_update, xref))


def test_the_xref_chain_walk_tells_a_loop_from_an_incremental_update(tmp_path: Path) -> None:
    """The raw-bytes walk that replaced re-opening every PDF with pdfplumber: an update chained to
    the original section is fine, one chained to itself (directly or through the original) is not."""
    from models.pdf_structure import xref_chain_problem

    base = hostile.page_tree_loop_pdf(tmp_path / "base.pdf").read_bytes()
    first = int(base.rsplit(b"startxref", 1)[1].split()[0])
    assert xref_chain_problem(base) is None
    assert xref_chain_problem(_incremental(base, first)) is None
    assert xref_chain_problem(_incremental(base, len(base))) is not None       # the update's /Prev: itself
    link = b" /Prev %010d" % (len(base) + len(b" /Prev 0000000000"))          # original → the update
    looped = base.replace(b"/Root 1 0 R >>", b"/Root 1 0 R" + link + b" >>")
    assert "leads back" in (xref_chain_problem(_incremental(looped, first)) or "")
    assert xref_chain_problem(hostile.xref_loop_pdf(tmp_path / "loop.pdf").read_bytes()) is not None
