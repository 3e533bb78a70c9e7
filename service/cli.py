"""The ``gouji`` command line: extract, bench (and the service commands registered from
``service.cli_service`` when present)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from service.errors import GoujiError


@click.group()
@click.version_option(package_name="gouji")
def main() -> None:
    """Gouji (勾稽): verified data from 政府信息公开工作年度报告, digital or scanned."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for one JSON per input (x.scan.pdf → x.scan.json).")
@click.option("--debug", "debug_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also draw the detected grid and flagged cells on page images here.")
def extract(files: tuple[Path, ...], out_dir: Path, debug_dir: Path | None) -> None:
    """Extract tables 二/三/四 of each FILE into the output contract of FORMAT.md.

    A FILE may be a folder of page images: one report, pages in natural order (page-2 before
    page-10), written as <folder name>.json. Two inputs that would write the same output name
    are refused before anything is extracted.
    """
    from service.contract import output_name, write_contract
    from service.pipeline import extract as run_pipeline

    clashes = output_clashes(files, output_name)
    if clashes:
        for name, paths in clashes.items():
            _say(f"{name} would be written by {' and '.join(map(str, paths))}: rename one or extract "
                 "them into different --out folders")
        click.echo("nothing was extracted (output names clash)", err=True)
        sys.exit(2)
    failures = 0
    with click.progressbar(files, label="extracting", file=sys.stderr,
                           item_show_func=lambda p: p.name if p else "") as bar:
        for path in bar:
            try:
                images: dict[int, object] = {}
                doc = run_pipeline(path, images=images)
                target = write_contract(doc, out_dir)
                if debug_dir is not None:
                    from service.debug_draw import draw_document

                    draw_document(doc, images, debug_dir)
            except GoujiError as exc:
                failures += 1
                _say(f"{path}: {exc}")
                continue
            except Exception as exc:  # noqa: BLE001 — one bad file must not stop the batch
                failures += 1
                _say(f"{path}: internal error ({type(exc).__name__}: {exc})")
                continue
            flagged = sum(c.flagged for c in doc.cells.values())
            _say(f"{path} → {target} ({flagged} flagged, {len(doc.violations)} violations)")
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
def bench(corpus: Path, kinds: tuple[str, ...], limit: int | None, conditions: bool, only: tuple[str, ...]) -> None:
    """Measure accuracy, silent errors, flags, slips, speed and memory on CORPUS."""
    from service.bench import format_report, run_bench

    if conditions:
        from service.bench_conditions import format_condition_report, run_condition_bench

        found = run_condition_bench(corpus, only, limit,
                                    progress=lambda cond, name: click.echo(f"  {cond:12} {name}", err=True))
        click.echo(format_condition_report(found))
        return

    results = run_bench(corpus, kinds or ("digital", "scanned"), limit,
                        progress=lambda kind, name: click.echo(f"  {kind:8} {name}", err=True))
    click.echo(format_report(results))


def _register_service_commands() -> None:
    try:
        from service.cli_service import register
    except ImportError:
        return
    register(main)


_register_service_commands()
