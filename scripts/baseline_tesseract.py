"""The OCR speed baseline of issue 11: Tesseract's own page OCR (``chi_sim``) on scanned pages.

Every page of the given scanned PDFs is rendered at Gouji's scan-reading resolution
(``settings.OCR_RENDER_DPI``, greyscale, by Gouji's own renderer), written as a PNG and read with

    tesseract PAGE.png - -l chi_sim

(default page segmentation, plain text out; the text is thrown away — this measures speed only:
no tables, no numbers, no checks). Tesseract's CPU time is taken from the finished child processes
(``RUSAGE_CHILDREN``: user + system), so rendering and PNG writing are not counted; CPU time, not
wall time, because the benchmark machine is shared. Tesseract runs with ``OMP_THREAD_LIMIT=1``
unless ``--threads`` says otherwise (its OpenMP threads otherwise busy-wait and inflate CPU time).

    python scripts/baseline_tesseract.py ../shared/corpus/dev --limit 3
    python scripts/baseline_tesseract.py some.scan.pdf other.scan.pdf

A folder means its ``*.scan.pdf`` files in name order. Prints CPU seconds per page; compare with
``gouji bench DIR --kind scanned --limit N -j 1`` ("cpu seconds per page"). A benchmark tool, not
a test: it needs the ``tesseract`` program and its ``chi_sim`` data (Debian: ``tesseract-ocr``,
``tesseract-ocr-chi-sim``) and stops with a message when either is missing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from service import settings  # noqa: E402
from service.ingest import open_source  # noqa: E402


def check_tesseract() -> str:
    """The tesseract program's path; exits with a message when it or chi_sim is missing."""
    exe = shutil.which("tesseract")
    if exe is None:
        sys.exit("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
    langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, check=False).stdout.split()
    if "chi_sim" not in langs:
        sys.exit("tesseract has no chi_sim data (apt-get install tesseract-ocr-chi-sim)")
    return exe


def inputs(paths: list[Path], limit: int | None) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.scan.pdf")) if path.is_dir() else [path])
    return files[:limit]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ocr_file(exe: str, path: Path, work: Path, env: dict[str, str]) -> tuple[int, float]:
    """(pages, tesseract CPU seconds) for one PDF."""
    import cv2

    cpu = 0.0
    with open_source(path) as source:
        for number in range(1, source.page_count + 1):
            image = work / f"page{number}.png"
            cv2.imwrite(str(image), source.render(number, settings.OCR_RENDER_DPI))
            start = children_cpu()
            subprocess.run([exe, str(image), "-", "-l", "chi_sim"], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cpu += children_cpu() - start
        return source.page_count, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path, help="scanned PDFs, or folders of *.scan.pdf")
    parser.add_argument("--limit", type=int, default=None, help="only the first N files")
    parser.add_argument("--threads", type=int, default=1, help="OMP_THREAD_LIMIT for tesseract (default 1)")
    args = parser.parse_args()
    exe = check_tesseract()
    files = inputs(args.paths, args.limit)
    if not files:
        sys.exit("no scanned PDFs found")
    env = {**os.environ, "OMP_THREAD_LIMIT": str(args.threads)}
    pages, cpu = 0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            n, seconds = ocr_file(exe, path, Path(tmp), env)
            pages += n
            cpu += seconds
            print(f"  {path.name}: {n} pages, {seconds / n:.3f} cpu s/page")
    print(f"tesseract chi_sim page OCR at {settings.OCR_RENDER_DPI} dpi: {len(files)} files, {pages} pages, "
          f"cpu seconds per page {cpu / pages:.3f}")


if __name__ == "__main__":
    main()
