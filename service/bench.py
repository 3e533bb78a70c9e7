"""Benchmark the extraction on a corpus folder with truth files (``<id>.json`` beside
``<id>.pdf`` and ``<id>.scan.pdf``), as laid out in ``shared/corpus/dev``.

Per kind (digital / scanned) it reports: cell accuracy, silent error rate (wrong and not
flagged ÷ all cells), flag rate (also without printed-blank cells), recall of the reports' own
slips (each truth ``source_violations`` rule must appear among our violations), seconds per
page and the process's peak resident memory.

Speed report (``-j N`` reads files in N processes): seconds per page (summed per-file extraction
time ÷ pages), pages per second of the whole run (pages ÷ wall-clock time, so ``-j 2`` shows the
gain), each pipeline stage's share of the summed ``Document.timings``, and the peak resident
memory of every process (this one and each worker).
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import GoujiError
from service.model import Document
from service.parallel import PIPELINE_MODULES, ordered_map
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
    cpu_seconds: float = 0.0                                    # summed per-file CPU time of the reading process
    wall_seconds: float = 0.0                                   # whole run of this kind, wall clock
    stage_seconds: dict[str, float] = field(default_factory=dict)  # summed Document.timings
    peak_mb: dict[int, float] = field(default_factory=dict)     # process id → peak resident MB
    cpu_by_process: dict[int, float] = field(default_factory=dict)  # process id → CPU s spent on files

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
            *self.speed_lines(),
        ])

    def speed_lines(self) -> list[str]:
        """pages/s of the run, stage shares and peak memory per process (issue 11's speed report);
        none when the run recorded no timing."""
        if not self.pages or not self.wall_seconds:
            return []
        rate = self.pages / self.wall_seconds if self.wall_seconds else 0.0
        stages = {name: sec for name, sec in self.stage_seconds.items() if "." not in name}
        parts = {name.split(".", 1)[1]: sec for name, sec in self.stage_seconds.items() if name.startswith("pages.")}
        peaks = ", ".join(f"{mb:.0f}" for mb in sorted(self.peak_mb.values(), reverse=True))
        busiest = max(self.cpu_by_process.values(), default=0.0)
        return [
            f"  cpu seconds per page {self.cpu_seconds / self.pages:.3f}  (CPU time: robust on a shared machine)",
            f"  pages per second     {rate:.2f}  ({self.pages} pages in {self.wall_seconds:.2f} s wall, "
            f"{len(self.peak_mb)} process(es))",
            f"  cpu-bound pages/s    {self.pages / busiest if busiest else 0.0:.2f}  (pages ÷ CPU s of the busiest "
            "process: its rate on one otherwise idle core)",
            f"  stage shares         {_shares(stages)}",
            f"  page work shares     {_shares(parts)}  (summed over the threads that read pages)",
            f"  peak memory (MB)     {peaks}  (per process)",
        ]


def _shares(seconds: dict[str, float]) -> str:
    """"name 12 %, …" of each entry's share of the sum (largest first)."""
    total = sum(seconds.values()) or 1.0
    ranked = sorted(seconds.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{name} {100 * sec / total:.0f} %" for name, sec in ranked) or "n/a"


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


@dataclass(frozen=True)
class BenchJob:
    """One file to extract for the benchmark (picklable: it is sent to a worker process).

    ``group`` is what it is scored under: its kind (digital / scanned) or its archive condition.
    """

    group: str
    source: Path
    truth: Path


@dataclass(frozen=True)
class BenchOutcome:
    """One file's result: the document without its pages (``None`` on error) and its cost."""

    job: BenchJob
    doc: Document | None
    error: str | None
    seconds: float
    cpu_seconds: float
    pid: int
    peak_mb: float
    started: float = 0.0  # wall-clock time (``time.time``, comparable across processes) it began


def bench_file(job: BenchJob) -> BenchOutcome:
    """Extract one file and time it; every error (bad input or a crash in the pipeline) becomes
    the outcome's ``error``: one failed input is a figure, not the end of the run."""
    started, start, cpu = time.time(), time.perf_counter(), time.process_time()
    from service.pipeline import extract  # a fresh worker's imports count towards its first file

    doc: Document | None = None
    error = None
    try:
        doc = extract(job.source).model_copy(update={"pages": ()})
    except GoujiError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 — see the docstring
        error = f"{type(exc).__name__}: {exc}"
    return BenchOutcome(job, doc, error, time.perf_counter() - start, time.process_time() - cpu, os.getpid(),
                        peak_memory_mb(), started)


def _worker_died(job: BenchJob) -> BenchOutcome:
    return BenchOutcome(job, None, "the worker process reading it died", 0.0, 0.0, 0, 0.0)


def record_outcome(stats: KindStats, outcome: BenchOutcome) -> tuple[Document, dict[str, Any]] | None:
    """Add one file's cost and score to ``stats``; (document, truth), or ``None`` when it failed."""
    source = outcome.job.source
    stats.files += 1
    if outcome.pid:
        stats.peak_mb[outcome.pid] = max(stats.peak_mb.get(outcome.pid, 0.0), outcome.peak_mb)
    if outcome.doc is None:
        stats.failed += 1
        stats.examples.append(f"{source.name}: {outcome.error}")
        return None
    doc = outcome.doc
    truth = json.loads(outcome.job.truth.read_text(encoding="utf-8"))
    stats.seconds += outcome.seconds
    stats.cpu_seconds += outcome.cpu_seconds
    stats.cpu_by_process[outcome.pid] = stats.cpu_by_process.get(outcome.pid, 0.0) + outcome.cpu_seconds
    stats.pages += doc.page_count
    for name, sec in doc.timings.items():
        stats.stage_seconds[name] = stats.stage_seconds.get(name, 0.0) + sec
    score_document(doc, truth, stats)
    return doc, truth


def bench_jobs(work: list[BenchJob], jobs: int, stats_of: Callable[[str], KindStats],
               scored: Callable[[str, Document, dict[str, Any]], None] | None = None,
               progress: Any = None) -> None:
    """Extract ``work`` in ``jobs`` processes (one pool for every group: engines load once per
    worker) and add each outcome to ``stats_of(group)``; ``scored`` sees every document read.

    A group's ``wall_seconds`` runs from the start of its first file (of the whole run for the
    group read first: the pool's start-up counts) to when its last result was scored. With
    ``jobs`` > 1 the files of neighbouring groups are read at the same time, so these walls
    overlap: each is that group's own elapsed time, and they add up to more than the run's.
    """
    run_start = time.time()
    first_group = work[0].group if work else None
    begun: dict[str, float] = {}
    for outcome in ordered_map(bench_file, work, jobs, on_crash=_worker_died, preload=PIPELINE_MODULES):
        group = outcome.job.group
        stats = stats_of(group)
        read = record_outcome(stats, outcome)
        if read is not None and scored is not None:
            scored(group, *read)
        if progress:
            progress(group, outcome.job.source.name)
        start = run_start if group == first_group or not outcome.started else outcome.started
        begun[group] = min(begun.get(group, start), start)
        stats.wall_seconds = time.time() - begun[group]


def run_bench(corpus: Path, kinds: tuple[str, ...] = ("digital", "scanned"), limit: int | None = None,
              progress: Any = None, jobs: int = 1) -> dict[str, KindStats]:
    truths = sorted(corpus.glob("*.json"))[:limit]
    results = {kind: KindStats() for kind, _ in KINDS if kind in kinds}
    work = [BenchJob(kind, t.with_name(t.stem + suffix), t) for kind, suffix in KINDS if kind in kinds
            for t in truths if t.with_name(t.stem + suffix).exists()]
    bench_jobs(work, jobs, results.__getitem__, progress=progress)
    return results


def peak_memory_mb() -> float:
    """This process's peak resident memory (Linux ``ru_maxrss`` is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_memory_mb() -> float:
    """The largest peak resident memory of any finished worker process of this one."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def format_report(results: dict[str, KindStats]) -> str:
    parts = []
    for kind, stats in results.items():
        parts.append(f"{kind}:\n{stats.summary()}")
        parts.extend(f"    e.g. {e}" for e in stats.examples)
    parts.append(f"peak memory (whole run, one process): {peak_memory_mb():.0f} MB")
    if children_peak_memory_mb():
        parts.append(f"peak memory (largest worker process): {children_peak_memory_mb():.0f} MB")
    return "\n".join(parts)
