"""Golden files: the stage outputs for the bundled born-digital reports must not drift.

Regenerate after an intended change with ``GOUJI_UPDATE_GOLDEN=1 pytest tests/test_golden.py``
and review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from service.contract import document_to_contract
from service.pipeline import extract

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"


def _stable(report: dict) -> dict:
    """The contract without what varies between machines (timings, absolute paths)."""
    report = dict(report)
    report.pop("timings")
    report["source"] = {k: v for k, v in report["source"].items() if k != "path"}
    return report


@pytest.mark.parametrize("name", ["sample-report", "slip-report", "old-layout-report"])
def test_contract_matches_golden(name: str) -> None:
    report = _stable(document_to_contract(extract(HERE / "fixtures" / f"{name}.pdf")))
    golden = GOLDEN / f"{name}.contract.json"
    if os.environ.get("GOUJI_UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert report == json.loads(golden.read_text(encoding="utf-8"))
