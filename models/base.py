"""Small interfaces every engine adapter implements. Engines are imported lazily by callers.

Coordinates in and out are pixels of the image passed in (origin top-left).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Protocol, TypeVar, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Reading:
    """One engine's reading of one crop: text as read and a score in [0, 1]. ``exact`` is False
    for a quick reading that the exact one may differ from (``TwoSpeedRecognizer``)."""

    text: str
    score: float
    exact: bool = True


@dataclass(frozen=True)
class TextBox:
    """A detected-and-recognised text line on a page image; ``bbox`` = (x0, y0, x1, y1)."""

    text: str
    score: float
    bbox: tuple[float, float, float, float]


class LineRecognizer(Protocol):
    """Reads a crop that holds a single line of text (no detection)."""

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]: ...


@runtime_checkable
class TwoSpeedRecognizer(LineRecognizer, Protocol):
    """A recogniser that also has a quick reading (e.g. an int8 model): callers use it first and
    read again with ``recognize`` what it leaves unsure (``cell_reading.read_cells``); the quick
    readings that are not ``exact`` are the ones ``recognize`` might read otherwise."""

    def recognize_quick(self, crops: list[np.ndarray]) -> list[Reading]: ...


class DigitReader(Protocol):
    """A second, independent reading of numeric crops (digits, '.', '-' only)."""

    def read_digits(self, crops: list[np.ndarray]) -> list[Reading]: ...


class PageTextDetector(Protocol):
    """Finds and reads text lines on a whole page image."""

    def detect_and_read(self, image: np.ndarray) -> list[TextBox]: ...


class LineDetector(Protocol):
    """Finds text lines on a page image without reading them (quadrilaterals, 4×2 pixels)."""

    def detect(self, image: np.ndarray) -> list[np.ndarray]: ...


class UprightClassifier(Protocol):
    """Tells upright text lines from upside-down ones: P(upside down) per line crop."""

    def upside_down(self, crops: list[np.ndarray]) -> list[float]: ...


T = TypeVar("T")


def built_once(factory: Callable[[], T]) -> Callable[[], T]:
    """``factory`` as a process-wide engine getter: built on the first call, even when several
    page threads ask at once (one builds, the others wait); a failure is not kept, so the next
    call tries again (e.g. after an engine was installed)."""
    lock = threading.Lock()
    built: list[T] = []

    @wraps(factory)
    def get() -> T:
        if not built:
            with lock:
                if not built:
                    built.append(factory())
        return built[0]

    return get
