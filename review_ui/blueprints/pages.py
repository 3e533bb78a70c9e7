"""HTML pages: the review queue (with batches, upload and export), a batch, the review station."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext

from review_ui.security import current_user_id
from review_ui.services import services
from service import settings
from service.review import figures, search
from service.review.audit import batch_figure
from service.review.views import QueueOrder, count_documents, document_summary, list_documents
from service.rule_names import rule_titles
from service.storage.intake import get_batch, list_batches
from service.storage.revalidate import ENGINE_EVIDENCE_PREFIX

bp = Blueprint("pages", __name__)


@dataclass(frozen=True)
class Pager:
    """One page of a long list: ``number`` is 1-based; ``offset``/``size`` select the rows."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def _pager(total: int) -> Pager:
    size = current_app.config["PAGE_SIZE"]
    requested = request.args.get("page", "1")
    number = int(requested) if requested.isdigit() else 1
    return Pager(number=min(max(1, number), max(1, -(-total // size))), size=size, total=total)


STATUS_CHOICES = ("review", "approved", "rejected", "")      # "" = every status


def _queue_filter() -> search.QueueFilter:
    """The queue's filters from the query string (``status`` review by default; ``""``: all)."""
    args = request.args
    status = args.get("status", "review")
    year, batch = args.get("year", ""), args.get("batch", "")
    return search.QueueFilter(
        status=status if status in STATUS_CHOICES and status else None, agency=args.get("agency", "")[:200],
        year=int(year) if year.isdigit() else None, batch_id=int(batch) if batch.isdigit() else None,
        rule=args.get("rule", "")[:200], reviewer=args.get("reviewer", "")[:80],
        order=QueueOrder.OLDEST if args.get("order") == QueueOrder.OLDEST else QueueOrder.FLAGS)


@bp.get("/")
def queue() -> Any:
    """The review queue, and with ``status``/filters the approved and rejected lists (reopen: admin)."""
    storage = services().storage
    chosen = _queue_filter()
    pager = _pager(search.count(storage, chosen))
    found = search.search(storage, chosen, current_user_id(), pager.size, pager.offset)
    return render_template("queue.html", queue=found, order=chosen.order, pager=pager, chosen=chosen,
                           status_arg=request.args.get("status", "review"), batches=list_batches(storage),
                           rules=rule_titles(gettext), reviewers=search.reviewer_names(storage))


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Any:
    storage = services().storage
    pager = _pager(count_documents(storage, batch_id))
    documents = search.with_twins(storage, list_documents(storage, batch_id, order=QueueOrder.OLDEST,
                                                          limit=pager.size, offset=pager.offset))
    return render_template("batch.html", batch=get_batch(storage, batch_id), documents=documents,
                           pager=pager, audit=batch_figure(storage, batch_id))


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int) -> Any:
    from service.archive.admin import document_decisions
    from service.archive.checks import cross_violations

    config = current_app.config
    storage = services().storage
    return render_template("document.html", summary=document_summary(storage, doc_id),
                           cross=cross_violations(storage, doc_id), decisions=document_decisions(storage, doc_id),
                           lock_idle_ms=1000 * config.get("REVIEW_LOCK_IDLE_S", settings.REVIEW_LOCK_IDLE_S),
                           lock_renew_ms=1000 * config.get("REVIEW_LOCK_RENEW_S", settings.REVIEW_LOCK_RENEW_S),
                           engine_prefix=ENGINE_EVIDENCE_PREFIX)


@bp.get("/reviewers")
def reviewers() -> Any:
    """Per-reviewer figures: cells reviewed, corrections, time per cell, audit error rate."""
    return render_template("reviewers.html", figures=figures.reviewer_figures(services().storage),
                           gap_minutes=settings.REVIEW_TIME_GAP_MAX_S // 60)
