"""Monthly summary tables behind the supervisor dashboard and ``mrc aggregates``.

Each table holds additive counts keyed by (MRC, month, dimension, value): ``dim`` names a
breakdown (``all`` with value ``""``, ``sex``, ``channel``, ``destination``…) and ``value``
one of its codes. A period's figure is the sum over its months, so any period made of whole
months is answered from a few thousand rows. The tables hold only non-zero rows and are
derived data: :mod:`mrc.aggregates.summaries` keeps them equal to a recompute from the
records (in the same transaction as every change) and ``mrc aggregates --rebuild``
recomputes them from scratch.

They hold counts only: no client, session or person identifier. Beside each count of
people or sessions, a ``*_key`` column holds the sum of the contributing records' keys
(disclosure control, :mod:`mrc.privacy.cellkey`): sums, so additive like the counts, and
the key of any cell of any aggregation of rows is the sum of theirs.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mrc.extensions import Model


class SessionMonth(Model):
    """Counselling sessions by session month; ``new_clients`` counts baseline sessions
    (each client has exactly one), so it is additive over months and over any dimension.
    Dimensions: all, channel, sex, age_band, migrant_status, intention, destination, topic
    (a session counts once under every topic it covered)."""

    __tablename__ = "agg_session_month"

    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    sessions: Mapped[int] = mapped_column(default=0)
    new_clients: Mapped[int] = mapped_column(default=0)
    sessions_key: Mapped[int] = mapped_column(BigInteger, default=0)
    new_clients_key: Mapped[int] = mapped_column(BigInteger, default=0)


class ClientMonth(Model):
    """Clients with at least one session in ``month``, by the month of their previous
    session (``prev_month``; :data:`NO_EARLIER` for the first, i.e. baseline, month).

    Distinct clients in months ``a..b`` = sum of ``clients`` with ``month`` in ``a..b``
    and ``prev_month < a``: each client counts exactly once, in their first active month of
    the period. New clients have ``prev_month = NO_EARLIER``; the rest are returning.
    Dimensions: all, sex, age_band, migrant_status."""

    __tablename__ = "agg_client_month"

    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    prev_month: Mapped[date] = mapped_column(Date, primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    clients: Mapped[int] = mapped_column(default=0)
    clients_key: Mapped[int] = mapped_column(BigInteger, default=0)


NO_EARLIER = date(1900, 1, 1)


class OutcomeMonth(Model):
    """Baselines, follow-up waves and follow-up outcomes, by client dimension (all, sex,
    age_band, migrant_status). The month depends on the column group:

    * ``baseline_*``: month of the baseline session (intention, awareness score);
    * ``due``/``reached``/``unreachable``: month the wave was due (cancelled waves excluded);
    * ``followup_*``, ``info_*``, ``paired``/``score_change_sum``: month the follow-up was
      completed with the client reached (``paired``: both awareness scores known;
      ``score_change_sum``: sum of follow-up minus baseline score).

    Every count has its ``*_key`` (the clients' record keys, once per counted row);
    ``score_change_sum`` is a sum of scores, not a count, and has none.
    """

    __tablename__ = "agg_outcome_month"

    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    baseline_n: Mapped[int] = mapped_column(default=0)
    baseline_irregular: Mapped[int] = mapped_column(default=0)
    baseline_regular: Mapped[int] = mapped_column(default=0)
    due: Mapped[int] = mapped_column(default=0)
    reached: Mapped[int] = mapped_column(default=0)
    unreachable: Mapped[int] = mapped_column(default=0)
    followup_n: Mapped[int] = mapped_column(default=0)
    followup_irregular: Mapped[int] = mapped_column(default=0)
    followup_regular: Mapped[int] = mapped_column(default=0)
    info_answered: Mapped[int] = mapped_column(default=0)
    info_used: Mapped[int] = mapped_column(default=0)
    paired: Mapped[int] = mapped_column(default=0)
    score_change_sum: Mapped[int] = mapped_column(default=0)
    baseline_n_key: Mapped[int] = mapped_column(BigInteger, default=0)
    baseline_irregular_key: Mapped[int] = mapped_column(BigInteger, default=0)
    baseline_regular_key: Mapped[int] = mapped_column(BigInteger, default=0)
    due_key: Mapped[int] = mapped_column(BigInteger, default=0)
    reached_key: Mapped[int] = mapped_column(BigInteger, default=0)
    unreachable_key: Mapped[int] = mapped_column(BigInteger, default=0)
    followup_n_key: Mapped[int] = mapped_column(BigInteger, default=0)
    followup_irregular_key: Mapped[int] = mapped_column(BigInteger, default=0)
    followup_regular_key: Mapped[int] = mapped_column(BigInteger, default=0)
    info_answered_key: Mapped[int] = mapped_column(BigInteger, default=0)
    info_used_key: Mapped[int] = mapped_column(BigInteger, default=0)
    paired_key: Mapped[int] = mapped_column(BigInteger, default=0)


class OutreachMonth(Model):
    """Outreach events, attendance and estimated media reach by event month. Dimensions:
    all and event_type (events, attendance, reach); sex and age_band (attendance only,
    from the attendance grid)."""

    __tablename__ = "agg_outreach_month"

    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    events: Mapped[int] = mapped_column(default=0)
    attendance: Mapped[int] = mapped_column(default=0)
    reach: Mapped[int] = mapped_column(default=0)


class LeafletMonth(Model):
    """Leaflets handed out (stock ledger entries of kind session or outreach) by month of
    hand-out. Dimensions: all, kind."""

    __tablename__ = "agg_leaflet_month"

    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    quantity: Mapped[int] = mapped_column(default=0)
