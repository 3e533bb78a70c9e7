"""Benchmark per archive condition: a corpus written by ``scripts/make_conditions.py``.

Layout: ``ROOT/<condition>/<id>.json`` (truth) beside one input named ``<id>.<anything>`` or a
folder ``<id>/`` (a report kept as page images). Every condition is scored separately with the
figures of ``service.bench`` plus the accuracy on cells whose true value is not 0 (a reader that
loses a row reads most of it as blank, which plain cell accuracy hides). Files are read by the
same per-file function and loop as ``gouji bench`` (``service.bench.bench_jobs``): ``-j N`` and
the speed lines (CPU s/page, pages/s, stage shares, peak memory) come per condition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.bench import BenchJob, KindStats, bench_jobs, values_match
from service.model import Document


@dataclass
class ConditionStats:
    """One condition's totals: the common figures plus non-zero-cell accuracy."""

    name: str
    common: KindStats = field(default_factory=KindStats)
    non_zero: int = 0
    non_zero_right: int = 0

    def summary(self) -> str:
        share = f"{100 * self.non_zero_right / self.non_zero:.3f} %" if self.non_zero else "n/a"
        return "\n".join([self.common.summary(),
                          f"  non-zero accuracy    {share}  ({self.non_zero_right}/{self.non_zero})"])


def inputs_of(folder: Path) -> list[tuple[Path, Path]]:
    """(input, truth) pairs of one condition folder, in id order."""
    pairs = []
    for truth in sorted(folder.glob("*.json")):
        stem = truth.stem
        for entry in sorted(folder.iterdir()):
            if entry != truth and (entry.name == stem or entry.name.startswith(stem + ".")):
                pairs.append((entry, truth))
    return pairs


def score_non_zero(doc: Document, truth: dict[str, Any], stats: ConditionStats) -> None:
    blanks = set(truth.get("blank_cells", []))
    for key, want in truth["cells"].items():
        if want in (None, 0) or key in blanks:
            continue
        cell = doc.cells.get(key)
        stats.non_zero += 1
        stats.non_zero_right += values_match(cell.value if cell else None, want, False)


def bench_condition(folder: Path, limit: int | None = None, progress: Any = None, jobs: int = 1) -> ConditionStats:
    """Extract and score every input of one condition folder."""
    return run_condition_bench(folder.parent, (folder.name,), limit, progress, jobs)[0]


def run_condition_bench(root: Path, names: tuple[str, ...] = (), limit: int | None = None,
                        progress: Any = None, jobs: int = 1) -> list[ConditionStats]:
    """Every condition folder under ``root`` (or only ``names``), in name order; the inputs of all
    of them go through one ``service.bench.bench_jobs`` run (``jobs`` processes)."""
    folders = [f for f in sorted(root.iterdir()) if f.is_dir() and (not names or f.name in names)]
    results = {f.name: ConditionStats(f.name) for f in folders}
    work = [BenchJob(f.name, source, truth) for f in folders for source, truth in inputs_of(f)[:limit]]

    def non_zero(group: str, doc: Document, truth: dict[str, Any]) -> None:
        score_non_zero(doc, truth, results[group])

    bench_jobs(work, jobs, lambda group: results[group].common, scored=non_zero, progress=progress)
    return list(results.values())


def format_condition_report(results: list[ConditionStats]) -> str:
    parts = []
    for stats in results:
        parts.append(f"{stats.name}:\n{stats.summary()}")
        parts.extend(f"    e.g. {e}" for e in stats.common.examples)
    return "\n".join(parts)
