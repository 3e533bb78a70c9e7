"""Persistent state of the review service: batches, documents, cells, revisions, users.

``Storage.open(settings)`` gives the one object every other function here takes. This package
holds the persistence (tables, migrations, sessions, intake, extraction results, backups); the
review logic that edits the data (edits, groups, repair, audit, locks, views) is ``service.review``,
which calls it. This package never imports ``service.review``, flask, rq or redis: the review
logic, the HTTP app and the job workers sit on top of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.storage.db import Database
from service.storage.revalidate import Validator, default_validator
from service.storage.settings import StorageSettings


@dataclass
class Storage:
    """A database plus the data directory (kept files, caches, exports) and the rule checker."""

    settings: StorageSettings
    db: Database
    validator: Validator = field(default_factory=default_validator)

    @classmethod
    def open(cls, settings: StorageSettings, validator: Validator | None = None,
             upgrade: bool = True) -> Storage:
        """Open (and by default migrate) the database named in ``settings``."""
        for folder in (settings.data_dir, settings.files_dir, settings.cache_dir, settings.exports_dir):
            folder.mkdir(parents=True, exist_ok=True)
        db = Database(settings.database_url)
        if upgrade:
            db.upgrade()
        return cls(settings=settings, db=db, validator=validator or default_validator())

    def close(self) -> None:
        self.db.dispose()


__all__ = ["Storage", "StorageSettings"]
