"""HTML pages: the review queue (with batches, upload and export), a batch, the review station."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from review_ui.app import services
from service.storage.audit import batch_figure
from service.storage.intake import get_batch, list_batches
from service.storage.views import QueueOrder, document_summary, list_documents, review_queue

bp = Blueprint("pages", __name__)


@bp.get("/")
def queue() -> Any:
    order = QueueOrder.OLDEST if request.args.get("order") == QueueOrder.OLDEST else QueueOrder.FLAGS
    storage = services().storage
    return render_template("queue.html", queue=review_queue(storage, order), order=order,
                           batches=list_batches(storage))


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Any:
    storage = services().storage
    return render_template("batch.html", batch=get_batch(storage, batch_id),
                           documents=list_documents(storage, batch_id, order=QueueOrder.OLDEST),
                           audit=batch_figure(storage, batch_id))


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int) -> Any:
    return render_template("document.html", summary=document_summary(services().storage, doc_id))
