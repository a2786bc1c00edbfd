"""The one exception every service raises when input breaks a domain rule.

It lives here, below every feature, so that org, admin, cases, outreach and imports share it
without importing each other.
"""

from __future__ import annotations

# Record ids are 32-bit integer columns: a larger number names no record, and must never
# reach the database driver (SQLite overflows on numbers beyond 64 bits).
MAX_ID = 2**31 - 1


class ValidationError(ValueError):
    """Input breaks a domain rule. ``errors`` maps field name → translated message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
