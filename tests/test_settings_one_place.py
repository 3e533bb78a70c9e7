"""Every limit lives in service/settings.py; the review JS gets its timings from the server as data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from service import settings
from service.review import audit, groups, locks
from service.storage import images

ROOT = Path(__file__).resolve().parent.parent


def test_storage_limits_come_from_settings() -> None:
    assert locks.REVIEW_LOCK_S == settings.REVIEW_LOCK_S
    assert groups.MIN_GROUP == settings.GROUP_MIN_SIZE
    assert (audit.DEFAULT_RATE, audit.DEFAULT_MINIMUM, audit.WILSON_Z) == (
        settings.AUDIT_DEFAULT_RATE, settings.AUDIT_DEFAULT_MINIMUM, settings.AUDIT_WILSON_Z)
    assert images.CROP_TARGET_HEIGHT_PX == settings.CROP_TARGET_HEIGHT_PX


def test_review_js_has_no_inline_timings() -> None:
    for js in sorted((ROOT / "review_ui" / "static").glob("*.js")):
        text = js.read_text(encoding="utf-8")
        assert not re.search(r"set(Timeout|Interval)\([^;]*,\s*\d+\s*\)", text), js.name


def test_pages_carry_the_settings(client: Any, reviewer: dict[str, Any], login: Any) -> None:
    login(client, reviewer)
    html = client.get("/").get_data(as_text=True)
    raw = re.search(r"<meta name=\"gouji-settings\" content='([^']+)'>", html).group(1)
    assert json.loads(raw) == settings.ui_settings()
    assert settings.ui_settings()["lease_renew_ms"] < settings.REVIEW_LOCK_S * 1000
