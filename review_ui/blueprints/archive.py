"""The archive view: the first screen for a batch or the whole archive — issue list (filterable by rule,
agency, region, year, status), coverage matrix (agencies × years), search by agency and region — and
the coverage and issue lists as CSV/XLSX downloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for

from review_ui.security import current_user_id
from review_ui.services import services
from service.archive.admin import resolve_decision
from service.archive.reports import TableFormat, coverage_table, issues_table, write_table
from service.archive.views import Coverage, IssueFilter, coverage, issue_rules, list_issues
from service.settings import ARCHIVE_VIEW_MAX_ISSUES
from service.storage.intake import get_batch, list_batches
from service.storage.tables import DocStatus

bp = Blueprint("archive", __name__, url_prefix="/archive")
MIMETYPES = {TableFormat.CSV: "text/csv",
             TableFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def issue_filter() -> IssueFilter:
    args = request.args
    year = args.get("year", "")
    return IssueFilter(batch_id=args.get("batch", type=int), rule=args.get("rule", ""), agency=args.get("q", ""),
                       region=args.get("region", ""), year=int(year) if year.isdigit() else None,
                       status=args.get("status", ""), kind=args.get("kind", ""))


@bp.get("")
def index() -> Any:
    storage = services().storage
    flt = issue_filter()
    if flt.batch_id is not None:
        get_batch(storage, flt.batch_id)
    every = list_issues(storage, IssueFilter(batch_id=flt.batch_id))
    issues = list_issues(storage, flt)
    matrix = coverage(storage, flt.batch_id, flt.agency, flt.region)
    return render_template("archive.html", issues=issues[:ARCHIVE_VIEW_MAX_ISSUES], issue_total=len(issues),
                           rules=issue_rules(every), matrix=matrix, flt=flt,
                           batches=list_batches(storage), statuses=[s.value for s in DocStatus],
                           states=list(Coverage))


def _table_format(fmt: str) -> TableFormat:
    try:
        return TableFormat(fmt)
    except ValueError:
        abort(404)


@bp.get("/coverage.<fmt>")
def coverage_file(fmt: str) -> Any:
    table_format = _table_format(fmt)
    flt = issue_filter()
    header, rows = coverage_table(coverage(services().storage, flt.batch_id, flt.agency, flt.region))
    return _send(header, rows, table_format, "coverage")


@bp.get("/issues.<fmt>")
def issues_file(fmt: str) -> Any:
    table_format = _table_format(fmt)
    header, rows = issues_table(list_issues(services().storage, issue_filter()))
    return _send(header, rows, table_format, "issues")


def _send(header: list[str], rows: list[list[Any]], fmt: TableFormat, what: str) -> Any:
    storage = services().storage
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = storage.settings.exports_dir / f"gouji-{what}-{stamp}.{fmt.value}"
    write_table(header, rows, path, fmt, what)
    return send_file(path, as_attachment=True, mimetype=MIMETYPES[fmt], download_name=f"gouji-{what}.{fmt.value}")


@bp.post("/decisions/<int:decision_id>")
def decide(decision_id: int) -> Any:
    """The review screen's form: ``agency_id`` (a candidate's id, or ``new``); back to the document."""
    choice = request.form.get("agency_id", "")
    if choice != "new" and not choice.isdigit():
        abort(400, "choose one of the agencies or a new one")
    doc_id = request.form.get("document_id", type=int)
    resolve_decision(services().storage, decision_id, None if choice == "new" else int(choice), current_user_id())
    return redirect(url_for("pages.document", doc_id=doc_id) if doc_id else url_for("archive.index"))
