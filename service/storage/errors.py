"""Errors of the review service; each message is one line meant for the person who acted."""

from __future__ import annotations

from typing import Any


class ReviewError(Exception):
    """Base class. The HTTP layer maps subclasses to status codes (404, 409, 400)."""


class NotFound(ReviewError):
    pass


class Conflict(ReviewError):
    """Someone else changed the object since it was read; ``current`` is its state now."""

    def __init__(self, message: str, current: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = current or {}


class InvalidAction(ReviewError):
    """The request is well-formed but not allowed in the object's current state."""
