"""A memory ceiling for the RQ work horse (one forked process per job).

``RLIMIT_DATA`` (heap and private writable mappings, what numpy/PIL/onnxruntime buffers use) is set
in the horse right after the fork, so a hostile file ends as a ``MemoryError`` in that job instead of
the machine swapping or the OOM killer picking a random process; the worker itself is not limited.
``RLIMIT_DATA`` rather than ``RLIMIT_AS``: onnxruntime and glibc reserve large address ranges they
never touch, which ``RLIMIT_AS`` would count. 0 disables the limit.
"""

from __future__ import annotations

import resource

from service import settings


def apply_memory_limit(limit_mb: int | None = None) -> int:
    """Cap this process's data segment at ``limit_mb`` MiB (default ``WORKER_MEMORY_LIMIT_MB``);
    returns the limit in bytes (0: none). Never raises the hard limit."""
    mb = settings.WORKER_MEMORY_LIMIT_MB if limit_mb is None else limit_mb
    if mb <= 0:
        return 0
    limit = mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    return limit
