"""The scope matrix: EVERY route (GET and POST) with EVERY role against records outside that
role's scope. Zero leaks: 403/404 (or the log-in page for anonymous visitors), never the
other MRC's data, never a change to it, never a 500.

Every rule of ``app.url_map`` must be classified below, so a new route cannot slip through:

- a rule with a URL parameter named in ``RECORD_PARAMS`` carries a record id and is walked
  with the id of a record outside the role's scope (other MRC; for supervisors, evaluators
  and admins also a record of an MRC inside their geographic scope, since they may open no
  individual record at all) and must answer 403/404 (302 to log-in when anonymous);
- ``ADMIN_ONLY`` rules manage the organisation (regions, countries, MRCs, all users): the
  admin's scope is everything, every other role gets 403/404;
- ``CATALOGUE`` rules carry the code of a public catalogue entry (leaflets), not a record;
- ``NO_RECORD`` rules carry no id (lists, forms, searches work on the user's own scope):
  walked too, and their answers must not contain any out-of-scope record's identifying values;
- rules of the blueprints in ``AGGREGATE_BLUEPRINTS`` show aggregates only; without URL
  parameters they are walked like ``NO_RECORD``. A rule with a parameter there must get a
  ``RECORD_PARAMS`` entry (what record is it? whose scope?).

To classify a new route: add its endpoint to ``NO_RECORD`` (with the reason), its blueprint
to ``AGGREGATE_BLUEPRINTS``, or its parameter to ``RECORD_PARAMS`` (and a record to
``World``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.routing import Rule

from mrc.api import tokens
from mrc.auth.models import User
from mrc.cases import services
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.config import API_PATH
from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.keys import keyring
from mrc.leaflets import services as stock
from mrc.leaflets.models import Leaflet, StockEntry
from mrc.outreach import services as outreach
from mrc.outreach.models import OutreachEvent
from mrc.privacy.codes import format_code
from mrc.referrals.models import Facility, Referral
from tests.conftest import TEST_PASSWORD

ROLES = ("counsellor", "manager", "supervisor", "evaluator", "admin", "partner", "anonymous")

# URL parameter → the kind of record it names; ``make_records`` creates one of each per MRC.
RECORD_PARAMS = {
    "client_id": "client",
    "followup_id": "follow-up wave (its attempts hang off it)",
    "event_id": "outreach event",
    "job_id": "background job (visible to the user who started it)",
    "user_id": "user, as managed by a manager (admin.*_mrc_user)",
    "study_id": "panel study (belongs to the user who defined it)",
    "export_id": "panel export (downloadable by the user who asked for it)",
    "session_id": "counselling session (corrected or deleted in error)",
    "attempt_id": "follow-up attempt (corrected)",
    "subscription_id": "signal alert (belongs to the user who subscribed)",
    "referral_id": "referral (its MRC's; for a partner, only those sent to its facility)",
    "webhook_id": "webhook subscription (belongs to the user who made it)",
}
# For a new kind of record add its parameter above and a factory here: it receives the MRC's
# ``Records`` (mrc code, a counsellor ``owner`` of that MRC) and returns the id of a record of
# that MRC or owner, e.g. ``EXTRA_RECORDS["study_id"] = make_study``.
EXTRA_RECORDS: dict[str, Callable[[Records], int]] = {}


def make_study(records: Records) -> int:
    from mrc.panels.models import PanelExport, PanelStudy

    name = f"study {records.mrc} private"
    study = PanelStudy(name=name, owner_id=records.owner.id, mrc_ids=[records.client.mrc_id],
                       period_start=date.today() - timedelta(days=365), period_end=date.today(),
                       waves=[1], variables=["sex"], shape="long", formats=["csv"],
                       date_mode="days", k=5, key_enc=keyring().cipher.encrypt("k" * 32),
                       created_at=datetime.now(UTC))
    db.session.add(study)
    db.session.flush()
    export = PanelExport(study_id=study.id, requested_by_id=records.owner.id, k=5,
                         created_at=datetime.now(UTC))
    db.session.add(export)
    db.session.flush()
    records.secrets.append(name)
    records.extra["export_id"] = export.id
    return study.id


EXTRA_RECORDS["study_id"] = make_study


def first_session(records: Records) -> int:
    return min(s.id for s in records.client.sessions)


def first_attempt(records: Records) -> int:
    return records.followup.attempts[0].id


EXTRA_RECORDS["session_id"] = first_session
EXTRA_RECORDS["attempt_id"] = first_attempt


def make_subscription(records: Records) -> int:
    from mrc.trends import alerts

    return alerts.subscribe(records.owner, "", None).id


EXTRA_RECORDS["subscription_id"] = make_subscription


def make_referral(records: Records) -> int:
    """A referral of the MRC's client to a facility of its own (not the partner's), sharing
    the phone: a scoping hole would show the client's code and phone to the partner."""
    from mrc.referrals import services as referrals

    facility = Facility(name=f"Desk {records.mrc}", kind="embassy_welfare", country="SA",
                        city="Riyadh", services=referrals.services_mask(["labour_dispute"]),
                        created_at=datetime.now(UTC))
    db.session.add(facility)
    db.session.flush()
    referral = referrals.refer(records.client, None, {
        "facility_id": facility.id, "service": "labour_dispute", "consent": True,
        "consent_on": date.today(), "share_phone": True, "language": "ur"},
        records.owner, ("en", "ur"))
    records.secrets.append(referral.reference)
    return referral.id


