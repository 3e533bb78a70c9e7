"""RQ job functions: take a document id, call the service, save. Nothing else lives here.

The worker process reads its settings from the environment (``StorageSettings.from_env``), so a
job carries only the document id; its RQ job id is the claim on the document (see
``service.storage.results``): a job that is no longer the document's job does nothing.
"""

from __future__ import annotations

from functools import lru_cache

from service.storage import Storage, StorageSettings
from service.storage.processing import Extractor, load_extractor, process
from workers.limits import memory_bounded


@lru_cache(maxsize=4)
def _open(settings: StorageSettings) -> tuple[Storage, Extractor]:
    return Storage.open(settings, upgrade=False), load_extractor(settings.extractor)


def process_document(document_id: int) -> str:
    """Extract one document. Bad input ends as status error — also a ``MemoryError`` under the work
    horse's memory limit (``workers.limits.memory_bounded``); other errors raise so RQ retries."""
    from rq import get_current_job

    job = get_current_job()
    final = job is None or not job.retries_left
    storage, extractor = _open(StorageSettings.from_env())
    status = process(storage, document_id, memory_bounded(extractor), final_attempt=final,
                     job_id=job.id if job else None)
    return status.value if status is not None else "superseded"
