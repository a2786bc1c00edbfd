"""Session imports carry the migration context (#12): codes checked like every column."""

from __future__ import annotations

from sqlalchemy import select

from mrc.cases.models import CounsellingSession
from mrc.extensions import db
from tests.imports.conftest import CLIENT_HEADER, client_line, csv_text

HEADER = "session_id,client_id,date,channel,language,intention,route,fee_band,info_source"


def test_route_fee_and_source_are_imported_and_checked(run_import) -> None:
    assert run_import("clients", csv_text(CLIENT_HEADER, client_line("X-1"),
                                          client_line("X-2"))).ok
    good = run_import("sessions", csv_text(
        HEADER, "S-1,X-1,2024-01-10,walk_in,ur,irregular,land_iran,5000_9999,social_media",
        "S-2,X-2,2024-01-11,walk_in,ur,regular,,,"))
    assert good.ok and good.added == 2, good.errors
    rows = {s.external_id: s for s in db.session.scalars(select(CounsellingSession))}
    assert (rows["S-1"].route, rows["S-1"].fee_band, rows["S-1"].info_source) == (
        "land_iran", "5000_9999", "social_media")
    assert rows["S-1"].context_version == 1 and rows["S-2"].context_version is None
    bad = run_import("sessions", csv_text(HEADER, "S-3,X-1,2024-02-10,walk_in,ur,regular,"
                                                  "camel,,"))
    assert not bad.ok
    assert any("route" in str(error) for error in bad.errors), bad.errors