EXTRA_RECORDS["referral_id"] = make_referral


def make_webhook(records: Records) -> int:
    """A webhook of the MRC's counsellor, with a delivery in its log: a hole would show its
    name, its address or a delivery's payload."""
    from mrc.webhooks import events as hook_events
    from mrc.webhooks import services as hooks

    name = f"hook {records.mrc} private"
    url = f"https://hooks-{records.mrc.lower()}.example.org/in"
    made = hooks.create_subscription(records.owner, name, url, [hook_events.SESSION_LOGGED])
    hooks.send_test(made.record, actor=records.owner)
    records.secrets += [name, url]
    return made.record.id


EXTRA_RECORDS["webhook_id"] = make_webhook

ADMIN_ONLY = {
    "admin.edit_region": "regions are managed by admins, whose scope is everything",
    "admin.edit_country": "countries are managed by admins",
    "admin.edit_mrc": "MRCs are managed by admins",
    "admin.deactivate_mrc": "MRCs are managed by admins",
    "admin.reactivate_mrc": "MRCs are managed by admins",
    "admin.edit_user": "admins manage every user",
    "admin.reset_user_password": "admins manage every user",
    "admin.end_user_sessions": "admins manage every user",
    "admin.unlock_user": "admins manage every user",
    "referrals.edit_facility": "the facility directory is shared and managed by admins",
}
ADMIN_ONLY_PARAMS = {"region_id": "region", "country_id": "country", "mrc_id": "mrc",
                     "user_id": "user", "facility_id": "facility"}

CATALOGUE = {
    "leaflets.read": "public leaflet text (QR codes on printed leaflets point here)",
    "leaflets.download": "leaflet PDF from the shared catalogue",
    "static": "static files",
}

# Routes that answer anonymous visitors too (neither the log-in page nor a 401), and why.
PUBLIC = {
    "auth.login": "the log-in form",
    "home.health": "health check for the load balancer",
    "static": "static files",
    "api.openapi_json": "the API's OpenAPI document: it describes the API, holds nobody's data",
    "api.docs": "the API reference page, rendered from that same document",
    "capture.manifest": "the capture page's web app manifest (fetched without cookies; no data)",
    "capture.service_worker": "the capture page's service worker script (no data)",
}

