from datetime import date

import pytest

from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.leaflets.models import Leaflet, StockEntry


@pytest.fixture
def leaflet(app):
    db.session.add(Leaflet(code="L05", topic="occupational_safety", languages="en,bn", version="1"))
    db.session.flush()


def test_manager_records_delivery_and_adjustment(network, leaflet, make_user, login):
    browser = login(make_user("manager"))
    response = browser.post("/leaflets/stock/receive", data={
        "leaflet": "L05", "language": "bn", "on_date": date.today().isoformat(), "quantity": "200"})
    assert response.status_code == 302
    response = browser.post("/leaflets/stock/adjust", data={
        "leaflet": "L05", "language": "bn", "on_date": date.today().isoformat(),
        "quantity": "-170", "reason": "counted"})
    assert response.status_code == 302
    page = browser.get("/leaflets/stock").get_data(as_text=True)
    assert "Low stock" in page  # 30 left, below the default threshold of 50
    assert stock.current_stock(network["PK-ISB"].id, "L05", "bn") == 30


def test_adjustment_below_zero_is_refused(network, leaflet, make_user, login):
    browser = login(make_user("manager"))
    response = browser.post("/leaflets/stock/adjust", data={
        "leaflet": "L05", "language": "en", "on_date": date.today().isoformat(),
        "quantity": "-1", "reason": "lost"})
    assert response.status_code == 400
    assert "negative" in response.get_data(as_text=True)
    assert db.session.query(StockEntry).count() == 0


def test_counsellor_sees_stock_but_cannot_change_it(network, leaflet, make_user, login):
    browser = login(make_user("counsellor"))
    assert browser.get("/leaflets/stock").status_code == 200
    assert browser.get("/leaflets/stock/receive").status_code == 403
    assert browser.post("/leaflets/stock/adjust", data={}).status_code == 403


def test_low_stock_alert_on_the_managers_worklist(network, leaflet, make_user, login):
    manager, counsellor = make_user("manager"), make_user("counsellor")
    stock.receive(network["PK-ISB"].id, "L05", "bn", 12, date.today(), manager)
    browser = login(manager)
    page = browser.get("/cases/worklist").get_data(as_text=True)
    assert "running low" in page and "L05" in page
    browser.post("/logout")
    assert "running low" not in login(counsellor).get("/cases/worklist").get_data(as_text=True)
