"""Bad inputs through the whole service: 24 files uploaded over HTTP into one batch, extracted by 2
real ``gouji worker`` processes with the REAL extractor. Each bad file ends with its own clear error
(refused on sight when its content is not PDF/PNG/JPEG/TIFF, whatever its name), the good files in
the same batch are extracted, both workers are alive afterwards, and their memory stays bounded."""

from __future__ import annotations

import io
import threading
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, make_storage
from hostile import pdf_from_objects
from rqharness import private_queue, rss_tree_kb
from test_bad_input import blank_pdf, png_header_only

from service.storage.tables import Role
from service.storage.users import add_user

FIXTURES = Path(__file__).parent / "fixtures"
WORKER_RSS_LIMIT_KB = 1_500_000     # per worker process tree (worker + work horse)
DEADLINE_S = 240


def javascript_pdf() -> bytes:
    return pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
                 b"<< /S /JavaScript /JS (app.alert('pwned'); this.exportDataObject({cName: 'x'});) >>"])


def flate_bomb_pdf(megabytes: int = 64) -> bytes:
    """A one-page PDF whose content stream inflates from ~64 kB to ``megabytes`` MB."""
    stream = zlib.compress(b" " * (megabytes << 20), 9)
    return pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                 b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"])


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("report.pdf", b"\0" * (256 << 20))
    return buf.getvalue()


def tiny_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (200, 200), 255).save(buf, format="PNG")
    return buf.getvalue()


def huge_page_pdf() -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    doc.new_page(14_400, 14_400)      # 200 × 200 inches: larger than any page we render
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def no_pages_pdf() -> bytes:
    return pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


SAMPLE = (FIXTURES / "sample-report.pdf").read_bytes()
# name → (bytes, status, words expected in the error message; "" for a good file)
CASES: dict[str, tuple[bytes, str, tuple[str, ...]]] = {
    "empty.pdf": (b"", "error", ("empty",)),
    "page.html.pdf": (b"<!doctype html><html><body>report</body></html>", "error", ("unsupported file type",)),
    "notes.pdf": ("政府信息公开工作年度报告".encode(), "error", ("unsupported file type",)),
    "zip-bomb.zip": (zip_bomb(), "error", ("unsupported file type",)),
    "zip-bomb-named.pdf": (zip_bomb()[:4096] + b"\0" * 10, "error", ("unsupported file type",)),
    "setup.pdf.exe": (b"MZ\x90\x00" + b"\0" * 200, "error", ("unsupported file type",)),
    "truncated.pdf": (blank_pdf(2)[:200], "error", ("cannot open",)),
    "garbage.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 40, "error", ("cannot open",)),
    "encrypted.pdf": ((FIXTURES / "encrypted.pdf").read_bytes(), "error", ("password",)),
    "10000-pages.pdf": (blank_pdf(10_000), "error", ("10000 pages",)),
    "bomb-30000px.png": (png_header_only(30_000, 30_000), "error", ("pixel",)),
    "truncated.png": (tiny_png()[:60], "error", ("cannot decode",)),
    "garbage.jpg": (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4, "error", ("cannot decode",)),
    "garbage.tif": (b"II*\x00" + b"\xff" * 300, "error", ("cannot decode",)),
    "blank.pdf": (blank_pdf(1), "error", ("tables",)),
    "no-pages.pdf": (no_pages_pdf(), "error", ("no pages", "cannot open")),
    "javascript.pdf": (javascript_pdf(), "error", ("tables",)),
    "flate-bomb.pdf": (flate_bomb_pdf(), "error", ("tables", "cannot open")),
    "huge-page.pdf": (huge_page_pdf(), "error", ("too large", "tables")),
    "blank-image.pdf": (tiny_png(), "error", ("tables",)),               # a PNG named .pdf: judged as PNG
    "sample.png": (SAMPLE + b"\n% renamed\n", "review", ()),             # a PDF named .png: judged as PDF
    "sample-report.pdf": (SAMPLE, "review", ()),
    "slip-report.pdf": ((FIXTURES / "slip-report.pdf").read_bytes(), "review", ()),
    "old-layout-report.pdf": ((FIXTURES / "old-layout-report.pdf").read_bytes(), "review", ()),
}


class Sampler(threading.Thread):
    def __init__(self, pool: Any) -> None:
        super().__init__(daemon=True)
        self.pool, self.stop, self.peak_kb = pool, threading.Event(), 0

    def run(self) -> None:
        while not self.stop.wait(0.05):
            for proc in self.pool.alive():
                self.peak_kb = max(self.peak_kb, rss_tree_kb(proc.pid))


