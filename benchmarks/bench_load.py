"""Load test (issue #14): many counsellors at once against the production web server.

``python -m benchmarks.bench_load [--clients N] [--database URL] [--users U] [--seconds S]
[--workers W] [--think S] [--saves-only] [--strict] [--output FILE | -]``

1. Starts a private PostgreSQL (as the test suite does) -- or, with ``--database URL``,
   uses that database -- migrates it and loads the demo (``N`` clients, default 300,000;
   several minutes) unless it has clients already, so one loaded database serves many
   runs. Phone numbers and notes are encrypted under the benchmark's own key
   (``--encryption-key``): production refuses the development key, and the server must
   read what the loader wrote.
2. Gives every MRC enough counsellor accounts for ``U`` users (default 200), spread evenly
   over the MRCs: the demo counsellor, then ``load-<mrc>-NN`` accounts made with
   ``create_user`` and a password of their own.
3. Starts ``mrc serve`` (gunicorn, ``W`` sync workers, default 4) in a subprocess on a free
   loopback port in production mode: ``MRC_ENV=production``, a fresh secret key and cell key secret, CSRF on,
   secure cookies, no Redis (no background job is exercised).
4. Each simulated counsellor is a thread with its own cookie jar. All log in (``GET`` and
   ``POST /login``), then for ``S`` seconds (default 60) each loops, with no pause unless
   ``--think`` is given: open the find page, find a client of their MRC by code (as on the
   card, or in small letters) or by phone number (national or international form), open
   the client page, open the session form, save a session with the form's CSRF token
   (random channel, intention, topics, answers), follow the redirect to the client page
   as a browser does, open the due follow-ups worklist.
5. Afterwards: gunicorn's error log is searched for deadlocks, serialization failures,
   tracebacks and worker timeouts, PostgreSQL's deadlock counter (and, for the private
   server, its log) is compared with before, and the summary tables are compared with a
   full recompute (``mrc.aggregates.summaries``).

A Markdown section is printed and appended to ``benchmarks/RESULTS.md`` (``--output -``:
printed only). Targets: no error, p95 below 300 ms for every kind of request, no deadlock
or serialization failure, summaries equal to a recompute. Each gets PASS or FAIL;
``--strict`` makes the exit status 1 when any fails.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import phonenumbers
from flask import Flask
from sqlalchemy import func, select, text

from benchmarks.harness import (
    Measurement,
    fmt_ms,
    load_demo_timed,
    machine,
    markdown_table,
    postgres_version,
    vacuum_analyze,
)
from mrc import create_app
from mrc.aggregates import summaries
from mrc.auth.models import Role, User
from mrc.auth.services import create_user
from mrc.cases import awareness, vocab
from mrc.cases.clients import mrc_country_code
from mrc.cases.models import Client, CounsellingSession
from mrc.config import Config, normalise_database_url
from mrc.demo.services import DEMO_PASSWORD
from mrc.extensions import db
from mrc.keys import keyring
from mrc.org.models import MRC
from mrc.privacy.codes import format_code
from mrc.privacy.encryption import InvalidToken
from tests.services import extra_database, free_port, postgres_server

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
# The benchmark data's key: public (it is in this file), like the demo passwords, and
# never a production key. A database loaded by this script can be reused with it.
BENCH_ENCRYPTION_KEY = "obOusffmJE92NTIzsDKa3WeKuHEp9h63duIGDoSjrHE="
LOAD_PASSWORD = "mrc-load-test-password"  # noqa: S105 - the load test's extra counsellors
TARGET_P95_MS = 300.0
SAMPLE_PER_MRC = 1000  # clients of each MRC the counsellors look up
REQUEST_TIMEOUT = 120.0
USER_AGENT = "mrc-bench-load"

KINDS = {  # measured kinds of request, in loop order: name -> how
    "find page": "GET /cases/find",
    "find client": "POST /cases/find (code or phone)",
    "client page": "GET /cases/clients/<id> (opened, and after saving)",
    "session form": "GET /cases/clients/<id>/sessions/new",
    "save session": "POST /cases/clients/<id>/sessions/new",
    "worklist": "GET /cases/worklist",
}
LOGIN_KINDS = {"log-in page": "GET /login", "log in": "POST /login"}
LOG_PATTERNS = {  # gunicorn error log: lines that mention …
    "deadlock": re.compile(r"deadlock", re.IGNORECASE),
    "could not serialize": re.compile(r"could not serialize", re.IGNORECASE),
    "traceback": re.compile(r"Traceback \(most recent call last\)"),
    "worker timeout": re.compile(r"WORKER TIMEOUT"),
}
CSRF_INPUT = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>')
VALUE = re.compile(r'\bvalue="([^"]*)"')
NOTES = ("", "", "", "Explained the written contract and the agency licence check.",
         "Client will come back with the job offer.")


# --- preparing the database -----------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    username: str
    password: str
    mrc: str


@dataclass(frozen=True)
class Target:
    """A client to look up, and how a counsellor may type it into the find page."""

    client_id: int
    searches: tuple[tuple[str, str], ...]  # ("code" | "phone", what is typed)


@dataclass
class Prepared:
    url: str
    load_note: str
    clients: int
    sessions: int
    accounts: list[Account]
    targets: dict[str, list[Target]]
    pg_version: str
    server_log: Path | None  # the private PostgreSQL server's log
    deadlocks_before: int
    answer_keys: list[str]


def bench_app(url: str, key: str) -> Flask:
    """The benchmark's own app on ``url`` (development mode, the benchmark's key), migrated."""
    from flask_migrate import upgrade

    app = create_app(Config(database_url=normalise_database_url(url), encryption_keys=key))
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


def load(app: Flask, options: argparse.Namespace) -> str:
    """Load the demo unless the database has clients; say what happened."""
    with app.app_context():
        demo, seconds = load_demo_timed(options.seed, options.clients, if_empty=True)
        if demo.skipped:
            check_key(options.encryption_key)
            return "database loaded by an earlier run"
        vacuum_analyze()
        return f"loaded by this run in {seconds:.0f} s, then VACUUM ANALYZE"


def check_key(key: str) -> None:
    """Stop early when the loaded data were encrypted under another key."""
    sealed = db.session.scalar(select(Client.phone_enc).where(Client.phone_enc.is_not(None))
                               .limit(1))
    if sealed is None:
        return
    try:
        keyring().cipher.decrypt(sealed)
    except InvalidToken:
        raise SystemExit("The database's phone numbers were encrypted under another key: "
                         "pass it with --encryption-key (it cannot be the development key, "
                         "which production refuses).") from None


def ensure_accounts(users: int) -> list[Account]:
    """``users`` counsellor accounts, spread evenly over the MRCs (round robin)."""
    mrcs = list(db.session.scalars(select(MRC).where(MRC.active.is_(True)).order_by(MRC.code)))
    per_mrc = math.ceil(users / len(mrcs))
    staff: dict[str, list[Account]] = {}
    for mrc in mrcs:
        demo = f"counsellor-{mrc.code.lower()}"
        names = [demo] + [f"load-{mrc.code.lower()}-{n:02d}" for n in range(1, per_mrc)]
        staff[mrc.code] = []
        for name in names:
            password = DEMO_PASSWORD if name == demo else LOAD_PASSWORD
            if db.session.scalar(select(User.id).where(User.username == name)) is None:
                password = LOAD_PASSWORD
                create_user(name, password, Role.COUNSELLOR, mrc_id=mrc.id)
            staff[mrc.code].append(Account(name, password, mrc.code))
    db.session.commit()
    return [staff[mrcs[i % len(mrcs)].code][i // len(mrcs)] for i in range(users)]


def sample_targets(rng: random.Random) -> dict[str, list[Target]]:
    """For each MRC, up to SAMPLE_PER_MRC of its clients with their searches."""
    ring = keyring()
    targets: dict[str, list[Target]] = {}
    for mrc in db.session.scalars(select(MRC).order_by(MRC.code)):
        country = mrc_country_code(mrc)
        rows = db.session.execute(
            select(Client.id, Client.code, Client.phone_enc)
            .where(Client.mrc_id == mrc.id, Client.erased_at.is_(None),
                   Client.code.is_not(None))
            .order_by(func.random()).limit(SAMPLE_PER_MRC)).all()
        picked = []
        for row in rows:
            code = format_code(row.code)
            searches = [("code", code), ("code", code.lower())]
            if row.phone_enc:
                number = phonenumbers.parse(ring.cipher.decrypt(row.phone_enc), country)
                searches += [("phone", phonenumbers.format_number(number, form))
                             for form in (phonenumbers.PhoneNumberFormat.NATIONAL,
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)]
            picked.append(Target(row.id, tuple(searches)))
        if picked:
            targets[mrc.code] = picked
    return targets


def deadlock_count() -> int:
    """PostgreSQL's count of deadlocks detected in this database (cumulative)."""
    with db.engine.connect() as conn:
        return int(conn.scalar(text("SELECT deadlocks FROM pg_stat_database "
                                    "WHERE datname = current_database()")) or 0)


