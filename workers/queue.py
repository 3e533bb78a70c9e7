"""Enqueueing extraction jobs on RQ, the reaper's view of the queue, and the ``gouji worker`` loop.

``gouji worker`` survives a Redis restart: when RQ's work loop gives up on a lost connection, the
loop waits ``WORKER_RESTART_S`` and starts a fresh RQ worker. A reaper process beside it requeues
documents whose worker died or whose job vanished (``service.storage.reaper``); it is a spawned
process, not a thread, because RQ forks a work horse per job from the worker process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, Worker
from rq.exceptions import StopRequested
from rq.job import Job, JobStatus

from service.storage import Storage
from service.storage.reaper import reap
from service.storage.results import assign_job, new_job_id
from service.storage.settings import JOB_RESULT_TTL_S, WORKER_RESTART_S, StorageSettings
from workers.limits import apply_memory_limit

log = logging.getLogger(__name__)
ALIVE = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED})


class RQRunner:
    """Submits one ``workers.jobs.process_document`` job per document, with timeout and retries.

    The job id is written to the document *before* the job is enqueued, so a worker never starts a
    job the database does not know; if the enqueue fails the reaper enqueues the document later."""

    def __init__(self, settings: StorageSettings, connection: Redis | None = None,
                 storage: Storage | None = None) -> None:
        if connection is None and not settings.redis_url:
            raise ValueError("RQRunner needs REDIS_URL")
        self.settings = settings
        self.connection = connection or Redis.from_url(settings.redis_url or "")
        self.queue = Queue(settings.queue_name, connection=self.connection)
        self._storage = storage

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            self._storage = Storage.open(self.settings, upgrade=False)
        return self._storage

    def submit(self, doc_id: int) -> str:
        intervals = list(self.settings.job_retry_intervals_s)
        job_id = new_job_id()
        assign_job(self.storage, doc_id, job_id)
        self.queue.enqueue(
            "workers.jobs.process_document", doc_id,
            job_id=job_id,
            job_timeout=self.settings.job_timeout_s,
            retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
            failure_ttl=self.settings.job_failure_ttl_s,
            result_ttl=JOB_RESULT_TTL_S,
            description=f"extract document {doc_id}",
        )
        return job_id

    def jobs_alive(self, job_ids: list[str]) -> set[str]:
        """The ids among ``job_ids`` whose RQ job still exists and is queued/scheduled/running."""
        jobs = Job.fetch_many(job_ids, connection=self.connection)
        return {job.id for job in jobs if job is not None and job.get_status(refresh=False) in ALIVE}


class GoujiWorker(Worker):
    """RQ's worker, except that SIGTERM/SIGINT stop it at once, idle or busy.

    RQ's warm shutdown waits for the running job (up to ``JOB_TIMEOUT_S``), so ``docker compose stop``
    ended in SIGKILL. Here a busy worker kills its work horse and exits; the document, left
    ``processing`` without a heartbeat, is requeued by the reaper (``REAP_AFTER_S``) and extracted
    again by the next worker, so nothing is lost. An idle worker leaves its blocking wait."""

    def request_stop(self, signum: int, frame: Any) -> None:
        self.log.info("Worker %s: signal %s, stopping now", self.name, signum)
        self._stop_requested = True
        if self.horse_pid:
            self.kill_horse()
            self.wait_for_horse()
            raise SystemExit(0)
        raise StopRequested()

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        """The forked horse: cap its memory (``GOUJI_WORKER_MEMORY_MB``) before running the job."""
        apply_memory_limit()
        super().main_work_horse(job, queue)


def reap_once(settings: StorageSettings, storage: Storage | None = None) -> Any:
    """One reaper pass against the queue at ``settings.redis_url``; returns the ``ReapReport``."""
    runner = RQRunner(settings, storage=storage)
    return reap(runner.storage, runner, runner.jobs_alive)


def _reap_forever(settings: StorageSettings, parent: int) -> None:
    """The reaper loop, in a spawned process of its own: the worker process that RQ forks a work horse
    from must not run threads of ours (a fork while a thread holds a lock deadlocks the horse). Ends
    when its parent worker is gone."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s reaper: %(message)s")
    storage = Storage.open(settings, upgrade=False)
    try:
        while os.getppid() == parent:
            time.sleep(settings.reap_interval_s)
            try:
                reap_once(settings, storage)
            except (RedisError, OSError) as exc:
                log.warning("reaper: queue unreachable (%s); next pass in %ss", exc, settings.reap_interval_s)
            except Exception:
                log.exception("reaper pass failed")
    finally:
        storage.close()


def run_worker(settings: StorageSettings, burst: bool = False, reaper: bool = True) -> None:
    """Work the queue (with the scheduler, which retries with back-off need) until asked to stop.

    A work loop that ends because Redis went away is restarted; SIGTERM/SIGINT stop for good."""
    from service.storage.processing import load_extractor

    load_extractor(settings.extractor)  # import the extractor once, before RQ forks a horse per job
    reaper_process = None
    if reaper and not burst:
        reaper_process = multiprocessing.get_context("spawn").Process(
            target=_reap_forever, args=(settings, os.getpid()), name="gouji-reaper", daemon=True)
        reaper_process.start()
    try:
        while True:
            try:
                connection = Redis.from_url(settings.redis_url or "")
                worker = GoujiWorker([Queue(settings.queue_name, connection=connection)], connection=connection)
                worker.work(burst=burst, with_scheduler=True)
                if burst or worker._stop_requested:  # noqa: SLF001 - RQ exposes no public flag
                    break
                log.warning("worker loop ended (Redis lost?); restarting in %ss", WORKER_RESTART_S)
            except (RedisError, OSError) as exc:
                log.warning("Redis unreachable (%s); retrying in %ss", exc, WORKER_RESTART_S)
            _default_signals()  # between two work loops a SIGTERM/SIGINT ends the process at once
            time.sleep(WORKER_RESTART_S)
    finally:
        if reaper_process is not None:
            reaper_process.terminate()


def _default_signals() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
