"""Process-wide engines are built once, also when page threads ask for them at the same time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.base import built_once


def test_threads_asking_at_once_share_one_engine() -> None:
    calls: list[int] = []
    start = threading.Barrier(4)

    @built_once
    def engine() -> object:
        calls.append(1)
        time.sleep(0.05)  # a slow build: the other threads arrive meanwhile
        return object()

    def ask() -> object:
        start.wait()
        return engine()

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: ask(), range(4)))
    assert len(calls) == 1 and all(g is got[0] for g in got)


def test_a_failed_build_is_tried_again() -> None:
    attempts: list[int] = []

    @built_once
    def engine() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("model file missing")
        return "engine"

    with pytest.raises(RuntimeError):
        engine()
    assert engine() == "engine" and engine() == "engine" and len(attempts) == 2
