"""Exports of approved documents: files (long/wide CSV, XLSX, JSONL) and a database upsert.

``export_file(st, fmt, batch_id)`` writes into the data dir's ``exports/`` folder and returns the
file; ``export_to_database(st, url)`` upserts into any SQLAlchemy URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from service.export.files import write_jsonl, write_long_csv, write_wide_csv, write_xlsx
from service.export.records import ApprovedDocument, approved_documents
from service.export.schema import SchemaResult, export_schema
from service.export.upsert import upsert
from service.model import BlankAs
from service.storage import Storage
from service.storage.errors import InvalidAction
from service.storage.settings import normalise_url


class ExportFormat(StrEnum):
    LONG_CSV = "long_csv"
    WIDE_CSV = "wide_csv"
    XLSX = "xlsx"
    JSONL = "jsonl"


SUFFIX = {ExportFormat.LONG_CSV: "long.csv", ExportFormat.WIDE_CSV: "wide.csv",
          ExportFormat.XLSX: "xlsx", ExportFormat.JSONL: "jsonl"}
WRITERS = {ExportFormat.LONG_CSV: write_long_csv, ExportFormat.WIDE_CSV: write_wide_csv,
           ExportFormat.XLSX: write_xlsx, ExportFormat.JSONL: write_jsonl}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    documents: int
    rows: int
    schema: SchemaResult | None = None   # database exports: what the downstream schema received


def write_export(docs: list[ApprovedDocument], fmt: ExportFormat, path: Path) -> ExportResult:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    rows = WRITERS[fmt](docs, tmp)
    tmp.replace(path)
    return ExportResult(path=path, documents=len(docs), rows=rows)


def export_file(st: Storage, fmt: ExportFormat, batch_id: int | None = None,
                path: Path | None = None, blank_as: BlankAs = BlankAs.NULL) -> ExportResult:
    """Export the approved documents (of one batch, or all) to ``path`` or a new file in exports/.
    ``blank_as``: a printed blank is written empty/``null`` (default) or as 0."""
    docs = approved_documents(st, batch_id, BlankAs(blank_as))
    if path is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        scope = f"batch{batch_id}" if batch_id is not None else "all"
        path = st.settings.exports_dir / f"gouji-{scope}-{stamp}.{SUFFIX[fmt]}"
    return write_export(docs, ExportFormat(fmt), path)


def export_to_database(st: Storage, url: str, batch_id: int | None = None,
                       blank_as: BlankAs = BlankAs.NULL) -> ExportResult:
    """Upsert the approved values into ``gouji_values`` and write the downstream schema
    (``service.export.schema``: agencies, documents, cell_values, views) into the same target.

    ``gouji_values`` is keyed by agency + year: only the *current* document of each agency-year
    (``records.current_document_ids``: the reviewer's choice, else the latest approved) is written
    there, replacing another document's values for it; every document keeps its own rows in
    ``cell_values``. ``documents`` in the result counts the documents upserted."""
    if normalise_url(url) == st.settings.database_url:
        raise InvalidAction("the export target is the review database itself: name another database")
    docs = [d for d in approved_documents(st, batch_id, BlankAs(blank_as)) if d.current]
    rows = upsert(docs, url)
    schema = export_schema(st, url, batch_id)
    return ExportResult(path=Path(url.split("@")[-1]), documents=len(docs), rows=rows, schema=schema)


__all__ = ["BlankAs", "ExportFormat", "ExportResult", "export_file", "export_to_database", "write_export"]
