"""The downstream schema: a database worth querying, created and migrated by the export itself.

Tables (in the target database; ids are the review database's ids):

- ``schema_version`` (version, applied_at): one row per applied schema step; this module brings the
  target to ``SCHEMA_VERSION`` before writing and refuses a target that is newer;
- ``agencies`` (id, name, province, city, county);
- ``documents`` (id, sha256, agency_id, printed_agency, year, format, status, approved_by, approved_at,
  chosen_at, source_file, batch, exported_at): every extracted report (review, approved, rejected);
  ``chosen_at`` is when a reviewer chose this document as *the* report of its agency + year (the
  review database's ``report_choices``; null when not chosen, schema v2);
- ``cell_values`` (document_id, key, value as exact text, value_num, printed_text, source
  ocr/pdf_text/human, status, flags_resolved, revised_by): the 200 cells of each report;
- ``cross_report_issues`` (document_id, other_document_id, rule, cells, expected, found).

Views — per agency-year ONE current document (``current_document``): among its approved documents
the one a reviewer chose (the most recent choice, when several printed names of one agency were
chosen for the year), and when none of them was chosen (or the chosen one is not approved) the
latest approved, by approval time then id. ``current_reports`` (agency_id, year, document_id,
chosen, approved_at): that document per agency-year; ``current_values`` (agency_id, year, key,
value, value_num, document_id): its values; ``report_wide``: one row per report (every status),
``current`` true for the current ones, one numeric column per key (``t3.new.total`` →
``t3_new_total``). Two documents of one agency-year both keep their rows in ``cell_values``.

Idempotent: a document's rows are replaced as a whole in one transaction, agencies and documents are
updated in place, the views are re-created; a second run leaves the same data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    case,
    create_engine,
    delete,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.ddl import ExecutableDDLElement

from service.formats import ReportFormat, all_keys
from service.storage import Storage
from service.storage.settings import normalise_url
from service.storage.tables import CellStatus, DocStatus, DocumentRow, User

SCHEMA_VERSION = 2
EXPORTED_STATUSES = (DocStatus.REVIEW.value, DocStatus.APPROVED.value, DocStatus.REJECTED.value)
VIEWS = ("current_values", "current_reports", "report_wide")

metadata = MetaData()
schema_version = Table("schema_version", metadata, Column("version", Integer, primary_key=True, autoincrement=False),
                       Column("applied_at", DateTime(timezone=True), nullable=False))
agencies = Table("agencies", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                 Column("name", String(200), nullable=False), Column("province", String(40)),
                 Column("city", String(40)), Column("county", String(40)))
documents = Table(
    "documents", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
    Column("sha256", String(64), nullable=False, index=True), Column("agency_id", Integer, index=True),
    Column("printed_agency", String(200)), Column("year", Integer), Column("format", String(8)),
    Column("status", String(16), nullable=False), Column("approved_by", String(80)),
    Column("approved_at", DateTime(timezone=True)), Column("chosen_at", DateTime(timezone=True)),
    Column("source_file", String(500), nullable=False),
    Column("batch", String(200)), Column("exported_at", DateTime(timezone=True), nullable=False))
cell_values = Table(
    "cell_values", metadata, Column("document_id", Integer, primary_key=True, autoincrement=False),
    Column("key", String(80), primary_key=True), Column("value", String(40)), Column("value_num", Float),
    Column("printed_text", Text, nullable=False), Column("source", String(16), nullable=False),
    Column("status", String(16), nullable=False), Column("flags_resolved", Boolean, nullable=False),
    Column("revised_by", String(80)))
cross_report_issues = Table(
    "cross_report_issues", metadata, Column("id", Integer, primary_key=True),
    Column("document_id", Integer, nullable=False, index=True), Column("other_document_id", Integer, nullable=False),
    Column("rule", String(200), nullable=False), Column("cells", Text, nullable=False),
    Column("expected", String(40)), Column("found", String(40)))
V2_COLUMNS = ("chosen_at",)  # documents columns added by schema v2 (created with the table on a new target)


@dataclass(frozen=True)
class SchemaResult:
    version: int
    agencies: int
    documents: int
    cells: int


def column_of(key: str) -> str:
    return key.replace(".", "_")


def view_keys() -> list[str]:
    keys = all_keys(ReportFormat.F2021)
    return keys + [k for k in all_keys(ReportFormat.F2019) if k not in set(keys)]


def migrate(conn: Connection) -> int:
    """Apply the missing schema steps; returns the version. A newer target is refused (ValueError)."""
    schema_version.create(conn, checkfirst=True)
    current = conn.scalar(select(func.max(schema_version.c.version))) or 0
    if current > SCHEMA_VERSION:
        raise ValueError(f"the target schema is version {current}, newer than this gouji ({SCHEMA_VERSION})")
    for version in range(current + 1, SCHEMA_VERSION + 1):
        STEPS[version](conn)
        conn.execute(insert(schema_version).values(version=version, applied_at=datetime.now(UTC)))
    _create_views(conn)
    return SCHEMA_VERSION


def _step_1(conn: Connection) -> None:
    """v1: the tables (a new target gets them with every later column already)."""
    for table in (agencies, documents, cell_values, cross_report_issues):
        table.create(conn, checkfirst=True)


def _step_2(conn: Connection) -> None:
    """v2: ``documents.chosen_at`` (the reviewer's choice of the current report of an agency-year)."""
    have = {c["name"] for c in inspect(conn).get_columns("documents")}
    for name in V2_COLUMNS:
        if name not in have:
            for view in VIEWS:  # a view over documents may block the ALTER
                conn.execute(DropView(view))
            conn.execute(AddColumn(documents, documents.c[name]))


STEPS: dict[int, Callable[[Connection], None]] = {1: _step_1, 2: _step_2}


class CreateView(ExecutableDDLElement):
    """``CREATE VIEW name AS <select>`` (SQLAlchemy's view recipe; the select renders its constants inline)."""

    def __init__(self, name: str, selectable: Select[Any]) -> None:
        self.name, self.selectable = name, selectable


class DropView(ExecutableDDLElement):
    def __init__(self, name: str) -> None:
        self.name = name


class AddColumn(ExecutableDDLElement):
    """``ALTER TABLE table ADD COLUMN <column as declared>`` (schema steps on an existing target)."""

    def __init__(self, table: Table, column: Column[Any]) -> None:
        self.table, self.column = table, column


@compiles(AddColumn)
def _compile_add_column(element: AddColumn, compiler: Any, **kw: Any) -> str:
    spec = compiler.get_column_specification(element.column)
    return f"ALTER TABLE {compiler.preparer.format_table(element.table)} ADD COLUMN {spec}"


@compiles(CreateView)
def _compile_create_view(element: CreateView, compiler: Any, **kw: Any) -> str:
    body = compiler.sql_compiler.process(element.selectable, literal_binds=True)
    return f"CREATE VIEW {compiler.preparer.quote(element.name)} AS {body}"


@compiles(DropView)
def _compile_drop_view(element: DropView, compiler: Any, **kw: Any) -> str:
    return f"DROP VIEW IF EXISTS {compiler.preparer.quote(element.name)}"


def current_document(d: Table | Any) -> Any:
    """The id of the current document of ``d``'s agency-year (a scalar subquery correlated to ``d``):
    its approved documents ordered chosen first (newest choice first), then by approval time, then id."""
    other = documents.alias("d2")
    unchosen = case((other.c.chosen_at.is_(None), 1), else_=0)
    undated = case((other.c.approved_at.is_(None), 1), else_=0)  # oldest, on every database (PG sorts NULL first)
    return (select(other.c.id)
            .where(other.c.agency_id == d.c.agency_id, other.c.year == d.c.year,
                   other.c.status == DocStatus.APPROVED.value)
            .order_by(unchosen, other.c.chosen_at.desc(), undated, other.c.approved_at.desc(), other.c.id.desc())
            .limit(1).scalar_subquery())


def current_reports_select() -> Select[Any]:
    """Per agency-year, its current document (see ``current_document``)."""
    d = documents
    return (select(d.c.agency_id, d.c.year, d.c.id.label("document_id"),
                   case((d.c.chosen_at.is_(None), False), else_=True).label("chosen"), d.c.approved_at)
            .where(d.c.status == DocStatus.APPROVED.value, d.c.agency_id.is_not(None), d.c.year.is_not(None),
                   d.c.id == current_document(d)))


def current_values_select() -> Select[Any]:
    """Per agency-year, the cells of its current document."""
    d, c = documents, cell_values
    return (select(d.c.agency_id, d.c.year, c.c.key, c.c.value, c.c.value_num, c.c.document_id)
            .select_from(c.join(d, d.c.id == c.c.document_id))
            .where(d.c.status == DocStatus.APPROVED.value, d.c.agency_id.is_not(None),
                   d.c.id == current_document(d)))


def report_wide_select() -> Select[Any]:
    """One row per report: its agency, year, status, whether it is current, one numeric column per key."""
    d, a, c = documents, agencies, cell_values
    columns = [func.max(case((c.c.key == k, c.c.value_num))).label(column_of(k)) for k in view_keys()]
    wide = select(c.c.document_id, *columns).group_by(c.c.document_id).subquery("wide")
    current = case((d.c.id == current_document(d), True), else_=False).label("current")
    lead = (d.c.id.label("document_id"), d.c.agency_id, a.c.name.label("agency"), a.c.province, a.c.city,
            a.c.county, d.c.year, d.c.format, d.c.status, d.c.approved_at, current)
    return (select(*lead, *(wide.c[column_of(k)] for k in view_keys()))
            .select_from(d.outerjoin(a, a.c.id == d.c.agency_id).outerjoin(wide, wide.c.document_id == d.c.id)))


def _create_views(conn: Connection) -> None:
    for view in VIEWS:
        conn.execute(DropView(view))
    conn.execute(CreateView("current_reports", current_reports_select()))
    conn.execute(CreateView("current_values", current_values_select()))
    conn.execute(CreateView("report_wide", report_wide_select()))


def _upsert(conn: Connection, table: Table, row: dict[str, Any]) -> None:
    if conn.execute(update(table).where(table.c.id == row["id"]).values(**row)).rowcount == 0:
        conn.execute(insert(table).values(**row))


def _source_rows(st: Storage, batch_id: int | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                              dict[int, list[dict[str, Any]]],
                                                              dict[int, list[dict[str, Any]]]]:
    from service.archive.tables import AgencyRow, CrossViolationRow, DocumentAgency
    from service.storage.station_tables import ReportChoice
    from service.storage.tables import Batch, CellRow

    now = datetime.now(UTC)
    with st.db.snapshot() as s:
        names = dict(s.execute(select(User.id, User.username)).all())
        chosen = {(c.document_id, c.agency, c.year): c.chosen_at for c in s.scalars(select(ReportChoice)).all()}
        stmt = (select(DocumentRow, DocumentAgency.agency_id, Batch.name)
                .join(DocumentAgency, DocumentAgency.document_id == DocumentRow.id, isouter=True)
                .join(Batch, Batch.id == DocumentRow.batch_id).where(DocumentRow.status.in_(EXPORTED_STATUSES))
                .order_by(DocumentRow.id))
        if batch_id is not None:
            stmt = stmt.where(DocumentRow.batch_id == batch_id)
        docs = [{"id": d.id, "sha256": d.sha256, "agency_id": agency_id, "printed_agency": d.agency,
                 "year": d.year, "format": d.format, "status": d.status,
                 "approved_by": names.get(d.decision_by) if d.status == DocStatus.APPROVED.value else None,
                 "approved_at": d.decision_at if d.status == DocStatus.APPROVED.value else None,
                 "chosen_at": chosen.get((d.id, d.agency, d.year)),  # a choice still about its agency-year
                 "source_file": d.filename, "batch": batch, "exported_at": now}
                for d, agency_id, batch in s.execute(stmt).all()]
        ids = [d["id"] for d in docs]
        agency_ids = {d["agency_id"] for d in docs} - {None}
        agency_rows = [{"id": a.id, "name": a.name, "province": a.province, "city": a.city, "county": a.county}
                       for a in s.scalars(select(AgencyRow).where(AgencyRow.id.in_(agency_ids))).all()]
        cells: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for c in s.scalars(select(CellRow).where(CellRow.document_id.in_(ids)).order_by(CellRow.position)).all():
            cells[c.document_id].append({
                "document_id": c.document_id, "key": c.key, "value": c.value,
                "value_num": float(c.value) if c.value is not None else None, "printed_text": c.text,
                "source": c.source, "status": c.status, "flags_resolved": c.status != CellStatus.FLAGGED.value,
                "revised_by": names.get(c.updated_by) if c.updated_by else None})
        issues: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for v in s.scalars(select(CrossViolationRow).where(CrossViolationRow.document_id.in_(ids))).all():
            issues[v.document_id].append({"document_id": v.document_id, "other_document_id": v.other_document_id,
                                          "rule": v.rule, "cells": " ".join(json.loads(v.cells)),
                                          "expected": v.expected, "found": v.found})
    return agency_rows, docs, cells, issues


def export_schema(st: Storage, url: str, batch_id: int | None = None) -> SchemaResult:
    """Migrate the target at ``url`` and write the reports (of one batch, or all) into it."""
    agency_rows, docs, cells, issues = _source_rows(st, batch_id)
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as conn:
            version = migrate(conn)
            for row in agency_rows:
                _upsert(conn, agencies, row)
            for doc in docs:
                _upsert(conn, documents, doc)
                conn.execute(delete(cell_values).where(cell_values.c.document_id == doc["id"]))
                if cells[doc["id"]]:
                    conn.execute(insert(cell_values), cells[doc["id"]])
                conn.execute(delete(cross_report_issues).where(cross_report_issues.c.document_id == doc["id"]))
                if issues[doc["id"]]:
                    conn.execute(insert(cross_report_issues), issues[doc["id"]])
    finally:
        engine.dispose()
    return SchemaResult(version=version, agencies=len(agency_rows), documents=len(docs),
                        cells=sum(len(c) for c in cells.values()))
