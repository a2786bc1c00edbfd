"""The dashboard's default view stays small (issue #10: < 60 KB; it was 222 KB)."""

from mrc.auth.models import User
from mrc.demo.services import DEMO_PASSWORD, load_demo
from mrc.extensions import db

LIMIT = 60 * 1024


def test_default_view_is_under_60_kb(app, client):
    load_demo(1, 150)
    db.session.commit()
    user = db.session.query(User).filter_by(username="supervisor-south-asia").one()
    response = client.post("/login", data={"username": user.username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/dashboard/")
    assert page.status_code == 200
    body = page.get_data()
    assert len(body) < LIMIT, len(body)
