"""Outreach events import: validated, all-or-nothing, idempotent, leaflets from stock."""

from __future__ import annotations

from datetime import date

from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.leaflets.models import Leaflet, StockEntry
from mrc.outreach.models import OutreachEvent

HEADER = ("event_id,date,type,province,att_female_18_34,att_male_18_34,attendance_total,"
          "estimated_reach,topics,partners,leaflets\n")


def test_outreach_file_loads_once_and_takes_leaflets_from_stock(network, run_import):
    db.session.add(Leaflet(code="L01-regular-pathways", topic="regular_pathways",
                           languages="en,ur", version="1.0"))
    stock.receive(network["PK-ISB"].id, "L01-regular-pathways", "ur", 100, date.today(), None)
    raw = (HEADER
           + "E1,2024-03-02,job_fair,PK-IS,25,60,85,,recruitment_fees,Chamber,"
             "L01-regular-pathways:ur:40\n"
           + "E2,2024-03-09,radio_tv,,,,,150000,irregular_risks,Radio,\n").encode()
    result = run_import("outreach", raw)
    assert result.ok and result.added == 2, result.errors
    assert stock.current_stock(network["PK-ISB"].id, "L01-regular-pathways", "ur") == 60
    again = run_import("outreach", raw)
    assert again.ok and (again.added, again.skipped) == (0, 2)
    assert db.session.query(OutreachEvent).count() == 2


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(network, run_import):
    raw = (HEADER
           + "E1,2024-03-02,job_fair,PK-IS,25,60,99,,,,\n"  # total does not add up
           + "E2,2030-01-01,party,,,,,,,,\n"  # future date and unknown type
           + "E3,2024-03-09,radio_tv,,,,,,,,\n"  # media event without reach
           + "E4,2024-03-09,community_session,,1,1,,,,,L01:ur\n").encode()  # bad leaflet list
    result = run_import("outreach", raw)
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert {(2, "attendance_total"), (3, "type"), (4, "estimated_reach"), (5, "leaflets")} <= found
    assert db.session.query(OutreachEvent).count() == 0


def test_leaflets_beyond_stock_abort_the_whole_file(network, run_import):
    db.session.add(Leaflet(code="L03-recruitment-fees", topic="recruitment_fees",
                           languages="en", version="1.0"))
    raw = (HEADER
           + "E1,2024-03-02,job_fair,PK-IS,5,5,,,,,\n"
           + "E2,2024-03-03,job_fair,PK-IS,5,5,,,,,L03-recruitment-fees:en:10\n").encode()
    result = run_import("outreach", raw)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, "leaflets")]
    assert db.session.query(OutreachEvent).count() == 0
    assert db.session.query(StockEntry).count() == 0
