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
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from mrc.cases import awareness
from mrc.demo import profiles as P
from mrc.privacy.codes import ALPHABET, DATA_LENGTH

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

CLIENT_COLUMNS = (
    "id", "code", "mrc_id", "sex", "birth_year", "province", "nationality", "migrant_status",
    "education", "employment", "phone", "followup_consent", "consent_date", "registered_on",
    "created_at", "created_by_id",
)
SESSION_COLUMNS = (
    "id", "client_id", "mrc_id", "counsellor_id", "date", "channel", "language", "topics",
    "destination", "intention", "awareness_version", "awareness_answers", "awareness_score",
    "referrals", "duration_minutes", "notes", "is_baseline", "created_at",
)
FOLLOWUP_COLUMNS = (
    "id", "client_id", "mrc_id", "wave", "due_date", "status", "completed_on",
    "location_status", "intention", "awareness_version", "awareness_answers",
    "awareness_score", "used_mrc_info",
)
ATTEMPT_COLUMNS = ("id", "followup_id", "date", "method", "reached", "counsellor_id")

TOPIC_CODES = tuple(P.TOPIC_RATES)
REFERRAL_COUNT = 8  # len(vocab.REFERRALS); bit positions 0..7
CHUNK_CLIENTS = 20_000


@dataclass(frozen=True)
class DemoMrc:
    """An MRC as the generator needs it: ids, code, country, and its counsellors' user
    ids (the first one does most of the work)."""

    id: int
    code: str
    country: str
    provinces: tuple[str, ...]
    counsellor_ids: tuple[int, ...]


@dataclass(frozen=True)
class FirstIds:
    client: int = 1
    session: int = 1
    followup: int = 1
    attempt: int = 1


@dataclass(frozen=True)
class DemoSpec:
    seed: int
    clients: int
    today: date
    waves_days: tuple[int, ...]
    mrcs: tuple[DemoMrc, ...]
    first_ids: FirstIds = field(default_factory=FirstIds)
    taken_codes: frozenset[str] = frozenset()
    chunk_clients: int = CHUNK_CLIENTS


@dataclass
class Table:
    """Rows of one table held by column (each column a list of plain Python values)."""

    columns: tuple[str, ...]
    data: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.data[self.columns[0]]) if self.columns else 0

    def rows(self, columns: Sequence[str] | None = None) -> Iterator[tuple[Any, ...]]:
        return zip(*(self.data[c] for c in (columns or self.columns)), strict=True)


@dataclass
class Chunk:
    clients: Table
    sessions: Table
    followups: Table
    attempts: Table


# --- small vectorised helpers -------------------------------------------------------------

def _probabilities(table: Mapping[str, float], codes: Sequence[str]) -> FloatArray:
    weights = np.array([table.get(c, 0.0) for c in codes], dtype=np.float64)
    total = weights.sum()
    # Codes the table does not know (an MRC outside the reference network) share evenly.
    return weights / total if total > 0 else np.full(len(codes), 1 / len(codes))


def _pick(rng: np.random.Generator, n: int, probs: FloatArray) -> IntArray:
    """n indexes drawn with the given probabilities."""
    return np.asarray(rng.choice(len(probs), size=n, p=probs), dtype=np.int64)


def _pick_rows(rng: np.random.Generator, probs: FloatArray) -> IntArray:
    """One index per row of ``probs`` (rows are probability vectors)."""
    cumulative = probs.cumsum(axis=1)
    u = rng.random(len(probs))[:, None] * cumulative[:, -1:]
    picked: npt.NDArray[np.int64] = np.minimum((u >= cumulative).sum(axis=1),
                                               probs.shape[1] - 1).astype(np.int64)
    return picked


def _segment_cumsum(values: IntArray, counts: IntArray) -> IntArray:
    """Cumulative sums restarting at each segment (segments given by their lengths)."""
    total = np.concatenate(([0], np.cumsum(values)))
    starts = np.cumsum(counts) - counts
    return np.asarray(total[1:] - np.repeat(total[starts], counts), dtype=np.int64)


def _positions(counts: IntArray) -> IntArray:
    """0, 1, … within each segment."""
    starts = np.cumsum(counts) - counts
    return np.asarray(np.arange(int(counts.sum())) - np.repeat(starts, counts), dtype=np.int64)


