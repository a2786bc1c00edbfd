"""Rate limits per API token: at most ``MRC_API_RATE_LIMIT`` requests in each minute.

A fixed window per token and minute. With Redis configured (production) the count is kept
there, so every worker process sees the same count (``INCR`` and ``EXPIRE`` in one
pipeline); in the embedded default, with one process, it is kept in memory. If Redis is
unreachable the request is let through (a limit protects the service; refusing everyone
because the counter is down would be the outage it guards against) and a warning is
logged without anything of the request.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from mrc.caching import quick_redis
from mrc.settings import settings

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
REDIS_PREFIX = "mrc:api-rate:"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    def headers(self) -> dict[str, str]:
        """The draft IETF RateLimit header fields, and Retry-After when refused."""
        if not self.limit:
            return {}
        headers = {"RateLimit-Limit": str(self.limit),
                   "RateLimit-Remaining": str(self.remaining),
                   "RateLimit-Reset": str(self.reset)}
        if not self.allowed:
            headers["Retry-After"] = str(self.reset)
        return headers


class _Memory:
    """Counts of this process: {(token prefix, window): requests}, old windows dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}

    def incr(self, token: str, window: int) -> int:
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            count = self._counts.get((token, window), 0) + 1
            self._counts[(token, window)] = count
            return count

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


_memory = _Memory()


def _count(token: str, window: int) -> int | None:
    url = settings().redis_url
    if not url:
        return _memory.incr(token, window)
    key = f"{REDIS_PREFIX}{token}:{window}"
    try:
        pipe = quick_redis(url).pipeline()
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS * 2)
        count, _ = pipe.execute()
        return int(count)
    except Exception as exc:  # noqa: BLE001 - a counter: the request goes through
        log.warning("API rate limit: Redis unavailable (%s)", type(exc).__name__)
        return None


def check(token: str, now: float | None = None) -> Verdict:
    """Count one request of the token (named by its public prefix) and say whether it is
    within the limit."""
    limit = settings().api_rate_limit
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    reset = max(1, int((window + 1) * WINDOW_SECONDS - now))
    if limit <= 0:
        return Verdict(True, 0, 0, reset)
    count = _count(token, window)
    if count is None:
        return Verdict(True, limit, limit, reset)
    return Verdict(count <= limit, limit, max(0, limit - count), reset)


def clear_local() -> None:
    """Forget this process's counts (tests)."""
    _memory.clear()
