"""Fuzz: every form route (every POST rule of ``app.url_map``, of every blueprint) gets
random form data from a user of a role that may use it, and never answers a 500 nor shows
a traceback (#14).

The data starts from the route's own form filled in as a person would (the field names,
options and values its page shows), with some fields replaced or repeated, other forms'
field names and junk keys added. The values are text with NUL, RTL marks and other control
characters, very long strings, markup and template syntax; huge, negative and odd numbers;
dates in odd formats and calendars; several values for one key; random files; sometimes a
JSON body instead of the form. The testing app propagates exceptions, so a view that
raises fails here with its traceback; a 5xx answer fails too.

Every POST rule must be in ``ROLE_OF`` (a new form route cannot slip through), and a
first empty POST must reach the view (not 403/404 or the log-in page), so the fuzz does
not test a guard only. Each route has its own test, so its examples share one world
(rolled back at the end) and a route that ends the session (log-out) spoils no other.
``MRC_FUZZ_EXAMPLES`` raises the number of examples per route for a longer run;
``MRC_FUZZ_STATS=1`` (with ``-s``) prints the answers each route gave.
"""

from __future__ import annotations

import inspect
import io
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from importlib import import_module
from importlib.util import find_spec
from typing import Any
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from mrc.config import API_PATH
from mrc.extensions import db
from mrc.features import FEATURES
from mrc.referrals.models import Facility
from mrc.referrals.services import services_mask
from tests.conftest import TEST_PASSWORD