def _objects(values: Sequence[Any]) -> npt.NDArray[np.object_]:
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


def _with_none(values: list[Any], missing: BoolArray) -> list[Any]:
    return [None if m else v for v, m in zip(values, missing.tolist(), strict=True)]


# --- fixed lookups ------------------------------------------------------------------------

class _Awareness:
    """Every possible answers string of the current questionnaire, indexed by its base-3
    encoding (0 correct, 1 wrong, 2 don't know per question), with its score."""

    def __init__(self) -> None:
        questions = awareness.questions()
        self.n = len(questions)
        combos = 3 ** self.n
        digits = (np.arange(combos)[:, None] // (3 ** np.arange(self.n)[::-1])) % 3
        correct = np.array([q.correct for q in questions])
        wrong = np.where(correct == awareness.TRUE, awareness.FALSE, awareness.TRUE)
        symbols = np.where(digits == 0, correct, np.where(digits == 1, wrong,
                                                          awareness.DONT_KNOW))
        self.answers = _objects(["".join(row) for row in symbols.tolist()])
        self.scores = (digits == 0).sum(axis=1).astype(np.int64)
        self.weights = 3 ** np.arange(self.n)[::-1]

    def draw(self, rng: np.random.Generator, p_correct: FloatArray,
             asked: BoolArray) -> tuple[list[Any], list[Any]]:
        """Answers strings and scores (None where not asked) for knowledge levels."""
        u = rng.random((len(p_correct), self.n))
        p = p_correct[:, None]
        state = np.where(u < p, 0, np.where(u < p + P.DONT_KNOW_RATE * (1 - p), 2, 1))
        index = state @ self.weights
        answers = self.answers[index].tolist()
        scores = self.scores[index].tolist()
        return _with_none(answers, ~asked), _with_none(scores, ~asked)


class _Days:
    """ISO strings of day ordinals, looked up in bulk."""

    def __init__(self, first: int, last: int) -> None:
        self.first = first
        self.iso = _objects([date.fromordinal(o).isoformat() for o in range(first, last + 1)])
        self.years = np.array([date.fromordinal(o).year for o in range(first, last + 1)])

    def strings(self, ordinals: IntArray) -> npt.NDArray[np.object_]:
        result: npt.NDArray[np.object_] = self.iso[ordinals - self.first]
        return result

    def year(self, ordinals: IntArray) -> IntArray:
        return np.asarray(self.years[ordinals - self.first], dtype=np.int64)


_TIMES = _objects([f" {h:02d}:{m:02d}:00" for h in range(8, 17) for m in range(60)])


def _timestamps(rng: np.random.Generator, days: npt.NDArray[np.object_]) -> list[Any]:
    """'YYYY-MM-DD HH:MM:SS' (UTC) within office hours of each day."""
    times = _TIMES[rng.integers(0, len(_TIMES), size=len(days))]
    return list((days + times).tolist())


# --- client codes and phone numbers -------------------------------------------------------

_SYMBOLS = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)


