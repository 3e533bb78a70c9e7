"""Run one function over many inputs in worker processes, yielding results in input order.

Used by ``gouji extract -j N`` and ``gouji bench -j N``. Workers are started with the
``forkserver`` method where available (``spawn`` elsewhere): no parent state such as open PDF
handles or OCR sessions is inherited, and each worker loads its engines once. The function must
turn its own errors into results; a worker that dies (a crash in native code, the OOM killer)
breaks the pool, and the input it was working on is then retried alone to tell whether it is
the culprit (``on_crash`` gives its result) or a victim (retried normally). A worker whose
parent process is gone (killed, interrupted) exits within ``POOL_PARENT_POLL_S``: no orphan
keeps reading files nobody waits for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# The extraction stages: what a worker of ``gouji extract`` / ``gouji bench`` should start with.
PIPELINE_MODULES = ("service.pipeline", "service.mixed", "service.layout", "service.report_info",
                    "service.mapping", "service.validation", "models.pdf_text", "service.contract")

T = TypeVar("T")
R = TypeVar("R")


def in_worker_process() -> bool:
    """Whether this process is a worker of a pool (``-j N``): the N processes already fill the
    cores, so each keeps to one thread per engine and per page."""
    import multiprocessing

    return multiprocessing.parent_process() is not None


def default_jobs() -> int:
    """The cores this process may run on (``os.sched_getaffinity`` where available)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _context(preload: Sequence[str] = ()) -> Any:
    """The multiprocessing context for workers (imported here: one process needs none of it).

    With ``forkserver``, ``preload`` names modules the server imports once before it forks
    workers, so each worker starts with them loaded (~0.15 s of imports per worker saved);
    ``spawn`` workers import them themselves.
    """
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    if preload:
        context.set_forkserver_preload(["__main__", *preload])  # takes effect when the server starts
    return context


def ordered_map(fn: Callable[[T], R], items: Sequence[T], jobs: int,
                on_crash: Callable[[T], R], preload: Sequence[str] = ()) -> Iterator[R]:
    """``fn(item)`` for every item, in order; ``jobs`` processes (in this process when ≤ 1);
    ``preload``: modules the workers should start with (see ``_context``)."""
    if jobs <= 1 or len(items) <= 1:
        yield from (fn(item) for item in items)
        return
    from concurrent.futures.process import BrokenProcessPool

    start = 0
    while start < len(items):
        with _pool(min(jobs, len(items) - start), preload) as pool:
            futures: list[Future[R]] = [pool.submit(fn, item) for item in items[start:]]
            for future in futures:
                try:
                    result = future.result()
                except BrokenProcessPool:
                    break
                start += 1
                yield result
            else:
                return
        yield _alone(fn, items[start], on_crash)
        start += 1


def _pool(workers: int, preload: Sequence[str] = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes (``_context``) that end when this process is gone
    (``exit_with_parent``)."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(preload), initializer=exit_with_parent,
                               initargs=(os.getpid(),))


def exit_with_parent(parent_pid: int) -> None:
    """Worker initializer: a daemon thread that ends this worker once ``parent_pid`` has died
    (checked every ``POOL_PARENT_POLL_S`` seconds). The pool's own shutdown never runs when its
    parent is killed, and a forkserver worker is the child of the server, not of that parent."""
    import threading
    import time

    from service import settings

    def watch() -> None:
        while True:
            time.sleep(settings.POOL_PARENT_POLL_S)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass  # the pid lives (a process of another user took it: not ours to outlive)

    threading.Thread(target=watch, name="gouji-parent-watch", daemon=True).start()


def _alone(fn: Callable[[T], R], item: T, on_crash: Callable[[T], R]) -> R:
    """Retry one item in a fresh single worker: its result, or ``on_crash(item)`` if it dies again."""
    from concurrent.futures.process import BrokenProcessPool

    with _pool(1) as pool:
        try:
            return pool.submit(fn, item).result()
        except BrokenProcessPool:
            return on_crash(item)
