"""Benchmark per archive condition: a corpus written by ``scripts/make_conditions.py``.

Layout: ``ROOT/<condition>/<id>.json`` (truth) beside one input named ``<id>.<anything>`` or a
folder ``<id>/`` (a report kept as page images). Every condition is scored separately with the
figures of ``service.bench`` plus the accuracy on cells whose true value is not 0 (a reader that
loses a row reads most of it as blank, which plain cell accuracy hides).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.bench import KindStats, score_document, values_match
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
        cpu = (f"  cpu seconds per page {self.common.cpu_seconds / self.common.pages:.3f}  (CPU time: robust on a "
               "shared machine)") if self.common.pages and self.common.cpu_seconds else "  cpu seconds per page n/a"
        return "\n".join([self.common.summary(), cpu,
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


def bench_condition(folder: Path, limit: int | None = None, progress: Any = None) -> ConditionStats:
    """Extract and score every input of one condition folder."""
    from service.pipeline import extract

    stats = ConditionStats(folder.name)
    for source, truth_path in inputs_of(folder)[:limit]:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        stats.common.files += 1
        start, cpu = time.perf_counter(), time.process_time()
        try:
            doc = extract(source)
        except Exception as exc:  # noqa: BLE001 — a failed input is a figure, not the end of the run
            stats.common.failed += 1
            stats.common.examples.append(f"{source.name}: {type(exc).__name__}: {exc}")
            continue
        stats.common.seconds += time.perf_counter() - start
        stats.common.cpu_seconds += time.process_time() - cpu
        stats.common.pages += doc.page_count
        score_document(doc, truth, stats.common)
        score_non_zero(doc, truth, stats)
        if progress:
            progress(folder.name, source.name)
    return stats


def run_condition_bench(root: Path, names: tuple[str, ...] = (), limit: int | None = None,
                        progress: Any = None) -> list[ConditionStats]:
    """Every condition folder under ``root`` (or only ``names``), in name order."""
    folders = [f for f in sorted(root.iterdir()) if f.is_dir() and (not names or f.name in names)]
    return [bench_condition(f, limit, progress) for f in folders]


def format_condition_report(results: list[ConditionStats]) -> str:
    parts = []
    for stats in results:
        parts.append(f"{stats.name}:\n{stats.summary()}")
        parts.extend(f"    e.g. {e}" for e in stats.common.examples)
    return "\n".join(parts)