NO_RECORD = {
    "api.me": "who the API token acts for (its own user's name, role and scope)",
    "api.openapi_json": "the OpenAPI document (public, above)",
    "api.docs": "the API reference page (public, above)",
    "api.aggregates": "the dashboard's protected tables for the token's scope, as JSON",
    "api.clients": "clients of the token user's own MRC",
    "api.register": "registers a client in the token user's own MRC",
    "api.search": "search by code or phone within the token user's own MRC (POSTed)",
    "api.sessions": "sessions of the token user's own MRC",
    "api.outputs.impact_estimates": "the impact page's protected estimates for the token's "
                                    "scope, as JSON",
    "api.outputs.start_report": "starts a quarterly report job of the token's own user",
    "api.outreach.events": "outreach events of the token user's own MRC",
    "api.outreach.record_event": "records an event in the token user's own MRC",
    "api.outreach.stock_table": "leaflet stock of the token user's own MRC",
    "api.outreach.receive_stock": "stock movement in the token manager's own MRC",
    "api.outreach.adjust_stock": "stock movement in the token manager's own MRC",
    "api.webhooks.webhooks": "the token user's own webhooks",
    "api.webhooks.create": "makes a webhook of the token's own user",
    "capture.index": "the capture page (forms of the user's own MRC, no record)",
    "capture.manifest": "the web app manifest (public, above)",
    "capture.service_worker": "the service worker script (public, above)",
    "capture.state": "the user's own id and a CSRF token",
    "capture.device": "issues a device (a token and codes) to the user's own account",
    "capture.device_codes": "codes of the user's own device (token id POSTed)",
    "home.index": "start page; redirects each role to its work",
    "home.health": "health check for the load balancer",
    "home.preferences": "the user's own display preferences",
    "auth.login": "log-in form",
    "auth.logout": "ends the user's own session",
    "admin.account": "the user's own account",
    "admin.account_password": "the user's own password",
    "admin.index": "admin start page",
    "admin.regions": "list of regions (admins)",
    "admin.countries": "list of countries (admins)",
    "admin.mrcs": "list of MRCs (admins)",
    "admin.users": "list of all users (admins)",
    "admin.new_region": "form (admins)",
    "admin.new_country": "form (admins)",
    "admin.new_mrc": "form (admins)",
    "admin.new_user": "form (admins)",
    "admin.mrc_users": "users of the manager's own MRC",
    "admin.new_mrc_user": "creates a user in the manager's own MRC",
    "audit.browse": "audit log (admins; ids, no personal data)",
    "audit.export_csv": "audit log export (admins)",
    "cases.register": "registers a client in the user's own MRC",
    "cases.find": "search by code or phone within the user's own MRC",
    "cases.worklist": "due follow-ups of the user's own MRC",
    "cases.client_list": "client list of the user's own MRC (code prefix POSTed)",
    "imports.upload": "imports into the manager's own MRC",
    "jobs.selftest": "starts a test job (admins)",
    "leaflets.library": "the shared leaflet catalogue",
    "leaflets.stock_page": "stock of the user's own MRC",
    "leaflets.receive": "stock movement in the manager's own MRC",
    "leaflets.adjust": "stock movement in the manager's own MRC",
    "leaflets.render_library": "renders catalogue leaflets (a job of the user's own)",
    "outreach.events": "outreach events of the user's own MRC",
    "outreach.new": "records an event in the user's own MRC",
    "referrals.index": "referrals of the user's own MRC",
    "referrals.received": "referrals sent to the partner's own facility (reference POSTed)",
    "referrals.directory": "the shared facility directory (admins; no person in it)",
    "referrals.new_facility": "adds a facility to the directory (admins)",
    "referrals.import_directory": "imports the directory from CSV (admins)",
    "referrals.export_directory": "the directory as CSV (admins; no person in it)",
}

