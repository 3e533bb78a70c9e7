"""Failed-login throttling: after ``LOGIN_MAX_FAILURES`` failures for one (user name, client IP)
within ``LOGIN_WINDOW_S``, further attempts for that pair answer 429 for ``LOGIN_LOCKOUT_S``.

Kept in the web process's memory (one ``gouji serve`` process per deployment); a success clears the
pair. The lockout applies to the pair only, so an attacker cannot lock a user out from elsewhere.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class _Entry:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0


class LoginThrottle:
    """Counts failures per key; ``retry_after(key)`` > 0 while the key is locked out."""

    def __init__(self, max_failures: int, window_s: float, lockout_s: float, max_keys: int = 100_000) -> None:
        self.max_failures, self.window_s, self.lockout_s, self.max_keys = max_failures, window_s, lockout_s, max_keys
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(username: str, ip: str | None) -> tuple[str, str]:
        return username.strip().casefold()[:80], ip or "?"

    def retry_after(self, key: tuple[str, str], now: float | None = None) -> int:
        """Seconds until ``key`` may try again (0: it may try now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._entries.get(key)
            return max(0, int(entry.locked_until - now + 0.999)) if entry else 0

    def failed(self, key: tuple[str, str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._entries) >= self.max_keys:
                self._prune(now)
            entry = self._entries.setdefault(key, _Entry())
            entry.failures = [t for t in entry.failures if now - t < self.window_s] + [now]
            if len(entry.failures) >= self.max_failures:
                entry.locked_until, entry.failures = now + self.lockout_s, []

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _prune(self, now: float) -> None:
        stale = [k for k, e in self._entries.items()
                 if e.locked_until <= now and all(now - t >= self.window_s for t in e.failures)]
        for k in stale:
            del self._entries[k]
