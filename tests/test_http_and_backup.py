"""Small holes: backups readable by their owner only; a 405 names the allowed methods."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from service.storage import Storage
from service.storage.backup import backup


def test_backup_archive_is_private(storage: Storage, tmp_path: Path) -> None:
    out = backup(storage, tmp_path / "b.tar.gz").path
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_405_has_allow(client: Any, reviewer: dict[str, Any], login: Any) -> None:
    headers = login(client, reviewer)
    response = client.delete("/api/batches", headers=headers)
    assert response.status_code == 405 and response.is_json
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    page = client.get("/logout")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]
