"""Engines, sessions and schema upgrades (Alembic migrations shipped inside the package).

``Database(url)`` owns one engine and a session factory; ``upgrade()`` brings the schema to the
newest migration and is safe to call on every start (it is a no-op when already current).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets foreign keys on and a busy timeout so threads can share the file."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Database:
    """One database: ``session()`` is a context manager that commits on success, rolls back on error."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        cfg = alembic_config(self.url)
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    @contextmanager
    def session(self) -> Iterator[Session]:
        sess = self._factory()
        try:
            yield sess
            sess.commit()
        except BaseException:
            sess.rollback()
            raise
        finally:
            sess.close()

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read-only session whose every statement sees the same committed state (exports).

        PostgreSQL: one REPEATABLE READ, READ ONLY transaction. SQLite: an explicit ``BEGIN`` (the
        driver would otherwise run each SELECT in its own transaction); in WAL mode writers go on
        committing while this reader keeps its snapshot."""
        sess = self._factory()
        try:
            if self.engine.dialect.name == "postgresql":
                sess.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                sess.execute(text("SET TRANSACTION READ ONLY"))
            elif self.engine.dialect.name == "sqlite":
                sess.connection().exec_driver_sql("BEGIN")
            yield sess
        finally:
            sess.rollback()
            sess.close()

    def dispose(self) -> None:
        self.engine.dispose()
