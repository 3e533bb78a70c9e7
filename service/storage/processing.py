"""One extraction job, independent of how it is run (RQ worker or in-process thread).

``process(st, doc_id, extractor, final_attempt, job_id)``: bad input (``GoujiError``) ends as status
error with its one-line message and returns normally; any other exception is recorded and re-raised
so the runner can retry (queued again, or error on the final attempt). A job that is no longer the
document's job (superseded by the reaper or a reprocess) returns ``None`` without touching it. While
the extractor runs, a heartbeat thread stamps ``documents.heartbeat_at`` so the reaper can tell a
slow extraction from a dead worker.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from service.errors import GoujiError
from service.model import Document
from service.storage import Storage
from service.storage.results import (
    PROGRESS_EXTRACTED,
    heartbeat,
    mark,
    save_extraction,
    set_progress,
    start_processing,
)
from service.storage.tables import DocStatus

Extractor = Callable[[Path], Document]
log = logging.getLogger(__name__)


class JobRunner(Protocol):
    """Something that runs ``process`` for a document later (an RQ queue, a thread pool)."""

    def submit(self, doc_id: int) -> str: ...


def load_extractor(spec: str) -> Extractor:
    """``"package.module:function"`` → the function (e.g. ``service.pipeline:extract``)."""
    module, _, name = spec.partition(":")
    if not module or not name:
        raise ValueError(f"extractor {spec!r} is not of the form 'module:function'")
    func = getattr(importlib.import_module(module), name)
    if not callable(func):
        raise TypeError(f"{spec} is not callable")
    return func  # type: ignore[no-any-return]


@contextmanager
def beating(st: Storage, doc_id: int, claim: str) -> Iterator[None]:
    """Stamp the attempt's heartbeat every ``settings.heartbeat_s`` while the body runs."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(st.settings.heartbeat_s):
            try:
                if not heartbeat(st, doc_id, claim):
                    return  # the claim was taken away: nothing left to keep alive
            except Exception:  # a database hiccup must not kill the extraction
                log.warning("document %s: heartbeat failed", doc_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"gouji-heartbeat-{doc_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def process(st: Storage, doc_id: int, extractor: Extractor, final_attempt: bool = True,
            job_id: str | None = None) -> DocStatus | None:
    """Extract one document and save the result; returns its new status (``None``: not this job's)."""
    attempt = start_processing(st, doc_id, job_id)
    if attempt is None:
        log.info("document %s: job %s is not the document's job any more; skipped", doc_id, job_id)
        return None
    try:
        with beating(st, doc_id, attempt.claim):
            doc = extractor(attempt.path)
    except GoujiError as exc:
        log.info("document %s: bad input: %s", doc_id, exc)
        mark(st, doc_id, DocStatus.ERROR, str(exc) or type(exc).__name__, claim=attempt.claim)
        return DocStatus.ERROR
    except Exception as exc:
        status = DocStatus.ERROR if final_attempt else DocStatus.QUEUED
        prefix = "failed" if final_attempt else "attempt failed, will retry"
        mark(st, doc_id, status, f"{prefix}: {type(exc).__name__}: {exc}", claim=attempt.claim)
        raise
    set_progress(st, doc_id, PROGRESS_EXTRACTED, "saving")
    if not save_extraction(st, doc_id, doc, claim=attempt.claim):
        log.warning("document %s: attempt lost its claim (reaped); result dropped", doc_id)
        return None
    from service.storage.images import prerender

    prerender(st, doc_id)          # the reviewer's first look at a flagged page is a cache hit
    return DocStatus.REVIEW
