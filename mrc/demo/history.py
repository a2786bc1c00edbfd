"""Each chunk's case history for the demo: counselling sessions and follow-up waves with
their call attempts, drawn from the clients' latent traits (see :mod:`mrc.demo.generator`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mrc.cases import awareness
from mrc.demo import profiles as P
from mrc.demo.context import draw_context
from mrc.demo.network import Network
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
    positions,
    probabilities,
    probability_table,
    segment_cumsum,
    timestamps,
    with_none,
)
from mrc.demo.tables import ATTEMPT_COLUMNS, FOLLOWUP_COLUMNS, SESSION_COLUMNS, Table

TOPIC_CODES = tuple(P.TOPIC_RATES)
REFERRAL_COUNT = 8  # len(vocab.REFERRALS); bit positions 0..7


@dataclass
class DrawContext:
    """What every chunk draws with: the random stream, the network, day and awareness
    lookups, today's ordinal and the intention codes and their drift after counselling."""

    rng: np.random.Generator
    context_rng: np.random.Generator  # the migration context's own stream (demo.context)
    net: Network
    days: DayTable
    aw: AwarenessDraws
    today: int
    after: FloatArray
    intention_codes: ObjectArray
    status_codes: ObjectArray


@dataclass
class ClientGroup:
    """Client-level arrays of one chunk."""

    client_ids: IntArray
    registered: IntArray
    mrc: IntArray
    status: IntArray
    knowledge: FloatArray
    intention: IntArray
    destination: ObjectArray
    reachable: BoolArray
    consent: BoolArray
    sessions: IntArray


def draw_sessions(ctx: DrawContext, g: ClientGroup, first_id: int) -> Table:
    """The chunk's counselling sessions, ids from ``first_id``: the baseline on the
    registration day, later ones about a month apart and never in the future."""
    rng, net = ctx.rng, ctx.net
    counts = g.sessions
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(counts)), counts)
    position = positions(counts)
    baseline = position == 0

    # Dates: the baseline on the registration day, then gaps of about a month; squeezed
    # so that no session lies in the future.
    gaps = np.where(baseline, 0, rng.geometric(1 / P.MEAN_DAYS_BETWEEN_SESSIONS, size=total))
    offsets = segment_cumsum(gaps.astype(np.int64), counts)
    last = offsets[np.cumsum(counts) - 1]
    room = ctx.today - g.registered
    scale = np.where(last > room, room / np.maximum(last, 1), 1.0)
    offsets = np.floor(offsets * scale[owner]).astype(np.int64)
    ordinals = g.registered[owner] + offsets
    day_strings = ctx.days.strings(ordinals)

    channel_codes = objects(tuple(P.CHANNEL_BASELINE))
    channel_probs = probability_table(channel_codes.tolist(), [P.CHANNEL_BASELINE, P.CHANNEL_LATER])
    channel = channel_codes[pick_rows(rng, channel_probs[np.where(baseline, 0, 1)])]
    mrc = g.mrc[owner]
    language = net.languages[pick_rows(rng, net.language_probs[mrc])]

    # Intention: baseline as drawn; later sessions keep it or drift as at follow-up.
    base_intention = g.intention[owner]
    drift = pick_rows(rng, ctx.after[base_intention])
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
        **draw_context(ctx.context_rng, net.country_codes[net.mrc_country[mrc]],
                       net.codes[mrc], intention_code, ordinals, ctx.today),
        "awareness_version": [awareness.CURRENT_VERSION] * total,
        "awareness_answers": answers,
        "awareness_score": scores,
        "referrals": referrals.tolist(),
        "duration_minutes": with_none(duration.astype(np.int64).tolist(), duration_unknown),
        "notes": notes,
        "is_baseline": baseline.tolist(),
        "created_at": timestamps(rng, day_strings),
    })


