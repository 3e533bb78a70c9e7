"""Save latency of the review station: PUT one cell N times through the Flask app (SQLite, a real
extraction of tests/fixtures/old-layout-report.pdf), print wall and CPU p50/p95 in ms.

    .venv/bin/python scripts/save_latency.py [N]

Wall time depends on the machine's load; CPU time (this process) much less.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import PASSWORD, make_storage  # noqa: E402
from docfactory import fake_extract  # noqa: E402
from test_review_station import stored_report  # noqa: E402

from review_ui import create_app  # noqa: E402
from service.storage.tables import Role  # noqa: E402
from service.storage.users import add_user  # noqa: E402

KEY = "t3.new.natural_person"


def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    storage = make_storage(tmp / "data", f"sqlite:///{tmp / 'data' / 'gouji.db'}")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "STORAGE": storage, "JOB_RUNNER": "thread",
                      "EXTRACTOR": fake_extract})
    add_user(storage.db, "alice", PASSWORD, Role.REVIEWER)
    doc_id = stored_report(storage)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    headers = {"X-CSRF-Token": client.get("/api/session").get_json()["csrf_token"]}
    version = client.get(f"/api/documents/{doc_id}").get_json()["cells"][KEY]["version"]
    wall, cpu = [], []
    for i in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        done = client.put(f"/api/documents/{doc_id}/cells/{KEY}", headers=headers,
                          json={"value": 10 + i % 3, "expected_version": version})
        wall.append(1000 * (time.perf_counter() - t0))
        cpu.append(1000 * (time.process_time() - c0))
        version = done.get_json()["version"]
    for name, values in (("wall", sorted(wall)), ("cpu", sorted(cpu))):
        print(f"save {name}: n={n} p50={values[n // 2]:.0f} ms p95={values[int(n * 0.95)]:.0f} ms")
    storage.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