EXAMPLES = int(os.environ.get("MRC_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

# The role each form route is fuzzed as: one that may use it.
ROLE_OF = {
    "admin.account": "counsellor",
    "admin.account_password": "counsellor",
    "admin.deactivate_mrc": "admin",
    "admin.deactivate_mrc_user": "manager",
    "admin.edit_country": "admin",
    "admin.edit_mrc": "admin",
    "admin.edit_mrc_user": "manager",
    "admin.edit_region": "admin",
    "admin.edit_user": "admin",
    "admin.end_user_sessions": "admin",
    "admin.new_country": "admin",
    "admin.new_mrc": "admin",
    "admin.new_mrc_user": "manager",
    "admin.new_region": "admin",
    "admin.new_user": "admin",
    "admin.reactivate_mrc": "admin",
    "admin.reactivate_mrc_user": "manager",
    "admin.reset_mrc_user_password": "manager",
    "admin.reset_user_password": "admin",
    "admin.unlock_mrc_user": "manager",
    "admin.unlock_user": "admin",
    "auth.login": "anonymous",
    "capture.device": "counsellor",
    "capture.device_codes": "counsellor",
    "auth.logout": "counsellor",
    "cases.attempt": "counsellor",
    "cases.client_list": "counsellor",
    "cases.delete_session": "counsellor",
    "cases.edit_attempt": "counsellor",
    "cases.edit_session": "counsellor",
    "cases.edit": "counsellor",
    "cases.erase": "manager",
    "cases.find": "counsellor",
    "cases.new_session": "counsellor",
    "cases.register": "counsellor",
    "home.preferences": "counsellor",
    "imports.upload": "manager",
    "jobs.retry": "admin",
    "jobs.selftest": "admin",
    "leaflets.adjust": "manager",
    "leaflets.receive": "manager",
    "leaflets.render_library": "manager",
    "outreach.edit": "counsellor",
    "outreach.new": "counsellor",
    "panels.download": "evaluator",
    "panels.export": "evaluator",
    "panels.new": "evaluator",
    "referrals.edit_facility": "admin",
    "referrals.import_directory": "admin",
    "referrals.new": "counsellor",
    "referrals.new_facility": "admin",
    "referrals.received": "partner",
    "referrals.received_one": "partner",
    "referrals.status": "counsellor",
    "referrals.withdraw": "counsellor",
    "reports.index": "supervisor",
    "trends.alerts_page": "supervisor",
    "trends.cancel_alert": "supervisor",
}
# POST-only routes: the page whose form posts to them (its field names are theirs).
FORM_PAGE = {
    "admin.account_password": "admin.account",
    "leaflets.render_library": "leaflets.library",
    "trends.cancel_alert": "trends.alerts_page",
    "referrals.status": "referrals.detail",
    "referrals.withdraw": "referrals.detail",
}
# Routes whose first empty POST is not a view's answer to check: it ends the session.
NO_FIRST_CHECK = {"auth.logout"}
TODAY = date.today()

# --- the values ------------------------------------------------------------------------------

TEXTS = [
    "", " ", "\x00", "a\x00b", "\x01\x02\x1b[31m\x7f", "\r\n\r\n", "\t", "\u202e\u2067txt\u2069",
    "\u200f\u200e\u061c", "\ufeff", "\u00ad", "<script>alert(1)</script>", "\"><img src=x>",
    "{{ 7*7 }}", "{% raw %}", "%s %(n)s %d", "'; DROP TABLE client; --", "=HYPERLINK(\"x\")",
    "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "../../etc/passwd", "null", "None", "true", "[]", "{}", "\\", "%00", "é" * 65, "a" * 65,
]
NUMBERS = [
    "0", "-0", "-1", "1", "30", "1990", "2147483648", "-2147483649", "9223372036854775808",
    "-9223372036854775809", "1" + "0" * 40, "-" + "9" * 40, "1e309", "-1e309", "NaN", "inf",
    "3.5", "1,5", "+5", " 7 ", "0x1f", "1_000", "\uff11\uff12", "\u0663", "\u06f1\u06f4\u06f0\u06f2",
]
DATES = [
    TODAY.isoformat(), (TODAY - timedelta(days=1)).isoformat(), "2024-02-30", "2024-13-01",
    "0000-00-00", "0001-01-01", "9999-12-31", "10000-01-01", "-2024-01-01", "31/12/2024",
    "12/31/2024", "2024/01/01", "20240101", "2024-1-1", "1403/01/01", "1405/09/02",
    "\u06f1\u06f4\u06f0\u06f3/\u06f0\u06f1/\u06f0\u06f1", "1403-12-30", "2024-01-01T00:00:00",
    "today", "1e5", "2024-01-01\x00",
]
PLAIN = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# Control and format characters (RTL marks and isolates are format characters), combining
# marks, line and paragraph separators.
CONTROL = st.text(st.characters(categories=("Cc", "Cf", "Mn", "Zl", "Zp")), min_size=1,
                  max_size=20)
LONG = st.tuples(st.sampled_from(["x", "9", "\u06cc", "\U0001f600", "<a>", " "]),
                 st.sampled_from([300, 5_000, 20_000])).map(lambda p: p[0] * p[1])
BIG_INTS = st.integers(min_value=-(10**30), max_value=10**30).map(str)
JUNK_KEYS = st.one_of(st.sampled_from(["", " ", "\x00", "x" * 300, "__proto__", "id",
                                       "csrf_token", "next", "user_id", "mrc_id", "role[]"]),
                      PLAIN)


# A JSON body instead of the form (no form of the application sends one).
JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.sampled_from(NUMBERS + TEXTS[:20]),
                              BIG_INTS.map(int), PLAIN),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(PLAIN, inner, max_size=4)),
                    max_leaves=8)


@dataclass
class FormField:
    name: str
    kind: str  # input type, or select / textarea
    values: list[str] = field(default_factory=list)  # its options and shown values


