"""One extraction job, independent of how it is run (RQ worker or in-process thread).

``process(st, doc_id, extractor, final_attempt)``: bad input (``GoujiError``) ends as status error
with its one-line message and returns normally; any other exception is recorded and re-raised so
the runner can retry (queued again, or error on the final attempt).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from service.errors import GoujiError
from service.model import Document
from service.storage import Storage
from service.storage.results import PROGRESS_EXTRACTED, mark, save_extraction, set_progress, start_processing
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
    return func


def process(st: Storage, doc_id: int, extractor: Extractor, final_attempt: bool = True) -> DocStatus:
    """Extract one document and save the result; returns the document's new status."""
    path = start_processing(st, doc_id)
    try:
        doc = extractor(path)
    except GoujiError as exc:
        log.info("document %s: bad input: %s", doc_id, exc)
        mark(st, doc_id, DocStatus.ERROR, str(exc) or type(exc).__name__)
        return DocStatus.ERROR
    except Exception as exc:
        status = DocStatus.ERROR if final_attempt else DocStatus.QUEUED
        prefix = "failed" if final_attempt else "attempt failed, will retry"
        mark(st, doc_id, status, f"{prefix}: {type(exc).__name__}: {exc}")
        raise
    set_progress(st, doc_id, PROGRESS_EXTRACTED, "saving")
    save_extraction(st, doc_id, doc)
    return DocStatus.REVIEW
