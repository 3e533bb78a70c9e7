"""HTML pages: the review queue (with batches, upload and export), a batch, the review station."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template, request

from review_ui.app import services
from review_ui.security import current_user_id
from service import settings
from service.storage.audit import batch_figure
from service.storage.intake import get_batch, list_batches
from service.storage.tables import DocStatus
from service.storage.views import QueueOrder, count_documents, document_summary, list_documents, review_queue

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


@bp.get("/")
def queue() -> Any:
    order = QueueOrder.OLDEST if request.args.get("order") == QueueOrder.OLDEST else QueueOrder.FLAGS
    storage = services().storage
    pager = _pager(count_documents(storage, status=DocStatus.REVIEW.value))
    queue = review_queue(storage, order, pager.size, pager.offset, user_id=current_user_id())
    return render_template("queue.html", queue=queue,
                           order=order, pager=pager, batches=list_batches(storage))


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Any:
    storage = services().storage
    pager = _pager(count_documents(storage, batch_id))
    documents = list_documents(storage, batch_id, order=QueueOrder.OLDEST, limit=pager.size, offset=pager.offset)
    return render_template("batch.html", batch=get_batch(storage, batch_id), documents=documents,
                           pager=pager, audit=batch_figure(storage, batch_id))


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int) -> Any:
    config = current_app.config
    return render_template("document.html", summary=document_summary(services().storage, doc_id),
                           lock_idle_ms=1000 * config.get("REVIEW_LOCK_IDLE_S", settings.REVIEW_LOCK_IDLE_S),
                           lock_renew_ms=1000 * config.get("REVIEW_LOCK_RENEW_S", settings.REVIEW_LOCK_RENEW_S))