class FormFields(HTMLParser):
    """The fields of every form on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, FormField] = {}
        self._select: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea", "button") and a.get("name"):
            kind = (a.get("type") or "text") if tag == "input" else tag
            found = self.fields.setdefault(str(a["name"]), FormField(str(a["name"]), kind))
            if a.get("value"):
                found.values.append(str(a["value"]))
            self._select = found if tag == "select" else None
        elif tag == "option" and self._select is not None and a.get("value") is not None:
            self._select.values.append(str(a["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def page_fields(html: str) -> dict[str, FormField]:
    parser = FormFields()
    parser.feed(html)
    parser.fields.pop("csrf_token", None)
    return parser.fields


def all_form_names() -> list[str]:
    """The field names of every WTForms form of the application."""
    names: set[str] = set()
    modules = ["mrc.forms"] + [f"mrc.{name}.forms" for name in FEATURES
                               if find_spec(f"mrc.{name}.forms") is not None]
    for module in map(import_module, modules):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            names.update(n for n, _ in inspect.getmembers(
                cls, lambda v: isinstance(v, UnboundField)))
    return sorted(names)


# What a person types into the text fields the page leaves empty (by name, prefix removed).
TYPED = {
    "password": "correct horse battery staple", "confirm": "correct horse battery staple",
    "current": TEST_PASSWORD, "username": "fuzz_user", "name": "Fuzz centre",
    "city": "Fuzzabad", "contact": "office", "area": "north",
    "quantity": "5", "reason": "recount", "birth_year": "1990", "duration_minutes": "30",
    "attendance_total": "9", "estimated_reach": "100", "k": "5", "year": str(TODAY.year),
    "quarter": "1", "phone": "0300 1234567", "notes": "a note", "partners": "a partner",
    "q": "x", "period": str(TODAY.year), "waves": "1",
}


def plausible(f: FormField) -> st.SearchStrategy[Any]:
    """A value the field would take from a person filling the form in."""
    if f.kind == "file":
        return st.just(("csv", b"client_id,registered_on\nA-1," + TODAY.isoformat().encode()))
    options = [v for v in f.values if v.strip()] or f.values
    if options and f.kind == "checkbox" and len(options) > 1:
        return st.lists(st.sampled_from(options), min_size=1, max_size=3, unique=True)
    if options:
        return st.sampled_from(options)
    name = f.name.rsplit("-", 1)[-1]
    if name == "code":  # of a region, a country or an MRC
        return st.sampled_from(["FZ", "PK-FZ", "FUZZ_REGION"])
    if name in TYPED:
        return st.just(TYPED[name])
    if f.kind == "date" or "date" in name or name.endswith(("_on", "_from", "_to")):
        return st.sampled_from(DATES[:2])
    if f.kind == "number":
        return st.sampled_from(["1", "5", "30"])
    return st.sampled_from(["x", "Test"])


def nasty(f: FormField | None) -> st.SearchStrategy[Any]:
    """A value nobody should send: each kind of nastiness about as likely as another."""
    values: list[st.SearchStrategy[Any]] = [
        st.sampled_from(TEXTS), LONG, CONTROL, st.sampled_from(NUMBERS), BIG_INTS,
        st.sampled_from(DATES), PLAIN, st.binary(max_size=300).map(lambda b: ("bin", b))]
    if f is not None and f.values:  # one of its own options, slightly off
        values.append(st.tuples(st.sampled_from(f.values), st.sampled_from(
            ["\u200f", " ", "\u0663", "-", "0"])).map(lambda p: p[0] + p[1]))
    if f is not None and f.kind == "file":
        values.append(st.binary(max_size=3000).map(lambda b: ("csv", b)))
    one = st.one_of(*values)
    return st.one_of(one, st.lists(one, min_size=2, max_size=4))


def as_form_value(value: Any) -> Any:
    """("csv", b"...") → an uploaded file; lists → repeated keys."""
    if isinstance(value, tuple):
        suffix, content = value
        return (io.BytesIO(content), f"fuzz.{suffix}")
    if isinstance(value, list):
        return [as_form_value(v) for v in value]
    return value


@st.composite
def form_data(draw: st.DrawFn, own: dict[str, FormField], others: list[str]) -> dict[str, Any]:
    """The route's form, mostly filled in as a person would, with some fields made nasty,
    some left out and junk keys added."""
    data: dict[str, Any] = {}
    for name, f in own.items():
        if draw(st.integers(0, 7)):  # some fields stay empty
            data[name] = draw(plausible(f))
    keys = st.one_of(*([st.sampled_from(sorted(own))] if own else []),
                     st.sampled_from(others), JUNK_KEYS)
    for key in draw(st.lists(keys, max_size=4)):
        data[key] = draw(nasty(own.get(key)))
    return data


# --- the world ------------------------------------------------------------------------------

def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Users are made and log in for every route's test: hash passwords with the cheapest
    argon2 (the hashing is tested in test_auth, not here)."""
    from mrc.auth import services as auth

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("no such user"), raising=False)


