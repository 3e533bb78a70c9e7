"""CI honesty: tests cannot pass by quietly skipping, and ``.ci/run`` cannot go on without its services.

``.ci/run`` is run in a copy of the repository whose ``scripts/setup``, ruff and python are stubs and
whose PATH holds failing ``pg_isready``/``pg_ctlcluster``/``redis-*`` commands: it must stop with a
non-zero status before it sets up or runs anything.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import require

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def test_require_skips_normally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOUJI_REQUIRE_SERVICES", raising=False)
    require(True, "never")
    with pytest.raises(pytest.skip.Exception):
        require(False, "engine missing")
    monkeypatch.setenv("GOUJI_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="engine missing"):
        require(False, "engine missing")


def test_no_test_skips_except_through_require() -> None:
    """``pytest.skip``/``skipif``/``importorskip`` are only allowed in ``conftest.require``."""
    offenders = []
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("skip", "skipif", "importorskip"):
                in_require = path.name == "conftest.py"
                in_this_test = path.name == Path(__file__).name and node.attr == "skip"  # pytest.skip.Exception
                if not (in_require or in_this_test):
                    offenders.append(f"{path.name}:{node.lineno} {node.attr}")
    assert offenders == []


def _fake_repo(tmp_path: Path, failing: list[str]) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "run", repo / ".ci" / "run")
    (repo / "scripts").mkdir()
    (repo / "scripts" / "setup").write_text("echo SETUP-RAN\n")
    (repo / ".venv" / "bin").mkdir(parents=True)
    for tool in ("ruff", "python"):
        stub = repo / ".venv" / "bin" / tool
        stub.write_text("#!/bin/sh\necho TESTS-RAN\n")
        stub.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("pg_isready", "pg_ctlcluster", "redis-cli", "redis-server"):
        fake = bin_dir / tool
        fake.write_text("#!/bin/sh\nexit 1\n" if tool in failing else "#!/bin/sh\nexit 0\n")
        fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    return repo, env


@pytest.mark.parametrize("failing", [["pg_isready", "pg_ctlcluster"], ["redis-cli", "redis-server"]])
def test_ci_run_fails_when_a_service_cannot_start(tmp_path: Path, failing: list[str]) -> None:
    repo, env = _fake_repo(tmp_path, failing)
    done = subprocess.run(["bash", str(repo / ".ci" / "run")], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "SETUP-RAN" not in done.stdout and "TESTS-RAN" not in done.stdout


def test_ci_run_goes_on_when_services_are_up(tmp_path: Path) -> None:
    repo, env = _fake_repo(tmp_path, [])
    done = subprocess.run(["bash", str(repo / ".ci" / "run")], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TESTS-RAN" in done.stdout


def test_builds_are_pinned_by_one_constraints_file() -> None:
    """setup, CI (through setup) and the Dockerfile install with constraints.txt, and it pins every
    package installed here at the version installed (after adding a dependency: scripts/lock --from-venv)."""
    from importlib import metadata

    assert "-c constraints.txt" in (ROOT / "scripts" / "setup").read_text(encoding="utf-8")
    assert "constraints.txt" in (ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert "scripts/setup" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version.strip()
    installed = {d.metadata["Name"].lower().replace("_", "-"): d.version for d in metadata.distributions()}
    skip = {"gouji", "pip", "setuptools", "wheel"}
    unpinned = sorted(n for n in installed if n not in pins and n not in skip)
    drifted = sorted(f"{n} {installed[n]} != {pins[n]}" for n in installed if n in pins and installed[n] != pins[n])
    assert unpinned == [] and drifted == [], (unpinned, drifted)
