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
    expected = json.loads(golden.read_text(encoding="utf-8")) if golden.exists() else None
    if update_mode() and report != expected:
        # update mode rewrites the file but still fails this run, so a drift is never silently green;
        # the comparison is with the golden as it was before the rewrite, never with the new file itself
        golden.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        pytest.fail(f"{golden.name} was out of date and has been rewritten; review the diff and re-run")
    assert report == expected


def update_mode() -> bool:
    """``GOUJI_UPDATE_GOLDEN=1``, refused under CI (``GOUJI_REQUIRE_SERVICES=1``)."""
    on = os.environ.get("GOUJI_UPDATE_GOLDEN") == "1"
    if on and os.environ.get("GOUJI_REQUIRE_SERVICES") == "1":
        pytest.fail("GOUJI_UPDATE_GOLDEN=1 is not allowed in CI", pytrace=False)
    return on
