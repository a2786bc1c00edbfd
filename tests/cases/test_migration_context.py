"""The migration context of a session (#12): route considered, fee quoted and source of
information are optional, validated against their vocabularies, versioned, shown on the
timeline and corrected like every other field."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from mrc.cases import services, vocab
from mrc.cases.models import CounsellingSession
from mrc.extensions import db
from mrc.validation import ValidationError
from tests.cases.conftest import error_at, session_data, text

CONTEXT = {"route": "land_turkiye", "fee_band": "3000_4999", "info_source": "broker"}


def stored_session(client) -> CounsellingSession:
    return db.session.scalars(select(CounsellingSession)
                              .where(CounsellingSession.client_id == client.id)).one()


def test_the_answers_are_stored_with_their_version_and_shown(counsellor, new_client):
    response = counsellor.post(f"/cases/clients/{new_client.id}/sessions/new",
                               data=session_data(intention="irregular", **CONTEXT))
    assert response.status_code == 302
    stored = stored_session(new_client)
    assert (stored.route, stored.fee_band, stored.info_source) == tuple(CONTEXT.values())
    assert stored.context_version == vocab.CONTEXT_VERSION
    html = text(counsellor.get(f"/cases/clients/{new_client.id}"))
    assert "Overland via Türkiye" in html and "3,000 to 4,999 USD" in html
    assert "A broker or agent" in html


def test_left_empty_nothing_is_stored_and_no_version(counsellor, new_client):
    form = text(counsellor.get(f"/cases/clients/{new_client.id}/sessions/new"))
    assert "Migration context (optional)" in form and 'name="route"' in form
    assert counsellor.post(f"/cases/clients/{new_client.id}/sessions/new",
                           data=session_data(route="", fee_band="")).status_code == 302
    stored = stored_session(new_client)
    assert stored.route is None and stored.fee_band is None and stored.info_source is None
    assert stored.context_version is None


def test_an_unknown_code_is_refused_at_its_field_and_nothing_is_written(counsellor, new_client):
    response = counsellor.post(f"/cases/clients/{new_client.id}/sessions/new",
                               data=session_data(route="by_balloon", fee_band="1000_2999"))
    assert response.status_code == 400
    html = text(response)
    assert error_at(html, "route", "Not a valid choice.")
    assert 'selected value="1000_2999"' in html  # what was typed is kept
    assert db.session.scalars(select(CounsellingSession).where(
        CounsellingSession.client_id == new_client.id)).first() is None


def test_the_service_rule_holds_for_every_path(new_client):
    with pytest.raises(ValidationError) as caught:
        services.log_session(new_client, {**session_data(date=date.today()),
                                          "info_source": "rumour"}, user=None)
    assert set(caught.value.errors) == {"info_source"}


def test_a_correction_keeps_the_version_of_unchanged_answers(counsellor, new_client):
    services.log_session(new_client, {**session_data(date=date.today()), **CONTEXT}, user=None)
    session = stored_session(new_client)
    session.context_version = 0  # as if answered in an older version of the questions
    db.session.commit()
    page = text(counsellor.get(f"/cases/sessions/{session.id}/edit"))
    assert 'selected value="land_turkiye"' in page
    edit = {**session_data(), **CONTEXT, "duration_minutes": "20", "reason": "typing_error"}
    assert counsellor.post(f"/cases/sessions/{session.id}/edit", data=edit).status_code == 302
    db.session.refresh(session)
    assert session.duration_minutes == 20 and session.context_version == 0
    edit.update(route="air_direct")
    assert counsellor.post(f"/cases/sessions/{session.id}/edit", data=edit).status_code == 302
    db.session.refresh(session)
    assert session.route == "air_direct" and session.context_version == vocab.CONTEXT_VERSION
    cleared = {**edit, "route": "", "fee_band": "", "info_source": ""}
    assert counsellor.post(f"/cases/sessions/{session.id}/edit", data=cleared).status_code == 302
    db.session.refresh(session)
    assert session.route is None and session.context_version is None
