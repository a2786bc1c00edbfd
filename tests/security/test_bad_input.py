"""Bad input: wrong types, out-of-range dates, unknown codes, oversized fields, NUL bytes,
control characters and HTML give a clear error, never a 500 and never a partial write."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mrc.cases import services, vocab
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.extensions import db
from mrc.outreach.models import OutreachEvent

TODAY = date.today()
FIXTURES = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

NASTY = st.sampled_from([
    "\x00", "abc\x00def", "\x1b[31m", "\u202e\u2066", "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>", "{{ 7*7 }}", "'; DROP TABLE client; --",
    "=cmd|'/c calc'!A1", "x" * 5000, "\ud7ff\ufffd", "\r\n\r\n", "١٢٣", "%00", "../../etc/passwd",
])
ANY_TEXT = st.one_of(NASTY, st.text(max_size=60))


def with_valid(options: dict[str, Any]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(sorted(options)), ANY_TEXT)


def count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


# --- the validators: only ValidationError, whatever the values -------------------------------

CLIENT_DATA = st.fixed_dictionaries({
    "sex": with_valid(vocab.SEX),
    "birth_year": st.one_of(st.none(), st.integers(-10**6, 10**6), st.integers(1900, 2100)),
    "province": st.one_of(st.none(), st.sampled_from(["PK-PB", "PK-IS", "XX-YY"]), ANY_TEXT),
    "nationality": st.one_of(st.none(), st.sampled_from(["PK", "AF", "pk", "ZZ"]), ANY_TEXT),
    "migrant_status": with_valid(vocab.MIGRANT_STATUS),
    "education": with_valid(vocab.EDUCATION),
    "employment": with_valid(vocab.EMPLOYMENT),
    "phone": st.one_of(st.none(), st.just("0300 1234567"), ANY_TEXT),
    "followup_consent": st.booleans(),
    "consent_date": st.one_of(st.none(), st.dates()),
    "registered_on": st.one_of(st.none(), st.dates()),
})


@FIXTURES
@given(CLIENT_DATA)
def test_validate_client_never_raises(app, data: dict[str, Any]) -> None:
    errors = services.validate_client(data, today=TODAY)
    assert isinstance(errors, dict)
    if data["birth_year"] is not None and data["birth_year"] > TODAY.year:
        assert "birth_year" in errors
    if data["registered_on"] is None or data["registered_on"] > TODAY:
        assert "registered_on" in errors
    if data["sex"] not in vocab.SEX:
        assert "sex" in errors


@FIXTURES
@given(CLIENT_DATA)
def test_register_client_validates_or_writes_one_whole_record(network, data) -> None:
    before = count(Client)
    try:
        client = services.register_client(network["PK-ISB"], data, user=None)
    except services.ValidationError as exc:
        assert exc.errors and all(isinstance(m, str) and m for m in exc.errors.values())
        assert count(Client) == before
        return
    db.session.flush()
    assert count(Client) == before + 1
    assert client.sex in vocab.SEX and client.registered_on <= TODAY
    assert client.birth_year is None or 1900 <= client.birth_year <= TODAY.year
    db.session.delete(client)
    db.session.flush()


SESSION_DATA = st.fixed_dictionaries({
    "date": st.one_of(st.none(), st.dates(TODAY - timedelta(days=400), TODAY + timedelta(days=400))),
    "channel": with_valid(vocab.CHANNEL),
    "language": with_valid(dict(vocab.SESSION_LANGUAGE)),
    "intention": with_valid(vocab.INTENTION),
    "topics": st.lists(st.one_of(st.sampled_from(vocab.codes(vocab.TOPICS)), ANY_TEXT), max_size=4),
    "referrals": st.lists(st.one_of(st.sampled_from(vocab.codes(vocab.REFERRALS)), ANY_TEXT),
                          max_size=3),
    "destination": st.one_of(st.none(), st.sampled_from(["SA", "AE", "QQ"]), ANY_TEXT),
    "duration_minutes": st.one_of(st.none(), st.integers(-10**9, 10**9)),
    "awareness_answers": st.none(),
    "notes": st.one_of(st.none(), ANY_TEXT, st.text(min_size=4001, max_size=4100)),
})


@FIXTURES
@given(SESSION_DATA)
def test_log_session_validates_or_writes_one_whole_session(make_client, data) -> None:
    client = make_client("PK-ISB", sessions=0, baseline=TODAY - timedelta(days=200))
    before = (count(CounsellingSession), count(FollowUp))
    try:
        session = services.log_session(client, data, user=None)
    except services.ValidationError as exc:
        assert exc.errors
        assert (count(CounsellingSession), count(FollowUp)) == before
        return
    assert session.date <= TODAY and session.date >= client.registered_on
    assert len(data.get("notes") or "") <= services.MAX_NOTES_LENGTH
    assert services.decrypt_notes(session) in (None, (data.get("notes") or "").strip())


def test_follow_up_before_baseline_is_refused(make_client) -> None:
    client = make_client("PK-ISB", sessions=1, baseline=TODAY - timedelta(days=100))
    followup = client.followups[0]
    with pytest.raises(services.ValidationError) as info:
        services.record_attempt(followup, {"date": TODAY - timedelta(days=101), "method": "phone",
                                           "reached": True, "location_status": "stayed",
                                           "intention": "none"}, user=None)
    assert "date" in info.value.errors
    assert count(FollowUpAttempt) == 0
    assert db.session.get_one(FollowUp, followup.id).status == "pending"


# --- over HTTP: never a 500, nothing written, content escaped ------------------------------

FORM_TEXT = st.one_of(NASTY, st.text(alphabet=st.characters(blacklist_categories=("Cs",)),
                                     max_size=80))


@FIXTURES
@given(st.fixed_dictionaries({
    "sex": st.one_of(st.just("female"), FORM_TEXT),
    "birth_year": st.one_of(st.just(str(TODAY.year + 1)), st.just("19x5"), FORM_TEXT),
    "province": FORM_TEXT, "nationality": FORM_TEXT, "migrant_status": FORM_TEXT,
    "education": st.just("secondary"), "employment": st.just("unemployed"),
    "phone": FORM_TEXT, "followup_consent": st.sampled_from(["y", ""]),
    "consent_date": FORM_TEXT, "registered_on": st.one_of(st.just(TODAY.isoformat()), FORM_TEXT),
}))
def test_register_form_with_bad_input(counsellor_http, data) -> None:
    before = count(Client)
    response = counsellor_http.post("/cases/register", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert count(Client) == before
        # Errors next to the fields, or (NUL bytes, which no browser sends) the error page.
        assert 'class="errors"' in body or "The request could not be understood" in body
    else:
        assert count(Client) == before + 1
    assert "<script>alert(1)</script>" not in body
    assert "<img src=x onerror" not in body


@FIXTURES
@given(st.fixed_dictionaries({
    "date": st.one_of(st.just((TODAY + timedelta(days=3)).isoformat()), FORM_TEXT),
    "channel": st.one_of(st.just("walk_in"), FORM_TEXT),
    "language": st.just("ur"), "intention": st.one_of(st.just("regular"), FORM_TEXT),
    "destination": FORM_TEXT, "duration_minutes": FORM_TEXT,
    "topics": st.lists(FORM_TEXT, max_size=3), "notes": FORM_TEXT,
}))
def test_session_form_with_bad_input(counsellor_http, make_client, data) -> None:
    client = make_client("PK-ISB", sessions=0)
    db.session.commit()
    before = count(CounsellingSession)
    response = counsellor_http.post(f"/cases/clients/{client.id}/sessions/new", data=data)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert count(CounsellingSession) == before
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["partners", "province", "type", "estimated_reach"])
@pytest.mark.parametrize("value", ["abc\x00def", "<script>alert(1)</script>", "x" * 1000,
                                   "\x1b\x07"])
def test_outreach_form_with_bad_input(counsellor_http, field, value) -> None:
    data = {"date": TODAY.isoformat(), "type": "job_fair", "att_male_18_34": "3",
            "attendance_total": "3", field: value}
    before = count(OutreachEvent)
    response = counsellor_http.post("/outreach/new", data=data)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert count(OutreachEvent) == before
    else:  # accepted: stored as typed (escaped when shown)
        assert count(OutreachEvent) == before + 1
        listing = counsellor_http.get("/outreach/").get_data(as_text=True)
        assert "<script>alert(1)</script>" not in listing


@pytest.mark.parametrize("value", ["\x00", "K7Q3\x00M9XP", "x" * 10_000, "<script>"])
def test_searches_with_bad_input(counsellor_http, value) -> None:
    for data in ({"search": "code", "code": value}, {"search": "phone", "phone": value}):
        response = counsellor_http.post("/cases/find", data=data)
        assert response.status_code == 400
        assert "<script>" not in response.get_data(as_text=True)


def test_nul_bytes_anywhere_are_refused_cleanly(counsellor_http, make_user, login) -> None:
    # A browser never sends a NUL byte; PostgreSQL cannot store one in text.
    response = counsellor_http.post("/preferences", data={"calendar": "gregorian\x00"})
    assert response.status_code == 400
    assert "The request could not be understood" in response.get_data(as_text=True)
    response = counsellor_http.get("/outreach/?type=radio_tv%00")
    assert response.status_code in (200, 400)
    admin = login(make_user("admin", None))
    before = count(Client)
    response = admin.post("/admin/users/new", data={"username": "evil\x00name",
                                                    "password": "long enough password",
                                                    "role": "evaluator", "scope": "",
                                                    "locale": "en"})
    assert response.status_code == 400
    assert count(Client) == before


@pytest.mark.parametrize("cell", ["client_id", "province", "phone", "sex"])
def test_csv_import_with_nul_bytes_reports_errors(network, cell) -> None:
    from mrc.imports.services import import_csv
    from tests.imports.conftest import CLIENT_HEADER, client_line, csv_text

    bad = client_line("ab\x00c") if cell == "client_id" else client_line("A-2", **{cell: "ab\x00c"})
    raw = csv_text(CLIENT_HEADER, client_line("A-1"), bad)
    before = count(Client)
    result = import_csv("clients", raw, target_mrc=network["PK-ISB"], user=None)
    assert not result.ok and result.errors
    assert count(Client) == before
