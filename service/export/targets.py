"""Database export targets: only the ones an operator configured, chosen by name.

``GOUJI_EXPORT_TARGETS="warehouse=postgresql://exporter@db.internal/stats,local=sqlite:////data/out.db"``:
comma-separated ``name=SQLAlchemy URL`` pairs. The web API takes a target *name*, never a URL, so a
user can neither write a file where they like nor make the server connect to any host. The CLI's
``gouji export --db-url`` stays for the operator, who already has the machine.
"""

from __future__ import annotations

import os
import re

from service.storage.errors import InvalidAction

TARGET_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
ENV_VAR = "GOUJI_EXPORT_TARGETS"


def parse_targets(spec: str | None) -> dict[str, str]:
    """``"a=url1,b=url2"`` → ``{"a": "url1", "b": "url2"}``; a malformed pair raises ``ValueError``."""
    targets: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, sep, url = part.strip().partition("=")
        if not sep or not TARGET_NAME.match(name) or "://" not in url:
            raise ValueError(f"{ENV_VAR}: {part.strip()!r} is not name=SQLAlchemy-URL")
        targets[name] = url
    return targets


def targets_from_env() -> dict[str, str]:
    return parse_targets(os.environ.get(ENV_VAR))


def target_url(targets: dict[str, str], name: str) -> str:
    """The URL of the configured target ``name``; ``InvalidAction`` for anything else."""
    if name not in targets:
        known = ", ".join(sorted(targets)) or f"none (set {ENV_VAR})"
        raise InvalidAction(f"unknown export target {name!r}; configured: {known}")
    return targets[name]
