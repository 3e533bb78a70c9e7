"""``gouji extract -j N`` / ``gouji bench -j N``: stable order, one line per bad file, exit code 1,
the same JSON as one process; a worker that dies costs only its own file; lazy start."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from service import settings
from service.cli import main
from service.parallel import ordered_map

FIXTURES = Path(__file__).parent / "fixtures"
HEAVY = ("sqlalchemy", "flask", "rq", "redis", "alembic", "onnxruntime", "rapidocr", "tesserocr",
         "review_ui", "workers", "service.storage")


def _stable(path: Path) -> dict:
    report = json.loads(path.read_text(encoding="utf-8"))
    report.pop("timings")
    return report


def test_parallel_extract_keeps_order_and_reports_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    files = [FIXTURES / "slip-report.pdf", FIXTURES / "encrypted.pdf", FIXTURES / "sample-report.pdf",
             empty, FIXTURES / "old-layout-report.pdf"]
    one, two = tmp_path / "j1", tmp_path / "j2"
    r1 = CliRunner().invoke(main, ["extract", "-j", "1", *map(str, files), "--out", str(one)])
    r2 = CliRunner().invoke(main, ["extract", "-j", "2", *map(str, files), "--out", str(two)])
    assert (r1.exit_code, r2.exit_code) == (1, 1)
    lines = [ln for ln in r2.stderr.splitlines() if ln.startswith(tuple(str(f) for f in files))]
    assert [ln.split(":")[0].split(" → ")[0] for ln in lines] == [str(f) for f in files]
    assert "password-protected" in lines[1] and "empty file" in lines[3]
    assert "2 of 5 file(s) could not be read" in r2.stderr
    serial = [ln for ln in r1.stderr.splitlines() if ln.startswith(tuple(str(f) for f in files))]
    assert lines == [ln.replace(str(one), str(two)) for ln in serial]
    for name in ("slip-report.json", "sample-report.json", "old-layout-report.json"):
        assert _stable(two / name) == _stable(one / name)


def _tenfold_or_die(x: int) -> int:
    if x == 3:
        os._exit(3)  # a worker killed mid-file (native crash, OOM killer)
    return 10 * x


def test_a_dying_worker_fails_only_its_own_input() -> None:
    assert list(ordered_map(_tenfold_or_die, [1, 2, 3, 4, 5], jobs=2, on_crash=lambda x: -x)) == [10, 20, -3, 40, 50]


def _pid_after_a_while(folder: str) -> int:
    import time

    Path(folder, f"{os.getpid()}.pid").write_text("")
    time.sleep(60)
    return os.getpid()


_KILLED_PARENT = """
import sys
from service.parallel import ordered_map
from tests.test_cli_parallel import _pid_after_a_while
list(ordered_map(_pid_after_a_while, [sys.argv[1]] * 2, jobs=2, on_crash=lambda x: 0))
"""


def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    """``gouji bench -j 2`` killed (SIGKILL: no shutdown runs) leaves no worker reading on."""
    import signal
    import time

    root = Path(__file__).resolve().parents[1]
    parent = subprocess.Popen([sys.executable, "-c", _KILLED_PARENT, str(tmp_path)], cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)})
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("*.pid"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = [int(p.stem) for p in tmp_path.glob("*.pid")]
    assert len(workers) == 2
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    time.sleep(3 * settings.POOL_PARENT_POLL_S + 1)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()
             and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()]
    assert alive == []


def test_parallel_bench_reports_speed(tmp_path: Path) -> None:
    for name in ("sample-report", "slip-report"):
        shutil.copy(FIXTURES / f"{name}.pdf", tmp_path / f"{name}.pdf")
        shutil.copy(FIXTURES / f"{name}.json", tmp_path / f"{name}.json")
    result = CliRunner().invoke(main, ["bench", str(tmp_path), "--kind", "digital", "-j", "2"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "files                2 (0 failed)" in out
    assert "pages per second" in out and "4 pages in" in out
    assert "stage shares         pages" in out and "mapping" in out
    assert "page work shares     text layer" in out and "render" not in out  # born-digital: nothing rendered
    assert "peak memory (MB)" in out


def test_extract_starts_without_the_service_stack(tmp_path: Path) -> None:
    """Importing the CLI and extracting a born-digital file loads no storage, web, queue or OCR code."""
    script = (
        "import sys\n"
        "from service.cli import main\n"
        f"main(['extract', '-j', '1', {str(FIXTURES / 'sample-report.pdf')!r}, '--out', {str(tmp_path)!r}],"
        " standalone_mode=False)\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
    assert (tmp_path / "sample-report.json").exists()


def test_service_commands_still_registered_on_demand() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("extract", "bench", "serve", "worker", "db", "export"):
        assert name in result.output


def _accuracy_lines(report: str) -> list[str]:
    """The report without its timing and memory lines (those differ from run to run)."""
    timing = ("seconds per page", "cpu seconds", "pages per second", "cpu-bound", "stage shares", "page work",
              "peak memory")
    return [ln for ln in report.splitlines() if not ln.strip().startswith(timing)]


def test_parallel_condition_bench_scores_as_one_process(tmp_path: Path) -> None:
    """``bench --conditions -j 2`` runs the same per-file function as ``bench``: same accuracy
    lines as ``-j 1``, and the speed lines per condition."""
    for condition, name in (("plain_a", "sample-report"), ("plain_b", "slip-report")):
        folder = tmp_path / condition
        folder.mkdir()
        shutil.copy(FIXTURES / f"{name}.pdf", folder / f"{name}.pdf")
        shutil.copy(FIXTURES / f"{name}.json", folder / f"{name}.json")
    shutil.copy(FIXTURES / "sample-report.pdf", tmp_path / "plain_b" / "sample-report.pdf")
    shutil.copy(FIXTURES / "sample-report.json", tmp_path / "plain_b" / "sample-report.json")
    runs = [CliRunner().invoke(main, ["bench", str(tmp_path), "--conditions", "-j", j]) for j in ("1", "2")]
    for result in runs:
        assert result.exit_code == 0, result.output
        out = result.stdout
        assert out.count("pages per second") == 2 and out.count("cpu seconds per page") == 2, out
        assert "stage shares         pages" in out and out.count("peak memory (MB)") == 2, out
    assert "plain_b:\n  files                2 (0 failed)" in runs[1].stdout
    assert runs[0].stdout.count("1 process(es)") == 2  # -j 1 reads in this process
    for result in runs:  # a condition read alongside another still has its own elapsed time
        walls = [float(ln.split(" pages in ")[1].split(" s wall")[0]) for ln in result.stdout.splitlines()
                 if "pages per second" in ln]
        assert len(walls) == 2 and min(walls) >= 0.01, result.stdout
    assert _accuracy_lines(runs[1].stdout) == _accuracy_lines(runs[0].stdout)
