"""A ``MemoryError`` under the work horse's memory limit is a permanent failure, not a crash.

The horse runs under ``RLIMIT_DATA`` (``workers.limits``); a file that needs more memory than that
would need it again on every retry, so the job ends as status error with "the file needs more memory
than the limit of N MB", on the first attempt, even when retries are left. A ``MemoryError`` without
a limit stays a crash (the machine may have been short for a moment: retried).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import hostile
import pytest
from conftest import make_storage
from sqlalchemy import select

from service.errors import MemoryLimitExceeded
from service.storage.intake import add_upload, create_batch
from service.storage.tables import DocStatus, DocumentRow
from workers import limits

TESTS = Path(__file__).resolve().parent


def _raises_memory_error(path: Path) -> object:
    raise MemoryError


def test_a_memory_error_under_a_limit_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "memory_limit_mb", lambda: 300)
    with pytest.raises(MemoryLimitExceeded, match="^the file needs more memory than the limit of 300 MB$"):
        limits.memory_bounded(_raises_memory_error)(Path("x.png"))


def test_without_a_limit_a_memory_error_stays_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "memory_limit_mb", lambda: 0)
    with pytest.raises(MemoryError):
        limits.memory_bounded(_raises_memory_error)(Path("x.png"))
    assert limits.memory_bounded(lambda p: p.name)(Path("x.png")) == "x.png"


# In a fresh interpreter (the limit cannot be lifted again): the RQ job function, as the horse runs it
# with retries left, on the real pipeline, under a limit of what the loaded worker holds plus 40 MiB.
JOB = """
import json, sys
import rq

class Job:  # an RQ job with retries left: a crash would be queued again
    id = None
    retries_left = 2

rq.get_current_job = lambda: Job()
from service.storage import StorageSettings
from workers import jobs, limits

jobs._open(StorageSettings.from_env())  # the worker's storage and extractor, loaded before the fork
data_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmData:"))
limit_mb = data_kib // 1024 + 40
limits.apply_memory_limit(limit_mb)
print(json.dumps({"limit_mb": limits.memory_limit_mb(), "status": jobs.process_document(int(sys.argv[1]))}))
"""


def test_the_job_ends_permanently_on_a_big_image_over_the_limit(tmp_path: Path) -> None:
    """A white 8900×8900 PNG (small on disk, 79 MB decoded; within the pixel budget) under a limit
    40 MiB above the loaded worker: one attempt, status error, the limit in the message."""
    st = make_storage(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'gouji.db'}")
    try:
        png = hostile.big_png(tmp_path / "big.png", side=8900)
        up = add_upload(st, create_batch(st, "memory"), "big.png", io.BytesIO(png.read_bytes()))
        env = {**os.environ, "GOUJI_DATA_DIR": str(st.settings.data_dir), "DATABASE_URL": st.settings.database_url,
               "GOUJI_EXTRACTOR": "service.pipeline:extract"}
        done = subprocess.run([sys.executable, "-c", JOB, str(up.document_id)], capture_output=True, text=True,
                              timeout=600, cwd=TESTS.parent, env=env)
        assert done.returncode == 0, done.stderr[-3000:]   # no MemoryError raised for RQ to retry
        outcome = json.loads(done.stdout.strip().splitlines()[-1])
        assert outcome["status"] == DocStatus.ERROR.value, outcome
        with st.db.session() as s:
            row = s.scalar(select(DocumentRow).where(DocumentRow.id == up.document_id))
            status, attempts, error = row.status, row.attempts, row.error
        assert (status, attempts) == (DocStatus.ERROR.value, 1)
        assert error == f"the file needs more memory than the limit of {outcome['limit_mb']} MB", error
    finally:
        st.close()
