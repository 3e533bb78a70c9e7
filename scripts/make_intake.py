"""Build a 1,000-file intake folder from a corpus of reports and submit it in one command.

    .venv/bin/python scripts/make_intake.py --corpus ../shared/corpus/dev --out /tmp/intake \
        --data-dir /tmp/intake-data [--files 1000] [--no-submit]

The folder holds (every count is a file on disk or inside a zip):
- unique reports: copies of the corpus PDFs, each made distinct by a PDF comment appended after
  ``%%EOF`` (readers ignore it), spread over nested folders per "agency";
- exact duplicates of some of them in other folders;
- zip archives of further unique reports (with a nested folder and a duplicate inside);
- folders of page images (a scanned report rendered page by page: one report per folder);
- bad files: text, an empty file, HTML named .pdf, a truncated zip, a zip with a ``../`` member.

Then ``gouji submit OUT --batch NAME --no-enqueue`` runs against ``--data-dir`` (SQLite; in-process jobs
are not started, so only intake is measured), twice: the second run must take nothing new. The script
prints both summaries, the time taken and whether every file is accounted for.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

PAGE_FOLDERS = 5
PAGE_RENDER_DPI = 60
ZIPS = 10
ZIP_MEMBERS = 20
DUPLICATES = 80
SCANNED_COPIES = 30


def distinct(data: bytes, n: int) -> bytes:
    return data + f"\n% gouji intake copy {n}\n".encode()


def render_pages(pdf: Path, folder: Path) -> int:
    import pypdfium2 as pdfium

    folder.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for index in range(len(doc)):
            image = doc[index].render(scale=PAGE_RENDER_DPI / 72).to_pil().convert("L")
            image.save(folder / f"page{index + 1}.png")
        return len(doc)
    finally:
        doc.close()


def bad_files(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "readme.txt").write_text("这不是报告")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "page.html.pdf").write_bytes(b"<!doctype html><p>report</p>")
    (folder / "truncated.zip").write_bytes(b"PK\x03\x04\x14\x00" + b"\0" * 40)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../escape.pdf", b"%PDF-1.4 escape")
    (folder / "traversal.zip").write_bytes(buf.getvalue())
    return 5


def build(corpus: Path, out: Path, files: int) -> dict[str, int]:
    """Write the intake folder; returns counts by kind (files on disk and inside zips)."""
    digital = sorted(p for p in corpus.glob("*.pdf") if not p.name.endswith(".scan.pdf"))
    scanned = sorted(corpus.glob("*.scan.pdf"))
    if not digital or not scanned:
        raise SystemExit(f"{corpus}: expected x.pdf and x.scan.pdf files")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    counts = {"bad": bad_files(out / "misc"), "page_images": 0, "page_folders": PAGE_FOLDERS, "zip_members": 0,
              "duplicates": 0, "unique": 0}
    for n in range(PAGE_FOLDERS):
        counts["page_images"] += render_pages(scanned[n % len(scanned)], out / "photos" / f"report-{n:02d}")
    serial = 0
    taken: list[Path] = []
    budget = files - counts["bad"] - counts["page_images"] - ZIPS * ZIP_MEMBERS - DUPLICATES
    for n in range(budget):
        source = scanned[n % len(scanned)] if n < SCANNED_COPIES else digital[n % len(digital)]
        folder = out / "agencies" / f"agency-{n % 40:02d}" / f"year-{2019 + n % 6}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{source.name[:-4]}-{serial}.pdf"
        target.write_bytes(distinct(source.read_bytes(), serial))
        taken.append(target)
        serial += 1
    counts["unique"] = budget
    for z in range(ZIPS):
        with zipfile.ZipFile(out / f"archive-{z:02d}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for m in range(ZIP_MEMBERS - 1):
                source = digital[serial % len(digital)]
                name = f"{'sub/' if m % 3 else ''}{source.stem}-{serial}.pdf"
                zf.writestr(name, distinct(source.read_bytes(), serial))
                serial += 1
            zf.writestr("again.pdf", taken[z].read_bytes())  # a duplicate of a loose file
        counts["zip_members"] += ZIP_MEMBERS
    for n in range(DUPLICATES):
        source = taken[(n * 7) % len(taken)]
        folder = out / "copies" / f"set-{n % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / f"copy-{n}-{source.name}")
    counts["duplicates"] = DUPLICATES
    return counts


def submit(out: Path, data_dir: Path, batch: str) -> tuple[float, str]:
    env = {**os.environ, "GOUJI_DATA_DIR": str(data_dir)}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    gouji = Path(sys.executable).with_name("gouji")
    start = time.perf_counter()
    done = subprocess.run([str(gouji), "submit", str(out), "--batch", batch, "--no-enqueue"], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--no-submit", action="store_true")
    args = parser.parse_args()
    counts = build(args.corpus, args.out, args.files)
    on_disk = sum(1 for p in args.out.rglob("*") if p.is_file())
    total = counts["bad"] + counts["page_images"] + counts["zip_members"] + counts["unique"] + counts["duplicates"]
    print(f"intake folder {args.out}: {on_disk} files on disk, {total} files counting zip members: {counts}")
    if args.no_submit:
        return
    if args.data_dir.exists():
        shutil.rmtree(args.data_dir)
    for run in (1, 2):
        seconds, output = submit(args.out, args.data_dir, "intake-1000")
        print(f"--- run {run}: {seconds:.1f} s")
        print("\n".join(output.splitlines()[:1]))
    expected_items = counts["unique"] + counts["zip_members"] + counts["page_folders"] + counts["bad"] \
        + counts["duplicates"]
    print(f"expected items: {expected_items} (a page folder is one item, a zip one item per member, a broken"
          " zip one item)")
    print(f"documents in the archive by status: {status_counts(args.data_dir)}")


def status_counts(data_dir: Path) -> dict[str, int]:
    from sqlalchemy import func, select

    from service.storage import Storage, StorageSettings
    from service.storage.tables import DocumentRow

    st = Storage.open(StorageSettings.from_env(data_dir, database_url=f"sqlite:///{data_dir / 'gouji.db'}"))
    try:
        with st.db.session() as s:
            return dict(s.execute(select(DocumentRow.status, func.count()).group_by(DocumentRow.status)).all())
    finally:
        st.close()


if __name__ == "__main__":
    main()
