"""The condition generators (tests/conditions) each make a readable input from a report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conditions import discover, generate

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("condition", sorted(discover()))
def test_every_condition_makes_an_input(condition: str, tmp_path: Path) -> None:
    made = generate(condition, FIXTURES / "sample-report.pdf", tmp_path, "sample-report", seed=7)
    assert made.exists()
    assert made.name.startswith("sample-report")
    if made.is_dir():
        assert any(made.iterdir())
    else:
        assert made.stat().st_size > 1000


def test_the_plain_scan_is_read_like_the_original(tmp_path: Path) -> None:
    from service.pipeline import extract

    made = generate("plain_scan", FIXTURES / "sample-report.pdf", tmp_path, "sample-report", seed=3)
    digital = extract(FIXTURES / "sample-report.pdf")
    scanned = extract(made)
    assert {k: c.value for k, c in scanned.cells.items()} == {k: c.value for k, c in digital.cells.items()}
