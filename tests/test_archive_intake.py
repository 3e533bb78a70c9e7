"""Bulk intake: files, folders (a folder of page images = one report), zips (safe extraction), duplicates
by sha256, refused files with reasons, resume after an interruption; CLI and API."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docfactory import make_png

from service.archive.bulk import submit
from service.archive.pages import is_pages_zip, page_images, unpack_pages
from service.storage.intake import kept_path
from service.storage.tables import DocumentRow

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = (FIXTURES / "sample-report.pdf").read_bytes()


def pdf(n: int) -> bytes:
    return SAMPLE + f"\n% copy {n}\n".encode()


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def intake_dir(tmp_path: Path) -> Path:
    root = tmp_path / "intake"
    (root / "a" / "deep").mkdir(parents=True)
    (root / "pages-report").mkdir()
    for n in range(3):
        (root / "a" / f"r{n}.pdf").write_bytes(pdf(n))
    (root / "a" / "deep" / "copy-of-r0.pdf").write_bytes(pdf(0))         # duplicate inside the run
    (root / "a" / "notes.txt").write_text("not a report")                  # refused by content
    (root / "a" / "empty.pdf").write_bytes(b"")
    (root / ".DS_Store").write_bytes(b"\0")                                # skipped silently
    for page in (1, 2, 10):
        make_png(root / "pages-report" / f"p{page}.png", salt=str(page))
    (root / "bundle.zip").write_bytes(_zip({
        "x/r10.pdf": pdf(10), "x/r11.pdf": pdf(11), "r1-again.pdf": pdf(1),
        "../../evil.pdf": pdf(12), "/abs.pdf": pdf(13), "inner.zip": _zip({"r14.pdf": pdf(14)}),
        "scans/1.png": (root / "pages-report" / "p1.png").read_bytes(),
        "scans/2.png": (root / "pages-report" / "p2.png").read_bytes(),
    }))
    (root / "bomb.zip").write_bytes(_zip({"huge.pdf": b"%PDF" + b"\0" * (20 << 20)}))
    (root / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    return root


# a folder's files come before its subfolders: bundle.zip's copy of r1 is taken first, a/r1.pdf is its duplicate
EXPECTED_QUEUED = {"r0.pdf", "r1-again.pdf", "r2.pdf", "pages-report/", "x/r10.pdf", "x/r11.pdf", "scans/"}


def _short(name: str) -> str:
    return name.split("!")[-1] if "!" in name else "/".join(Path(name.rstrip("/")).parts[-1:]) + (
        "/" if name.endswith("/") else "")


def test_submit_folder_counts_every_item(storage, intake_dir):
    summary = submit(storage, [intake_dir], "archive-1")
    assert {_short(n) for n, _ in summary.queued} == EXPECTED_QUEUED
    assert {_short(n) for n, _ in summary.duplicates} == {"copy-of-r0.pdf", "r1.pdf"}
    refused = {_short(n): why for n, why in summary.refused}
    assert set(refused) == {"notes.txt", "empty.pdf", "../../evil.pdf", "/abs.pdf", "inner.zip",
                            "huge.pdf", "broken.zip"}
    assert "unsupported file type" in refused["notes.txt"] and "empty" in refused["empty.pdf"]
    assert "unsafe path" in refused["../../evil.pdf"] and "unsafe path" in refused["/abs.pdf"]
    assert "archive inside an archive" in refused["inner.zip"]
    assert "zip bomb" in refused["huge.pdf"] and "broken zip" in refused["broken.zip"]
    assert not (intake_dir.parent / "evil.pdf").exists()
    again = submit(storage, [intake_dir], "archive-1")                     # idempotent
    assert again.batch_id == summary.batch_id and not again.queued
    assert len(again.already) == len(summary.queued) + 0
    assert {_short(n) for n, _ in again.refused} == set(refused)
    other = submit(storage, [intake_dir / "a"], "another batch")           # the archive already holds these
    assert not other.queued and {_short(n) for n, _ in other.duplicates} >= {"r0.pdf", "r1.pdf", "r2.pdf"}


def test_page_folder_is_one_report_stored_as_a_zip_of_its_pages(storage, intake_dir):
    summary = submit(storage, [intake_dir / "pages-report"], "pages")
    [(name, doc_id)] = summary.queued
    with storage.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        path = kept_path(storage, row.sha256)
    assert row.status == "queued" and is_pages_zip(path) and row.filename == "pages-report"
    pages = page_images(path)
    originals = [(intake_dir / "pages-report" / f"p{n}.png").read_bytes() for n in (1, 2, 10)]
    assert [data for _, data in pages] == originals                       # natural page order, bytes intact
    unpacked = unpack_pages(path, storage.settings.data_dir / "unpacked")
    assert [p.name for p in unpacked] == ["page-0001.png", "page-0002.png", "page-0003.png"]
    assert [p.read_bytes() for p in unpacked] == originals


def test_interrupted_run_resumes(storage, intake_dir):
    calls = {"n": 0}

    def stop_midway(_item):
        calls["n"] += 1
        if calls["n"] == 12:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        submit(storage, [intake_dir], "resume", progress=stop_midway)
    second = submit(storage, [intake_dir], "resume")
    assert {_short(n) for n, _ in second.queued} | {_short(n) for n, _ in second.already} == EXPECTED_QUEUED
    assert len(second.already) >= 2
    with storage.db.session() as s:
        assert s.query(DocumentRow).filter(DocumentRow.status == "queued").count() == len(EXPECTED_QUEUED)


def test_cli_submit_prints_summary(runner, storage, intake_dir, monkeypatch):
    from service.cli import main

    monkeypatch.setenv("GOUJI_DATA_DIR", str(storage.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", storage.settings.database_url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    result = runner.invoke(main, ["submit", str(intake_dir), "--batch", "cli"])
    assert result.exit_code == 0, result.output
    assert f"{len(EXPECTED_QUEUED)} queued, 0 already in this batch, 2 duplicates, 7 refused" in result.output
    assert "refused    " in result.output and "unsafe path" in result.output
    again = runner.invoke(main, ["submit", str(intake_dir), "--batch", "cli"])
    assert f"0 queued, {len(EXPECTED_QUEUED)} already in this batch" in again.output


def test_api_intake_takes_many_files_and_zips(client, login, reviewer, app, intake_dir):
    headers = login(client, reviewer)
    batch = client.post("/api/batches", json={"name": "web"}, headers=headers).get_json()["id"]
    files = [(io.BytesIO(pdf(50)), "one.pdf"), (io.BytesIO(pdf(51)), "two.pdf"),
             (io.BytesIO((intake_dir / "bundle.zip").read_bytes()), "bundle.zip"),
             (io.BytesIO(b"hello"), "bad.pdf")]
    response = client.post(f"/api/batches/{batch}/intake", data={"files": files}, headers=headers,
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {_short(d["name"]) for d in body["queued"]} == {"one.pdf", "two.pdf", "x/r10.pdf", "x/r11.pdf",
                                                           "r1-again.pdf", "scans/"}
    assert {_short(d["name"]) for d in body["refused"]} == {"bad.pdf", "../../evil.pdf", "/abs.pdf", "inner.zip"}
    app.extensions["gouji"].runner.wait()
    again = client.post(f"/api/batches/{batch}/intake", data={"files": [(io.BytesIO(pdf(50)), "one.pdf")]},
                        headers=headers, content_type="multipart/form-data").get_json()
    assert again["already"] and not again["queued"]
