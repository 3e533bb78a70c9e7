"""What views need, apart from the app factory (so blueprints never import ``review_ui.app``: no
import cycle): the storage and the job runner of the running app."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from service.storage import Storage
from service.storage.processing import JobRunner


@dataclass
class Services:
    """The storage and the job runner (RQ queue or thread pool) of one app."""

    storage: Storage
    runner: JobRunner


def services() -> Services:
    return current_app.extensions["gouji"]  # type: ignore[no-any-return]