# Aggregate-only blueprints (suppressed tables, indicators, anonymised panels): no individual
# record, so their parameterless pages are walked like NO_RECORD.
AGGREGATE_BLUEPRINTS = {
    "aggregates": "suppressed aggregate tables",
    "impact": "impact indicators and estimates",
    "panels": "anonymised panel exports (evaluators)",
    "reports": "quarterly aggregate reports",
    "trends": "published trend signals (shares only) and the user's own alerts",
}

# URL parameters of aggregate pages that name a table or an indicator, not a record. (An
# unknown value answers 404; the owner of the page may put a real one here.)
AGGREGATE_PARAM_VALUES = {"key": "clients"}

# Walked last: logging out ends the session the rest of the walk needs.
LAST = ("auth.logout",)


def endpoint_blueprint(endpoint: str) -> str:
    return endpoint.rsplit(".", 1)[0] if "." in endpoint else ""


def classify(rule: Rule) -> str | None:
    """The class of a rule, or None when nobody said what it is."""
    endpoint = rule.endpoint
    params = set(rule.arguments)
    if endpoint in ADMIN_ONLY and params <= set(ADMIN_ONLY_PARAMS):
        return "admin_only"
    if endpoint in CATALOGUE:
        return "catalogue"
    if params and endpoint_blueprint(endpoint) in AGGREGATE_BLUEPRINTS \
            and params <= set(AGGREGATE_PARAM_VALUES):
        return "no_record"
    if params:
        known = set(RECORD_PARAMS) & ({"client_id", "followup_id", "event_id", "job_id",
                                       "user_id", "export_id"} | set(EXTRA_RECORDS))
        return "record" if params <= known else None
    if endpoint in NO_RECORD or endpoint_blueprint(endpoint) in AGGREGATE_BLUEPRINTS:
        return "no_record"
    return None


def test_every_route_is_classified(app: Flask) -> None:
    unclassified = sorted(f"{rule.endpoint} {rule.rule}" for rule in app.url_map.iter_rules()
                          if classify(rule) is None)
    assert unclassified == [], (
        "Classify these routes in tests/security/test_scope_matrix.py: " + ", ".join(unclassified))


def test_classification_lists_only_existing_endpoints(app: Flask) -> None:
    # A renamed endpoint must not leave a stale entry that would hide its successor.
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = sorted((set(NO_RECORD) | set(ADMIN_ONLY) | set(CATALOGUE) | set(PUBLIC))
                   - endpoints)
    assert stale == []


# --- the records ---------------------------------------------------------------------------

@dataclass
class Records:
    """One MRC's records of every kind, with the values that identify them."""

    mrc: str
    client: Client
    followup: FollowUp
    event: OutreachEvent
    job: Job
    user: User
    secrets: list[str] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def owner(self) -> User:
        return self.user

    def params(self) -> dict[str, int]:
        return {"client_id": self.client.id, "followup_id": self.followup.id,
                "event_id": self.event.id, "job_id": self.job.id, "user_id": self.user.id,
                **self.extra}


def make_records(mrc_code: str, tag: str, phone: str, network: dict[str, Any],
                 make_client: Any, make_user: Any) -> Records:
    mrc = network[mrc_code]
    client = make_client(mrc_code, sessions=2, phone=phone, consent=True)
    note = f"private note {tag} kept in the MRC"
    for s in db.session.scalars(select(CounsellingSession)
                                .where(CounsellingSession.client_id == client.id)):
        s.notes_enc = keyring().cipher.encrypt(note)
    followups = list(db.session.scalars(select(FollowUp).where(FollowUp.client_id == client.id)
                                        .order_by(FollowUp.wave)))
    services.record_attempt(followups[0], {"date": date.today(), "method": "phone",
                                           "reached": False}, None)
    partners = f"Partner {tag} association"
    event = outreach.record_event(mrc, {"date": date.today() - timedelta(days=3),
                                        "type": "community_session", "att_male_35_plus": 9,
                                        "attendance_total": 9, "partners": partners}, None)
    user = make_user("counsellor", mrc_code)
    user.username = f"user_{tag}"
    reason = f"stock reason {tag}"
    stock.receive(mrc.id, "LSEC", "en", 50, date.today(), user)
    stock.adjust(mrc.id, "LSEC", "en", -3, reason, date.today(), user)
    job = jobs.create_job("selftest", {"steps": 1, "delay": 0}, user.id, mrc_id=mrc.id)
    job.state, job.message, job.result_name = "finished", f"message {tag}", f"result_{tag}.zip"
    db.session.flush()
    code = str(client.code)
    e164 = services.decrypt_phone(client) or ""
    records = Records(mrc=mrc_code, client=client, followup=followups[0], event=event, job=job,
                      user=user,
                      secrets=[code, format_code(code), e164, e164[-7:], note, partners, reason,
                               f"message {tag}", f"result_{tag}.zip"])
    for name, factory in EXTRA_RECORDS.items():
        records.extra[name] = factory(records)
    db.session.flush()
    return records


