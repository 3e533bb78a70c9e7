"""A private Redis server and real ``gouji worker`` subprocesses, for fault, bad-input and load runs.

The machine's shared Redis (port 6379) is never touched: each run starts its own ``redis-server`` on
a free port, without persistence, and may shut it down and start it again (a Redis restart loses
every queued job, which is the point).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TESTS_DIR = Path(__file__).resolve().parent
GOUJI = Path(sys.executable).with_name("gouji")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """``redis-server`` on 127.0.0.1:``port`` with no persistence; ``restart()`` empties it."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError(f"private redis on port {self.port} did not start")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """``SHUTDOWN NOSAVE``: every queued job is gone."""
        if self.proc is None:
            return
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True, check=False)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self, down_s: float = 1.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()


class WorkerPool:
    """``gouji worker`` subprocesses, each in its own process group (so a kill takes its work horse)."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        path = env.get("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
        self.env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), path])}
        self.logdir = logdir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, count: int = 1) -> list[subprocess.Popen[bytes]]:
        self.logdir.mkdir(parents=True, exist_ok=True)
        started = []
        for _ in range(count):
            log = (self.logdir / f"worker-{len(self.procs)}.log").open("wb")
            proc = subprocess.Popen([str(GOUJI), "worker"], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            self.procs.append(proc)
            started.append(proc)
        return started

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and everything it forked (work horse, scheduler): a crashed machine.

        RQ puts its work horse in a session of its own, so the whole process tree is collected."""
        for pid in [*descendants(proc.pid), proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(timeout=10)

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in self.procs if p.poll() is None]

    def stop(self) -> None:
        for proc in self.alive():
            os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(proc)


def current_job_of(redis_url: str, pid: int) -> str | None:
    """The RQ job id the worker process ``pid`` is working on, if any."""
    from redis import Redis
    from rq import Worker

    conn = Redis.from_url(redis_url)
    try:
        for worker in Worker.all(connection=conn):
            if worker.pid == pid:
                return worker.get_current_job_id()  # type: ignore[no-any-return]
    finally:
        conn.close()
    return None


def descendants(pid: int) -> list[int]:
    """Every process forked (directly or not) by ``pid``, from /proc."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            children = [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            continue
        out.extend(children)
        todo.extend(children)
    return out


def rss_tree_kb(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, in kB (read from /proc; 0 when gone)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        todo.extend(int(c) for c in children)
    return total


@contextmanager
def private_queue(tmp: Path, env: dict[str, str], workers: int = 2) -> Iterator[dict[str, Any]]:
    """A private Redis plus ``workers`` worker processes; yields ``{"redis", "pool", "env"}``."""
    redis = PrivateRedis(tmp / "redis")
    redis.start()
    full_env = {"REDIS_URL": redis.url, **env}
    pool = WorkerPool(full_env, tmp / "logs")
    try:
        pool.start(workers)
        yield {"redis": redis, "pool": pool, "env": full_env}
    finally:
        pool.stop()
        redis.stop()
