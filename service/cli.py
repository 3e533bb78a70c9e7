"""The ``gouji`` command line: extract, bench (and the service commands registered from
``service.cli_service`` when present).

Start-up is lazy: ``extract`` and ``bench`` import neither storage, Flask, RQ, SQLAlchemy nor
Alembic; the service commands are registered the first time a command that is not one of
these two is looked up (or the command list is shown). OCR engines load when a page needs them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from service.errors import GoujiError
from service.parallel import PIPELINE_MODULES, default_jobs, ordered_map


class LazyGroup(click.Group):
    """A group whose service commands are registered on first need, not at import."""

    _service_loaded = False

    def _load_service_commands(self) -> None:
        if self._service_loaded:
            return
        self._service_loaded = True
        try:
            from service.cli_service import register
        except ImportError:
            return
        register(self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._load_service_commands()
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_service_commands()
        return super().list_commands(ctx)


@click.group(cls=LazyGroup)
@click.version_option(package_name="gouji")
def main() -> None:
    """Gouji (勾稽): verified data from 政府信息公开工作年度报告, digital or scanned."""


def _jobs_option(f: Callable[..., None]) -> Callable[..., None]:
    return click.option("-j", "--jobs", type=click.IntRange(min=1), default=default_jobs, show_default="cores",
                        help="Files read in parallel by this many processes.")(f)


@dataclass(frozen=True)
class ExtractJob:
    """One input of ``gouji extract`` (picklable: it is sent to a worker process)."""

    path: Path
    out_dir: Path
    debug_dir: Path | None


@dataclass(frozen=True)
class ExtractOutcome:
    """What ``gouji extract`` prints for one input: the output file, or why there is none."""

    path: Path
    target: Path | None = None
    flagged: int = 0
    violations: int = 0
    error: str | None = None


def extract_file(job: ExtractJob) -> ExtractOutcome:
    """Extract one file into ``job.out_dir``; every error becomes the outcome's ``error``."""
    from service.contract import write_contract
    from service.pipeline import extract as run_pipeline

    try:
        images: dict[int, object] | None = {} if job.debug_dir is not None else None  # rendered only for --debug
        doc = run_pipeline(job.path, images=images)
        target = write_contract(doc, job.out_dir)
        if job.debug_dir is not None and images is not None:
            from service.debug_draw import draw_document

            draw_document(doc, images, job.debug_dir)
    except GoujiError as exc:
        return ExtractOutcome(job.path, error=str(exc))
    except Exception as exc:  # noqa: BLE001 — one bad file must not stop the batch
        return ExtractOutcome(job.path, error=f"internal error ({type(exc).__name__}: {exc})")
    return ExtractOutcome(job.path, target, sum(c.flagged for c in doc.cells.values()), len(doc.violations))


def _worker_died(job: ExtractJob) -> ExtractOutcome:
    return ExtractOutcome(job.path, error="internal error (the worker process reading it died)")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for one JSON per input (x.scan.pdf → x.scan.json).")
@click.option("--debug", "debug_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also draw the detected grid and flagged cells on page images here.")
@_jobs_option
def extract(files: tuple[Path, ...], out_dir: Path, debug_dir: Path | None, jobs: int) -> None:
    """Extract tables 二/三/四 of each FILE into the output contract of FORMAT.md.

    A FILE may be a folder of page images: one report, pages in natural order (page-2 before
    page-10), written as <folder name>.json. Two inputs that would write the same output name
    are refused before anything is extracted.
    """
    from service.contract import output_name

    clashes = output_clashes(files, output_name)
    if clashes:
        for name, paths in clashes.items():
            _say(f"{name} would be written by {' and '.join(map(str, paths))}: rename one or extract "
                 "them into different --out folders")
        click.echo("nothing was extracted (output names clash)", err=True)
        sys.exit(2)
    work = [ExtractJob(path, out_dir, debug_dir) for path in files]
    failures = 0
    with click.progressbar(length=len(work), label="extracting", file=sys.stderr,
                           item_show_func=lambda p: p.name if p else "") as bar:
        for outcome in ordered_map(extract_file, work, jobs, on_crash=_worker_died, preload=PIPELINE_MODULES):
            bar.update(1, outcome.path)
            if outcome.error is not None:
                failures += 1
                _say(f"{outcome.path}: {outcome.error}")
            else:
                _say(f"{outcome.path} → {outcome.target} ({outcome.flagged} flagged, "
                     f"{outcome.violations} violations)")
    if failures:
        click.echo(f"{failures} of {len(files)} file(s) could not be read", err=True)
        sys.exit(1)


def output_clashes(files: tuple[Path, ...], name_of: Callable[[Path], str]) -> dict[str, list[Path]]:
    """Output names that more than one input would write, with those inputs (same path twice too)."""
    by_name: dict[str, list[Path]] = {}
    for path in files:
        by_name.setdefault(name_of(path), []).append(path)
    return {name: paths for name, paths in by_name.items() if len(paths) > 1}


def _say(line: str) -> None:
    """One line on stderr; on a terminal it starts below the progress bar."""
    click.echo(("\n" if sys.stderr.isatty() else "") + line, err=True)


@main.command()
@click.argument("corpus", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["digital", "scanned"]),
              help="Only this kind (repeatable); default both.")
@click.option("--limit", type=int, help="Only the first N reports (per condition with --conditions).")
@click.option("--conditions", "conditions", is_flag=True,
              help="CORPUS holds one folder per archive condition (scripts/make_conditions.py).")
@click.option("--only", "only", multiple=True, help="With --conditions: only this condition (repeatable).")
@_jobs_option
def bench(corpus: Path, kinds: tuple[str, ...], limit: int | None, conditions: bool, only: tuple[str, ...],
          jobs: int) -> None:
    """Measure accuracy, silent errors, flags, slips, speed and memory on CORPUS."""
    from service.bench import format_report, run_bench

    if conditions:
        from service.bench_conditions import format_condition_report, run_condition_bench

        found = run_condition_bench(corpus, only, limit,
                                    progress=lambda cond, name: click.echo(f"  {cond:12} {name}", err=True),
                                    jobs=jobs)
        click.echo(format_condition_report(found))
        return

    results = run_bench(corpus, kinds or ("digital", "scanned"), limit,
                        progress=lambda kind, name: click.echo(f"  {kind:8} {name}", err=True), jobs=jobs)
    click.echo(format_report(results))