def url_values(rule: Rule, user: Any, network: dict[str, Any], make_client: Any,
               make_user: Any) -> dict[str, int]:
    """Ids of records the logged-in ``user`` may use, for the rule's URL parameters."""
    from mrc.cases.models import FollowUp
    from mrc.jobs import services as jobs
    from mrc.org.models import Country
    from mrc.outreach import services as outreach

    mrc = network["PK-ISB"]
    values: dict[str, int] = {}
    for name in sorted(rule.arguments):
        if name in values:
            continue
        if name in ("client_id", "followup_id"):
            client = make_client("PK-ISB", sessions=1, consent=True)
            values["client_id"] = client.id
            values["followup_id"] = db.session.scalars(
                select(FollowUp.id).where(FollowUp.client_id == client.id)).first()
        elif name in ("session_id", "attempt_id"):
            from mrc.cases import services

            client = make_client("PK-ISB", sessions=2, consent=True)
            values["session_id"] = min(s.id for s in client.sessions)
            wave = min(client.followups, key=lambda f: f.wave)
            values["attempt_id"] = services.record_attempt(
                wave, {"date": TODAY, "method": "phone", "reached": False}, None).id
        elif name == "event_id":
            values[name] = outreach.record_event(mrc, {
                "date": TODAY - timedelta(days=3), "type": "community_session",
                "att_male_35_plus": 9, "attendance_total": 9}, None).id
        elif name == "user_id":
            values[name] = make_user("counsellor", "PK-ISB").id
        elif name == "job_id":
            job = jobs.create_job("selftest", {"steps": 1, "delay": 0}, user.id)
            job.state = "failed"
            values[name] = job.id
        elif name in ("study_id", "export_id"):
            values.update(_study(user, mrc))
        elif name == "subscription_id":
            from mrc.trends import alerts

            values[name] = alerts.subscribe(user, "", None).id
        elif name == "referral_id":
            values[name] = _referral(make_client, make_user).id
        elif name == "facility_id":
            values[name] = db.session.scalars(select(Facility.id)).first()
        elif name == "mrc_id":
            values[name] = mrc.id
        elif name == "country_id":
            values[name] = mrc.country_id
        elif name == "region_id":
            values[name] = db.session.get_one(Country, mrc.country_id).region_id
        else:  # pragma: no cover - a new kind of URL parameter: give it a record here
            raise AssertionError(f"no value for {name} of {rule.endpoint}")
    db.session.commit()
    return values


def _study(user: Any, mrc: Any) -> dict[str, int]:
    from mrc.keys import keyring
    from mrc.panels.models import PanelExport, PanelStudy

    study = PanelStudy(name="fuzz study", owner_id=user.id, mrc_ids=[mrc.id],
                       period_start=TODAY - timedelta(days=365), period_end=TODAY,
                       waves=[1], variables=["sex"], shape="long", formats=["csv"],
                       date_mode="days", k=5, key_enc=keyring().cipher.encrypt("k" * 32),
                       created_at=datetime.now(UTC))
    db.session.add(study)
    db.session.flush()
    export = PanelExport(study_id=study.id, requested_by_id=user.id, k=5,
                         created_at=datetime.now(UTC))
    db.session.add(export)
    db.session.flush()
    return {"study_id": study.id, "export_id": export.id}


def _referral(make_client: Any, make_user: Any) -> Any:
    """A referral of a PK-ISB client to the facility of the test (the partner's)."""
    from mrc.referrals import services

    client = make_client("PK-ISB", sessions=1, phone="0300 7654321")
    return services.refer(client, None, {
        "facility_id": db.session.scalars(select(Facility.id)).first(),
        "service": "labour_dispute", "consent": True, "consent_on": TODAY,
        "share_phone": True, "language": "ur"}, make_user("counsellor", "PK-ISB"), ("en", "ur"))


def log_in(role: str, make_user: Any, login: Callable[[Any], FlaskClient],
           client: FlaskClient) -> Any:
    if role == "anonymous":
        return None
    scopes = {"counsellor": {"mrc": "PK-ISB"}, "manager": {"mrc": "PK-ISB"},
              "supervisor": {"mrc": None, "country": "PK"}, "evaluator": {}, "admin": {}}
    if role == "partner":
        scopes[role] = {"mrc": None,
                        "facility_id": db.session.scalars(select(Facility.id)).first()}
    user = make_user(role, **scopes[role])
    login(user)
    return user


