"""A Redis connection for what may do without it (a cache, a counter): it gives up after a
second, and the caller carries on without the shared store."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

QUICK_TIMEOUT_SECONDS = 1


@lru_cache(maxsize=4)  # one client (and its connection pool) per address
def quick_redis(url: str) -> Any:
    from redis import Redis  # only where Redis is configured

    return Redis.from_url(url, socket_connect_timeout=QUICK_TIMEOUT_SECONDS,
                          socket_timeout=QUICK_TIMEOUT_SECONDS)
