"""A memory ceiling for the RQ work horse (one forked process per job).

``RLIMIT_DATA`` (heap and private writable mappings, what numpy/PIL/onnxruntime buffers use) is set
in the horse right after the fork, so a hostile file ends as a ``MemoryError`` in that job instead of
the machine swapping or the OOM killer picking a random process; the worker itself is not limited.
``RLIMIT_DATA`` rather than ``RLIMIT_AS``: onnxruntime and glibc reserve large address ranges they
never touch, which ``RLIMIT_AS`` would count. 0 disables the limit.

``memory_bounded(extractor)`` turns a ``MemoryError`` raised under such a limit into
``MemoryLimitExceeded`` ("the file needs more memory than the limit of N MB"): bad input, a
permanent failure that is not retried. Without a limit a ``MemoryError`` stays a crash (retried).
"""

from __future__ import annotations

import resource
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TypeVar

from service import settings
from service.errors import MemoryLimitExceeded

MIB = 1024 * 1024
T = TypeVar("T")


def apply_memory_limit(limit_mb: int | None = None) -> int:
    """Cap this process's data segment at ``limit_mb`` MiB (default ``WORKER_MEMORY_LIMIT_MB``);
    returns the limit in bytes (0: none). Never raises the hard limit."""
    mb = settings.WORKER_MEMORY_LIMIT_MB if limit_mb is None else limit_mb
    if mb <= 0:
        return 0
    limit = mb * MIB
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    return limit


def memory_limit_mb() -> int:
    """The data-segment limit this process runs under, in MiB (0: none)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_DATA)
    return 0 if soft == resource.RLIM_INFINITY else soft // MIB


def memory_bounded(extractor: Callable[[Path], T]) -> Callable[[Path], T]:
    """``extractor``, with a ``MemoryError`` under a memory limit reported as ``MemoryLimitExceeded``."""
    @wraps(extractor)
    def run(path: Path) -> T:
        try:
            return extractor(path)
        except MemoryError as exc:  # the failed allocation is gone once we are here: room for a message
            limit = memory_limit_mb()
            if not limit:
                raise
            raise MemoryLimitExceeded(f"the file needs more memory than the limit of {limit} MB") from exc
    return run