def client_codes(rng: np.random.Generator, n: int, taken: frozenset[str] = frozenset()
                 ) -> list[str]:
    """n distinct random client codes (7 random symbols + Luhn mod 32 check symbol, as
    ``privacy.codes.check_symbol`` computes it), none of them in ``taken``."""
    base = len(ALPHABET)
    chosen: list[int] = []
    seen: set[int] = set()
    taken_values = {_code_value(c) for c in taken if len(c) == DATA_LENGTH + 1}
    while len(chosen) < n:
        draw = rng.integers(0, base ** DATA_LENGTH, size=n - len(chosen) + 16, dtype=np.int64)
        for value in draw.tolist():
            if value not in seen and value not in taken_values:
                seen.add(value)
                chosen.append(value)
                if len(chosen) == n:
                    break
    values = np.array(chosen, dtype=np.int64)
    shifts = 5 * np.arange(DATA_LENGTH - 1, -1, -1)
    digits = (values[:, None] >> shifts) & (base - 1)  # most significant first
    # Luhn mod N from the right: the last data symbol is doubled.
    factors = np.where(np.arange(DATA_LENGTH)[::-1] % 2 == 0, 2, 1)
    addends = digits * factors
    total = (addends // base + addends % base).sum(axis=1)
    check = (base - total % base) % base
    symbols = _SYMBOLS[np.concatenate([digits, check[:, None]], axis=1)]
    return [row.decode("ascii") for row in symbols.astype(np.uint8).view(f"S{DATA_LENGTH + 1}")
            .ravel().tolist()]


def _code_value(code: str) -> int:
    value = 0
    for ch in code[:DATA_LENGTH]:
        value = value * len(ALPHABET) + ALPHABET.index(ch)
    return value


def phone_numbers(rng: np.random.Generator, countries: Sequence[str]) -> list[str]:
    """Distinct E.164 mobile numbers in each given country's numbering plan."""
    result: list[str] = []
    seen: set[str] = set()
    country_array = np.array(countries, dtype=object)
    prefix_choice = rng.random(len(countries))
    subscriber = rng.random(len(countries))
    for i, country in enumerate(country_array.tolist()):
        calling, prefixes, digits = P.MOBILE_NUMBERING[country]
        prefix = prefixes[int(prefix_choice[i] * len(prefixes))]
        number = int(subscriber[i] * 10 ** digits)
        phone = f"{calling}{prefix}{number:0{digits}d}"
        while phone in seen:  # rare: redraw until distinct
            number = int(rng.integers(0, 10 ** digits))
            phone = f"{calling}{prefix}{number:0{digits}d}"
        seen.add(phone)
        result.append(phone)
    return result


# --- the generator ------------------------------------------------------------------------

class _Network:
    """Per-MRC lookup tables built from the spec and the profiles."""

    def __init__(self, mrcs: Sequence[DemoMrc]) -> None:
        self.mrcs = list(mrcs)
        self.countries = sorted({m.country for m in mrcs})
        self.mrc_country = np.array([self.countries.index(m.country) for m in mrcs])
        self.ids = np.array([m.id for m in mrcs], dtype=np.int64)
        self.weights = _probabilities(P.MRC_WEIGHTS, [m.code for m in mrcs])
        width = max(len(m.counsellor_ids) for m in mrcs)
        self.counsellors = np.zeros((len(mrcs), width), dtype=np.int64)
        self.counsellor_probs = np.zeros((len(mrcs), width))
        for i, m in enumerate(mrcs):
            self.counsellors[i, :len(m.counsellor_ids)] = m.counsellor_ids
            self.counsellor_probs[i, 0] = 1.0
            if len(m.counsellor_ids) > 1:
                self.counsellor_probs[i, 0] = 0.8
                self.counsellor_probs[i, 1:len(m.counsellor_ids)] = 0.2 / (len(m.counsellor_ids) - 1)
        self.languages = _objects(sorted({lang for t in P.SESSION_LANGUAGES.values() for lang in t}))
        self.language_probs = np.array([
            _probabilities(P.SESSION_LANGUAGES.get(m.code, {"en": 1.0}), self.languages.tolist())
            for m in mrcs])
        self.destinations = _objects(sorted({d for t in P.DESTINATIONS.values() for d in t}))
        self.destination_probs = np.array([
            _probabilities(P.DESTINATIONS.get(c, {"SA": 1.0}), self.destinations.tolist())
            for c in self.countries])

    def counsellor(self, rng: np.random.Generator, mrc_index: IntArray) -> list[Any]:
        k = _pick_rows(rng, self.counsellor_probs[mrc_index])
        return list(self.counsellors[mrc_index, k].tolist())

    def province_options(self, i: int) -> tuple[npt.NDArray[np.object_], FloatArray]:
        mrc = self.mrcs[i]
        listed = P.PROVINCE_WEIGHTS.get(mrc.code, {})
        known = [p for p in mrc.provinces if p in listed]
        others = [p for p in mrc.provinces if p not in listed]
        codes: list[str | None] = [*known, *others, None]
        weights = [listed[p] for p in known]
        rest = P.OTHER_PROVINCES_WEIGHT if known else 1.0
        weights += [rest / len(others)] * len(others) if others else []
        scale = (1 - P.PROVINCE_UNKNOWN) / sum(weights) if weights else 0.0
        probs = np.array([w * scale for w in weights] + [P.PROVINCE_UNKNOWN])
        return _objects(codes), probs / probs.sum()


def _table(codes: Sequence[str], tables: Sequence[Mapping[str, float]]) -> FloatArray:
    return np.array([_probabilities(t, codes) for t in tables])


def generate(spec: DemoSpec) -> Iterator[Chunk]:
    """Yield the demo rows in chunks of ``spec.chunk_clients`` clients (see module doc)."""
    rng = np.random.default_rng(spec.seed)
    net = _Network(spec.mrcs)
    n = spec.clients
    today = spec.today.toordinal()
    span = P.REGISTRATION_SPAN_DAYS
    horizon = max(spec.waves_days, default=0) + 400
    days = _Days(today - span - 1, today + horizon)
    aw = _Awareness()

    # Client-level attributes for everyone (small arrays), oldest registrations first.
    recent = rng.random(n) < 0.5
    days_ago = np.where(recent, np.floor(span * (1 - np.sqrt(rng.random(n)))),
                        rng.integers(0, span + 1, size=n)).astype(np.int64)
    registered = np.sort(today - days_ago)
    mrc = _pick(rng, n, net.weights)
    country = net.mrc_country[mrc]
    countries = net.countries

    sex_codes = _objects(tuple(P.SEX["PK"]))
    sex = _pick_rows(rng, _table(sex_codes.tolist(), [P.SEX[c] for c in countries])[country])
    age = np.clip(16 + rng.gamma(2.2, 5.5, size=n), 16, 75).astype(np.int64)
    birth_year = days.year(registered) - age
    birth_unknown = rng.random(n) < 0.03

    province: npt.NDArray[np.object_] = np.empty(n, dtype=object)
    for i in range(len(net.mrcs)):
        where = np.flatnonzero(mrc == i)
        options, probs = net.province_options(i)
        province[where] = options[_pick(rng, len(where), probs)]

    nationality_codes = _objects(sorted({c for t in P.NATIONALITY.values() for c in t}) + [None])
    nationality_probs = np.array([
        [P.NATIONALITY.get(c, {}).get(code, 0.0) for code in nationality_codes[:-1].tolist()]
        + [max(0.0, 1 - sum(P.NATIONALITY.get(c, {}).values()))] for c in countries])
    nationality = nationality_codes[_pick_rows(rng, nationality_probs[country])]

    status_codes = _objects(tuple(P.MIGRANT_STATUS["PK"]))
    status = _pick_rows(rng, _table(status_codes.tolist(),
                                    [P.MIGRANT_STATUS[c] for c in countries])[country])
    education_codes = _objects(tuple(P.EDUCATION["PK"]))
    education = _pick_rows(rng, _table(education_codes.tolist(),
                                       [P.EDUCATION[c] for c in countries])[country])
    employment_codes = _objects(tuple(P.EMPLOYMENT["female"]))
    employment_probs = _table(employment_codes.tolist(),
                              [P.EMPLOYMENT["female"], P.EMPLOYMENT["other"]])
    female = sex_codes[sex] == "female"
    employment = _pick_rows(rng, employment_probs[np.where(female, 0, 1)])

    phone_rate = np.array([P.PHONE_RATE.get(c, 0.6) for c in countries])[country]
    has_phone = rng.random(n) < phone_rate
    consent = has_phone & (rng.random(n) < P.CONSENT_GIVEN_PHONE)
    phone_index = np.flatnonzero(has_phone)
    phones: npt.NDArray[np.object_] = np.empty(n, dtype=object)
    phones[phone_index] = _objects(phone_numbers(
        rng, [countries[c] for c in country[phone_index].tolist()]))
    codes = _objects(client_codes(rng, n, spec.taken_codes))

    # Latent traits used by sessions and follow-ups.
    knowledge = rng.beta(4, 4, size=n) * 0.85
    intention_codes = _objects(tuple(P.BASELINE_INTENTION))
    intention = _pick(rng, n, _probabilities(P.BASELINE_INTENTION, intention_codes.tolist()))
    destination = net.destinations[_pick_rows(rng, net.destination_probs[country])]
    destination[rng.random(n) < P.DESTINATION_UNKNOWN] = None
    reachable = rng.random(n) < P.REACHABLE_CLIENTS
    sessions_per_client = 1 + _pick(rng, n, np.array(P.SESSIONS_PER_CLIENT)
                                    / sum(P.SESSIONS_PER_CLIENT))

    after = _table(intention_codes.tolist(),
                   [P.INTENTION_AFTER[c] for c in intention_codes.tolist()])
    ids = spec.first_ids
    next_session, next_followup, next_attempt = ids.session, ids.followup, ids.attempt
    ctx = _Context(rng=rng, net=net, days=days, aw=aw, today=today, after=after,
                   intention_codes=intention_codes, status_codes=status_codes)

    for lo in range(0, n, spec.chunk_clients):
        hi = min(n, lo + spec.chunk_clients)
        part = slice(lo, hi)
        client_ids = np.arange(ids.client + lo, ids.client + hi, dtype=np.int64)
        reg_days = days.strings(registered[part])
        clients = Table(CLIENT_COLUMNS, {
            "id": client_ids.tolist(),
            "code": codes[part].tolist(),
            "mrc_id": net.ids[mrc[part]].tolist(),
            "sex": sex_codes[sex[part]].tolist(),
            "birth_year": _with_none(birth_year[part].tolist(), birth_unknown[part]),
            "province": province[part].tolist(),
            "nationality": nationality[part].tolist(),
            "migrant_status": status_codes[status[part]].tolist(),
            "education": education_codes[education[part]].tolist(),
            "employment": employment_codes[employment[part]].tolist(),
            "phone": phones[part].tolist(),
            "followup_consent": consent[part].tolist(),
            "consent_date": _with_none(reg_days.tolist(), ~consent[part]),
            "registered_on": reg_days.tolist(),
            "created_at": _timestamps(rng, reg_days),
            "created_by_id": net.counsellor(rng, mrc[part]),
        })
        group = _Group(client_ids=client_ids, registered=registered[part], mrc=mrc[part],
                       status=status[part], knowledge=knowledge[part],
                       intention=intention[part], destination=destination[part],
                       reachable=reachable[part], consent=consent[part],
                       sessions=sessions_per_client[part])
        sessions = _sessions(ctx, group, next_session)
        followups, attempts = _followups(ctx, group, spec.waves_days, next_followup,
                                         next_attempt)
        next_session += len(sessions)
        next_followup += len(followups)
        next_attempt += len(attempts)
        yield Chunk(clients, sessions, followups, attempts)


@dataclass
class _Context:
    rng: np.random.Generator
    net: _Network
    days: _Days
    aw: _Awareness
    today: int
    after: FloatArray
    intention_codes: npt.NDArray[np.object_]
    status_codes: npt.NDArray[np.object_]


@dataclass
class _Group:
    """Client-level arrays of one chunk."""

    client_ids: IntArray
    registered: IntArray
    mrc: IntArray
    status: IntArray
    knowledge: FloatArray
    intention: IntArray
    destination: npt.NDArray[np.object_]
    reachable: BoolArray
    consent: BoolArray
    sessions: IntArray


def _sessions(ctx: _Context, g: _Group, first_id: int) -> Table:
    rng, net = ctx.rng, ctx.net
    counts = g.sessions
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(counts)), counts)
    position = _positions(counts)
    baseline = position == 0

    # Dates: the baseline on the registration day, then gaps of about a month; squeezed
    # so that no session lies in the future.
    gaps = np.where(baseline, 0, rng.geometric(1 / P.MEAN_DAYS_BETWEEN_SESSIONS, size=total))
    offsets = _segment_cumsum(gaps.astype(np.int64), counts)
    last = offsets[np.cumsum(counts) - 1]
    room = ctx.today - g.registered
    scale = np.where(last > room, room / np.maximum(last, 1), 1.0)
    offsets = np.floor(offsets * scale[owner]).astype(np.int64)
    ordinals = g.registered[owner] + offsets
    day_strings = ctx.days.strings(ordinals)

    channel_codes = _objects(tuple(P.CHANNEL_BASELINE))
    channel_probs = _table(channel_codes.tolist(), [P.CHANNEL_BASELINE, P.CHANNEL_LATER])
    channel = channel_codes[_pick_rows(rng, channel_probs[np.where(baseline, 0, 1)])]
    mrc = g.mrc[owner]
    language = net.languages[_pick_rows(rng, net.language_probs[mrc])]

    # Intention: baseline as drawn; later sessions keep it or drift as at follow-up.
    base_intention = g.intention[owner]
    drift = _pick_rows(rng, ctx.after[base_intention])
    keep = baseline | (rng.random(total) < P.LATER_SESSION_KEEPS_INTENTION)
    intention = np.where(keep, base_intention, drift)
    intention_code = ctx.intention_codes[intention]
    none_intention = intention_code == "none"
    destination = g.destination[owner].copy()
    destination[none_intention & (rng.random(total) < 0.75)] = None

    # Topics: independent draws per topic, shaped by intention and migrant status.
    rates = np.tile(np.array([P.TOPIC_RATES[t] for t in TOPIC_CODES]), (total, 1))
    for overrides, rows in (
        (P.TOPIC_RATES_IRREGULAR, intention_code == "irregular"),
        (P.TOPIC_RATES_RETURNEE, ctx.status_codes[g.status[owner]] == "returnee"),
        (P.TOPIC_RATES_NO_INTENTION, none_intention),
    ):
        for topic, rate in overrides.items():
            rates[rows, TOPIC_CODES.index(topic)] = rate
    chosen = rng.random((total, len(TOPIC_CODES))) < rates
    chosen[~chosen.any(axis=1), 0] = True  # every session covers at least one topic
    topics = (chosen * (1 << np.arange(len(TOPIC_CODES)))).sum(axis=1)

    referred = rng.random(total) < P.REFERRAL_RATE
    first_ref = 1 << rng.integers(0, REFERRAL_COUNT, size=total)
    second_ref = np.where(rng.random(total) < P.SECOND_REFERRAL_RATE,
                          1 << rng.integers(0, REFERRAL_COUNT, size=total), 0)
    referrals = np.where(referred, first_ref | second_ref, 0)

    knowledge = np.where(baseline, g.knowledge[owner],
                         np.minimum(0.95, g.knowledge[owner] + P.KNOWLEDGE_GAIN_SESSION))
    asked = rng.random(total) < np.where(baseline, P.AWARENESS_ASKED_BASELINE,
                                         P.AWARENESS_ASKED_LATER)
    answers, scores = ctx.aw.draw(rng, knowledge, asked)

    duration = np.clip(np.round(rng.lognormal(np.log(30), 0.4, size=total) / 5) * 5, 5, 180)
    duration_unknown = rng.random(total) < P.DURATION_UNKNOWN
    with_notes = rng.random(total) < P.NOTES_RATE
    note_pick = rng.integers(0, len(P.NOTE_TEMPLATES), size=total)
    notes = [P.NOTE_TEMPLATES[k] if w else None
             for k, w in zip(note_pick.tolist(), with_notes.tolist(), strict=True)]

    return Table(SESSION_COLUMNS, {
        "id": list(range(first_id, first_id + total)),
        "client_id": g.client_ids[owner].tolist(),
        "mrc_id": net.ids[mrc].tolist(),
        "counsellor_id": net.counsellor(rng, mrc),
        "date": day_strings.tolist(),
        "channel": channel.tolist(),
        "language": language.tolist(),
        "topics": topics.tolist(),
        "destination": destination.tolist(),
        "intention": intention_code.tolist(),
        "awareness_version": [awareness.CURRENT_VERSION] * total,
        "awareness_answers": answers,
        "awareness_score": scores,
        "referrals": referrals.tolist(),
        "duration_minutes": _with_none(duration.astype(np.int64).tolist(), duration_unknown),
        "notes": notes,
        "is_baseline": baseline.tolist(),
        "created_at": _timestamps(rng, day_strings),
    })