@pytest.fixture
def world(app: Flask, network: dict[str, Any], make_client: Any, make_user: Any,
          monkeypatch: pytest.MonkeyPatch) -> dict[str, Records]:
    # Job runs are not what is tested here; starting a job must not run it in-process.
    monkeypatch.setattr(jobs, "enqueue", lambda job: None)
    db.session.add(Leaflet(code="LSEC", topic="labour_rights", languages="en", version="1"))
    db.session.flush()
    home = make_records("PK-ISB", "home", "0300 1112223", network, make_client, make_user)
    # Another MRC of the same country: the same phone spelling means the same number there.
    other = make_records("PK-LHE", "other", "0300 4445556", network, make_client, make_user)
    db.session.commit()
    return {"home": home, "other": other}


def snapshot(records: Records) -> dict[str, Any]:
    """What a write through a scoping hole would change."""
    client = records.client
    db.session.expire_all()
    return {
        "client": db.session.execute(select(
            Client.code, Client.sex, Client.birth_year, Client.phone_index, Client.erased_at,
            Client.followup_consent).where(Client.id == client.id)).one(),
        "sessions": db.session.execute(select(CounsellingSession.date,
                                              CounsellingSession.intention,
                                              CounsellingSession.deleted_at)
                                       .where(CounsellingSession.client_id == client.id)
                                       .order_by(CounsellingSession.id)).all(),
        "followups": db.session.execute(select(FollowUp.status, FollowUp.due_date)
                                        .where(FollowUp.client_id == client.id)
                                        .order_by(FollowUp.wave)).all(),
        "attempts": db.session.execute(select(FollowUpAttempt.date, FollowUpAttempt.method)
                                       .join(FollowUp)
                                       .where(FollowUp.client_id == client.id)
                                       .order_by(FollowUpAttempt.id)).all(),
        "event": db.session.execute(select(OutreachEvent.type, OutreachEvent.attendance_total,
                                           OutreachEvent.partners)
                                    .where(OutreachEvent.id == records.event.id)).one(),
        "stock": db.session.scalar(select(func.count()).select_from(StockEntry)
                                   .where(StockEntry.mrc_id == records.client.mrc_id)),
        "job": db.session.execute(select(Job.state, Job.attempts)
                                  .where(Job.id == records.job.id)).one(),
        "user": db.session.execute(select(User.active, User.password_hash, User.role)
                                   .where(User.id == records.user.id)).one(),
        "referrals": db.session.execute(select(Referral.status, Referral.withdrawn_at)
                                        .where(Referral.client_id == client.id)
                                        .order_by(Referral.id)).all(),
    }


# --- the walk ------------------------------------------------------------------------------

