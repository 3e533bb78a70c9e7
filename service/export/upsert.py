"""Upsert approved values into any SQLAlchemy database, keyed by (agency, year, key).

One document per agency + year: the caller hands over the current ones only (``export_to_database``);
writing a document first removes the rows another document (another ``document_sha256``) left for
its agency + year, so values of two reports never mix in one agency-year.
Idempotent: running it twice leaves the same rows. The target table ``gouji_values`` is created if
absent. ``value`` is stored as text (exact; a decimal fee keeps its scale) and as ``value_num``
(a float, for querying). Works on every SQLAlchemy dialect (update, then insert when no row).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    create_engine,
)

from service.export.records import ApprovedDocument
from service.storage.codec import number_to_text
from service.storage.settings import normalise_url

TARGET_TABLE = "gouji_values"


def target_table(metadata: MetaData, name: str = TARGET_TABLE) -> Table:
    return Table(
        name, metadata,
        Column("agency", String(200), primary_key=True),
        Column("year", Integer, primary_key=True, autoincrement=False),
        Column("key", String(80), primary_key=True),
        Column("format", String(8), nullable=False),
        Column("value", String(40), nullable=True),
        Column("value_num", Float, nullable=True),
        Column("text", Text, nullable=False, default=""),
        Column("status", String(16), nullable=False),
        Column("reviewer", String(80), nullable=False),
        Column("edited", Boolean, nullable=False),
        Column("document_sha256", String(64), nullable=False),
        Column("exported_at", DateTime(timezone=True), nullable=False),
    )


def upsert(docs: Iterable[ApprovedDocument], url: str, table_name: str = TARGET_TABLE) -> int:
    """Write every value of ``docs`` into ``url``; returns the number of values written."""
    engine = create_engine(normalise_url(url))
    metadata = MetaData()
    table = target_table(metadata, table_name)
    metadata.create_all(engine)
    now = datetime.now(UTC)
    count = 0
    try:
        with engine.begin() as conn:
            for doc in docs:
                conn.execute(table.delete().where(table.c.agency == doc.agency, table.c.year == doc.year,
                                                  table.c.document_sha256 != doc.sha256))
                for row in doc.rows:
                    ident = {"agency": row.agency, "year": row.year, "key": row.key}
                    data = {"format": row.format, "value": number_to_text(row.value),
                            "value_num": float(row.value) if row.value is not None else None,
                            "text": row.text, "status": row.status, "reviewer": row.reviewer,
                            "edited": row.edited, "document_sha256": row.sha256, "exported_at": now}
                    where = and_(*(table.c[k] == v for k, v in ident.items()))
                    if conn.execute(table.update().where(where).values(**data)).rowcount == 0:
                        conn.execute(table.insert().values(**ident, **data))
                    count += 1
    finally:
        engine.dispose()
    return count
