"""Users administered by an admin: create, search, edit, reset password; all audited."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from mrc.audit.models import AuditEvent
from mrc.auth.models import User
from mrc.extensions import db
from tests.admin.conftest import fresh_request
from tests.conftest import TEST_PASSWORD


def user_named(name):
    return db.session.scalar(select(User).where(User.username == name))


def new_user(**changes):
    data = {"username": "amina.k", "password": "a long password", "role": "counsellor",
            "scope": "", "locale": ""}
    data.update(changes)
    return data


def test_create_counsellor_with_mrc(network, admin):
    mrc = network["BD-DAC"]
    response = admin.post("/admin/users/new", data=new_user(scope=f"mrc:{mrc.id}", locale="bn"))
    assert response.status_code == 302
    user = user_named("amina.k")
    assert (user.role, user.mrc_id, user.country_id, user.region_id, user.locale) == (
        "counsellor", mrc.id, None, None, "bn")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "user",
                                                       AuditEvent.entity_id == user.id))
    assert (event.action, event.mrc_id, event.detail) == ("create", mrc.id, "role=counsellor")
    assert "a long password" not in event.detail


def test_counsellor_without_mrc_is_rejected(network, admin):
    country = network["PK-ISB"].country
    for scope in ("", f"country:{country.id}"):
        response = admin.post("/admin/users/new", data=new_user(scope=scope))
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert "Counsellors and managers need an MRC" in body
        assert 'value="amina.k"' in body  # typed username kept
    assert user_named("amina.k") is None


def test_supervisor_with_country_scope_and_evaluator_with_everything(network, admin):
    country = network["PK-ISB"].country
    assert admin.post("/admin/users/new", data=new_user(
        username="sup.pk", role="supervisor", scope=f"country:{country.id}")).status_code == 302
    assert admin.post("/admin/users/new", data=new_user(
        username="eval", role="evaluator", scope="")).status_code == 302
    sup, evaluator = user_named("sup.pk"), user_named("eval")
    assert (sup.mrc_id, sup.country_id, sup.region_id) == (None, country.id, None)
    assert (evaluator.mrc_id, evaluator.country_id, evaluator.region_id) == (None, None, None)


def test_create_user_field_errors(network, admin, make_user):
    taken = make_user("counsellor")
    db.session.commit()
    response = admin.post("/admin/users/new", data=new_user(
        username=taken.username.upper(), password="short", role="wizard",
        scope="mrc:999999", locale="xx"))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "This username is already taken." in body
    assert "at least 10 characters" in body
    assert "Choose one of the listed roles." in body
    assert "Choose one of the listed languages." in body
    bad_name = admin.post("/admin/users/new", data=new_user(username="two words"))
    assert bad_name.status_code == 400 and "without spaces" in bad_name.get_data(as_text=True)
    stale_scope = admin.post("/admin/users/new", data=new_user(scope="mrc:999999"))
    assert "no longer exists" in stale_scope.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_edit_user_records_changed_field_names_only(network, admin, make_user):
    user = make_user("counsellor", "PK-ISB")
    db.session.commit()
    page = admin.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert f'<option selected value="mrc:{network["PK-ISB"].id}">' in page
    response = admin.post(f"/admin/users/{user.id}/edit", data={
        "role": "manager", "scope": f"mrc:{network['PK-LHE'].id}", "locale": "ur"})
    # "active" unticked: the account is deactivated as well
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.role, user.mrc_id, user.locale, user.active) == (
        "manager", network["PK-LHE"].id, "ur", False)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "user")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.action == "update"
    assert event.detail == "fields=role,mrc_id,active,locale"


def test_admin_cannot_lock_themselves_out(network, admin, admin_user):
    response = admin.post(f"/admin/users/{admin_user.id}/edit", data={
        "role": "supervisor", "scope": "", "locale": ""})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "You cannot change your own role." in body
    assert "You cannot deactivate your own account." in body
    db.session.expire_all()
    assert db.session.get(User, admin_user.id).role == "admin"


def test_reset_password_unlocks_and_is_audited_without_the_password(network, admin, make_user,
                                                                    client):
    user = make_user("counsellor")
    db.session.commit()
    mismatch = admin.post(f"/admin/users/{user.id}/password",
                          data={"password": "brand new secret", "confirm": "other"})
    assert mismatch.status_code == 400
    assert "not the same" in mismatch.get_data(as_text=True)
    response = admin.post(f"/admin/users/{user.id}/password",
                          data={"password": "brand new secret", "confirm": "brand new secret"})
    assert response.status_code == 302
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == user.id)
                               .order_by(AuditEvent.id.desc())).first()
    assert event.detail == "fields=password"
    admin.post("/logout")
    assert client.post("/login", data={"username": user.username,
                                       "password": TEST_PASSWORD}).status_code == 401
    assert client.post("/login", data={"username": user.username,
                                       "password": "brand new secret"}).status_code == 302


def test_list_search_filters_and_pages(app, network, admin, make_user):
    isb = [make_user("counsellor", "PK-ISB") for _ in range(3)]
    make_user("counsellor", "BD-DAC")
    supervisor = make_user("supervisor", None, country="PK")
    db.session.commit()

    def ids(query):
        page = admin.get(f"/admin/users{query}").get_data(as_text=True)
        return {int(n) for n in re.findall(r'id="user-(\d+)"', page)}

    assert ids(f"?mrc={network['PK-ISB'].id}") == {u.id for u in isb}
    assert ids("?role=supervisor&q=SUPER") == {supervisor.id}
    assert ids("?q=nobody") == set()
    assert ids("?q=%25") == set()  # LIKE wildcards are searched literally
    assert len(ids("?role=counsellor")) == 4
    # Bad filter values are ignored, never an error.
    assert admin.get("/admin/users?role=wizard&mrc=abc&page=-3").status_code == 200

    app.config["MRC_PAGE_SIZE"] = 2
    try:
        first, second, third = ids("?page=1"), ids("?page=2"), ids("?page=3")
        assert len(first) == len(second) == 2 and len(third) == 2  # 6 users in all
        assert not first & second and not second & third
        page = admin.get("/admin/users?page=2").get_data(as_text=True)
        assert "Page 2 of 3" in page and 'rel="next"' in page and 'rel="prev"' in page
        assert ids("?page=99") == third  # clamped to the last page
    finally:
        app.config["MRC_PAGE_SIZE"] = 50


def test_non_admins_get_403(network, make_user, login, client):
    for role, mrc in (("counsellor", "PK-ISB"), ("manager", "PK-ISB"),
                      ("supervisor", None), ("evaluator", None)):
        browser = login(make_user(role, mrc))
        for path in ("/admin/", "/admin/users", "/admin/users/new", "/admin/regions",
                     "/admin/countries/new", "/admin/mrcs", "/admin/audit/",
                     "/admin/audit/export.csv"):
            assert browser.get(path).status_code == 403, (role, path)
        browser.post("/logout")
    assert client.get("/admin/users").status_code == 302  # anonymous: to the log-in page


def test_deactivated_user_cannot_log_in_and_loses_open_session(network, admin, make_user,
                                                               app):
    user = make_user("counsellor")
    db.session.commit()
    other = app.test_client()
    fresh_request()
    assert other.post("/login", data={"username": user.username,
                                      "password": TEST_PASSWORD}).status_code == 302
    fresh_request()
    assert "Your account" in other.get("/account").get_data(as_text=True)
    fresh_request()
    response = admin.post(f"/admin/users/{user.id}/edit", data={
        "role": "counsellor", "scope": f"mrc:{user.mrc_id}", "locale": ""})
    assert response.status_code == 302
    fresh_request()
    assert other.get("/account").status_code == 302  # the open session has ended
    fresh_request()
    response = app.test_client().post("/login", data={"username": user.username,
                                                      "password": TEST_PASSWORD})
    assert response.status_code == 401


def test_a_partner_user_is_scoped_to_one_facility_and_only_partners_have_one(
        network, admin, make_facility):
    facility = make_facility(name="Desk in Riyadh")
    db.session.commit()
    form = admin.get("/admin/users/new").get_data(as_text=True)
    assert f'value="facility:{facility.id}"' in form
    wrong = admin.post("/admin/users/new", data=new_user(
        username="desk.sup", role="supervisor", scope=f"facility:{facility.id}"))
    assert wrong.status_code == 400 and "A partner needs a facility" in wrong.get_data(
        as_text=True)
    assert admin.post("/admin/users/new", data=new_user(
        username="desk.partner", role="partner", scope="")).status_code == 400
    assert admin.post("/admin/users/new", data=new_user(
        username="desk.partner", role="partner",
        scope=f"facility:{facility.id}")).status_code == 302
    partner = user_named("desk.partner")
    assert (partner.role, partner.facility_id, partner.mrc_id) == ("partner", facility.id, None)
    assert "Desk in Riyadh" in admin.get("/admin/users").get_data(as_text=True)
    edit = admin.get(f"/admin/users/{partner.id}/edit").get_data(as_text=True)
    assert re.search(rf'<option selected value="facility:{facility.id}"', edit)