def test_bad_inputs_through_the_service(tmp_path: Path, login: Any) -> None:
    from review_ui import create_app
    from service.storage import StorageSettings

    assert len(CASES) >= 20
    st = make_storage(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'gouji.db'}")
    add_user(st.db, "alice", PASSWORD, Role.REVIEWER)
    env = {"GOUJI_DATA_DIR": str(st.settings.data_dir), "DATABASE_URL": st.settings.database_url,
           "GOUJI_EXTRACTOR": "service.pipeline:extract", "GOUJI_QUEUE": "bad", "GOUJI_JOB_RETRY_S": "0"}
    with private_queue(tmp_path, env, workers=2) as q:
        st.settings = StorageSettings.from_env(st.settings.data_dir, database_url=st.settings.database_url,
                                               redis_url=q["redis"].url, queue_name="bad", job_retry_intervals_s=(0,))
        app = create_app({"TESTING": True, "SECRET_KEY": "k", "STORAGE": st, "JOB_RUNNER": "rq"})
        client = app.test_client()
        headers = login(client, {"username": "alice", "password": PASSWORD})
        sampler = Sampler(q["pool"])
        sampler.start()
        batch = client.post("/api/batches", json={"name": "bad"}, headers=headers).get_json()["id"]
        files = [(io.BytesIO(data), name) for name, (data, _, _) in CASES.items()]
        response = client.post(f"/api/batches/{batch}/documents", data={"files": files}, headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)
        ids = {d["filename"]: d["id"] for d in response.get_json()["documents"]}
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            docs = client.get(f"/api/batches/{batch}/documents").get_json()["documents"]
            if all(d["status"] in ("review", "error") for d in docs):
                break
            time.sleep(0.2)
        sampler.stop.set()
        sampler.join()
        alive = len(q["pool"].alive())
    by_name = {d["filename"]: d for d in docs}
    assert set(by_name) == set(CASES) == set(ids)
    for name, (_, status, words) in CASES.items():
        doc = by_name[name]
        assert doc["status"] == status, (name, doc["status"], doc["error"])
        if status == "error":
            assert doc["error"] and "\n" not in doc["error"] and any(w in doc["error"] for w in words), (name, doc)
    assert alive == 2, "a worker died"
    print(f"\npeak worker RSS {sampler.peak_kb / 1024:.0f} MiB over {len(CASES)} files")
    assert 0 < sampler.peak_kb < WORKER_RSS_LIMIT_KB
    st.close()


def test_oversized_upload_is_refused_per_file(storage: Any, reviewer: dict[str, Any], login: Any) -> None:
    from dataclasses import replace

    from review_ui import create_app

    storage.settings = replace(storage.settings, max_upload_mb=1)
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "STORAGE": storage, "JOB_RUNNER": "thread"})
    client = app.test_client()
    headers = login(client, reviewer)
    batch = client.post("/api/batches", json={"name": "big"}, headers=headers).get_json()["id"]
    big = (io.BytesIO(b"%PDF-1.4 " + b"0" * (2 << 20)), "big.pdf")
    small = (io.BytesIO(SAMPLE), "small.pdf")
    response = client.post(f"/api/batches/{batch}/documents", data={"files": [big, small]}, headers=headers)
    assert response.status_code == 201
    big_result, small_result = response.get_json()["documents"]
    assert big_result["id"] is None and "1 MB 上限" in big_result["error"] and small_result["id"]
    assert not any(p.name.startswith(".upload-") for p in storage.settings.files_dir.rglob("*"))  # no leftovers
    alone = client.post(f"/api/batches/{batch}/documents", data={"files": [(io.BytesIO(b"%PDF" + b"0" * (2 << 20)),
                                                                              "big.pdf")]}, headers=headers)
    assert alone.status_code == 422
    app.extensions["gouji"].runner.shutdown()


@pytest.mark.parametrize("limit_mb", [1])
def test_request_body_limit_is_enforced_by_the_server(storage: Any, reviewer: dict[str, Any], login: Any,
                                                     limit_mb: int) -> None:
    from review_ui import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "STORAGE": storage, "JOB_RUNNER": "thread",
                      "MAX_CONTENT_LENGTH": limit_mb << 20})
    client = app.test_client()
    headers = login(client, reviewer)
    batch = client.post("/api/batches", json={"name": "big"}, headers=headers).get_json()["id"]
    big = (io.BytesIO(b"%PDF-1.4 " + b"0" * (2 << 20)), "big.pdf")
    assert client.post(f"/api/batches/{batch}/documents", data={"files": [big]}, headers=headers).status_code == 413
    app.extensions["gouji"].runner.shutdown()
