"""Reviewer targets of issue 8, measured: keys and seconds per step of a keyboard-only walk in
headless Chromium (tests/reviewwalk.py), save round trips, and the first view of a scanned page
image and of a cell crop (cold cache) against the warm view.

    .venv/bin/python scripts/review_timing.py [--runs 3] [--saves 60] [--scan PDF]

``--scan``: a scanned PDF whose first page is shown as an OCR page (default: the first
``*.scan.pdf`` of ../shared/corpus/dev, else the tests' PNG). Every figure is wall time in ms on
this machine (the CPU time of this process is printed beside the in-process ones); the browser's
figures include the browser's own work. Targets (issue 8): ≤ 2 keys and ≤ 2 s per flagged cell,
≤ 3 s per report's own error, save p95 ≤ 150 ms, a page image or crop ≤ 500 ms on first view.
"""

from __future__ import annotations

import argparse
import io
import logging
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import PASSWORD, form_login, make_storage  # noqa: E402
from docfactory import bbox_of, fake_extract, make_png  # noqa: E402
from uxfactory import extracted_upload, store_groups_document  # noqa: E402

from review_ui import create_app  # noqa: E402
from service import settings  # noqa: E402
from service.model import Cell, Document, DocumentKind, Flag, Page, PageMode, Source  # noqa: E402
from service.storage import images as _images  # noqa: E402
from service.storage.intake import add_upload, create_batch  # noqa: E402
from service.storage.results import save_extraction  # noqa: E402
from service.storage.tables import Role  # noqa: E402
from service.storage.users import add_user  # noqa: E402

KEY = "t3.new.natural_person"
CROP_KEYS = ("t3.new.total", "t3.new.natural_person", "t3.new.commercial", "t3.new.research")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _app(tmp: Path) -> tuple[Any, Any]:
    storage = make_storage(tmp / "data", f"sqlite:///{tmp / 'data' / 'gouji.db'}")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "STORAGE": storage, "JOB_RUNNER": "thread",
                      "EXTRACTOR": fake_extract})
    add_user(storage.db, "alice", PASSWORD, Role.REVIEWER)
    return app, storage


def _document(app: Any, storage: Any, png_dir: Path) -> int:
    doc_id = extracted_upload(app, storage, png_dir / f"walk{time.perf_counter_ns()}.png", "walk",
                              str(time.perf_counter_ns()))
    store_groups_document(storage, doc_id)
    return doc_id


def browser_walk(runs: int) -> None:
    from browserkit import chrome
    from reviewwalk import login, walk
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    tmp = Path(tempfile.mkdtemp())
    app, storage = _app(tmp)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    times: dict[str, list[float]] = {}
    meta: dict[str, Any] = {}
    driver = chrome()
    try:
        for run in range(runs):
            doc_id = _document(app, storage, tmp)
            if run:
                driver.delete_all_cookies()
            login(driver, base, doc_id, {"username": "alice", "password": PASSWORD}, 30)
            for step, seconds in walk(driver, 30):
                times.setdefault(step.name, []).append(1000 * seconds)
                meta[step.name] = step
    finally:
        driver.quit()
        server.shutdown()
        storage.close()
    print(f"keyboard walk in headless Chromium ({runs} runs, median / max ms from the first key to the screen ready):")
    total_keys = total_cells = 0
    for name, values in times.items():
        step = meta[name]
        total_keys += len(step.keys)
        total_cells += step.cells
        print(f"  {name:<50} keys={len(step.keys)} cells={step.cells:<2} "
              f"{statistics.median(values):6.0f} / {max(values):6.0f} ms")
    print(f"  total: {total_keys} keys for {total_cells} flagged cells and the approval")


