"""The one typed way to read settings at run time: ``settings().suppression_threshold``.

:class:`mrc.config.Config` holds every default and reads the environment once; ``create_app``
copies it into Flask's ``app.config`` (where Flask and its extensions expect their keys) and
puts a :class:`Settings` view of that mapping in ``app.extensions["mrc.settings"]``. Code reads
through the view, never ``app.config["MRC_…"]`` directly, so each setting has one name, one
type and one default (the Config field's), and a test that changes ``app.config`` is seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

EXTENSION_KEY = "mrc.settings"


class Settings:
    """Typed, read-only access to the MRC keys of a Flask config mapping."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config

    def _int(self, key: str) -> int:
        return int(self._config[key])

    @property
    def env(self) -> str:
        return str(self._config["MRC_ENV"])

    @property
    def suppression_threshold(self) -> int:
        """Aggregates: cells below this count are suppressed (production refuses < 3)."""
        return self._int("MRC_SUPPRESSION_THRESHOLD")

    @property
    def disclosure_method(self) -> str:
        """"suppression" or "cellkey": how published counts are protected (docs/disclosure.md)."""
        return str(self._config.get("MRC_DISCLOSURE_METHOD", "cellkey"))

    @property
    def cellkey_secret(self) -> bytes:
        """The cell key method's secret (``MRC_CELLKEY_SECRET``), kept with the encryption keys."""
        return str(self._config.get("MRC_CELLKEY_SECRET") or "").encode()

    @property
    def followup_waves_days(self) -> tuple[int, ...]:
        """Days after the baseline of each follow-up wave (default 90, 180)."""
        return tuple(int(days) for days in self._config["MRC_FOLLOWUP_WAVES_DAYS"])

    @property
    def followup_lapse_days(self) -> int:
        """Days past its due date after which a wave still pending lapses (default 60)."""
        return self._int("MRC_FOLLOWUP_LAPSE_DAYS")

    @property
    def api_rate_limit(self) -> int:
        """Requests a minute one API token may make (``MRC_API_RATE_LIMIT``; 0: no limit)."""
        return self._int("MRC_API_RATE_LIMIT")

    @property
    def page_size(self) -> int:
        return self._int("MRC_PAGE_SIZE")

    @property
    def login_max_failures(self) -> int:
        return self._int("MRC_LOGIN_MAX_FAILURES")

    @property
    def login_max_delay_minutes(self) -> int:
        """Longest wait between log-in attempts under one username after failures."""
        return self._int("MRC_LOGIN_MAX_DELAY_MINUTES")

    @property
    def proxy_hops(self) -> int:
        """Trusted reverse proxies in front of the application (0: none)."""
        return self._int("MRC_PROXY_HOPS")

    @property
    def import_max_rows(self) -> int:
        return self._int("MRC_IMPORT_MAX_ROWS")

    @property
    def low_stock(self) -> int:
        """Leaflet stock at or below this many copies is flagged."""
        return self._int("MRC_LOW_STOCK")

    @property
    def smtp_url(self) -> str:
        """smtp://[user:password@]host[:port] or smtp+starttls://…; "" sends no e-mail."""
        return str(self._config.get("MRC_SMTP_URL", ""))

    @property
    def mail_from(self) -> str:
        return str(self._config.get("MRC_MAIL_FROM", "mrc@localhost"))

    @property
    def hsts_seconds(self) -> int:
        """Strict-Transport-Security max-age on HTTPS responses; 0 sends no header."""
        return self._int("MRC_HSTS_SECONDS")

    @property
    def public_url(self) -> str:
        return str(self._config["MRC_PUBLIC_URL"])

    @property
    def redis_url(self) -> str:
        """Empty in the embedded default: jobs then run in-process."""
        return str(self._config.get("REDIS_URL") or "")

    @property
    def output_dir(self) -> Path | None:
        """Folder for job outputs; None means the instance folder's ``outputs``."""
        value = self._config.get("MRC_OUTPUT_DIR")
        return Path(value) if value else None

    @property
    def default_locale(self) -> str:
        """Interface language when nothing else chose one (CLI, jobs, first visit)."""
        return str(self._config["BABEL_DEFAULT_LOCALE"])

    @property
    def supported_locales(self) -> tuple[str, ...]:
        return tuple(self._config["MRC_SUPPORTED_LOCALES"])

    @property
    def job_heartbeat_timeout(self) -> int:
        """Seconds a running job may stay silent before it counts as abandoned."""
        return self._int("MRC_JOB_HEARTBEAT_TIMEOUT")

    @property
    def webhook_backoff(self) -> tuple[int, ...]:
        """Seconds before each retry of a failed webhook delivery (``MRC_WEBHOOK_BACKOFF``)."""
        value = self._config.get("MRC_WEBHOOK_BACKOFF", (10, 60, 300, 1800, 7200))
        parts = value.split(",") if isinstance(value, str) else value
        return tuple(int(part) for part in parts if str(part).strip())

    @property
    def webhook_allow_http_local(self) -> bool:
        """Webhooks to localhost / 127.0.0.1 allowed (``MRC_WEBHOOK_ALLOW_HTTP_LOCAL=1``)."""
        return bool(self._config.get("MRC_WEBHOOK_ALLOW_HTTP_LOCAL"))

    @property
    def jobs_raise(self) -> bool:
        """Tests: re-raise a job's exception instead of only recording it."""
        return bool(self._config.get("MRC_JOBS_RAISE"))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = Settings(app.config)


def settings() -> Settings:
    """The running application's settings."""
    found: Settings = current_app.extensions[EXTENSION_KEY]
    return found
