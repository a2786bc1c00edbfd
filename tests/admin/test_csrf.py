"""With CSRF protection on (as in production), the pages' own forms still work."""

from __future__ import annotations

import re

import pytest

from mrc.auth.models import User
from mrc.extensions import db
from mrc.org.models import MRC


@pytest.fixture
def csrf_on(app):
    """Call to switch CSRF protection on (after logging in); off again after the test."""
    yield lambda: app.config.update(WTF_CSRF_ENABLED=True)
    app.config["WTF_CSRF_ENABLED"] = False


def token(page, name="csrf_token"):
    return re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]+)"', page).group(1)


def test_account_forms_with_prefixed_tokens(network, make_user, login, csrf_on):
    user = make_user("counsellor")
    browser = login(user)
    csrf_on()
    page = browser.get("/account").get_data(as_text=True)
    assert browser.post("/account", data={"lang-locale": "bn"}).status_code == 400
    response = browser.post("/account", data={"lang-locale": "bn",
                                              "lang-csrf_token": token(page, "lang-csrf_token")})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "bn"


def test_deactivate_button_carries_a_token(network, make_user, login, csrf_on):
    browser = login(make_user("admin", None))
    csrf_on()
    mrc = network["TJ-DYU"]
    page = browser.get("/admin/mrcs").get_data(as_text=True)
    assert browser.post(f"/admin/mrcs/{mrc.id}/deactivate").status_code == 400
    response = browser.post(f"/admin/mrcs/{mrc.id}/deactivate",
                            data={"csrf_token": token(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MRC, mrc.id).active is False