def draw_followups(ctx: DrawContext, g: ClientGroup, waves_days: tuple[int, ...],
                   lapse_days: int, first_id: int, first_attempt_id: int,
                   ) -> tuple[Table, Table]:
    """The chunk's follow-up waves (consenting clients only) and their call attempts, ids
    from ``first_id`` and ``first_attempt_id``, with status and outcome as
    ``record_attempt`` would have left them (and the daily lapse sweep: a wave still open
    more than ``lapse_days`` after it was due is lapsed)."""
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
    until_reached = 1 + pick(rng, total, np.array(P.ATTEMPTS_UNTIL_REACHED)
                              / sum(P.ATTEMPTS_UNTIL_REACHED))
    give_up_options = np.array(list(P.ATTEMPTS_BEFORE_GIVING_UP))
    give_up_after = give_up_options[pick(rng, total, probabilities(
        {str(k): v for k, v in P.ATTEMPTS_BEFORE_GIVING_UP.items()},
        [str(k) for k in give_up_options.tolist()]))]
    planned = np.where(attempted, np.where(reached, until_reached, give_up_after), 0)

    a_owner = np.repeat(np.arange(total), planned)
    a_position = positions(planned)
    a_gaps = np.where(a_position == 0, rng.integers(-3, 11, size=len(a_owner)),
                      rng.integers(2, 11, size=len(a_owner)))
    a_dates = due[a_owner] + segment_cumsum(a_gaps.astype(np.int64), planned)
    happened = a_dates <= today
    done = np.bincount(a_owner[happened], minlength=total)
    closed = attempted & (done == planned)
    last_date = np.zeros(total, dtype=np.int64)
    ends = np.cumsum(planned) - 1
    has_attempts = planned > 0
    last_date[has_attempts] = a_dates[ends[has_attempts]]

    status = np.where(closed, np.where(reached, "reached", "unreachable"),
                      np.where(due < today - lapse_days, "lapsed", "pending"))
    outcome = closed & reached
    base_intention = g.intention[owner]
    irregular = ctx.intention_codes[base_intention] == "irregular"
    location_codes = objects(tuple(P.LOCATION_AFTER["other"]))
    location_probs = probability_table(location_codes.tolist(),
                            [P.LOCATION_AFTER["irregular"], P.LOCATION_AFTER["other"]])
    location = location_codes[pick_rows(rng, location_probs[np.where(irregular, 0, 1)])]
    intention = ctx.intention_codes[pick_rows(rng, ctx.after[base_intention])]
    gains = np.array(P.KNOWLEDGE_GAIN_FOLLOWUP)[np.minimum(wave - 1,
                                                           len(P.KNOWLEDGE_GAIN_FOLLOWUP) - 1)]
    knowledge = np.minimum(0.97, g.knowledge[owner] + gains)
    asked = outcome & (rng.random(total) < P.AWARENESS_ASKED_FOLLOWUP)
    answers, scores = ctx.aw.draw(rng, knowledge, asked)
    used_codes = objects([True, False, None])
    used = used_codes[pick(rng, total, probabilities(P.USED_MRC_INFO,
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
        "completed_on": with_none(ctx.days.strings(np.maximum(last_date, ctx.days.first))
                                   .tolist(), ~closed),
        "location_status": with_none(location.tolist(), not_reached),
        "intention": with_none(intention.tolist(), not_reached),
        "awareness_version": with_none([awareness.CURRENT_VERSION] * total, ~asked),
        "awareness_answers": answers,
        "awareness_score": scores,
        "used_mrc_info": with_none(used.tolist(), not_reached),
    })

    kept = happened
    k_owner = a_owner[kept]
    k_reached = (reached[k_owner] & (a_position[kept] == planned[k_owner] - 1))
    method_codes = objects(tuple(P.ATTEMPT_METHODS))
    method = method_codes[pick(rng, int(kept.sum()),
                                probabilities(P.ATTEMPT_METHODS, method_codes.tolist()))]
    attempts = Table(ATTEMPT_COLUMNS, {
        "id": list(range(first_attempt_id, first_attempt_id + int(kept.sum()))),
        "followup_id": followup_ids[k_owner].tolist(),
        "date": ctx.days.strings(a_dates[kept]).tolist(),
        "method": method.tolist(),
        "reached": k_reached.tolist(),
        "counsellor_id": net.counsellor(rng, mrc[k_owner]),
    })
    return followups, attempts
