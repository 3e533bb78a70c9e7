"""Import layering of the review service (issue 8): storage ← review ← HTTP app / workers.

``service.storage`` (persistence) imports neither the review logic nor the web/queue stack;
``service.review`` (review logic) imports no web/queue stack; no blueprint imports the app factory
(shared services live in ``review_ui.services``). Every import in the file counts, also one inside
a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_AND_QUEUE = ("flask", "werkzeug", "rq", "redis", "review_ui", "workers")


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Absolute dotted names imported anywhere in ``path`` (``from a.b import c`` gives ``a.b`` and
    ``a.b.c``; a relative import is resolved against the file's package under ``root``)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def offenders(folder: str, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    """``file: module`` for every import under ``folder`` of a module in (or under) ``forbidden``."""
    found = []
    for path in sorted((root / folder).rglob("*.py")):
        for name in sorted(imported_modules(path, root)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(root).as_posix()}: {name}")
    return found


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    """The walk is not fooled by a lazy import (guards the guard)."""
    (tmp_path / "service" / "storage").mkdir(parents=True)
    probe = tmp_path / "service" / "storage" / "probe.py"
    probe.write_text("def f():\n    from service.review import review\n    import flask\n"
                     "    from ..review.locks import live_holder\n", encoding="utf-8")
    assert {"service.review", "service.review.review", "flask",
            "service.review.locks.live_holder"} <= imported_modules(probe, tmp_path)
    assert offenders("service/storage", ("service.review",), tmp_path) == [
        "service/storage/probe.py: service.review",
        "service/storage/probe.py: service.review.locks",
        "service/storage/probe.py: service.review.locks.live_holder",
        "service/storage/probe.py: service.review.review"]


@pytest.mark.parametrize(("folder", "forbidden"), [
    ("service/storage", ("service.review", *WEB_AND_QUEUE)),
    ("service/review", WEB_AND_QUEUE),
])
def test_storage_and_review_layers(folder: str, forbidden: tuple[str, ...]) -> None:
    assert (ROOT / folder / "__init__.py").exists()
    assert offenders(folder, forbidden) == []


def test_review_logic_lives_in_service_review() -> None:
    """No review module is left behind in storage (nor a shim re-exporting one)."""
    moved = {"audit", "duplicates", "figures", "groups", "locks", "repair", "report_edit", "review",
             "search", "undo", "views"}
    assert {p.stem for p in (ROOT / "service" / "review").glob("*.py")} >= moved
    assert moved.isdisjoint(p.stem for p in (ROOT / "service" / "storage").glob("*.py"))


def test_blueprints_do_not_import_the_app_factory() -> None:
    assert offenders("review_ui/blueprints", ("review_ui.app",)) == []
