"""Process memory: large page arrays go back to the system when freed.

glibc's allocator raises its mmap threshold each time a large block is freed (up to 32 MB), so
after a few pages the 4–15 MB page arrays come from the heap instead, and heaps shared by page
threads keep their freed pages: a process reading scans grew by ~250 MB over ten reports while
idle between them. Pinning the threshold (``M_MMAP_THRESHOLD``) keeps every array of
``MALLOC_MMAP_THRESHOLD_BYTES`` (4 MB: colour pages, float and label arrays) or more in its own
mapping, returned on free (a 128 KB threshold saved a little more memory but cost 8 % CPU in page
faults). Elsewhere than on glibc nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

from service import settings

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number


@cache
def return_large_blocks() -> bool:
    """Pin the allocator's mmap threshold once per process; whether it was done (glibc only)."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, settings.MALLOC_MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):  # not glibc (musl, macOS): its allocator is left as it is
        return False
