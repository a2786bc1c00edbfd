"""The demo: the reference network, one user per role, and synthetic clients at any scale.

The demo passwords are fixed and printed by ``mrc demo --print-logins``: fine for a demo or
a benchmark, and the reason production never runs the demo.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from mrc.aggregates import summaries
from mrc.audit import services as audit
from mrc.auth.models import Role, User
from mrc.auth.services import hash_password, validate_scope
from mrc.cases.models import Client
from mrc.demo import loader
from mrc.demo.comparison import ComparisonSpec, generate_comparison
from mrc.demo.generator import DemoMrc, DemoSpec, generate
from mrc.demo.outreach import load_outreach_demo
from mrc.demo.referrals import ensure_demo_facilities, load_referral_demo
from mrc.extensions import db
from mrc.org.models import MRC, Country, Region
from mrc.org.services import REFERENCE_NETWORK, ensure_reference_network, provinces
from mrc.referrals.models import Facility
from mrc.settings import settings
from mrc.survey.models import ComparisonRespondent, ComparisonResponse

DEMO_PASSWORD = "mrc-demo-password"  # noqa: S105 - documented demo password, never production


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str  # MRC, country or region code, a facility's external id; "" for everything
    scope_kind: str  # "mrc", "country", "region", "facility" or ""
    password: str = DEMO_PASSWORD


def demo_logins() -> list[DemoLogin]:
    """The demo users: a counsellor per MRC, a manager at PK-ISB, a supervisor for
    Pakistan and one for South Asia, an evaluator, an admin and a partner facility's user
    (of the demo directory's centre in Doha)."""
    mrc_codes = [code for _, countries in REFERENCE_NETWORK.values()
                 for mrcs in countries.values() for code, _, _ in mrcs]
    logins = [DemoLogin(f"counsellor-{code.lower()}", "counsellor", code, "mrc")
              for code in mrc_codes]
    logins += [
        DemoLogin("manager-pk-isb", "manager", "PK-ISB", "mrc"),
        DemoLogin("supervisor-pk", "supervisor", "PK", "country"),
        DemoLogin("supervisor-south-asia", "supervisor", "SOUTH_ASIA", "region"),
        DemoLogin("evaluator", "evaluator", "", ""),
        DemoLogin("admin", "admin", "", ""),
        DemoLogin("partner-doha", "partner", "demo-qa-doh-1", "facility"),
    ]
    return logins


def ensure_demo_users(network: dict[str, MRC]) -> dict[str, User]:
    """Create the demo users that do not exist yet (existing ones are left as they are)."""
    users: dict[str, User] = {}
    for login in demo_logins():
        user = db.session.scalars(select(User).where(
            func.lower(User.username) == login.username.lower())).first()
        if user is None:
            mrc_id = country_id = region_id = facility_id = None
            if login.scope_kind == "facility":
                facility_id = db.session.scalar(select(Facility.id)
                                                .where(Facility.external_id == login.scope))
            elif login.scope_kind == "mrc":
                mrc_id = network[login.scope].id
            elif login.scope_kind == "country":
                country_id = db.session.scalar(select(Country.id)
                                               .where(Country.code == login.scope))
            elif login.scope_kind == "region":
                region_id = db.session.scalar(select(Region.id).where(Region.code == login.scope))
            role = Role(login.role)
            validate_scope(role, mrc_id, country_id, region_id, facility_id)
            # Each its own hash and salt, as create_user would give: a shared hash would tell
            # anyone who reads the table which accounts share a password.
            user = User(username=login.username, password_hash=hash_password(DEMO_PASSWORD),
                        role=role.value, mrc_id=mrc_id, country_id=country_id,
                        region_id=region_id, facility_id=facility_id, active=True,
                        failed_logins=0,
                        created_at=datetime.now(UTC))
            db.session.add(user)
        users[login.username] = user
    return users


def clients_exist() -> bool:
    return db.session.scalar(select(Client.id).limit(1)) is not None


@dataclass
class DemoResult:
    clients: int = 0
    sessions: int = 0
    followups: int = 0
    attempts: int = 0
    events: int = 0
    referrals: int = 0
    respondents: int = 0  # comparison group
    responses: int = 0
    seconds: float = 0.0
    skipped: bool = False
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.clients + self.sessions + self.followups + self.attempts


Progress = Callable[[str, DemoResult, int], None]


def demo_network(network: dict[str, MRC], users: dict[str, User]) -> tuple[DemoMrc, ...]:
    """The MRCs as the generator sees them, with their counsellors (manager last)."""
    result = []
    for code, mrc in network.items():
        country = str(db.session.scalar(select(Country.code).where(Country.id == mrc.country_id)))
        staff = [users[f"counsellor-{code.lower()}"].id]
        staff += [u.id for name, u in users.items()
                  if name.startswith("manager-") and u.mrc_id == mrc.id]
        result.append(DemoMrc(id=mrc.id, code=code, country=country,
                              provinces=tuple(p for p, _ in provinces(country)),
                              counsellor_ids=tuple(staff)))
    return tuple(result)


def load_demo(seed: int, clients: int, *, if_empty: bool = False, today: date | None = None,
              progress: Progress | None = None, comparison: int = 0) -> DemoResult:
    """Create the network, the demo users and ``clients`` synthetic clients with their
    sessions and follow-ups, and ``comparison`` comparison-survey respondents with their
    waves. With ``if_empty``, nothing is loaded when clients exist. The caller commits."""
    started = time.perf_counter()
    result = DemoResult()
    if if_empty and clients_exist():
        result.skipped = True
        return result
    network = ensure_reference_network()
    ensure_demo_facilities()
    users = ensure_demo_users(network)
    db.session.flush()
    result.stages["users"] = time.perf_counter() - started
    if comparison > 0:
        load_comparison_demo(seed, comparison, today or date.today(),
                             demo_network(network, users), result)
    if clients <= 0:
        result.seconds = time.perf_counter() - started
        return result

    if progress is not None:
        progress("setup", result, clients)
    loader.lock_tables()
    taken: frozenset[str] = frozenset()
    if clients_exist():
        taken = frozenset(c for c in db.session.scalars(
            select(Client.code).where(Client.code.is_not(None))) if c)
    spec = DemoSpec(seed=seed, clients=clients, today=today or date.today(),
                    waves_days=settings().followup_waves_days,
                    lapse_days=settings().followup_lapse_days,
                    mrcs=demo_network(network, users), first_ids=loader.next_ids(),
                    taken_codes=taken)
    for chunk in generate(spec):
        loader.write_chunk(chunk)
        result.clients += len(chunk.clients)
        result.sessions += len(chunk.sessions)
        result.followups += len(chunk.followups)
        result.attempts += len(chunk.attempts)
        if progress is not None:
            progress("load", result, clients)
    result.stages["load"] = time.perf_counter() - started - result.stages["users"]
    if progress is not None:
        progress("index", result, clients)
    loader.fix_sequences()
    outreach = load_outreach_demo(seed, spec.today)
    result.events = outreach.events
    result.referrals = load_referral_demo(seed, spec.today).referrals
    # Bulk rows bypass the services' incremental upkeep: recompute the summaries set-based.
    summaries.rebuild()
    loader.analyze()
    audit.record("import", "demo", None,
                 detail=f"seed={seed},clients={result.clients},sessions={result.sessions}")
    db.session.flush()
    result.seconds = time.perf_counter() - started
    return result


def load_comparison_demo(seed: int, respondents: int, today: date,
                         mrcs: tuple[DemoMrc, ...], result: DemoResult) -> None:
    """Bulk-load a comparison group (:mod:`mrc.demo.comparison`) after any existing one."""
    def first(model: Any) -> int:
        return int(db.session.scalar(select(func.coalesce(func.max(model.id), 0) + 1)) or 1)

    spec = ComparisonSpec(seed=seed, respondents=respondents, today=today,
                          waves_days=settings().followup_waves_days,
                          mrcs=mrcs, first_respondent_id=first(ComparisonRespondent),
                          first_response_id=first(ComparisonResponse))
    tables = generate_comparison(spec)
    loader.write_tables(("comparison_respondent", loader.with_record_keys(tables.respondents)),
                        ("comparison_response", tables.responses))
    loader.fix_sequences((ComparisonRespondent, ComparisonResponse))
    result.respondents += len(tables.respondents)
    result.responses += len(tables.responses)


def client_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Client)) or 0)
