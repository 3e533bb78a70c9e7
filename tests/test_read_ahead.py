"""Scanned pages read ahead in threads give the same document as one page at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import pipeline, settings
from service.errors import GoujiError

FIXTURES = Path(__file__).parent / "fixtures"


def _without_timings(path: Path, threads: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(settings, "SCAN_PAGE_THREADS", threads)
    return pipeline.extract(path).model_copy(update={"timings": {}}).model_dump_json()


def test_threads_change_nothing_in_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    scan = FIXTURES / "sample-report.scan.pdf"
    one = _without_timings(scan, 1, monkeypatch)
    assert _without_timings(scan, 3, monkeypatch) == one
    assert '"mode":"ocr"' in one


def test_a_page_that_fails_in_a_thread_fails_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """The error of a page read ahead reaches the caller (and no thread is left running)."""
    real = pipeline._scan_tables

    def broken_on_page_2(ctx: pipeline.Context, scan: pipeline._Scan) -> object:
        if scan.number == 2:
            raise GoujiError("page 2 cannot be read")
        return real(ctx, scan)

    monkeypatch.setattr(pipeline, "_scan_tables", broken_on_page_2)
    monkeypatch.setattr(settings, "SCAN_PAGE_THREADS", 2)
    with pytest.raises(GoujiError, match="page 2"):
        pipeline.extract(FIXTURES / "sample-report.scan.pdf")


def test_the_parts_of_reading_scanned_pages_are_timed() -> None:
    doc = pipeline.extract(FIXTURES / "sample-report.scan.pdf")
    parts = {name for name in doc.timings if name.startswith("pages.")}
    assert {"pages.render", "pages.geometry", "pages.tables", "pages.prose", "pages.text layer",
            "pages.image regions"} <= parts
    assert all(doc.timings[name] > 0 for name in ("pages.geometry", "pages.tables"))
