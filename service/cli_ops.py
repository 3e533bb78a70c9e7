"""Operations commands of the ``gouji`` CLI: reap, failed, retry, backup, restore.

Registered by ``service.cli_service.register``. RQ/Redis are imported inside the functions only.
"""

from __future__ import annotations

from pathlib import Path

import click

from service.storage import Storage, StorageSettings
from service.storage.errors import ReviewError
from service.storage.processing import JobRunner


def _storage() -> Storage:
    return Storage.open(StorageSettings.from_env())


def _runner(storage: Storage) -> JobRunner | None:
    """The RQ queue when ``REDIS_URL`` is set; else None (documents wait for the next ``serve``)."""
    if not storage.settings.redis_url:
        return None
    from workers.queue import RQRunner

    return RQRunner(storage.settings, storage=storage)


@click.command()
def reap() -> None:
    """Requeue documents whose worker died (no heartbeat) or whose job vanished from the queue."""
    from service.storage.reaper import reap as reap_pass

    storage = _storage()
    runner = _runner(storage)
    alive = getattr(runner, "jobs_alive", None)
    report = reap_pass(storage, runner, alive)
    click.echo(f"requeued {len(report.dead_workers)} documents of dead workers {report.dead_workers} and "
               f"{len(report.lost_jobs)} with lost jobs {report.lost_jobs}")


@click.command()
@click.option("--batch", "batch_id", type=int, help="Only this batch.")
def failed(batch_id: int | None) -> None:
    """List documents whose extraction failed, with the error."""
    from service.storage.reaper import failed_documents

    rows = failed_documents(_storage(), batch_id)
    for row in rows:
        click.echo(f"{row['id']}\t{row['filename']}\tattempts={row['attempts']}\t{row['error']}")
    click.echo(f"{len(rows)} failed documents", err=True)


@click.command()
@click.argument("doc_ids", nargs=-1, type=int)
@click.option("--all", "retry_all", is_flag=True, help="Every failed document (of --batch).")
@click.option("--batch", "batch_id", type=int, help="With --all: only this batch.")
def retry(doc_ids: tuple[int, ...], retry_all: bool, batch_id: int | None) -> None:
    """Extract failed documents again (by id, or --all)."""
    from service.storage.reaper import failed_documents
    from service.storage.reaper import retry as retry_docs

    storage = _storage()
    ids = list(doc_ids) + ([int(r["id"]) for r in failed_documents(storage, batch_id)] if retry_all else [])
    if not ids:
        raise click.UsageError("name document ids or pass --all")
    runner = _runner(storage)
    try:
        done = retry_docs(storage, runner, ids)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    where = "queued on REDIS_URL" if runner else "queued; `gouji serve` runs them when it starts"
    click.echo(f"{len(done)} documents {where}: {done}")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup_cmd(out: Path) -> None:
    """Write the database and every kept original into OUT (.tar.gz); safe while the service runs."""
    from service.storage.backup import backup

    try:
        result = backup(_storage(), out)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{result.path}: {result.counts} and {result.files} original files")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_cmd(archive: Path, force: bool) -> None:
    """Restore a backup into DATABASE_URL / GOUJI_DATA_DIR (stop the service first)."""
    from service.storage.backup import restore

    try:
        result = restore(_storage(), archive, force=force)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {result.counts} and {result.files} original files")


COMMANDS = (reap, failed, retry, backup_cmd, restore_cmd)
