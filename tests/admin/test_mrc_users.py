"""An MRC manager's users page: own MRC only, counsellors and managers only."""

from __future__ import annotations

import re

from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.auth.models import User
from mrc.auth.services import create_user
from mrc.extensions import db
from tests.conftest import TEST_PASSWORD


def mrc_supervisor(network):
    """A supervisor whose scope is MRC Islamabad (allowed, but not a manager's to manage)."""
    return create_user("isb.supervisor", TEST_PASSWORD, "supervisor",
                       mrc_id=network["PK-ISB"].id)


def listed(browser):
    page = browser.get("/admin/mrc-users").get_data(as_text=True)
    return {int(n) for n in re.findall(r'id="user-(\d+)"', page)}


def test_lists_only_case_workers_of_own_mrc(network, manager, manager_user, make_user):
    mine = make_user("counsellor", "PK-ISB")
    make_user("counsellor", "PK-LHE")
    mrc_supervisor(network)
    make_user("admin", None)
    db.session.commit()
    assert listed(manager) == {manager_user.id, mine.id}


def test_manager_creates_counsellor_in_own_mrc(network, manager, manager_user):
    response = manager.post("/admin/mrc-users/new", data={
        "username": "new.counsellor", "password": "ten chars!!", "role": "counsellor",
        # A forged scope or MRC is ignored: the manager's own MRC is used.
        "scope": f"mrc:{network['IQ-EBL'].id}", "mrc_id": str(network["IQ-EBL"].id)})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "new.counsellor"))
    assert (user.role, user.mrc_id) == ("counsellor", manager_user.mrc_id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_id == user.id))
    assert (event.action, event.user_id, event.mrc_id) == ("create", manager_user.id,
                                                           manager_user.mrc_id)


def test_manager_cannot_create_admin_supervisor_or_evaluator(network, manager):
    for role in ("admin", "supervisor", "evaluator"):
        response = manager.post("/admin/mrc-users/new", data={
            "username": f"x{role}", "password": "ten chars!!", "role": role})
        assert response.status_code == 400
        assert "Choose one of the listed roles." in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username.like("x%"))) is None
    page = manager.get("/admin/mrc-users/new").get_data(as_text=True)
    assert 'value="admin"' not in page and 'value="counsellor"' in page


def test_manager_cannot_touch_users_of_another_mrc_or_other_roles(network, manager,
                                                                  make_user):
    elsewhere = make_user("counsellor", "PK-LHE")
    supervisor = mrc_supervisor(network)
    db.session.commit()
    for target in (elsewhere, supervisor):
        assert manager.get(f"/admin/mrc-users/{target.id}/edit").status_code == 404
        assert manager.post(f"/admin/mrc-users/{target.id}/edit",
                            data={"role": "manager", "active": "y"}).status_code == 404
        assert manager.post(f"/admin/mrc-users/{target.id}/deactivate").status_code == 404
        assert manager.get(f"/admin/mrc-users/{target.id}/password").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, elsewhere.id).active is True
    assert manager.get("/admin/mrc-users/999999/edit").status_code == 404


def test_manager_cannot_open_admin_pages(network, manager, make_user):
    counsellor = make_user("counsellor", "PK-ISB")
    db.session.commit()
    for path in ("/admin/", "/admin/users", f"/admin/users/{counsellor.id}/edit",
                 "/admin/audit/"):
        assert manager.get(path).status_code == 403


def test_manager_deactivates_reactivates_and_edits(network, manager, manager_user, make_user,
                                                   client):
    counsellor = make_user("counsellor", "PK-ISB")
    db.session.commit()
    assert manager.post(f"/admin/mrc-users/{counsellor.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, counsellor.id).active is False
    assert "Reactivate" in manager.get("/admin/mrc-users").get_data(as_text=True)
    assert manager.post(f"/admin/mrc-users/{counsellor.id}/reactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, counsellor.id).active is True

    response = manager.post(f"/admin/mrc-users/{counsellor.id}/edit",
                            data={"role": "manager", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, counsellor.id).role == "manager"
    forged = manager.post(f"/admin/mrc-users/{counsellor.id}/edit",
                          data={"role": "admin", "active": "y"})
    assert forged.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, counsellor.id).role == "manager"

    # A manager cannot lock themselves out.
    manager.post(f"/admin/mrc-users/{manager_user.id}/deactivate")
    db.session.expire_all()
    assert db.session.get(User, manager_user.id).active is True


def test_manager_resets_a_counsellors_password_only(network, manager, make_user, app):
    counsellor = make_user("counsellor", "PK-ISB")
    colleague = make_user("manager", "PK-ISB")
    db.session.commit()
    response = manager.post(f"/admin/mrc-users/{counsellor.id}/password",
                            data={"password": "fresh password", "confirm": "fresh password"})
    assert response.status_code == 302
    response = manager.post(f"/admin/mrc-users/{colleague.id}/password",
                            data={"password": "fresh password", "confirm": "fresh password"})
    assert response.status_code == 302
    from mrc.auth.services import verify_password

    db.session.expire_all()
    assert verify_password(db.session.get(User, counsellor.id).password_hash, "fresh password")
    assert verify_password(db.session.get(User, colleague.id).password_hash, TEST_PASSWORD)


def test_manager_page_is_for_managers(network, make_user, login):
    browser = login(make_user("counsellor", "PK-ISB"))
    assert browser.get("/admin/mrc-users").status_code == 403
    assert browser.get("/admin/mrc-users/new").status_code == 403