def server_log_path(private: bool) -> Path | None:
    # tests.services.postgres_server keeps its log beside the data directory.
    if not private:
        return None
    with db.engine.connect() as conn:
        data = Path(str(conn.scalar(text("SHOW data_directory"))))
    return data.parent / "log"


def prepare(stack: ExitStack, options: argparse.Namespace) -> tuple[Flask, Prepared]:
    url = options.database
    if url is None:
        base = stack.enter_context(postgres_server())
        url = stack.enter_context(extra_database(base, f"mrc_bench_load_{options.clients}"))
    app = bench_app(url, options.encryption_key)
    load_note = load(app, options)
    with app.app_context():
        clients = db.session.scalar(select(func.count()).select_from(Client)) or 0
        sessions = db.session.scalar(select(func.count()).select_from(CounsellingSession)) or 0
        accounts = ensure_accounts(options.users)
        targets = sample_targets(random.Random(options.seed))
        accounts = [a for a in accounts if a.mrc in targets]
        prepared = Prepared(
            url=url, load_note=load_note, clients=clients, sessions=sessions,
            accounts=accounts, targets=targets, pg_version=postgres_version(app),
            server_log=server_log_path(options.database is None),
            deadlocks_before=deadlock_count(),
            answer_keys=[q.key for q in awareness.questions()])
        db.session.remove()
    return app, prepared


