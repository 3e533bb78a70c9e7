"""Generators of degraded inputs, one module per archive condition (issue 7).

Archives hold reports sideways, stamped, faxed, photographed, pasted as screenshots or as
folders of page photos. Each condition is one module in this package that defines:

``NAME: str``
    the condition's name; it is also the folder name in a generated corpus.
``DESCRIPTION: str``
    one line for the benchmark report.
``generate(pdf: Path, out_dir: Path, stem: str, rng: numpy.random.Generator) -> Path``
    make one degraded input from the born-digital report ``pdf`` and return its path: a file
    ``out_dir/<stem><suffix>`` or a folder ``out_dir/<stem>/`` (a report kept as page images).
    The printed values never change: the truth of the input is the truth of ``pdf``.

Modules whose name starts with ``_`` (helpers such as ``_render``) are not conditions.
``scripts/make_conditions.py`` writes a corpus ``OUT/<condition>/`` from a folder of reports
with truth files; ``gouji bench OUT --conditions`` scores every condition separately.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import numpy as np


def discover() -> dict[str, ModuleType]:
    """Every condition module of this package, by ``NAME``, in name order."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[module.NAME] = module
    return dict(sorted(found.items()))


def generate(condition: str, pdf: Path, out_dir: Path, stem: str, seed: int) -> Path:
    """Run one condition's generator with a seeded RNG (same seed, same bytes)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return discover()[condition].generate(pdf, out_dir, stem, np.random.default_rng(seed))
