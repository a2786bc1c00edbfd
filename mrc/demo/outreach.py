"""Demo outreach and leaflets: the catalogue from ``leaflets/``, print runs delivered to each
MRC, and outreach events (with leaflets handed out) in proportion to each MRC's clients.

Deterministic for a seed. Events go through the ORM in batches: there are about one per
twenty clients, so even the 300,000-client demo has only ~15,000 of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from mrc.cases import vocab as case_vocab
from mrc.cases.models import Client
from mrc.extensions import db
from mrc.leaflets.library import load_library
from mrc.leaflets.models import StockEntry
from mrc.leaflets.services import sync_catalogue
from mrc.org.models import MRC, Country
from mrc.org.services import provinces
from mrc.outreach import vocab
from mrc.outreach.models import OutreachEvent

# Leaflet languages handed out per country (the interface languages a leaflet exists in).
COUNTRY_LEAFLET_LANGUAGES = {"AF": ("fa_AF", "ps"), "PK": ("ur", "ps", "en"), "BD": ("bn",),
                             "IQ": ("ar", "ckb"), "TJ": ("en",)}
EVENT_TYPES = (("community_session", 0.34), ("school_university", 0.16), ("job_fair", 0.12),
               ("pre_departure_orientation", 0.18), ("radio_tv", 0.08),
               ("social_media", 0.08), ("other", 0.04))
CLIENTS_PER_EVENT = 20
DAYS_OF_HISTORY = 3 * 365


@dataclass
class OutreachDemoResult:
    leaflets: int = 0
    events: int = 0
    stock_entries: int = 0


def load_outreach_demo(seed: int, today: date) -> OutreachDemoResult:
    """Catalogue, deliveries and events for every MRC (call after the clients are loaded).
    The caller commits."""
    rng = random.Random(seed * 7919 + 17)
    result = OutreachDemoResult(leaflets=sync_catalogue(load_library()))
    codes = [leaflet.code for leaflet in load_library()]
    now = datetime.now(UTC)
    start = today - timedelta(days=DAYS_OF_HISTORY)
    mrcs = db.session.scalars(select(MRC).order_by(MRC.code)).all()
    for mrc in mrcs:
        country = str(db.session.scalar(select(Country.code).where(Country.id == mrc.country_id)))
        languages = COUNTRY_LEAFLET_LANGUAGES.get(country, ("en",))
        province_codes = [code for code, _ in provinces(country)]
        stock: dict[tuple[str, str], int] = {}
        entries: list[StockEntry] = []
        for code in codes:
            for language in languages:
                quantity = rng.choice((500, 1000, 2000)) * (2 if language == languages[0] else 1)
                stock[(code, language)] = quantity
                entries.append(StockEntry(
                    mrc_id=mrc.id, leaflet_code=code, language=language, kind="received",
                    quantity=quantity, reason="demo print run", at=now, on_date=start))
        clients = db.session.scalar(select(func.count()).select_from(Client)
                                    .where(Client.mrc_id == mrc.id)) or 0
        events: list[tuple[OutreachEvent, list[tuple[str, str, int]]]] = []
        for _ in range(max(3, clients // CLIENTS_PER_EVENT)):
            event, handed = _event(rng, mrc.id, start, province_codes, languages, codes, stock)
            event.created_at = now
            events.append((event, handed))
        db.session.add_all([event for event, _ in events])
        db.session.flush()
        for event, handed in events:
            entries += [StockEntry(mrc_id=mrc.id, leaflet_code=code, language=language,
                                   kind="outreach", quantity=-quantity, event_id=event.id,
                                   at=now, on_date=event.date)
                        for code, language, quantity in handed]
        db.session.add_all(entries)
        db.session.flush()
        result.events += len(events)
        result.stock_entries += len(entries)
    return result


def _event(rng: random.Random, mrc_id: int, start: date, province_codes: list[str],
           languages: tuple[str, ...], codes: list[str],
           stock: dict[tuple[str, str], int]) -> tuple[OutreachEvent, list[tuple[str, str, int]]]:
    kinds, weights = zip(*EVENT_TYPES, strict=True)
    kind = rng.choices(kinds, weights)[0]
    when = start + timedelta(days=rng.randrange(DAYS_OF_HISTORY))
    cells = dict.fromkeys(vocab.ATTENDANCE_COLUMNS, 0)
    reach = None
    if kind in vocab.MEDIA_TYPES:
        reach = rng.choice((5_000, 20_000, 80_000, 250_000, 1_000_000))
    else:
        size = {"community_session": 40, "school_university": 90, "job_fair": 150,
                "pre_departure_orientation": 30, "other": 25}[kind]
        female_share = rng.uniform(0.2, 0.55)
        for column in vocab.ATTENDANCE_COLUMNS:
            share = female_share if "_female_" in column else (1 - female_share) * 0.95
            if "_other_" in column:
                share = 0.05
            band = 0.15 if "under_18" in column else 0.6 if "18_34" in column else 0.25
            if kind == "school_university":
                band = 0.6 if "under_18" in column else 0.38 if "18_34" in column else 0.02
            cells[column] = int(rng.gauss(size, size / 3) * share * band + 0.5) if size else 0
        if not sum(cells.values()):
            cells["att_male_18_34"] = 1
    topics = rng.sample([code for code, _ in case_vocab.TOPICS], rng.randint(1, 4))
    event = OutreachEvent(
        mrc_id=mrc_id, date=when, type=kind,
        province=rng.choice(province_codes) if province_codes and reach is None else None,
        **cells, attendance_total=sum(cells.values()), estimated_reach=reach,
        topics=case_vocab.to_mask(topics, case_vocab.TOPICS), partners="")
    handed: list[tuple[str, str, int]] = []
    if reach is None:
        for code in rng.sample(codes, rng.randint(0, 3)):
            language = rng.choice(languages)
            quantity = min(stock[(code, language)], max(1, event.attendance_total // 2))
            if quantity > 0:
                stock[(code, language)] -= quantity
                handed.append((code, language, quantity))
    return event, handed
