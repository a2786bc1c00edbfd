"""Synthetic case data for demos and benchmarks: deterministic for a seed, any size.

Pure generation (numpy, no Flask, no database): ``generate(spec)`` yields chunks of rows
for the four case tables, with ids already assigned from ``spec.first_ids``. Phone numbers
and notes are yielded in plain text; the loader encrypts them and computes blind indexes.

Everything is drawn from one ``numpy.random.Generator`` seeded with the seed and consumed
in a fixed order, so the same spec (seed, clients, today, network, first ids) gives the
same rows. Client-level attributes are drawn for all clients at once (a few small arrays);
sessions, follow-ups and attempts are drawn chunk by chunk and never all held at once.

The rows are what the services would have stored: the first session is the baseline and
is on the registration date, follow-up waves exist exactly for consenting clients, due
at baseline + each configured offset, and their status, attempts and outcome follow the
rules of ``record_attempt`` (a reached wave has the outcome of its last attempt, a given-up
wave is ``unreachable``, anything else is still ``pending``; no date lies in the future).

The draws are in :mod:`mrc.demo.sampling`, codes and phone numbers in
:mod:`mrc.demo.identifiers`, the per-MRC tables in :mod:`mrc.demo.network`, and the
sessions and follow-ups of a chunk in :mod:`mrc.demo.history`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from mrc.demo import profiles as P
from mrc.demo.history import (
    REFERRAL_COUNT,
    TOPIC_CODES,
    ClientGroup,
    DrawContext,
    draw_followups,
    draw_sessions,
)
from mrc.demo.identifiers import client_codes, phone_numbers
from mrc.demo.network import DemoMrc, Network
from mrc.demo.sampling import (
    AwarenessDraws,
    BoolArray,
    DayTable,
    FloatArray,
    IntArray,
    ObjectArray,
    objects,
    pick,
    pick_rows,
    probabilities,
    probability_table,
    timestamps,
    with_none,
)
from mrc.demo.tables import (
    ATTEMPT_COLUMNS,
    CLIENT_COLUMNS,
    FOLLOWUP_COLUMNS,
    SESSION_COLUMNS,
    Chunk,
    Table,
)

__all__ = [
    "ATTEMPT_COLUMNS", "CHUNK_CLIENTS", "CLIENT_COLUMNS", "FOLLOWUP_COLUMNS",
    "REFERRAL_COUNT", "SESSION_COLUMNS", "TOPIC_CODES", "BoolArray", "Chunk", "DemoMrc",
    "DemoSpec", "FirstIds", "FloatArray", "IntArray", "Table", "client_codes", "generate",
    "phone_numbers",
]

CHUNK_CLIENTS = 20_000


@dataclass(frozen=True)
class FirstIds:
    """The first id of each table's rows (after those already stored)."""

    client: int = 1
    session: int = 1
    followup: int = 1
    attempt: int = 1


@dataclass(frozen=True)
class DemoSpec:
    """What to generate; the same spec always gives the same rows."""

    seed: int
    clients: int
    today: date
    waves_days: tuple[int, ...]
    mrcs: tuple[DemoMrc, ...]
    # Pending waves due more than this many days ago are stored lapsed (mrc.cases.lapse).
    lapse_days: int = 60
    first_ids: FirstIds = field(default_factory=FirstIds)
    taken_codes: frozenset[str] = frozenset()
    chunk_clients: int = CHUNK_CLIENTS


@dataclass
class _People:
    """Every client's registration day, MRC and recorded attributes (codes, not indexes,
    except ``status``, which sessions look up again)."""

    registered: IntArray
    mrc: IntArray
    sex: ObjectArray
    birth_year: IntArray
    birth_unknown: BoolArray
    province: ObjectArray
    nationality: ObjectArray
    status: IntArray
    education: ObjectArray
    employment: ObjectArray
    phones: ObjectArray
    consent: BoolArray
    codes: ObjectArray