# --- the server -----------------------------------------------------------------------------

@dataclass
class Server:
    port: int
    error_log: Path
    access_log: Path
    command: list[str]


def production_env(url: str, key: str, folder: Path) -> dict[str, str]:
    """The environment of a production instance on ``url`` (nothing inherited from ours)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MRC_") and k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env.update({"MRC_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
                "MRC_ENCRYPTION_KEY": key, "MRC_CELLKEY_SECRET": secrets.token_urlsafe(32),
                "DATABASE_URL": url, "MRC_INSTANCE_DIR": str(folder), "MRC_OUTPUT_DIR": str(folder / "outputs")})
    return env


@contextmanager
def gunicorn(url: str, key: str, workers: int) -> Iterator[Server]:
    """``mrc serve`` on a free loopback port until the block ends (then a graceful stop)."""
    folder = Path(tempfile.mkdtemp(prefix="mrc-load-"))
    port = free_port()
    server = Server(port, folder / "gunicorn-error.log", folder / "gunicorn-access.log",
                    [sys.executable, "-m", "mrc", "serve", "--bind", f"127.0.0.1:{port}",
                     "--workers", str(workers)])
    with server.access_log.open("wb") as out, server.error_log.open("wb") as err:
        proc = subprocess.Popen(server.command, env=production_env(url, key, folder),
                                cwd=ROOT, stdout=out, stderr=err)
        try:
            wait_until_answering(proc, server)
            yield server
        finally:
            proc.terminate()  # gunicorn: graceful stop, the workers finish their requests
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_until_answering(proc: subprocess.Popen[bytes], server: Server) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/login",  # noqa: S310
                                        timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = server.error_log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"mrc serve did not answer:\n{tail}")
        time.sleep(0.3)


# --- the counsellors ------------------------------------------------------------------------

@dataclass
class Sample:
    kind: str
    phase: str  # "log-in", "warm-up" or "measured"
    started: float  # time.perf_counter()
    seconds: float
    problem: str | None  # None: the response was the one expected


@dataclass
class Reply:
    status: int
    location: str  # path of the Location header, "" when none
    text: str


@dataclass
class Clock:
    start: float = 0.0
    end: float = math.inf


Check = Callable[[Reply], str | None]


def csrf_token(page: str) -> str | None:
    tag = CSRF_INPUT.search(page)
    value = VALUE.search(tag.group(0)) if tag else None
    return value.group(1) if value else None


def has_token(reply: Reply) -> str | None:
    return None if csrf_token(reply.text) else "no CSRF token in the page"


def goes_to(path: str) -> Check:
    def check(reply: Reply) -> str | None:
        if reply.status == 302 and reply.location != path:
            return f"redirect to {reply.location or '?'}"
        return None
    return check


class Browser:
    """One counsellor's browser: a cookie jar, and a new connection per request (gunicorn's
    sync workers close every connection). The session cookie is marked Secure; it is sent
    over loopback HTTP as a TLS-terminating proxy would pass it on."""

    def __init__(self, port: int, clock: Clock, samples: list[Sample], think: float,
                 rng: random.Random) -> None:
        self.port, self.clock, self.samples, self.think, self.rng = (
            port, clock, samples, think, rng)
        self.cookies: dict[str, str] = {}
        self.phase = "log-in"
        self.token: str | None = None  # the session form's CSRF token (--saves-only)
        self.saved_cookies: dict[str, str] = {}  # the cookies the first save was sent with

    def send(self, kind: str, method: str, path: str, form: dict[str, Any] | None = None,
             expect: tuple[int, ...] = (200,), check: Check | None = None) -> Reply | None:
        """The reply, or None when it was not the expected one or time is up."""
        if self.think:
            time.sleep(self.rng.expovariate(1 / self.think))
        if time.perf_counter() >= self.clock.end:
            return None
        headers = {"User-Agent": USER_AGENT, "Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        reply: Reply | None = None
        try:
            reply = self._exchange(method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            problem: str | None = type(exc).__name__
        else:
            problem = None
            if reply.status not in expect:
                problem = f"HTTP {reply.status}"
                if reply.status == 302 and reply.location.startswith("/login"):
                    problem = "sent to log in"
            elif check is not None:
                problem = check(reply)
        self.samples.append(Sample(kind, self.phase, started, time.perf_counter() - started,
                                   problem))
        return reply if problem is None else None

    def _exchange(self, method: str, path: str, body: bytes | None,
                  headers: dict[str, str]) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        finally:
            conn.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value, _, attributes = rest.partition(";")
            if "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        return Reply(response.status, urlsplit(response.getheader("Location", "")).path,
                     payload.decode("utf-8", errors="replace"))

    def log_in(self, account: Account) -> bool:
        page = self.send("log-in page", "GET", "/login", check=has_token)
        if page is None:
            return False
        form = {"csrf_token": csrf_token(page.text), "username": account.username,
                "password": account.password}
        return self.send("log in", "POST", "/login", form, expect=(302,),
                         check=goes_to("/")) is not None


def session_form(rng: random.Random, token: str, answer_keys: list[str]) -> dict[str, Any]:
    """A session as a counsellor fills it in (the fields of mrc.cases.forms.SessionForm)."""
    form: dict[str, Any] = {
        "csrf_token": token, "date": date.today().isoformat(),
        "channel": rng.choice(list(vocab.CHANNEL)),
        "language": rng.choice(["ur", "fa", "ps", "bn", "ar", "ckb", "tg", "en"]),
        "intention": rng.choice(list(vocab.INTENTION)),
        "destination": rng.choice(["SA", "AE", "QA", "MY", "DE", "TR", ""]),
        "topics": rng.sample(vocab.codes(vocab.TOPICS), rng.randint(1, 4)),
        "referrals": rng.sample(vocab.codes(vocab.REFERRALS), rng.randint(0, 1)),
        "duration_minutes": str(rng.randint(10, 60)), "notes": rng.choice(NOTES),
    }
    if rng.random() < 0.6:  # the awareness questions: all answered, or none
        for key in answer_keys:
            form[f"aw_{key}"] = rng.choice(awareness.ANSWERS)
    return form


def visit(browser: Browser, target: Target, answer_keys: list[str]) -> bool:
    """One loop: find the client, open it, save a session, open the worklist. False when
    a step did not give what was expected or time is up (the loop is abandoned)."""
    rng = browser.rng
    client = f"/cases/clients/{target.client_id}"
    page = browser.send("find page", "GET", "/cases/find", check=has_token)
    if page is None:
        return False
    kind, typed = rng.choice(target.searches)
    # A phone number several clients share lists them (200); the counsellor opens theirs.
    found = browser.send("find client", "POST", "/cases/find",
                         {"csrf_token": csrf_token(page.text), "search": kind, kind: typed},
                         expect=(302,) if kind == "code" else (302, 200),
                         check=goes_to(client))
    if found is None or browser.send("client page", "GET", client) is None:
        return False
    form = browser.send("session form", "GET", f"{client}/sessions/new", check=has_token)
    if form is None:
        return False
    data = session_form(rng, csrf_token(form.text) or "", answer_keys)
    saved = browser.send("save session", "POST", f"{client}/sessions/new", data,
                         expect=(302,), check=goes_to(client))
    if saved is None or browser.send("client page", "GET", client) is None:
        return False
    return browser.send("worklist", "GET", "/cases/worklist") is not None


def save_only(browser: Browser, target: Target, answer_keys: list[str]) -> bool:
    """One loop of ``--saves-only``: save a session for the client (the form's CSRF token
    is read once per counsellor and reused, as a form left open would send it); the
    redirect is not followed. The cookies are put back as they were before the first save:
    the page a browser is sent to shows (and so removes) the save's message, which would
    otherwise pile up in the session cookie. False when the save was refused or time is up."""
    if browser.token is None:
        form = browser.send("session form", "GET", f"/cases/clients/{target.client_id}"
                            "/sessions/new", check=has_token)
        browser.token = None if form is None else csrf_token(form.text)
        if browser.token is None:
            return False
        browser.saved_cookies = dict(browser.cookies)
    browser.cookies = dict(browser.saved_cookies)
    client = f"/cases/clients/{target.client_id}"
    return browser.send("save session", "POST", f"{client}/sessions/new",
                        session_form(browser.rng, browser.token, answer_keys),
                        expect=(302,), check=goes_to(client)) is not None


@dataclass
class LoadResult:
    samples: list[Sample]
    clock: Clock
    loops: int
    logged_in: int
    generator_cpu_s: float  # this process's CPU over the window (all its threads)


def run_load(port: int, prepared: Prepared, options: argparse.Namespace) -> LoadResult:
    """Every account logs in; when all have, the clock starts and each loops until it ends."""
    samples: list[Sample] = []  # list.append is atomic: the threads share it
    clock = Clock()
    users = len(prepared.accounts)

    cpu_at_start = [time.process_time()]  # this process's CPU (every thread) when it starts

    def start_clock() -> None:
        cpu_at_start[0] = time.process_time()
        clock.start = time.perf_counter()
        clock.end = clock.start + options.seconds
        print(f"all logged in and warmed up; measuring for {options.seconds} s", flush=True)

    barrier = threading.Barrier(users, action=start_clock)
    loop = save_only if options.saves_only else visit

    def counsellor(i: int) -> tuple[int, bool]:
        account = prepared.accounts[i]
        rng = random.Random(f"{options.seed}-{i}")
        browser = Browser(port, clock, samples, options.think, rng)
        try:
            ok = browser.log_in(account)
            browser.phase = "warm-up"  # each worker's first pages load templates and data
            for _ in range(options.warmup if ok else 0):
                loop(browser, rng.choice(prepared.targets[account.mrc]), prepared.answer_keys)
        finally:
            barrier.wait(timeout=1800)
        browser.phase = "measured"
        loops = 0
        while ok and time.perf_counter() < clock.end:
            if loop(browser, rng.choice(prepared.targets[account.mrc]),
                     prepared.answer_keys):
                loops += 1
        return loops, ok

    with ThreadPoolExecutor(max_workers=users, thread_name_prefix="counsellor") as pool:
        outcomes = list(pool.map(counsellor, range(users)))
    return LoadResult(samples, clock, sum(n for n, _ in outcomes),
                      sum(1 for _, ok in outcomes if ok), time.process_time() - cpu_at_start[0])


# --- afterwards -----------------------------------------------------------------------------

@dataclass
class Checks:
    log_counts: dict[str, int]
    pg_log_counts: dict[str, int] | None
    deadlocks: int
    mismatches: list[str]
    summary_rows: int
    check_seconds: float
    notes: list[str] = field(default_factory=list)


def count_lines(path: Path | None) -> dict[str, int] | None:
    if path is None or not path.exists():
        return None
    lines = path.read_text(errors="replace").splitlines()
    return {name: sum(1 for line in lines if pattern.search(line))
            for name, pattern in LOG_PATTERNS.items()}


def compare_summaries() -> tuple[list[str], int]:
    """The summary tables against a full recompute: what differs, and rows compared."""
    summaries.apply_pending()
    stored, fresh = summaries.stored(), summaries.recompute()
    mismatches, rows = [], 0
    for model in {**stored, **fresh}:
        have, want = stored.get(model, {}), fresh.get(model, {})
        rows += len(want)
        differ = sum(1 for key in have.keys() | want.keys() if have.get(key) != want.get(key))
        if differ:
            mismatches.append(f"{model.__tablename__}: {differ} of {len(want):,} rows differ")
    db.session.rollback()
    return mismatches, rows


def after_run(app: Flask, prepared: Prepared, server: Server) -> Checks:
    log_counts = count_lines(server.error_log) or {}
    pg_counts = count_lines(prepared.server_log)
    with app.app_context():
        deadlocks = deadlock_count() - prepared.deadlocks_before
        started = time.perf_counter()
        mismatches, rows = compare_summaries()
        seconds = time.perf_counter() - started
        db.session.remove()
    return Checks(log_counts, pg_counts, deadlocks, mismatches, rows, seconds)


# --- the report -----------------------------------------------------------------------------

def measurements(result: LoadResult) -> tuple[list[Measurement], Measurement, list[Measurement]]:
    """Per kind of request in the measured window, all of them, and the log-ins."""
    by_kind = {name: Measurement(name, how=how) for name, how in {**KINDS, **LOGIN_KINDS}.items()}
    total = Measurement("all requests", how="")
    for s in result.samples:
        if s.phase == "warm-up":
            continue
        m = by_kind[s.kind]
        m.samples.append(s.seconds)
        m.failures += s.problem is not None
        if s.kind in KINDS:
            total.samples.append(s.seconds)
            total.failures += s.problem is not None
    return ([by_kind[k] for k in KINDS], total, [by_kind[k] for k in LOGIN_KINDS])


def row(m: Measurement) -> list[str]:
    ok = "yes" if m.p95 < TARGET_P95_MS else "**no**"
    return [m.name, f"`{m.how}`" if m.how else "", f"{len(m.samples):,}", f"{m.failures:,}",
            fmt_ms(m.p50), fmt_ms(m.p95), fmt_ms(m.percentile(99)), fmt_ms(m.max), ok]


def verdicts_for(kinds: list[Measurement], total: Measurement, logins: list[Measurement],
                 warmup_errors: int, checks: Checks) -> list[tuple[str, bool, str]]:
    errors = total.failures + sum(m.failures for m in logins) + warmup_errors
    slow = [f"{m.name} {fmt_ms(m.p95)} ms" if m.samples else f"{m.name} (no request)"
            for m in kinds if not m.p95 < TARGET_P95_MS]
    pg = checks.pg_log_counts or {}
    conflicts = (checks.log_counts.get("deadlock", 0)
                 + checks.log_counts.get("could not serialize", 0)
                 + pg.get("deadlock", 0) + pg.get("could not serialize", 0) + checks.deadlocks)
    pg_text = (f"; PostgreSQL log: {pg.get('deadlock', 0)} deadlock, "
               f"{pg.get('could not serialize', 0)} could not serialize"
               if checks.pg_log_counts is not None else "")
    return [
        ("no errors", errors == 0,
         f"{errors} (log-ins and warm-up included)"),
        (f"p95 < {TARGET_P95_MS:.0f} ms, every kind of request", not slow,
         f"overall p95 {fmt_ms(total.p95)} ms" + (f"; above: {', '.join(slow)}" if slow else "")),
        ("no deadlock or serialization failure", conflicts == 0,
         f"gunicorn log: {checks.log_counts.get('deadlock', 0)} lines mention a deadlock, "
         f"{checks.log_counts.get('could not serialize', 0)} could not serialize, "
         f"{checks.log_counts.get('traceback', 0)} tracebacks, "
         f"{checks.log_counts.get('worker timeout', 0)} worker timeouts; "
         f"pg_stat_database deadlocks +{checks.deadlocks}{pg_text}"),
        ("summary tables equal a full recompute", not checks.mismatches,
         "; ".join(checks.mismatches) or f"{checks.summary_rows:,} rows compared "
         f"in {checks.check_seconds:.1f} s"),
    ]


def render(prepared: Prepared, result: LoadResult, checks: Checks,
           options: argparse.Namespace, info: dict[str, str], argv: list[str]) -> tuple[str, bool]:
    kinds, total, logins = measurements(result)
    measured = [s for s in result.samples if s.phase == "measured"]
    warmup = [s for s in result.samples if s.phase == "warm-up"]
    window = (max(s.started + s.seconds for s in measured) - result.clock.start
              if measured else float("nan"))
    saved = sum(1 for s in measured if s.kind == "save session" and s.problem is None)
    per_mrc = Counter(a.mrc for a in prepared.accounts)
    verdicts = verdicts_for(kinds, total, logins, sum(1 for s in warmup if s.problem), checks)
    problems = Counter(f"{s.kind} ({s.phase}): {s.problem}"
                       for s in result.samples if s.problem)
    think = f"{options.think} s mean pause (exponential) before each request" \
        if options.think else "no pause between requests"
    out = [
        "", f"## Load test: {len(prepared.accounts)} counsellors against gunicorn "
        f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)", "",
        f"Generated by `{shlex.join(['python', '-m', 'benchmarks.bench_load', *argv])}` "
        "(`make bench-load`).",
        f"Machine: {info.get('cpu', '?')}, {info['nproc']} CPUs, {info.get('memory', '?')}, "
        f"load average at start {info.get('load', '?')}; PostgreSQL {prepared.pg_version} "
        f"({'private server with the test suite settings' if options.database is None else 'given with --database'}); "
        f"Python {info['python']}. Load generator, gunicorn and PostgreSQL share the machine.",
        "",
        f"Data: {prepared.clients:,} clients, {prepared.sessions:,} sessions at the start "
        f"({prepared.load_note}). Server: `mrc serve --workers {options.workers}` "
        "(gunicorn sync workers) in production mode (`MRC_ENV=production`, CSRF on, secure "
        "cookies, no Redis). Counsellors: "
        + ", ".join(f"{n} at {code}" for code, n in sorted(per_mrc.items()))
        + f"; each a thread with its own cookie jar and a new connection per request, "
        f"{think}. All logged in first ({result.logged_in} succeeded) and went through "
        f"{options.warmup} loop(s) untimed ({len(warmup):,} requests, "
        f"{sum(1 for s in warmup if s.problem):,} unexpected); then, for "
        f"{options.seconds} s (measured window {window:.1f} s), each looped: "
        + ("save a session (random answers; the session form opened once for its CSRF "
           "token, the redirect not followed). " if options.saves_only else
           "find page, find by code or phone number (national or international form), "
           "client page, session form, save a session (random answers), the client page "
           "it redirects to, worklist. ")
        + "Wall time per request as the client sees it (connection, queueing for a worker, "
        "the request, reading the reply).", "",
        markdown_table(["request", "how", "requests", "errors", "p50 ms", "p95 ms", "p99 ms",
                        "max ms", f"p95 < {TARGET_P95_MS:.0f} ms"],
                       [row(m) for m in [*kinds, total, *logins]]),
        "",
        f"Throughput: {len(measured) / window:,.1f} requests/s, {result.loops / window:,.2f} "
        f"complete loops/s ({result.loops:,} loops, {saved:,} sessions saved: "
        f"{saved / window:,.1f} saves/s) over the window. The load generator's own CPU: "
        f"{result.generator_cpu_s:,.1f} s over the window ({result.generator_cpu_s / window:.2f} "
        f"of a core). Log-ins (before the window) are not in the overall row.", "",
        markdown_table(["target", "result", "detail"],
                       [[name, "PASS" if ok else "**FAIL**", detail]
                        for name, ok, detail in verdicts]),
        "",
    ]
    if problems:
        out += ["Unexpected responses: " + "; ".join(
            f"{what} ×{n}" for what, n in problems.most_common(10)) + ".", ""]
    return "\n".join(out), all(ok for _, ok, _ in verdicts)


# --- main -----------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=300_000,
                        help="demo clients to load into an empty database")
    parser.add_argument("--database", default=None, metavar="URL",
                        help="use this PostgreSQL database (the demo is loaded if it is empty)")
    parser.add_argument("--encryption-key", default=BENCH_ENCRYPTION_KEY,
                        help="the key the database's data are (or will be) encrypted under")
    parser.add_argument("--users", type=int, default=200, help="simulated counsellors")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured time")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a counsellor pauses before each request")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed loops each counsellor goes through before the clock starts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--saves-only", action="store_true",
                        help="each counsellor only saves sessions (the write path's throughput)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target is missed")
    parser.add_argument("--output", default=str(RESULTS),
                        help="Markdown file the section is appended to; - for none")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    options = parse_args(argv)
    info = machine()
    with ExitStack() as stack:
        print("preparing the database (a 300,000-client load takes several minutes)",
              flush=True)
        app, prepared = prepare(stack, options)
        print(f"{prepared.clients:,} clients ({prepared.load_note}); "
              f"{len(prepared.accounts)} counsellor accounts", flush=True)
        with gunicorn(prepared.url, options.encryption_key, options.workers) as server:
            print(f"mrc serve answering on 127.0.0.1:{server.port}; logging in", flush=True)
            result = run_load(server.port, prepared, options)
        print("server stopped; checking logs and summary tables", flush=True)
        checks = after_run(app, prepared, server)
        with app.app_context():
            db.engine.dispose()
    section, passed = render(prepared, result, checks, options, info, argv)
    print(section)
    print(f"gunicorn logs: {server.error_log}, {server.access_log}")
    if options.output != "-":
        with Path(options.output).open("a", encoding="utf-8") as out:
            out.write(section + "\n")
        print(f"appended to {options.output}")
    print("PASS" if passed else "FAIL (some targets missed)")
    if options.strict and not passed:
        sys.exit(1)


if __name__ == "__main__":
    main()
