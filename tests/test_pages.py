"""The queue and batch pages page through long batches instead of rendering every document."""

from __future__ import annotations

import io
from typing import Any

from service.storage.intake import add_upload, create_batch


def test_batch_page_is_paginated(app: Any, client: Any, reviewer: dict[str, Any], login: Any) -> None:
    app.config["PAGE_SIZE"] = 3
    storage = app.extensions["gouji"].storage
    batch = create_batch(storage, "long")
    for i in range(7):
        add_upload(storage, batch, f"r{i}.pdf", io.BytesIO(b"%PDF-1.4 distinct " + bytes([i])))
    login(client, reviewer)
    first = client.get(f"/batches/{batch}").get_data(as_text=True)
    assert "第 1–3 项，共 7 项" in first and "r0.pdf" in first and "r3.pdf" not in first
    last = client.get(f"/batches/{batch}?page=3").get_data(as_text=True)
    assert "第 7–7 项，共 7 项" in last and "r6.pdf" in last and "r0.pdf" not in last
    assert "r6.pdf" in client.get(f"/batches/{batch}?page=99").get_data(as_text=True)  # clamped
    assert client.get(f"/batches/{batch}?page=abc").status_code == 200
