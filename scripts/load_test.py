#!/usr/bin/env python
"""Load test: upload a batch of born-digital reports (variants of tests/fixtures/sample-report.pdf)
into a real ``gouji serve`` (waitress) and extract them with ``--workers`` real ``gouji worker``
processes on a private Redis, with the REAL extractor. While the workers are busy, a reviewer
thread keeps loading the review pages and API; the script reports pages/s, peak memory per worker,
queue latency and page-load latency percentiles as JSON.

    .venv/bin/python scripts/load_test.py --pages 1000 [--workers 2] [--database-url URL]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from rqharness import GOUJI, free_port, private_queue, rss_tree_kb  # noqa: E402

from service.storage import Storage, StorageSettings  # noqa: E402
from service.storage.tables import DocumentRow, Role  # noqa: E402
from service.storage.users import add_user  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "sample-report.pdf"
PAGES_PER_SAMPLE = 2
FILES_PER_REQUEST = 50
PASSWORD = uuid.uuid4().hex  # a throwaway account in a throwaway data dir


class Client:
    """A logged-in browser session against the running server (cookies + CSRF token)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        req = urllib.request.Request(self.base + path, data=body, method=method,  # noqa: S310 - our own server
                                     headers={**({"X-CSRF-Token": self.csrf} if self.csrf else {}), **(headers or {})})
        try:
            with self.opener.open(req, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def login(self, username: str, password: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()  # type: ignore[union-attr]
        form = f"username={username}&password={password}&csrf_token={token}".encode()
        self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        self.csrf = json.loads(self.request("GET", "/api/session")[1])["csrf_token"]

    def upload(self, batch: int, files: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
        boundary = uuid.uuid4().hex
        parts = [b"--%s\r\nContent-Disposition: form-data; name=\"files\"; filename=\"%s\"\r\n"
                 b"Content-Type: application/pdf\r\n\r\n%s\r\n" % (boundary.encode(), name.encode(), data)
                 for name, data in files]
        body = b"".join(parts) + b"--%s--\r\n" % boundary.encode()
        status, out = self.request("POST", f"/api/batches/{batch}/documents", body,
                                   {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        if status != 201:
            raise RuntimeError(f"upload failed: {status} {out[:200]!r}")
        return json.loads(out)["documents"]  # type: ignore[no-any-return]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait_for_server(base: str, deadline_s: float = 30) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(base + "/login", timeout=2).read()  # noqa: S310 - our own server
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gouji serve did not start")


def run(pages: int, workers: int, database_url: str | None, tmp: Path) -> dict[str, Any]:
    data_dir = tmp / "data"
    url = database_url or f"sqlite:///{data_dir / 'gouji.db'}"
    st = Storage.open(StorageSettings.from_env(data_dir, database_url=url))
    add_user(st.db, "loader", PASSWORD, Role.ADMIN)
    env = {"GOUJI_DATA_DIR": str(data_dir), "DATABASE_URL": url, "GOUJI_EXTRACTOR": "service.pipeline:extract",
           "GOUJI_QUEUE": "load", "GOUJI_SECRET_KEY": uuid.uuid4().hex}
    copies = -(-pages // PAGES_PER_SAMPLE)
    sample = SAMPLE.read_bytes()
    files = [(f"report-{i:04d}.pdf", sample + b"\n%% load-test variant %d\n" % i) for i in range(copies)]
    with private_queue(tmp, env, workers=workers) as q:
        port = free_port()
        log = (tmp / "serve.log").open("wb")
        server = subprocess.Popen([str(GOUJI), "serve", "--port", str(port)], env={**os.environ, **q["env"]},
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_server(base)
            client = Client(base)
            client.login("loader", PASSWORD)
            batch = json.loads(client.request("POST", "/api/batches", json.dumps({"name": "load"}).encode(),
                                              {"Content-Type": "application/json"})[1])["id"]
            peaks: dict[int, int] = {}
            stop = threading.Event()
            latencies: dict[str, list[float]] = {}

            def sample_memory() -> None:
                while not stop.wait(0.1):
                    for proc in q["pool"].alive():
                        peaks[proc.pid] = max(peaks.get(proc.pid, 0), rss_tree_kb(proc.pid))

            def reviewer(doc_id: int) -> None:
                viewer = Client(base)
                viewer.login("loader", PASSWORD)
                paths = {"queue page": "/", "batch page": f"/batches/{batch}", "review page": f"/documents/{doc_id}",
                         "document API": f"/api/documents/{doc_id}", "status API": f"/api/documents/{doc_id}/status"}
                while not stop.is_set():
                    for name, path in paths.items():
                        start = time.perf_counter()
                        status, _ = viewer.request("GET", path)
                        if status == 200:
                            latencies.setdefault(name, []).append(time.perf_counter() - start)
                    time.sleep(0.2)

            threading.Thread(target=sample_memory, daemon=True).start()
            upload_start = time.monotonic()
            ids = []
            for i in range(0, len(files), FILES_PER_REQUEST):
                ids += [d["id"] for d in client.upload(batch, files[i:i + FILES_PER_REQUEST])]
            upload_s = time.monotonic() - upload_start
            ui = threading.Thread(target=reviewer, args=(ids[0],), daemon=True)
            ui.start()
            while True:
                with st.db.session() as s:
                    left = s.query(DocumentRow).filter(DocumentRow.status.in_(("queued", "processing"))).count()
                if not left:
                    break
                time.sleep(0.5)
            elapsed = time.monotonic() - upload_start
            stop.set()
            ui.join(timeout=30)
        finally:
            server.terminate()
            server.wait(timeout=30)
    with st.db.session() as s:
        rows = s.query(DocumentRow).filter(DocumentRow.id.in_(ids)).all()
        statuses: dict[str, int] = {}
        for r in rows:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        waits = [(r.started_at - r.created_at).total_seconds() for r in rows if r.started_at]
        total_pages = sum(r.pages or 0 for r in rows)
        done_at = max(r.updated_at for r in rows)
        first = min(r.created_at for r in rows)
    st.close()
    all_latencies = [v for values in latencies.values() for v in values]
    return {
        "documents": len(ids), "pages": total_pages, "workers": workers, "statuses": statuses,
        "database": url.split(":")[0], "cpus": os.cpu_count(),
        "upload_s": round(upload_s, 1), "wall_s": round(elapsed, 1),
        "pages_per_s": round(total_pages / elapsed, 2),
        "pages_per_s_processing": round(total_pages / max(0.001, (done_at - first).total_seconds()), 2),
        "peak_rss_mib_per_worker": sorted(round(kb / 1024) for kb in peaks.values()),
        "queue_latency_s": {"p50": round(statistics.median(waits), 1), "p95": round(percentile(waits, 0.95), 1),
                            "max": round(max(waits), 1)},
        "ui_ms": {name: {"n": len(v), "p50": round(percentile(v, 0.5) * 1000), "p95": round(percentile(v, 0.95) * 1000)}
                  for name, v in latencies.items()},
        "ui_p95_ms_all": round(percentile(all_latencies, 0.95) * 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary data dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gouji-load-") as tmp:
        print(json.dumps(run(args.pages, args.workers, args.database_url, Path(tmp)), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
