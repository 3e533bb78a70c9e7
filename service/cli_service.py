"""Service commands of the ``gouji`` CLI: serve, worker, user add, export, db upgrade (and, from
``service.cli_ops``, reap, failed, retry, backup, restore).

``register(group)`` adds them to the main click group. Flask, RQ and Redis are imported inside
the command functions only (``service`` must not import them at module level).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from service.storage import Storage, StorageSettings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
SERVE_THREADS = 8


def _storage(upgrade: bool = True) -> Storage:
    return Storage.open(StorageSettings.from_env(), upgrade=upgrade)


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Interface to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--threads", default=SERVE_THREADS, show_default=True, type=int, help="HTTP worker threads.")
def serve(host: str, port: int, threads: int) -> None:
    """Run the review web app (waitress). Without REDIS_URL, extraction jobs run in this process."""
    from review_ui import create_app

    storage = _storage()
    app = create_app({"STORAGE": storage})
    mode = "RQ queue at REDIS_URL" if storage.settings.redis_url else "in-process threads"
    click.echo(f"gouji: data in {storage.settings.data_dir}, jobs via {mode}; http://{host}:{port}/", err=True)
    try:
        from waitress import serve as waitress_serve
    except ImportError:  # pragma: no cover - waitress is a declared dependency
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True, use_reloader=False)
        return
    waitress_serve(app, host=host, port=port, threads=threads, max_request_body_size=app.config[
        "MAX_CONTENT_LENGTH"])


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Work extraction jobs from the RQ queue at REDIS_URL."""
    from workers.queue import run_worker

    settings = StorageSettings.from_env()
    if not settings.redis_url:
        raise click.UsageError("set REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    Storage.open(settings).close()  # migrate once before working
    run_worker(settings, burst=burst)


@click.group()
def user() -> None:
    """Manage review accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["reviewer", "admin"]), default="reviewer", show_default=True)
@click.password_option("--password", help="Prompted (twice) when not given.")
def user_add(username: str, role: str, password: str) -> None:
    """Create an account (password hashed with scrypt)."""
    from service.storage.errors import ReviewError
    from service.storage.tables import Role
    from service.storage.users import add_user

    try:
        user_id = add_user(_storage().db, username, password, Role(role))
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {username} ({role}) created with id {user_id}")


@user.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(["reviewer", "admin"]))
def user_role(username: str, role: str) -> None:
    """Change a user's role (their open sessions end at once)."""
    _user_change(username, role=role)


@user.command("deactivate")
@click.argument("username")
def user_deactivate(username: str) -> None:
    """Deactivate an account (its open sessions end at once)."""
    _user_change(username, active=False)


def _user_change(username: str, role: str | None = None, active: bool | None = None) -> None:
    from service.storage.errors import ReviewError
    from service.storage.tables import Role
    from service.storage.users import set_active, set_role

    try:
        if role is not None:
            set_role(_storage().db, username, Role(role))
        if active is not None:
            set_active(_storage().db, username, active)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {username} changed; their sessions have ended")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["long_csv", "wide_csv", "xlsx", "jsonl"]),
              default="long_csv", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Output file (default: a new file in the data dir's exports/).")
@click.option("--batch", "batch_id", type=int, help="Only this batch.")
@click.option("--db-url", help="Upsert into this SQLAlchemy URL instead of writing a file.")
@click.option("--blank-as", type=click.Choice(["null", "zero"]), default="null", show_default=True,
              help="Write a printed blank as empty/null or as 0 (an unread cell always stays empty).")
def export_cmd(fmt: str, out: Path | None, batch_id: int | None, db_url: str | None, blank_as: str) -> None:
    """Export approved documents only: long/wide CSV, XLSX, JSONL, or a database upsert."""
    from service.export import BlankAs, ExportFormat, export_file, export_to_database
    from service.storage.errors import ReviewError

    storage = _storage()
    if db_url:
        try:
            result = export_to_database(storage, db_url, batch_id, BlankAs(blank_as))
        except (ReviewError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{result.rows} values of {result.documents} approved documents upserted")
        if result.schema is not None:
            sch = result.schema
            click.echo(f"schema v{sch.version}: {sch.agencies} agencies, {sch.documents} documents, "
                       f"{sch.cells} cell values")
        return
    result = export_file(storage, ExportFormat(fmt), batch_id, out, BlankAs(blank_as))
    click.echo(f"{result.path} ({result.documents} approved documents, {result.rows} rows)")


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to repeat)."""
    storage = _storage(upgrade=False)
    storage.db.upgrade()
    click.echo(f"database at {storage.db.engine.url.render_as_string(hide_password=True)} is up to date",
               err=True)
    sys.stdout.flush()


def register(group: click.Group) -> None:
    """Add the service commands (and the operations commands of ``service.cli_ops``) to ``gouji``."""
    from service.cli_archive import COMMANDS as ARCHIVE_COMMANDS
    from service.cli_ops import COMMANDS

    for command in (serve, worker, user, export_cmd, db, *COMMANDS, *ARCHIVE_COMMANDS):
        group.add_command(command)