def _followups(ctx: _Context, g: _Group, waves_days: tuple[int, ...], first_id: int,
               first_attempt_id: int) -> tuple[Table, Table]:
    rng, net, today = ctx.rng, ctx.net, ctx.today
    consenting = np.flatnonzero(g.consent)
    n_waves = len(waves_days)
    owner = np.repeat(consenting, n_waves)
    wave = np.tile(np.arange(1, n_waves + 1), len(consenting))
    total = len(owner)
    due = g.registered[owner] + np.array(waves_days, dtype=np.int64)[wave - 1] \
        if n_waves else np.zeros(0, dtype=np.int64)

    # Attempts: the outcome is drawn first, then how many calls it took; calls after today
    # have not happened yet, which leaves the wave pending.
    is_due = due <= today
    attempted = is_due & (rng.random(total) >= P.NEVER_ATTEMPTED)
    reach_rate = np.where(g.reachable[owner], P.REACH_IF_REACHABLE, P.REACH_IF_NOT_REACHABLE)
    reached = rng.random(total) < reach_rate
    until_reached = 1 + _pick(rng, total, np.array(P.ATTEMPTS_UNTIL_REACHED)
                              / sum(P.ATTEMPTS_UNTIL_REACHED))
    give_up_options = np.array(list(P.ATTEMPTS_BEFORE_GIVING_UP))
    give_up_after = give_up_options[_pick(rng, total, _probabilities(
        {str(k): v for k, v in P.ATTEMPTS_BEFORE_GIVING_UP.items()},
        [str(k) for k in give_up_options.tolist()]))]
    planned = np.where(attempted, np.where(reached, until_reached, give_up_after), 0)

    a_owner = np.repeat(np.arange(total), planned)
    a_position = _positions(planned)
    a_gaps = np.where(a_position == 0, rng.integers(-3, 11, size=len(a_owner)),
                      rng.integers(2, 11, size=len(a_owner)))
    a_dates = due[a_owner] + _segment_cumsum(a_gaps.astype(np.int64), planned)
    happened = a_dates <= today
    done = np.bincount(a_owner[happened], minlength=total)
    closed = attempted & (done == planned)
    last_date = np.zeros(total, dtype=np.int64)
    ends = np.cumsum(planned) - 1
    has_attempts = planned > 0
    last_date[has_attempts] = a_dates[ends[has_attempts]]

    status = np.where(closed, np.where(reached, "reached", "unreachable"), "pending")
    outcome = closed & reached
    base_intention = g.intention[owner]
    irregular = ctx.intention_codes[base_intention] == "irregular"
    location_codes = _objects(tuple(P.LOCATION_AFTER["other"]))
    location_probs = _table(location_codes.tolist(),
                            [P.LOCATION_AFTER["irregular"], P.LOCATION_AFTER["other"]])
    location = location_codes[_pick_rows(rng, location_probs[np.where(irregular, 0, 1)])]
    intention = ctx.intention_codes[_pick_rows(rng, ctx.after[base_intention])]
    gains = np.array(P.KNOWLEDGE_GAIN_FOLLOWUP)[np.minimum(wave - 1,
                                                           len(P.KNOWLEDGE_GAIN_FOLLOWUP) - 1)]
    knowledge = np.minimum(0.97, g.knowledge[owner] + gains)
    asked = outcome & (rng.random(total) < P.AWARENESS_ASKED_FOLLOWUP)
    answers, scores = ctx.aw.draw(rng, knowledge, asked)
    used_codes = _objects([True, False, None])
    used = used_codes[_pick(rng, total, _probabilities(P.USED_MRC_INFO,
                                                        ["yes", "no", "unknown"]))]
    not_reached = ~outcome
    followup_ids = np.arange(first_id, first_id + total, dtype=np.int64)
    mrc = g.mrc[owner]
    followups = Table(FOLLOWUP_COLUMNS, {
        "id": followup_ids.tolist(),
        "client_id": g.client_ids[owner].tolist(),
        "mrc_id": net.ids[mrc].tolist(),
        "wave": wave.tolist(),
        "due_date": ctx.days.strings(due).tolist(),
        "status": status.tolist(),
        "completed_on": _with_none(ctx.days.strings(np.maximum(last_date, ctx.days.first))
                                   .tolist(), ~closed),
        "location_status": _with_none(location.tolist(), not_reached),
        "intention": _with_none(intention.tolist(), not_reached),
        "awareness_version": _with_none([awareness.CURRENT_VERSION] * total, ~asked),
        "awareness_answers": answers,
        "awareness_score": scores,
        "used_mrc_info": _with_none(used.tolist(), not_reached),
    })

    kept = happened
    k_owner = a_owner[kept]
    k_reached = (reached[k_owner] & (a_position[kept] == planned[k_owner] - 1))
    method_codes = _objects(tuple(P.ATTEMPT_METHODS))
    method = method_codes[_pick(rng, int(kept.sum()),
                                _probabilities(P.ATTEMPT_METHODS, method_codes.tolist()))]
    attempts = Table(ATTEMPT_COLUMNS, {
        "id": list(range(first_attempt_id, first_attempt_id + int(kept.sum()))),
        "followup_id": followup_ids[k_owner].tolist(),
        "date": ctx.days.strings(a_dates[kept]).tolist(),
        "method": method.tolist(),
        "reached": k_reached.tolist(),
        "counsellor_id": net.counsellor(rng, mrc[k_owner]),
    })
    return followups, attempts
