"""Where published suppression patterns are kept: per process, and in Redis when configured.

Two look-ups, both keyed by digests (never by a name or a number a person could be found
by; the cell values enter only through SHA-256):

* **exact**: the pattern published for these exact cell values, constraints and threshold.
  The first pattern stored for a key wins (Redis ``SET NX``), so every worker and every user
  is shown the same pattern for the same numbers, and a worker that has not drawn the page
  yet (a cold worker) reads it instead of solving it again.
* **latest**: the pattern last published for a *lineage* (the same table of the same scope
  and period: its caller names it) with the same constraints and the same sensitive cells.
  After a save changes a few numbers, :func:`mrc.privacy.suppression.suppress` checks that
  pattern against the new numbers (an audit, milliseconds) instead of solving the MIP again
  (a quarter of a second for a year's trend table): the page right after a write costs
  about what a warm page costs, and the pattern does not move between versions.

Without Redis the store is this process's memory, bounded (least recently used dropped).
Production without Redis (several gunicorn workers, each with its own memory) does not use
"latest": two workers holding different previous patterns could show the same numbers
under two patterns, and their union would reveal more than either. With Redis, or outside
production (the embedded server is one process; commands and tests too), every publication
of a table goes through one store. Redis errors never fail a page: exact patterns fall back to this process's
memory, and in production no previous pattern is offered until Redis answers again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from mrc.caching import quick_redis
from mrc.privacy.suppression import Pattern, SuppressionResult, Table
from mrc.settings import settings

log = logging.getLogger(__name__)

LOCAL_SIZE = 4096  # patterns per kind in process memory; each is a few hundred booleans
REDIS_PREFIX = "mrc:pattern:"
REDIS_TTL_SECONDS = 40 * 24 * 3600  # longer than a quarter's reports are read for


def digest(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def encode(pattern: Pattern) -> str:
    return ("".join("1" if s else "0" for s in pattern.suppressed) + "|"
            + ",".join(str(i) for i in pattern.primary))


def decode(text: str) -> Pattern:
    mask, _sep, primary = text.partition("|")
    return Pattern(tuple(c == "1" for c in mask),
                   tuple(int(i) for i in primary.split(",") if i))


class _Local:
    """Least-recently-used patterns of this process (a lock: the dev server is threaded)."""

    def __init__(self) -> None:
        self.items: OrderedDict[str, Pattern] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Pattern | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: str, pattern: Pattern, *, first_wins: bool) -> Pattern:
        with self.lock:
            if first_wins and key in self.items:
                return self.items[key]
            self.items[key] = pattern
            self.items.move_to_end(key)
            while len(self.items) > LOCAL_SIZE:
                self.items.popitem(last=False)
            return pattern

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_local = _Local()
stats = {"exact": 0, "latest": 0, "solved": 0}  # look-ups answered, for tests and benchmarks


def _shared() -> Any | None:
    url = settings().redis_url
    return quick_redis(url) if url else None


def reuse_latest() -> bool:
    """Whether earlier versions' patterns may be reused: only when one store sees every
    publication (Redis, or outside production; see the module docstring)."""
    return bool(settings().redis_url) or settings().env != "production"


def _read_shared(shared: Any, key: str) -> Pattern | None:
    try:
        text = shared.get(REDIS_PREFIX + key)
    except Exception as exc:  # noqa: BLE001 - a cache: the page is drawn without it
        log.warning("pattern store: Redis unavailable (%s)", type(exc).__name__)
        return None
    if text is None:
        return None
    return decode(text.decode() if isinstance(text, bytes) else str(text))


def get(key: str) -> Pattern | None:
    """The pattern kept for ``key`` (an exact key): this process's copy, else Redis's."""
    found = _local.get(key)
    if found is not None:
        return found
    shared = _shared()
    pattern = _read_shared(shared, key) if shared is not None else None
    return _local.put(key, pattern, first_wins=True) if pattern is not None else None


def get_latest(key: str) -> Pattern | None:
    """The last pattern of a lineage. In production with Redis only Redis answers: when it
    does not, no previous pattern is offered, so that workers never reuse patterns that
    differ from one another's while Redis is away."""
    shared = _shared()
    if shared is not None and settings().env == "production":
        return _read_shared(shared, key)
    return get(key)


def put(key: str, pattern: Pattern, *, first_wins: bool) -> Pattern:
    """Keep ``pattern``; with ``first_wins`` return the one already kept, if any."""
    shared = _shared()
    if shared is not None:
        try:
            name = REDIS_PREFIX + key
            if first_wins:
                if not shared.set(name, encode(pattern), nx=True, ex=REDIS_TTL_SECONDS):
                    text = shared.get(name)
                    if text is not None:
                        pattern = decode(text.decode() if isinstance(text, bytes) else text)
            else:
                shared.set(name, encode(pattern), ex=REDIS_TTL_SECONDS)
        except Exception as exc:  # noqa: BLE001 - a cache: fall back to this process
            log.warning("pattern store: Redis unavailable (%s)", type(exc).__name__)
    # Redis's winner replaces whatever this process had; without Redis the first stays.
    return _local.put(key, pattern, first_wins=first_wins and shared is None)


def clear_local() -> None:
    """Forget this process's patterns (Redis keeps its own): a cold worker."""
    _local.clear()


def primary_of(values: Sequence[int], threshold: int) -> tuple[int, ...]:
    """The sensitive cells, as :func:`mrc.privacy.suppression.suppress` counts them."""
    return tuple(i for i, v in enumerate(values) if 0 < v < threshold)


def result(table: Table, threshold: int, pattern: Pattern, method: str) -> SuppressionResult:
    """``pattern`` as the result of suppressing ``table``."""
    primary = set(pattern.primary)
    return SuppressionResult(table=table, threshold=threshold, protection=threshold,
                             suppressed=list(pattern.suppressed), primary=list(pattern.primary),
                             complementary=[i for i, s in enumerate(pattern.suppressed)
                                            if s and i not in primary],
                             method=method)