def post_payloads(endpoint: str, target: Records) -> list[dict[str, Any]]:
    """Form data for POSTs: valid where possible, so a missing scope check would write."""
    today = date.today().isoformat()
    payloads: dict[str, list[dict[str, Any]]] = {
        "cases.find": [{"search": "code", "code": str(target.client.code)},
                       {"search": "phone", "phone": target.secrets[2]}],
        "cases.client_list": [{"prefix": str(target.client.code)[:4]},
                              {"prefix": str(target.client.code)}],
        "cases.edit": [{"sex": "male", "birth_year": "1980", "migrant_status": "returnee",
                        "education": "none", "employment": "employed", "phone": "",
                        "registered_on": today, "reason": "typing_error"}],
        "cases.erase": [{"confirm": "y"}],
        "cases.new_session": [{"date": today, "channel": "walk_in", "language": "ur",
                               "intention": "regular"}],
        "cases.attempt": [{"date": today, "method": "phone", "reached": "no", "give_up": "y"}],
        "cases.edit_session": [{"date": today, "channel": "phone", "language": "ur",
                                "intention": "irregular", "reason": "typing_error"}],
        "cases.delete_session": [{"reason": "duplicate"}],
        "cases.edit_attempt": [{"date": today, "method": "sms", "reached": "no",
                                "reason": "typing_error"}],
        "outreach.edit": [{"date": today, "type": "radio_tv", "estimated_reach": "100"}],
        "admin.edit_mrc_user": [{"role": "manager", "active": ""}],
        "referrals.new": [{"facility": str(_referral(target).facility_id),
                           "service": "labour_dispute", "consent": "y", "consent_on": today,
                           "language": "ur"}],
        "referrals.status": [{"status": "accepted", "on": today}],
        "referrals.withdraw": [{"confirm": "y"}],
        "referrals.received": [{"reference": _referral(target).reference}],
        "referrals.received_one": [{"status": "declined", "on": today}],
        "admin.reset_mrc_user_password": [{"password": "another long password 1",
                                           "confirm": "another long password 1"}],
    }
    return payloads.get(endpoint, [{}])


def _referral(target: Records) -> Any:
    from mrc.referrals.models import Referral

    return db.session.get_one(Referral, target.extra["referral_id"])


def rules_in_order(app: Flask) -> list[Rule]:
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in LAST, r.endpoint, r.rule))
    return rules


def fill(rule: Rule, target: Records) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        if name in RECORD_PARAMS:
            values[name] = target.params()[name]
        elif name == "mrc_id":
            values[name] = target.client.mrc_id
        elif name == "country_id":
            values[name] = _country_id(target)
        elif name == "region_id":
            values[name] = _region_id(target)
        elif name == "facility_id":
            values[name] = _referral(target).facility_id
        elif name in AGGREGATE_PARAM_VALUES and endpoint_blueprint(rule.endpoint) \
                in AGGREGATE_BLUEPRINTS:
            values[name] = AGGREGATE_PARAM_VALUES[name]
        elif name == "code":
            values[name] = "no-such-leaflet"
        elif name == "language":
            values[name] = "en"
        elif name == "size":
            values[name] = "A4"
        elif name == "filename":
            values[name] = "mrc.css"
        else:  # pragma: no cover - test_every_route_is_classified names it first
            raise AssertionError(f"no value for URL parameter {name} of {rule.endpoint}")
    return values


def _country_id(target: Records) -> int:
    from mrc.org.models import MRC

    return db.session.get_one(MRC, target.client.mrc_id).country_id


def _region_id(target: Records) -> int:
    from mrc.org.models import Country

    return db.session.get_one(Country, _country_id(target)).region_id


def login_as(role: str, make_user: Any, browser: FlaskClient) -> User | None:
    if role == "anonymous":
        return None
    scopes: dict[str, dict[str, Any]] = {
        "counsellor": {"mrc": "PK-ISB"}, "manager": {"mrc": "PK-ISB"},
        # Supervisors and evaluators have both MRCs in their geographic scope and may still
        # open neither MRC's records.
        "supervisor": {"mrc": None, "country": "PK"}, "evaluator": {"mrc": None},
        "admin": {"mrc": None},
    }
    # A partner of a facility that none of the records were referred to.
    user = make_user(role, mrc=None, facility_id=_partner_facility()) if role == "partner" \
        else make_user(role, **scopes[role])
    db.session.commit()
    response = browser.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return user