@dataclass
class _Traits:
    """Latent traits of every client, which shape their sessions and follow-ups."""

    knowledge: FloatArray
    intention: IntArray
    destination: ObjectArray
    reachable: BoolArray
    sessions: IntArray


STATUS_CODES = objects(tuple(P.MIGRANT_STATUS["PK"]))
INTENTION_CODES = objects(tuple(P.BASELINE_INTENTION))


def generate(spec: DemoSpec) -> Iterator[Chunk]:
    """Yield the demo rows in chunks of ``spec.chunk_clients`` clients (see module doc)."""
    rng = np.random.default_rng(spec.seed)
    net = Network(spec.mrcs)
    n = spec.clients
    today = spec.today.toordinal()
    span = P.REGISTRATION_SPAN_DAYS
    horizon = max(spec.waves_days, default=0) + 400
    days = DayTable(today - span - 1, today + horizon)
    aw = AwarenessDraws()
    # The order of these two draws is part of what a seed means.
    people = _draw_people(rng, net, days, spec)
    traits = _draw_traits(rng, net, people)

    after = probability_table(INTENTION_CODES.tolist(),
                              [P.INTENTION_AFTER[c] for c in INTENTION_CODES.tolist()])
    ids = spec.first_ids
    next_session, next_followup, next_attempt = ids.session, ids.followup, ids.attempt
    ctx = DrawContext(rng=rng, context_rng=rng.spawn(1)[0], net=net, days=days, aw=aw,
                      today=today, after=after, intention_codes=INTENTION_CODES,
                      status_codes=STATUS_CODES)

    for lo in range(0, n, spec.chunk_clients):
        hi = min(n, lo + spec.chunk_clients)
        part = slice(lo, hi)
        client_ids = np.arange(ids.client + lo, ids.client + hi, dtype=np.int64)
        clients = _client_table(ctx, people, part, client_ids)
        group = ClientGroup(client_ids=client_ids, registered=people.registered[part],
                            mrc=people.mrc[part], status=people.status[part],
                            knowledge=traits.knowledge[part],
                            intention=traits.intention[part],
                            destination=traits.destination[part],
                            reachable=traits.reachable[part], consent=people.consent[part],
                            sessions=traits.sessions[part])
        sessions = draw_sessions(ctx, group, next_session)
        followups, attempts = draw_followups(ctx, group, spec.waves_days, spec.lapse_days,
                                             next_followup, next_attempt)
        next_session += len(sessions)
        next_followup += len(followups)
        next_attempt += len(attempts)
        yield Chunk(clients, sessions, followups, attempts)


