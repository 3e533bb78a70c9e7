"""Benchmark the extraction on a corpus folder with truth files (``<id>.json`` beside
``<id>.pdf`` and ``<id>.scan.pdf``), as laid out in ``shared/corpus/dev``.

Per kind (digital / scanned) it reports: cell accuracy, silent error rate (wrong and not
flagged ÷ all cells), flag rate (also without printed-blank cells), recall of the reports' own
slips (each truth ``source_violations`` rule must appear among our violations), seconds per
page and the process's peak resident memory.
"""

from __future__ import annotations

import json
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import GoujiError
from service.model import Document
from service.review_load import ReportLoad, load_summary, report_load

KINDS = (("digital", ".pdf"), ("scanned", ".scan.pdf"))


@dataclass
class KindStats:
    """Running totals for one kind of input."""

    files: int = 0
    failed: int = 0
    cells: int = 0
    right: int = 0
    silent: int = 0
    flagged: int = 0
    flagged_non_blank: int = 0
    non_blank: int = 0
    slips: int = 0
    slips_found: int = 0
    pages: int = 0
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)
    loads: list[ReportLoad] = field(default_factory=list)

    def summary(self) -> str:
        def pct(a: int, b: int) -> str:
            return f"{100 * a / b:.3f} %" if b else "n/a"

        return "\n".join([
            f"  files                {self.files} ({self.failed} failed)",
            f"  cell accuracy        {pct(self.right, self.cells)}  ({self.right}/{self.cells})",
            f"  silent error rate    {pct(self.silent, self.cells)}  ({self.silent} wrong and unflagged)",
            f"  flag rate            {pct(self.flagged, self.cells)}  ({self.flagged} flagged)",
            f"  flag rate (no blank) {pct(self.flagged_non_blank, self.non_blank)}  (printed blanks excluded)",
            f"  source slips found   {self.slips_found}/{self.slips}",
            *load_summary(self.loads),
            f"  seconds per page     {self.seconds / self.pages:.3f}" if self.pages else "  seconds per page     n/a",
        ])


def values_match(got: Any, want: Any, blank: bool) -> bool:
    """A printed blank may be read as null or 0; numbers compare numerically."""
    if blank and got in (None, 0):
        return True
    if got is None or want is None:
        return got is None and want is None
    return abs(float(got) - float(want)) < 1e-9


def score_document(doc: Document, truth: dict[str, Any], stats: KindStats) -> None:
    blanks = set(truth.get("blank_cells", []))
    for key, want in truth["cells"].items():
        cell = doc.cells.get(key)
        got = cell.value if cell else None
        flagged = bool(cell and cell.flagged)
        stats.cells += 1
        stats.flagged += flagged
        if key not in blanks:
            stats.non_blank += 1
            stats.flagged_non_blank += flagged
        if values_match(got, want, key in blanks):
            stats.right += 1
        else:
            stats.silent += not flagged
            if len(stats.examples) < 12:
                stats.examples.append(f"{truth['id']} {key}: want {want}, got {got}"
                                      f"{'' if flagged else ' (UNFLAGGED)'}")
    stats.loads.append(report_load(doc, slip=bool(truth.get("source_violations"))))
    rules = {v.rule for v in doc.violations}
    for rule in truth.get("source_violations", []):
        stats.slips += 1
        stats.slips_found += rule in rules


def run_bench(corpus: Path, kinds: tuple[str, ...] = ("digital", "scanned"), limit: int | None = None,
              progress: Any = None) -> dict[str, KindStats]:
    from service.pipeline import extract

    truths = sorted(corpus.glob("*.json"))[:limit]
    results: dict[str, KindStats] = {}
    for kind, suffix in KINDS:
        if kind not in kinds:
            continue
        stats = results.setdefault(kind, KindStats())
        for truth_path in truths:
            source = truth_path.with_name(truth_path.stem + suffix)
            if not source.exists():
                continue
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            stats.files += 1
            start = time.perf_counter()
            try:
                doc = extract(source)
            except GoujiError as exc:
                stats.failed += 1
                stats.examples.append(f"{source.name}: {exc}")
                continue
            stats.seconds += time.perf_counter() - start
            stats.pages += doc.page_count
            score_document(doc, truth, stats)
            if progress:
                progress(kind, source.name)
    return results


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def format_report(results: dict[str, KindStats]) -> str:
    parts = []
    for kind, stats in results.items():
        parts.append(f"{kind}:\n{stats.summary()}")
        parts.extend(f"    e.g. {e}" for e in stats.examples)
    parts.append(f"peak memory (whole run, one process): {peak_memory_mb():.0f} MB")
    return "\n".join(parts)