def _partner_facility() -> int:
    facility = Facility(name="Partner's own desk", kind="ngo", country="AE", city="Dubai",
                        created_at=datetime.now(UTC))
    db.session.add(facility)
    db.session.flush()
    return facility.id


def is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


@pytest.mark.parametrize("role", ROLES)
def test_no_role_reaches_records_outside_its_scope(app: Flask, client: FlaskClient,
                                                    world: dict[str, Records], make_user: Any,
                                                    role: str, monkeypatch: Any) -> None:
    targets = [world["other"]]
    if role not in ("counsellor", "manager"):
        targets.append(world["home"])  # no individual record at all, even in scope
    before = {t.mrc: snapshot(t) for t in targets}
    user = login_as(role, make_user, client)
    # The walk makes more requests than a minute allows (the limit has its own tests).
    monkeypatch.setitem(app.config, "MRC_API_RATE_LIMIT", 0)
    # The API answers to the same user's token (and never to the cookie).
    api_headers = {} if user is None else {
        "Authorization": f"Bearer {tokens.create_token(user, 'matrix').secret}"}
    db.session.commit()
    problems: list[str] = []
    forbidden_paths: set[str] = set()
    for target in targets:
        for rule in app.url_map.iter_rules():
            if classify(rule) == "record" and set(rule.arguments) <= set(target.params()):
                forbidden_paths.add(rule.build(fill(rule, target))[1].split("?")[0])

    for rule in rules_in_order(app):
        kind = classify(rule)
        if kind is None:
            continue  # reported by test_every_route_is_classified
        if rule.endpoint == "auth.logout" and role != "anonymous":
            continue  # logging out is the user's own business; tested in test_auth
        for target in targets:
            path = rule.build(fill(rule, target))[1]
            if "://" in path:
                path = urlsplit(path).path
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                for data in (post_payloads(rule.endpoint, target) if method == "POST" else [{}]):
                    api = path.startswith(API_PATH)
                    # Each API POST with a key of its own (a replay would hide the check).
                    headers = {**api_headers, "Idempotency-Key": uuid.uuid4().hex} \
                        if api else {}
                    response = client.open(path, method=method, data=data or None,
                                           headers=headers)
                    where = f"{role} {method} {path} ({rule.endpoint}, {target.mrc})"
                    status = response.status_code
                    body = response.get_data(as_text=True) if response.mimetype.startswith(
                        ("text/", "application/json", "application/problem+json")) else ""
                    if status >= 500:
                        problems.append(f"{where}: {status}")
                    if api and "Set-Cookie" in response.headers:
                        problems.append(f"{where}: the API set a cookie")
                    if role == "anonymous" and kind != "catalogue" \
                            and rule.endpoint not in PUBLIC:
                        if api and status != 401:
                            problems.append(f"{where}: {status}, expected 401")
                        elif not api and not is_login_redirect(response):
                            problems.append(f"{where}: {status}, expected the log-in page")
                    elif (kind == "record" or (kind == "admin_only" and role != "admin")) \
                            and status not in (403, 404):
                        problems.append(f"{where}: {status}, expected 403/404")
                    response.close()
                    secrets = target.secrets + ([] if role == "admin" else [target.user.username])
                    # A form showing back what the user typed reveals nothing.
                    typed = " ".join(str(v) for v in data.values())
                    for secret in secrets:
                        if secret and secret in body and secret not in typed:
                            problems.append(f"{where}: shows {secret!r}")
                    location = response.headers.get("Location")
                    if location and urlsplit(location).path in forbidden_paths:
                        problems.append(f"{where}: redirects to {location}")
    assert problems == []
    for target in targets:
        after = snapshot(target)
        if role == "admin":  # admins may manage the other MRC's users
            after["user"] = before[target.mrc]["user"]
        assert after == before[target.mrc], target.mrc
