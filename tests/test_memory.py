"""The allocator setting that returns freed page arrays to the system (service.memory)."""

from __future__ import annotations

import platform

from service.memory import return_large_blocks


def test_large_blocks_are_returned_on_glibc() -> None:
    done = return_large_blocks()
    assert done == (platform.libc_ver()[0] == "glibc")
    assert return_large_blocks() is done  # once per process
