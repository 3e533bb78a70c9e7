"""The few reasons a document cannot continue through the pipeline.

Rule failures inside a readable report are *not* exceptions: they are ``Violation`` data.
Every message is one line a user can act on.
"""

from __future__ import annotations


class GoujiError(Exception):
    """Base class: the document cannot be processed; ``str(exc)`` is the user-facing message."""


class UnsupportedInput(GoujiError):
    """Not a PDF/PNG/JPEG/TIFF, empty, or larger than the configured limits."""


class MemoryLimitExceeded(UnsupportedInput):
    """Reading the file needs more memory than a work horse may use (``GOUJI_WORKER_MEMORY_MB``):
    permanent — the same file under the same limit fails again, so it is never retried."""


class CorruptInput(GoujiError):
    """The file claims a supported type but cannot be opened or decoded."""


class EncryptedInput(GoujiError):
    """A password-protected PDF."""


class NotAReport(GoujiError):
    """Readable, but none of the statistical tables 二/三/四 was found."""


class EngineUnavailable(GoujiError):
    """An OCR/layout engine or its model files are missing on this machine."""
