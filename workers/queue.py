"""Enqueueing extraction jobs on RQ, and the ``gouji worker`` loop."""

from __future__ import annotations

import logging

from redis import Redis
from rq import Queue, Retry, Worker

from service.storage.settings import JOB_RESULT_TTL_S, StorageSettings

log = logging.getLogger(__name__)


class RQRunner:
    """Submits one ``workers.jobs.process_document`` job per document, with timeout and retries."""

    def __init__(self, settings: StorageSettings, connection: Redis | None = None) -> None:
        if connection is None and not settings.redis_url:
            raise ValueError("RQRunner needs REDIS_URL")
        self.settings = settings
        self.connection = connection or Redis.from_url(settings.redis_url or "")
        self.queue = Queue(settings.queue_name, connection=self.connection)

    def submit(self, doc_id: int) -> str:
        intervals = list(self.settings.job_retry_intervals_s)
        job = self.queue.enqueue(
            "workers.jobs.process_document", doc_id,
            job_timeout=self.settings.job_timeout_s,
            retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
            failure_ttl=self.settings.job_failure_ttl_s,
            result_ttl=JOB_RESULT_TTL_S,
            description=f"extract document {doc_id}",
        )
        return job.id


def run_worker(settings: StorageSettings, burst: bool = False) -> None:
    """Block, working the queue (with the scheduler, which retries with back-off need)."""
    connection = Redis.from_url(settings.redis_url or "")
    worker = Worker([Queue(settings.queue_name, connection=connection)], connection=connection)
    worker.work(burst=burst, with_scheduler=True)
