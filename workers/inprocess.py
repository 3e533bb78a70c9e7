"""Running extraction jobs in a background thread pool, for ``gouji serve`` without Redis.

Same semantics as the RQ path: bad input ends as status error; other failures are retried after
the configured back-off, and the last failure ends as status error. ``wait()`` is for tests.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from service.storage import Storage
from service.storage.processing import Extractor, load_extractor, process
from service.storage.results import assign_job, new_job_id, unfinished
from service.storage.settings import IN_PROCESS_WORKERS

log = logging.getLogger(__name__)


class ThreadRunner:
    def __init__(self, storage: Storage, extractor: Extractor | None = None,
                 workers: int = IN_PROCESS_WORKERS) -> None:
        self.storage = storage
        self.extractor = extractor or load_extractor(storage.settings.extractor)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gouji-job")
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()

    def submit(self, doc_id: int) -> str:
        job_id = new_job_id("thread")
        assign_job(self.storage, doc_id, job_id)
        future = self.pool.submit(self._run, doc_id, job_id)
        with self._lock:
            self._futures = [f for f in self._futures if not f.done()] + [future]
        return job_id

    def _run(self, doc_id: int, job_id: str) -> None:
        intervals = list(self.storage.settings.job_retry_intervals_s)
        for attempt in range(len(intervals) + 1):
            final = attempt == len(intervals)
            try:
                process(self.storage, doc_id, self.extractor, final_attempt=final, job_id=job_id)
                return
            except Exception:
                log.exception("document %s: attempt %d failed", doc_id, attempt + 1)
                if final:
                    return
                time.sleep(intervals[attempt])

    def resume(self) -> int:
        """Re-submit documents left queued/processing by a previous process; returns how many."""
        ids = unfinished(self.storage)
        for doc_id in ids:
            self.submit(doc_id)
        return len(ids)

    def wait(self, timeout_s: float = 30.0) -> None:
        with self._lock:
            pending = list(self._futures)
        wait(pending, timeout=timeout_s)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
