"""The stock ledger: append-only, never negative without a recorded adjustment."""

from datetime import date

import pytest

from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.leaflets.models import Leaflet, StockEntry


@pytest.fixture
def leaflet(app):
    row = Leaflet(code="L01-test", topic="regular_pathways", destinations="", languages="en,ur",
                  version="1.0", reviewed=date(2026, 11, 1), active=True)
    db.session.add(row)
    db.session.flush()
    return row


def test_receive_hand_out_and_adjust(network, leaflet, make_user):
    mrc = network["PK-ISB"]
    manager = make_user("manager")
    stock.receive(mrc.id, "L01-test", "ur", 100, date.today(), manager)
    stock.hand_out(mrc.id, [stock.HandOut("L01-test", "ur", 30), stock.HandOut("L01-test", "ur", 5)],
                   kind="outreach", on_date=date.today(), user=manager)
    assert stock.current_stock(mrc.id, "L01-test", "ur") == 65
    stock.adjust(mrc.id, "L01-test", "ur", -15, "water damage", date.today(), manager)
    [row] = stock.stock_table(mrc.id)
    assert (row.stock, row.received, row.handed_out) == (50, 100, 35)
    # Other MRCs' stock is separate.
    assert stock.current_stock(network["PK-LHE"].id, "L01-test", "ur") == 0


def test_hand_out_beyond_stock_is_refused_and_writes_nothing(network, leaflet):
    mrc = network["PK-ISB"]
    stock.receive(mrc.id, "L01-test", "en", 10, date.today(), None)
    before = db.session.query(StockEntry).count()
    with pytest.raises(stock.StockError, match="Only 10"):
        stock.hand_out(mrc.id, [stock.HandOut("L01-test", "en", 6), stock.HandOut("L01-test", "en", 6)],
                       kind="session", on_date=date.today())
    assert db.session.query(StockEntry).count() == before
    assert stock.current_stock(mrc.id, "L01-test", "en") == 10


@pytest.mark.parametrize(("quantity", "reason", "message"), [
    (-11, "count", "negative"), (5, "  ", "reason"), (0, "count", "non-zero")])
def test_bad_adjustments(network, leaflet, quantity, reason, message):
    mrc = network["PK-ISB"]
    stock.receive(mrc.id, "L01-test", "en", 10, date.today(), None)
    with pytest.raises(stock.StockError, match=message):
        stock.adjust(mrc.id, "L01-test", "en", quantity, reason, date.today(), None)


def test_unknown_leaflet_or_language(network, leaflet):
    mrc = network["PK-ISB"]
    with pytest.raises(stock.StockError, match="Unknown leaflet"):
        stock.receive(mrc.id, "nope", "en", 10, date.today(), None)
    with pytest.raises(stock.StockError, match="no bn version"):
        stock.receive(mrc.id, "L01-test", "bn", 10, date.today(), None)


def test_low_stock(app, network, leaflet):
    mrc = network["PK-ISB"]
    stock.receive(mrc.id, "L01-test", "en", 500, date.today(), None)
    stock.receive(mrc.id, "L01-test", "ur", 20, date.today(), None)
    assert [(r.leaflet_code, r.language) for r in stock.low_stock(mrc.id)] == [("L01-test", "ur")]