def saves(n: int) -> None:
    from test_review_station import stored_report

    tmp = Path(tempfile.mkdtemp())
    app, storage = _app(tmp)
    doc_id = stored_report(storage)
    client = app.test_client()
    headers = form_login(client, "alice", PASSWORD)
    version = client.get(f"/api/documents/{doc_id}").get_json()["cells"][KEY]["version"]
    wall, cpu = [], []
    for i in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        done = client.put(f"/api/documents/{doc_id}/cells/{KEY}", headers=headers,
                          json={"value": 10 + i % 3, "expected_version": version})
        wall.append(1000 * (time.perf_counter() - t0))
        cpu.append(1000 * (time.process_time() - c0))
        version = done.get_json()["version"]
    print(f"save round trip (PUT a cell, re-validate, answer the whole document; old-layout report, n={n}):")
    print(f"  wall p50={_pct(wall, 0.5):.0f} ms p95={_pct(wall, 0.95):.0f} ms; "
          f"cpu p50={_pct(cpu, 0.5):.0f} ms p95={_pct(cpu, 0.95):.0f} ms")
    storage.close()


def _scan_source() -> Path:
    found = sorted((ROOT.parent / "shared" / "corpus" / "dev").glob("*.scan.pdf"))
    return found[0] if found else make_png(Path(tempfile.mkdtemp()) / "scan.png")


def _ocr_document(path: Path) -> Document:
    """``path``'s first page as an OCR page (skewed 0.7°, as a scan reader finds it) with cells."""
    from service.ingest import open_source

    with open_source(path) as src:
        shape = src.render(1, settings.OCR_RENDER_DPI).shape
    page = Page(number=1, width=shape[1], height=shape[0], mode=PageMode.OCR, skew_degrees=0.7)
    cells = {k: Cell(key=k, text="1", value=1, confidence=0.5, page=1, bbox=bbox_of(i), source=Source.OCR)
             .with_flag(Flag.LOW_CONFIDENCE, "OCR confidence 0.50") for i, k in enumerate(CROP_KEYS)}
    return Document(path=str(path), sha256="0" * 64, dpi=settings.OCR_RENDER_DPI, page_count=1,
                    kind=DocumentKind.SCANNED, pages=(page,), cells=cells)


def images(path: Path, runs: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    app, storage = _app(tmp)
    doc = _ocr_document(path)
    client = app.test_client()
    form_login(client, "alice", PASSWORD)
    figures: dict[str, list[float]] = {}
    for run in range(runs):
        up = add_upload(storage, create_batch(storage, f"img{run}"), f"scan{run}{path.suffix}",
                        io.BytesIO(path.read_bytes()))
        assert save_extraction(storage, up.document_id, doc)
        shutil.rmtree(storage.settings.cache_dir, ignore_errors=True)
        _images._DECODED.images.clear()                 # a fresh process: nothing decoded
        base = f"/api/documents/{up.document_id}"
        t0 = time.perf_counter()
        client.get(base + "/pages/1.png")
        figures.setdefault("page image, not drawn ahead", []).append(1000 * (time.perf_counter() - t0))
        shutil.rmtree(storage.settings.cache_dir, ignore_errors=True)
        _images._DECODED.images.clear()
        t0 = time.perf_counter()
        _images.prerender(storage, up.document_id)                  # what the worker does after saving
        figures.setdefault("(drawing ahead, in the worker)", []).append(1000 * (time.perf_counter() - t0))
        for name, url in (("page image, first view", base + "/pages/1.png"),
                          ("page image, again", base + "/pages/1.png"),
                          ("crop, first view", base + "/cells/t3.new.natural_person/crop.png"),
                          ("crop, again", base + "/cells/t3.new.natural_person/crop.png"),
                          ("another crop, first view", base + "/cells/t3.new.total/crop.png")):
            t0 = time.perf_counter()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            figures.setdefault(name, []).append(1000 * (time.perf_counter() - t0))
    print(f"scanned page {path.name} (OCR page at {settings.OCR_RENDER_DPI} dpi, cold cache, {runs} runs, "
          "median / max):")
    for name, values in figures.items():
        print(f"  {name:<32} {statistics.median(values):6.0f} / {max(values):6.0f} ms")
    storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--saves", type=int, default=60)
    parser.add_argument("--scan", type=Path, default=None)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    images(args.scan or _scan_source(), args.runs)
    saves(args.saves)
    if not args.skip_browser:
        browser_walk(args.runs)


if __name__ == "__main__":
    main()