def _draw_people(rng: np.random.Generator, net: Network, days: DayTable,
                 spec: DemoSpec) -> _People:
    """Client-level attributes for everyone (small arrays), oldest registrations first."""
    n = spec.clients
    today = spec.today.toordinal()
    span = P.REGISTRATION_SPAN_DAYS
    recent = rng.random(n) < 0.5
    days_ago = np.where(recent, np.floor(span * (1 - np.sqrt(rng.random(n)))),
                        rng.integers(0, span + 1, size=n)).astype(np.int64)
    registered = np.sort(today - days_ago)
    mrc = pick(rng, n, net.weights)
    country = net.mrc_country[mrc]
    countries = net.countries

    sex_codes = objects(tuple(P.SEX["PK"]))
    sex = sex_codes[pick_rows(rng, probability_table(sex_codes.tolist(),
                                                     [P.SEX[c] for c in countries])[country])]
    age = np.clip(16 + rng.gamma(2.2, 5.5, size=n), 16, 75).astype(np.int64)
    birth_year = days.year(registered) - age
    birth_unknown = rng.random(n) < 0.03

    province: ObjectArray = np.empty(n, dtype=object)
    for i in range(len(net.mrcs)):
        where = np.flatnonzero(mrc == i)
        options, probs = net.province_options(i)
        province[where] = options[pick(rng, len(where), probs)]

    nationality_codes = objects(sorted({c for t in P.NATIONALITY.values() for c in t}) + [None])
    nationality_probs = np.array([
        [P.NATIONALITY.get(c, {}).get(code, 0.0) for code in nationality_codes[:-1].tolist()]
        + [max(0.0, 1 - sum(P.NATIONALITY.get(c, {}).values()))] for c in countries])
    nationality = nationality_codes[pick_rows(rng, nationality_probs[country])]

    status = pick_rows(rng, probability_table(STATUS_CODES.tolist(),
                                              [P.MIGRANT_STATUS[c] for c in countries])[country])
    education_codes = objects(tuple(P.EDUCATION["PK"]))
    education = education_codes[pick_rows(rng, probability_table(
        education_codes.tolist(), [P.EDUCATION[c] for c in countries])[country])]
    employment_codes = objects(tuple(P.EMPLOYMENT["female"]))
    employment_probs = probability_table(employment_codes.tolist(),
                                         [P.EMPLOYMENT["female"], P.EMPLOYMENT["other"]])
    female = sex == "female"
    employment = employment_codes[pick_rows(rng, employment_probs[np.where(female, 0, 1)])]

    phone_rate = np.array([P.PHONE_RATE.get(c, 0.6) for c in countries])[country]
    has_phone = rng.random(n) < phone_rate
    consent = has_phone & (rng.random(n) < P.CONSENT_GIVEN_PHONE)
    phone_index = np.flatnonzero(has_phone)
    phones: ObjectArray = np.empty(n, dtype=object)
    phones[phone_index] = objects(phone_numbers(
        rng, [countries[c] for c in country[phone_index].tolist()]))
    codes = objects(client_codes(rng, n, spec.taken_codes))
    return _People(registered=registered, mrc=mrc, sex=sex, birth_year=birth_year,
                   birth_unknown=birth_unknown, province=province, nationality=nationality,
                   status=status, education=education, employment=employment,
                   phones=phones, consent=consent, codes=codes)


def _draw_traits(rng: np.random.Generator, net: Network, people: _People) -> _Traits:
    """Latent traits used by sessions and follow-ups."""
    n = len(people.registered)
    country = net.mrc_country[people.mrc]
    knowledge = rng.beta(4, 4, size=n) * 0.85
    intention = pick(rng, n, probabilities(P.BASELINE_INTENTION, INTENTION_CODES.tolist()))
    destination = net.destinations[pick_rows(rng, net.destination_probs[country])]
    destination[rng.random(n) < P.DESTINATION_UNKNOWN] = None
    reachable = rng.random(n) < P.REACHABLE_CLIENTS
    sessions = 1 + pick(rng, n, np.array(P.SESSIONS_PER_CLIENT) / sum(P.SESSIONS_PER_CLIENT))
    return _Traits(knowledge=knowledge, intention=intention, destination=destination,
                   reachable=reachable, sessions=sessions)


def _client_table(ctx: DrawContext, people: _People, part: slice,
                  client_ids: IntArray) -> Table:
    """The client rows of one chunk; draws their creation times and counsellors."""
    reg_days = ctx.days.strings(people.registered[part])
    consent = people.consent[part]
    return Table(CLIENT_COLUMNS, {
        "id": client_ids.tolist(),
        "code": people.codes[part].tolist(),
        "mrc_id": ctx.net.ids[people.mrc[part]].tolist(),
        "sex": people.sex[part].tolist(),
        "birth_year": with_none(people.birth_year[part].tolist(), people.birth_unknown[part]),
        "province": people.province[part].tolist(),
        "nationality": people.nationality[part].tolist(),
        "migrant_status": STATUS_CODES[people.status[part]].tolist(),
        "education": people.education[part].tolist(),
        "employment": people.employment[part].tolist(),
        "phone": people.phones[part].tolist(),
        "followup_consent": consent.tolist(),
        "consent_date": with_none(reg_days.tolist(), ~consent),
        "registered_on": reg_days.tolist(),
        # Dict order is draw order: creation times before counsellors.
        "created_at": timestamps(ctx.rng, reg_days),
        "created_by_id": ctx.net.counsellor(ctx.rng, people.mrc[part]),
    })
