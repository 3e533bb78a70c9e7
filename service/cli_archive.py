"""Archive commands of the ``gouji`` CLI: ``submit`` (bulk intake) and ``agency`` (identities).

``gouji submit PATH... --batch NAME`` takes files, folders and zip archives; re-running the same
command continues an interrupted run (see ``service.archive.bulk``). With ``REDIS_URL`` each new
document is enqueued at once; without it the documents wait as queued and ``gouji serve`` (in-process
jobs) extracts them when it starts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from service.storage import Storage, StorageSettings
from service.storage.errors import ReviewError

SUMMARY_LIST_MAX = 50   # refused/duplicate lines printed in full; the rest are counted


def _storage() -> Storage:
    return Storage.open(StorageSettings.from_env())


def _enqueuer(storage: Storage, enabled: bool) -> Callable[[int], object] | None:
    if not enabled or not storage.settings.redis_url:
        return None
    from workers.queue import RQRunner

    runner = RQRunner(storage.settings, storage=storage)
    return runner.submit


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--batch", "batch_name", required=True, help="Batch name (an existing batch of that name is resumed).")
@click.option("--no-enqueue", is_flag=True, help="Only take the files in; leave them queued.")
def submit(paths: tuple[Path, ...], batch_name: str, no_enqueue: bool) -> None:
    """Submit files, folders (recursively; a folder of page images is one report) and zip archives."""
    from service.archive.bulk import Summary, batch_named, expand, submit_item

    storage = _storage()
    batch_id = batch_named(storage, batch_name)
    summary = Summary(batch_id=batch_id)
    items = list(expand(list(paths), storage.settings.max_upload_mb))
    enqueue = _enqueuer(storage, not no_enqueue)
    with click.progressbar(items, label=f"batch {batch_id} {batch_name}", file=sys.stderr,
                           item_show_func=lambda i: i.name[-40:] if i else "") as bar:
        for item in bar:
            submit_item(storage, batch_id, item, summary, enqueue)
    _print_summary(summary, enqueue is not None)


def _print_summary(summary: object, enqueued: bool) -> None:
    from service.archive.bulk import Summary

    assert isinstance(summary, Summary)
    click.echo(f"batch {summary.batch_id}: {summary.total} items: {len(summary.queued)} queued, "
               f"{len(summary.already)} already in this batch, {len(summary.duplicates)} duplicates, "
               f"{len(summary.refused)} refused")
    for name, doc in summary.duplicates[:SUMMARY_LIST_MAX]:
        click.echo(f"  duplicate  {name} (same bytes as document {doc})")
    for name, reason in summary.refused[:SUMMARY_LIST_MAX]:
        click.echo(f"  refused    {name}: {reason}")
    hidden = max(0, len(summary.duplicates) - SUMMARY_LIST_MAX) + max(0, len(summary.refused) - SUMMARY_LIST_MAX)
    if hidden:
        click.echo(f"  … and {hidden} more (GET /api/batches/{summary.batch_id}/documents lists every document)")
    if summary.queued and not enqueued:
        click.echo("  without REDIS_URL the queued documents are extracted when `gouji serve` next starts "
                   "(in-process jobs); with it, by `gouji worker`")


@click.group()
def agency() -> None:
    """Agencies: list, add, decisions, resolve, merge, split, rename, recheck."""


@agency.command("list")
@click.option("--query", default="", help="Part of the name or an alias.")
@click.option("--region", default="", help="Part of the province, city or county.")
def agency_list(query: str, region: str) -> None:
    from service.archive.admin import list_agencies

    for a in list_agencies(_storage(), query, region):
        click.echo(f"{a['id']:>6}  {a['name']}  [{a['region']}]  {a['reports']} reports  "
                   f"aliases: {', '.join(a['aliases'])}")


@agency.command("add")
@click.argument("names", nargs=-1, required=True)
def agency_add(names: tuple[str, ...]) -> None:
    """Register agencies expected to report (the coverage matrix shows those that never did)."""
    from service.archive.admin import add_agency

    storage = _storage()
    for name in names:
        click.echo(f"{_run(lambda n=name: add_agency(storage, n))}  {name}")


@agency.command("decisions")
def agency_decisions() -> None:
    """Open decisions: printed names that fit several agencies."""
    from service.archive.admin import list_decisions

    for d in list_decisions(_storage()):
        options = ", ".join(f"{c['id']} {c['name']}" for c in d["candidates"])
        click.echo(f"{d['id']:>6}  document {d['document_id']}  {d['printed']}  → {options}")


def _run(action: Callable[[], object]) -> object:
    try:
        return action()
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc


@agency.command("resolve")
@click.argument("decision_id", type=int)
@click.argument("agency_id", type=int, required=False)
def agency_resolve(decision_id: int, agency_id: int | None) -> None:
    """Give the decision's report AGENCY_ID (omit it: a new agency from the printed name)."""
    from service.archive.admin import resolve_decision

    chosen = _run(lambda: resolve_decision(_storage(), decision_id, agency_id, None))
    click.echo(f"decision {decision_id}: agency {chosen}")


@agency.command("merge")
@click.argument("source_id", type=int)
@click.argument("target_id", type=int)
def agency_merge(source_id: int, target_id: int) -> None:
    """Move every report and alias of SOURCE_ID to TARGET_ID."""
    from service.archive.admin import merge

    _run(lambda: merge(_storage(), source_id, target_id))
    click.echo(f"agency {source_id} merged into {target_id}")


@agency.command("split")
@click.argument("agency_id", type=int)
@click.argument("name")
@click.option("--document", "documents", type=int, multiple=True, required=True, help="A report to move (repeat).")
def agency_split(agency_id: int, name: str, documents: tuple[int, ...]) -> None:
    """Move the given reports of AGENCY_ID to the agency called NAME."""
    from service.archive.admin import split

    target = _run(lambda: split(_storage(), agency_id, list(documents), name))
    click.echo(f"{len(documents)} reports moved to agency {target}")


@agency.command("rename")
@click.argument("agency_id", type=int)
@click.argument("name")
def agency_rename(agency_id: int, name: str) -> None:
    from service.archive.admin import rename

    _run(lambda: rename(_storage(), agency_id, name))
    click.echo(f"agency {agency_id} renamed")


@agency.command("recheck")
def agency_recheck() -> None:
    """Match every report's agency again and re-run every check across reports."""
    from service.archive.checks import recheck_all

    click.echo(f"{recheck_all(_storage())} reports re-checked")


COMMANDS = (submit, agency)