def post_rules(app: Flask) -> list[Rule]:
    """The POST rules of the web's forms (the JSON API's take no form and no session: their
    bodies are fuzzed with a token in tests/api)."""
    return sorted((r for r in app.url_map.iter_rules() if "POST" in (r.methods or set())
                   and not r.rule.startswith(API_PATH)), key=lambda r: r.endpoint)


def _endpoints() -> list[str]:
    return sorted(ROLE_OF)


# --- the tests ------------------------------------------------------------------------------

def test_every_form_route_is_fuzzed(app: Flask) -> None:
    posted = {rule.endpoint for rule in post_rules(app)}
    assert sorted(posted - set(ROLE_OF)) == [], "give these form routes a role in ROLE_OF"
    assert sorted(set(ROLE_OF) - posted) == [], "stale entries in ROLE_OF"


def check(response: Any, where: str) -> None:
    body = response.get_data(as_text=True) if response.mimetype.startswith(
        ("text/", "application/json")) else ""
    response.close()
    assert response.status_code < 500, f"{where}: {response.status_code}"
    assert "Traceback (most recent call last)" not in body, where


@pytest.mark.parametrize("endpoint", _endpoints())
def test_random_form_data_never_breaks_a_route(
        endpoint: str, app: Flask, client: FlaskClient, network: dict[str, Any],
        make_user: Any, make_client: Any, login: Callable[[Any], FlaskClient],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from mrc.jobs import runner
    from mrc.leaflets.models import Leaflet

    cheap_hashes(monkeypatch)
    # Starting a job is what is fuzzed, not running it (in-process, without Redis).
    monkeypatch.setattr(runner, "enqueue", lambda job: None)
    rule = next(r for r in post_rules(app) if r.endpoint == endpoint)
    # A leaflet in the catalogue, so the stock and outreach forms have one to choose.
    db.session.add(Leaflet(code="LFUZ", topic="labour_rights",
                           languages="en,ur,ps,fa_AF,bn,ar,ckb", version="1"))
    # A facility of the directory, to refer to (and the partner's).
    db.session.add(Facility(name="Fuzz desk", kind="ngo", country="SA", city="Riyadh",
                            services=services_mask(["labour_dispute"]),
                            created_at=datetime.now(UTC)))
    db.session.flush()
    user = log_in(ROLE_OF[endpoint], make_user, login, client)
    values = url_values(rule, user, network, make_client, make_user)
    path = urlsplit(rule.build(values)[1]).path
    page = path if "GET" in (rule.methods or set()) else None
    if endpoint in FORM_PAGE:
        page = urlsplit(app.url_map.bind("mrc.test").build(FORM_PAGE[endpoint], values)).path
    own = page_fields(client.get(page).get_data(as_text=True)) if page else {}
    others = all_form_names()

    if endpoint not in NO_FIRST_CHECK:
        first = client.post(path, data={})
        check(first, f"{endpoint} empty POST")
        assert first.status_code not in (403, 404), f"{endpoint}: {first.status_code}"
        location = first.headers.get("Location", "")
        assert urlsplit(location).path != "/login", f"{endpoint}: sent to log in"

    @FUZZ
    @given(data=form_data(own, others), body=st.one_of(st.none(), st.none(), st.none(), JSON))
    def fuzz(data: dict[str, Any], body: Any) -> None:
        if body is not None:
            response = client.post(path, json=body)
        else:
            response = client.post(path, data={key: as_form_value(value)
                                               for key, value in data.items()})
        answers[f"{'json' if body is not None else 'form'} {response.status_code}"] += 1
        check(response, f"{endpoint} {sorted(data) if body is None else 'JSON'}")

    answers: Counter[str] = Counter()
    fuzz()
    if os.environ.get("MRC_FUZZ_STATS"):
        print(f"\n{endpoint}: {dict(sorted(answers.items()))}")  # noqa: T201
