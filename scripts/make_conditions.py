"""Write a benchmark corpus of degraded inputs, one folder per archive condition (issue 7).

    .venv/bin/python scripts/make_conditions.py ../shared/corpus/dev /tmp/conditions
    .venv/bin/python scripts/make_conditions.py SRC OUT --conditions rotation,seal --limit 5
    .venv/bin/gouji bench /tmp/conditions --conditions

SRC holds born-digital reports ``<id>.pdf`` with their truth ``<id>.json``. For every report and
every condition (the modules of ``tests/conditions``) it writes ``OUT/<condition>/<input>`` and a
copy of the truth as ``OUT/<condition>/<id>.json``. Seeds derive from the report id and the
condition name (and ``--draw``), so the corpus is the same on every run; another ``--draw`` makes
fresh defects for the same reports (a check that a figure does not hang on one random draw).
Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conditions import discover, generate  # noqa: E402


def report_pairs(src: Path, limit: int | None) -> list[tuple[Path, Path]]:
    """(born-digital pdf, truth json) for every report in ``src`` that has both, in id order."""
    pairs = [(t.with_suffix(".pdf"), t) for t in sorted(src.glob("*.json")) if t.with_suffix(".pdf").exists()]
    return pairs[:limit]


def seed_of(stem: str, condition: str, draw: int = 0) -> int:
    """The generator seed of one report under one condition; draw 0 is the default corpus."""
    return zlib.crc32(f"{stem}/{condition}".encode() + (f"/{draw}".encode() if draw else b""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--conditions", help="comma-separated names (default: all)")
    parser.add_argument("--limit", type=int, help="only the first N reports")
    parser.add_argument("--draw", type=int, default=0, help="another random draw of the defects (default 0)")
    args = parser.parse_args(argv)
    available = discover()
    wanted = args.conditions.split(",") if args.conditions else list(available)
    unknown = [c for c in wanted if c not in available]
    if unknown:
        parser.error(f"unknown condition(s) {', '.join(unknown)}; known: {', '.join(available)}")
    for pdf, truth in report_pairs(args.src, args.limit):
        for condition in wanted:
            out_dir = args.out / condition
            made = generate(condition, pdf, out_dir, truth.stem, seed_of(truth.stem, condition, args.draw))
            shutil.copyfile(truth, out_dir / truth.name)
            print(f"{condition:14} {made.relative_to(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
