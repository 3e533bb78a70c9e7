"""HTTP half of scripts/docker_smoke: log in, upload the bundled sample, wait for review, export.

Usage: python3 scripts/smoke_client.py BASE_URL USER PASSWORD PDF  (stdlib only; prints one line per step)
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import sys
import time
import urllib.request
import uuid
from pathlib import Path

WAIT_REVIEW_S = 420


def main(base: str, user: str, password: str, pdf: Path) -> int:
    if not base.startswith(("http://", "https://")):
        raise SystemExit(f"not an http(s) URL: {base}")
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def call(method: str, path: str, body: bytes | None = None, ctype: str | None = None,
             token: str | None = None) -> tuple[int, bytes]:
        req = urllib.request.Request(base + path, data=body, method=method)  # noqa: S310 - http(s) checked
        if ctype:
            req.add_header("Content-Type", ctype)
        if token:
            req.add_header("X-CSRF-Token", token)
        try:
            with opener.open(req, timeout=60) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    page = call("GET", "/login")[1].decode()
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": user, "password": password, "csrf_token": form_token}).encode()
    call("POST", "/login", form, "application/x-www-form-urlencoded")
    status, raw = call("GET", "/api/session")
    assert status == 200, (status, raw)
    token = json.loads(raw)["csrf_token"]
    print("logged in as", json.loads(raw)["user"]["name"])

    status, raw = call("POST", "/api/batches", json.dumps({"name": "smoke"}).encode(), "application/json", token)
    assert status == 201, (status, raw)
    batch = json.loads(raw)["id"]
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{pdf.name}\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + pdf.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    status, raw = call("POST", f"/api/batches/{batch}/documents", body, f"multipart/form-data; boundary={boundary}",
                       token)
    assert status == 201, (status, raw)
    doc = json.loads(raw)["documents"][0]["id"]
    print("uploaded", pdf.name, "as document", doc)

    start = time.monotonic()
    state: dict = {}
    while time.monotonic() - start < WAIT_REVIEW_S:
        state = json.loads(call("GET", f"/api/documents/{doc}/status")[1])
        if state["status"] in ("review", "error"):
            break
        time.sleep(2)
    print(f"document {doc}: {state.get('status')} after {time.monotonic() - start:.0f} s", state.get("error") or "")
    assert state.get("status") == "review", state

    version = json.loads(call("GET", f"/api/documents/{doc}")[1])["review"]["version"]
    info = {"agency": "冒烟测试县人民政府", "year": 2021, "expected_version": version}
    status, raw = call("PATCH", f"/api/documents/{doc}/report", json.dumps(info).encode(), "application/json", token)
    assert status == 200, (status, raw)
    approve = {"version": json.loads(raw)["review"]["version"], "reason": "docker smoke test"}
    status, raw = call("POST", f"/api/documents/{doc}/approve", json.dumps(approve).encode(), "application/json",
                       token)
    assert status == 200 and json.loads(raw)["status"] == "approved", (status, raw)
    print("approved document", doc)
    status, raw = call("POST", "/api/exports", json.dumps({"format": "wide_csv"}).encode(), "application/json",
                       token)
    assert status == 201, (status, raw)
    status, csv = call("GET", json.loads(raw)["download_url"])
    assert status == 200 and csv.startswith(b"agency,") and len(csv.splitlines()) == 2, (status, csv[:200])
    print(f"exported wide_csv: header + {len(csv.splitlines()) - 1} approved report")
    return 0


if __name__ == "__main__":
    import urllib.error
    import urllib.parse

    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])))
