"""The speed baseline of issue 11: what a capable user writes in a day with pdfplumber.

Every page's ruled tables come from ``pdfplumber``'s ``extract_tables()``; a row is mapped by its
label (``difflib`` ratio against the national template's row labels, in order), and its numbers
fill the row's columns left to right. No OCR, no identities, no flags: born-digital PDFs only.
Only the template's keys and labels are taken from ``service.formats`` (the data a user would
type in); nothing of Gouji's reading code is used.

    python scripts/baseline_pdfplumber.py /path/to/*.pdf --out /tmp/baseline [--truth]

prints one line per file and the total wall time (imports included); ``--truth`` also counts the
cells equal to ``<id>.json`` beside each PDF (the dev corpus layout).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from difflib import SequenceMatcher
from pathlib import Path

START = time.perf_counter()

import pdfplumber  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from service.formats import T2_COLUMNS, T2_ROWS, T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_GROUPS  # noqa: E402

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
MIN_RATIO = 0.6          # a printed label this similar to a template label names that row
T4_CELLS = len(T4_GROUPS) * len(T4_COLUMNS)


def clean(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def number(text: str) -> int | float | None:
    text = text.replace(",", "")
    if not NUMBER.match(text):
        return None
    return float(text) if "." in text else int(text)


def best_row(label: str, rows: tuple, start: int) -> int | None:
    """Index of the template row (from ``start`` on) whose label is most like ``label``."""
    scored = [(max(SequenceMatcher(None, label, lab).ratio() for lab in r.labels), i)
              for i, r in enumerate(rows) if i >= start]
    if not scored:
        return None
    ratio, index = max(scored)
    return index if ratio >= MIN_RATIO else None


def map_tables(tables: list[list[list[str | None]]]) -> dict[str, int | float]:
    """Cells of tables 二/三/四 found in the page tables, by canonical key."""
    out: dict[str, int | float] = {}
    t3_next = 0
    for table in tables:
        for row in table:
            texts = [clean(c) for c in row]
            values = [v for v in (number(t) for t in texts) if v is not None]
            labels = [t for t in texts if t and number(t) is None]
            if len(values) == T4_CELLS and not labels:
                keys = [f"t4.{g}.{c}" for g in T4_GROUPS for c in T4_COLUMNS]
                out.update(zip(keys, values, strict=True))
                continue
            if not labels or not values:
                continue
            label = labels[-1]
            t2 = next((r for r in T2_ROWS if any(lab == label for lab in r.labels)), None)
            if t2 is not None:
                out.update(zip((f"t2.{t2.key}.{c}" for c in T2_COLUMNS[t2.key]), values, strict=False))
                continue
            if len(values) >= len(T3_COLUMNS):
                index = best_row(label, T3_ROWS, t3_next)
                if index is not None:
                    t3_next = index + 1
                    keys = (f"t3.{T3_ROWS[index].key}.{c}" for c in T3_COLUMNS)
                    out.update(zip(keys, values[-len(T3_COLUMNS):], strict=True))
    return out


def extract(path: Path) -> tuple[dict[str, int | float], int]:
    with pdfplumber.open(path) as pdf:
        tables = [t for page in pdf.pages for t in page.extract_tables()]
        return map_tables(tables), len(pdf.pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--truth", action="store_true", help="count cells equal to <id>.json beside each PDF")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pages = right = cells = 0
    for path in args.files:
        values, n = extract(path)
        pages += n
        (args.out / f"{path.stem}.json").write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
        if args.truth and (truth_path := path.with_name(path.stem + ".json")).exists():
            truth = json.loads(truth_path.read_text(encoding="utf-8"))["cells"]
            cells += len(truth)
            right += sum(1 for k, v in truth.items() if v is not None and values.get(k) == v)
        print(f"{path}: {len(values)} cells", file=sys.stderr)
    seconds = time.perf_counter() - START
    summary = f"baseline: {len(args.files)} files, {pages} pages in {seconds:.2f} s ({seconds / pages:.4f} s/page)"
    if args.truth and cells:
        summary += f"; {right}/{cells} cells equal to the truth ({100 * right / cells:.1f} %)"
    print(summary)


if __name__ == "__main__":
    main()
