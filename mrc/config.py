"""Settings: an embedded default for a laptop or single-machine MRC, and a production
configuration read from the environment.

``MRC_ENV=production`` selects production, which refuses to start with the development
secret key or without an encryption key and a database URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

# Development-only keys. They are public (they are in this file), so production refuses them.
DEV_SECRET_KEY = "dev-only-secret-key-not-for-production"  # noqa: S105
DEV_CELLKEY_SECRET = "dev-only-cell-key-secret"  # noqa: S105
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="  # base64 of 32 bytes

INSTANCE_DIR = Path(os.environ.get("MRC_INSTANCE_DIR", Path.cwd() / "instance"))

# Production refuses a lower threshold, as panels refuse k below 3.
MIN_SUPPRESSION_THRESHOLD = 3
DISCLOSURE_METHODS = ("suppression", "cellkey")


def _one_of(value: str, choices: tuple[str, ...], name: str) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value

SUPPORTED_LOCALES = ("en", "fa_AF", "ps", "ur", "bn", "ar", "ckb")
RTL_LOCALES = frozenset({"fa_AF", "ps", "ur", "ar", "ckb"})
# Addresses of the JSON API (mrc.api): token-authenticated, no session cookie, errors as
# problem+json, the caller's Accept-Language first (mrc.security, mrc.i18n, mrc.errors).
API_PATH = "/api/"


class UnsafeConfigError(RuntimeError):
    """Raised at start-up when a production configuration would be unsafe."""


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _int_list(raw: str) -> tuple[int, ...]:
    return tuple(int(part) for part in raw.split(",") if part.strip())


@dataclass
class Config:
    """Typed settings; ``to_flask()`` turns them into Flask config keys."""

    env: str = "development"
    secret_key: str = DEV_SECRET_KEY
    database_url: str = ""
    encryption_keys: str = DEV_ENCRYPTION_KEY
    redis_url: str = ""
    output_dir: str = ""
    default_locale: str = "en"
    followup_waves_days: tuple[int, ...] = (90, 180)
    # A wave still pending this many days after its due date lapses: it leaves the worklist
    # and counts as not reached (mrc.cases.lapse).
    followup_lapse_days: int = 60
    suppression_threshold: int = 5
    # How published counts are protected (docs/disclosure.md): "cellkey" (consistent
    # perturbation across every release, #11) or "suppression" (per request: tables can be
    # differenced against each other, kept for comparison and for outreach counts).
    disclosure_method: str = "cellkey"
    # The cell key method's secret (mrc.privacy.cellkey.scrambled): kept with the encryption
    # keys, never changed once figures are published (it defines which value a cell gets).
    cellkey_secret: str = DEV_CELLKEY_SECRET
    session_minutes: int = 30
    # Failed log-ins in a row under one username before each further one doubles the wait
    # before the next attempt is checked, up to login_max_delay_minutes (mrc.auth.services).
    login_max_failures: int = 5
    login_max_delay_minutes: int = 15
    # Reverse proxies in front of the application whose X-Forwarded-* headers are trusted
    # (0: none, the client talks to MRC directly).
    proxy_hops: int = 0
    page_size: int = 50
    # Requests a minute one API token may make (mrc.api.ratelimit); 0: no limit.
    api_rate_limit: int = 600
    low_stock: int = 50
    # Seconds a running job may stay silent before it counts as abandoned (worker killed).
    job_heartbeat_timeout: int = 120
    max_upload_bytes: int = 20 * 1024 * 1024
    import_max_rows: int = 10_000
    # Absolute base URL of this site as the public sees it: printed leaflets' QR codes point here.
    public_url: str = "http://localhost:5000"
    # Strict-Transport-Security max-age sent on HTTPS responses (0: no header). From the
    # environment: a year in production, off in development (a laptop serves plain HTTP).
    hsts_seconds: int = 0
    # Where signal alerts are e-mailed through: smtp://[user:password@]host[:port], or
    # smtp+starttls://… ("" : alerts stay in the application).
    smtp_url: str = ""
    mail_from: str = "mrc@localhost"
    # Seconds before each retry of a webhook delivery that failed (mrc.webhooks.delivery);
    # after the last retry fails, the delivery is failed for good.
    webhook_backoff: tuple[int, ...] = (10, 60, 300, 1800, 7200)
    # Webhooks to http(s)://localhost or 127.0.0.1 allowed (tests, a receiver on the same
    # machine); otherwise only https:// to public addresses (mrc.webhooks.transport).
    webhook_allow_http_local: bool = False
    testing: bool = False
    secure_cookies: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if environ is None else environ)
        mode = env.get("MRC_ENV", "development")
        default_db = f"sqlite:///{INSTANCE_DIR / 'mrc.sqlite'}"
        cfg = cls(
            env=mode,
            secret_key=env.get("SECRET_KEY", DEV_SECRET_KEY),
            database_url=normalise_database_url(env.get("DATABASE_URL", default_db)),
            encryption_keys=env.get("MRC_ENCRYPTION_KEY", DEV_ENCRYPTION_KEY),
            redis_url=env.get("REDIS_URL", ""),
            output_dir=env.get("MRC_OUTPUT_DIR", str(INSTANCE_DIR / "outputs")),
            default_locale=env.get("MRC_DEFAULT_LOCALE", "en"),
            followup_waves_days=_int_list(env.get("MRC_FOLLOWUP_WAVES", "90,180")),
            followup_lapse_days=int(env.get("MRC_FOLLOWUP_LAPSE_DAYS", "60")),
            suppression_threshold=int(env.get("MRC_SUPPRESSION_THRESHOLD", "5")),
            disclosure_method=_one_of(env.get("MRC_DISCLOSURE_METHOD", "cellkey"),
                                      DISCLOSURE_METHODS, "MRC_DISCLOSURE_METHOD"),
            cellkey_secret=env.get("MRC_CELLKEY_SECRET", DEV_CELLKEY_SECRET),
            session_minutes=int(env.get("MRC_SESSION_MINUTES", "30")),
            import_max_rows=int(env.get("MRC_IMPORT_MAX_ROWS", "10000")),
            job_heartbeat_timeout=int(env.get("MRC_JOB_HEARTBEAT_TIMEOUT", "120")),
            proxy_hops=int(env.get("MRC_PROXY_HOPS", "0")),
            api_rate_limit=int(env.get("MRC_API_RATE_LIMIT", "600")),
            public_url=env.get("MRC_PUBLIC_URL", "http://localhost:5000"),
            hsts_seconds=int(env.get("MRC_HSTS_SECONDS",
                                     "31536000" if mode == "production" else "0")),
            smtp_url=env.get("MRC_SMTP_URL", ""),
            mail_from=env.get("MRC_MAIL_FROM", "mrc@localhost"),
            webhook_backoff=_int_list(env.get("MRC_WEBHOOK_BACKOFF", "10,60,300,1800,7200")),
            webhook_allow_http_local=env.get("MRC_WEBHOOK_ALLOW_HTTP_LOCAL", "") == "1",
            secure_cookies=mode == "production",
        )
        return cfg

    def check_production_safety(self) -> None:
        """Refuse to run production with development keys or missing settings."""
        if self.env != "production":
            return
        problems = []
        if not self.secret_key or self.secret_key == DEV_SECRET_KEY:
            problems.append("SECRET_KEY is missing or is the development key")
        # Stripped as parse_keys strips them: " devkey" must not slip through.
        keys = [part.strip() for part in self.encryption_keys.split(",") if part.strip()]
        if not keys or DEV_ENCRYPTION_KEY in keys:
            problems.append("MRC_ENCRYPTION_KEY is missing or is the development key")
        if self.disclosure_method == "cellkey" and self.cellkey_secret.strip() in (
                "", DEV_CELLKEY_SECRET):
            problems.append("MRC_CELLKEY_SECRET is missing or is the development secret")
        if not self.database_url or self.database_url.startswith("sqlite"):
            problems.append("DATABASE_URL must point to PostgreSQL in production")
        if self.suppression_threshold < MIN_SUPPRESSION_THRESHOLD:
            # Below 3 a published 1 or 2 singles people out: suppression would be off.
            problems.append(f"MRC_SUPPRESSION_THRESHOLD must be at least "
                            f"{MIN_SUPPRESSION_THRESHOLD} in production")
        if problems:
            raise UnsafeConfigError("Unsafe production configuration: " + "; ".join(problems))

    def to_flask(self) -> dict[str, Any]:
        # A failed statement's parameters (a client's data) never reach an exception's text,
        # and so never a log line or an error report.
        engine_options: dict[str, Any] = {"hide_parameters": True}
        if self.database_url.startswith("postgresql"):
            engine_options["pool_pre_ping"] = True
        return {
            "MRC_ENV": self.env,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "MRC_ENCRYPTION_KEYS": self.encryption_keys,
            "REDIS_URL": self.redis_url,
            "MRC_OUTPUT_DIR": self.output_dir,
            "BABEL_DEFAULT_LOCALE": self.default_locale,
            "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
            "MRC_SUPPORTED_LOCALES": SUPPORTED_LOCALES,
            "MRC_FOLLOWUP_WAVES_DAYS": self.followup_waves_days,
            "MRC_FOLLOWUP_LAPSE_DAYS": self.followup_lapse_days,
            "MRC_SUPPRESSION_THRESHOLD": self.suppression_threshold,
            "MRC_DISCLOSURE_METHOD": self.disclosure_method,
            "MRC_CELLKEY_SECRET": self.cellkey_secret,
            "MRC_LOGIN_MAX_FAILURES": self.login_max_failures,
            "MRC_LOGIN_MAX_DELAY_MINUTES": self.login_max_delay_minutes,
            "MRC_PROXY_HOPS": self.proxy_hops,
            "MRC_PAGE_SIZE": self.page_size,
            "MRC_API_RATE_LIMIT": self.api_rate_limit,
            "MRC_LOW_STOCK": self.low_stock,
            "MRC_JOB_HEARTBEAT_TIMEOUT": self.job_heartbeat_timeout,
            "MAX_CONTENT_LENGTH": self.max_upload_bytes,
            "MRC_IMPORT_MAX_ROWS": self.import_max_rows,
            "MRC_PUBLIC_URL": self.public_url,
            "MRC_HSTS_SECONDS": self.hsts_seconds,
            "MRC_SMTP_URL": self.smtp_url,
            "MRC_MAIL_FROM": self.mail_from,
            "MRC_WEBHOOK_BACKOFF": self.webhook_backoff,
            "MRC_WEBHOOK_ALLOW_HTTP_LOCAL": self.webhook_allow_http_local,
            "PERMANENT_SESSION_LIFETIME": timedelta(minutes=self.session_minutes),
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.secure_cookies,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SECURE": self.secure_cookies,
            "WTF_CSRF_TIME_LIMIT": None,
            "TESTING": self.testing,
            **self.extra,
        }
