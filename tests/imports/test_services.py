"""import_csv: good files load, re-imports add nothing, any problem writes nothing and is
reported by row and column."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from mrc.audit.models import AuditEvent
from mrc.cases import services as cases
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.extensions import db
from mrc.imports.services import RowError
from tests.imports.conftest import CLIENT_HEADER, client_line, csv_text, data_file

SESSION_HEADER = "session_id,client_id,date,channel,language,intention"
FOLLOWUP_HEADER = "followup_id,client_id,wave,attempt_date,method,reached,location_status,intention"


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def cells(result: Any) -> list[tuple[int | None, str | None]]:
    return [(e.row, e.column) for e in result.errors]


def by_external(model: Any, external_id: str) -> Any:
    return db.session.scalars(select(model).where(model.external_id == external_id)).one()


# --- good files -------------------------------------------------------------------------

def test_good_files_load(run_import, network) -> None:
    result = run_import("clients", data_file("clients_good.csv"))
    assert result.ok, result.errors
    assert (result.added, result.skipped) == (5, 0)
    c1, c2, c4 = (by_external(Client, i) for i in ("C-001", "C-002", "C-004"))
    assert c1.mrc_id == network["PK-ISB"].id and c1.province == "PK-IS"
    assert cases.decrypt_phone(c1) == "+923001234567"
    assert c1.phone_enc != "+923001234567"
    assert (c2.registered_on, c2.birth_year) == (date(2024, 1, 11), 1990)  # native digits
    assert (c4.sex, c4.province, c4.nationality, c4.followup_consent) == (
        "female", "PK-PB", "PK", True)
    assert by_external(Client, "C-005").birth_year == 2001
    assert by_external(Client, "C-003").followup_consent is False

    result = run_import("sessions", data_file("sessions_good.csv"))
    assert result.ok, result.errors
    assert result.added == 6
    s1, s2 = by_external(CounsellingSession, "S-001"), by_external(CounsellingSession, "S-002")
    assert s1.is_baseline and not s2.is_baseline
    assert cases.decrypt_notes(s1) == "Asked about visas; will come back"
    assert s1.awareness_score == 5 and s2.awareness_score == 8
    assert s1.topics == 0b11 and s1.destination == "SA" and s2.destination == "SA"
    assert by_external(CounsellingSession, "S-003").topics == (1 << 1) | (1 << 8)
    assert by_external(CounsellingSession, "S-006").duration_minutes == 60
    # Consenting clients got their follow-up waves from the imported baseline.
    assert [f.due_date for f in c1.followups] == [date(2024, 4, 9), date(2024, 7, 8)]

    result = run_import("followups", data_file("followups_good.csv"))
    assert result.ok, result.errors
    assert result.added == 4
    f1 = by_external(FollowUp, "F-001")
    assert (f1.client_id, f1.wave, f1.status, f1.location_status, f1.awareness_score) == (
        c1.id, 1, "reached", "stayed", 8)
    assert by_external(FollowUp, "F-002").status == "unreachable"
    assert by_external(FollowUp, "F-003").used_mrc_info is False
    assert count(FollowUpAttempt) == 4


def test_the_same_files_again_add_nothing(run_import, loaded) -> None:
    loaded("followups")
    before = (count(Client), count(CounsellingSession), count(FollowUp), count(FollowUpAttempt))
    for kind, rows in (("clients", 5), ("sessions", 6), ("followups", 4)):
        result = run_import(kind, data_file(f"{kind}_good.csv"))
        assert result.ok, result.errors
        assert (result.added, result.skipped) == (0, rows)
    assert (count(Client), count(CounsellingSession), count(FollowUp),
            count(FollowUpAttempt)) == before


def test_rows_added_later_to_a_file_are_added(run_import, loaded) -> None:
    loaded("clients")
    raw = data_file("clients_good.csv") + (
        b"C-006,,2024-03-01,male,1999,,,prospective,primary,student,,no,\n")
    result = run_import("clients", raw)
    assert result.ok, result.errors
    assert (result.added, result.skipped) == (1, 5)


def test_audit_keeps_counts_only(run_import, loaded) -> None:
    loaded("clients")
    run_import("clients", data_file("clients_good.csv"))
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")
                                     .order_by(AuditEvent.id)))
    assert [e.detail for e in events] == ["kind=clients,added=5,skipped=0",
                                          "kind=clients,added=0,skipped=5"]
    assert all(e.entity == "clients" and e.mrc_id is not None for e in events)
    # Import loads do not write one event per record.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "create")) == 0


def test_clients_by_code_and_kobo_metadata_columns(run_import, make_client) -> None:
    registered = make_client("PK-ISB", sessions=0, baseline=date(2024, 1, 1))
    code = registered.code
    raw = csv_text("_id,session_id,client_code,date,channel,language,intention,_uuid",
                   f"1,S-9,{code[:4]}-{code[4:].lower()},2024-01-05,walk_in,ur,none,abc")
    result = run_import("sessions", raw)
    assert result.ok, result.errors
    assert by_external(CounsellingSession, "S-9").client_id == registered.id


def test_utf8_bom_and_semicolons(run_import) -> None:
    raw = "\ufeff" + CLIENT_HEADER.replace(",", ";") + "\n" + client_line().replace(",", ";")
    result = run_import("clients", raw.encode())
    assert result.ok, result.errors
    assert result.added == 1


def test_cli_style_rows_name_their_mrc(run_import, network) -> None:
    raw = csv_text("mrc," + CLIENT_HEADER, "PK-LHE," + client_line("A"),
                   "bd-dac," + client_line("B"))
    result = run_import("clients", raw, mrc=None)
    assert result.ok, result.errors
    assert by_external(Client, "A").mrc_id == network["PK-LHE"].id
    assert by_external(Client, "B").mrc_id == network["BD-DAC"].id
    details = sorted(db.session.scalars(select(AuditEvent.detail)
                                        .where(AuditEvent.action == "import")))
    assert details == ["kind=clients,added=1,skipped=0"] * 2


def test_ids_are_per_mrc(run_import) -> None:
    assert run_import("clients", csv_text(CLIENT_HEADER, client_line("A")), mrc="PK-LHE").ok
    result = run_import("clients", csv_text(CLIENT_HEADER, client_line("A")), mrc="PK-ISB")
    assert (result.added, result.skipped) == (1, 0)


# --- all or nothing ---------------------------------------------------------------------

def test_one_bad_row_among_fifty_writes_nothing(run_import) -> None:
    result = run_import("clients", data_file("clients_50_one_bad.csv"))
    assert cells(result) == [(28, "birth_year")]
    assert result.errors[0].message == "Enter a whole number."
    assert result.added == 0
    assert count(Client) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_failure_while_loading_rolls_back_every_row(run_import, monkeypatch) -> None:
    calls = {"n": 0}
    original = cases.register_client

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(cases, "register_client", failing)
    with pytest.raises(RuntimeError):
        run_import("clients", data_file("clients_good.csv"))
    assert count(Client) == 0


def test_service_validation_is_the_last_line_of_defence(run_import, monkeypatch) -> None:
    from mrc.imports.services import ClientsImporter

    monkeypatch.setattr(ClientsImporter, "check_fields", lambda self, row, ctx: None)
    raw = csv_text(CLIENT_HEADER, client_line("A"), client_line("B", birth_year="1800"))
    result = run_import("clients", raw)
    assert cells(result) == [(3, "birth_year")]
    assert count(Client) == 0


# --- every kind of error ----------------------------------------------------------------

FUTURE = (date.today() + timedelta(days=3)).isoformat()

CLIENT_ERRORS = [
    ({"birth_year": "abc"}, "birth_year"),
    ({"birth_year": "1850"}, "birth_year"),
    ({"birth_year": str(date.today().year + 1)}, "birth_year"),
    ({"sex": "f"}, "sex"),
    ({"migrant_status": ""}, "migrant_status"),
    ({"education": "phd"}, "education"),
    ({"employment": "retired"}, "employment"),
    ({"province": "PK-XX"}, "province"),
    ({"nationality": "Pakistan"}, "nationality"),
    ({"registered_on": FUTURE, "consent_date": "2024-01-01"}, "registered_on"),
    ({"registered_on": "10/01/2024", "consent_date": "2024-01-10"}, "registered_on"),
    ({"consent_date": ""}, "consent_date"),
    ({"consent_date": FUTURE}, "consent_date"),
    ({"followup_consent": "maybe"}, "followup_consent"),
    ({"phone": "12"}, "phone"),
    ({"phone": "0" * 40}, "phone"),
    ({"client_id": "x" * 65}, "client_id"),
    ({"client_id": ""}, "client_id"),
]


@pytest.mark.parametrize(("changes", "column"), CLIENT_ERRORS)
def test_client_field_errors(run_import, changes: dict[str, str], column: str) -> None:
    bad = client_line(**{"client_id": "BAD", **changes})
    raw = csv_text(CLIENT_HEADER, client_line("OK-1"), bad)
    result = run_import("clients", raw)
    assert cells(result) == [(3, column)]
    assert all(e.message and "{" not in e.message for e in result.errors)
    assert count(Client) == 0


def test_messages_never_repeat_cell_content(run_import) -> None:
    raw = csv_text(CLIENT_HEADER, client_line("A", phone="+92 1", sex="secret-word"))
    result = run_import("clients", raw)
    assert cells(result) == [(2, "sex"), (2, "phone")]
    assert not any("secret-word" in e.message or "+92" in e.message for e in result.errors)


def test_every_error_of_a_file_is_reported(run_import) -> None:
    raw = csv_text(CLIENT_HEADER, client_line("A", sex="x"), client_line("B"),
                   client_line("A", birth_year="-1", education="phd"))
    result = run_import("clients", raw)
    assert cells(result) == [(2, "sex"), (4, "birth_year"), (4, "education"), (4, "client_id")]


@pytest.mark.parametrize(("header", "column"), [
    (CLIENT_HEADER.replace("sex,", ""), "sex"),
    (CLIENT_HEADER + ",colour", "colour"),
    (CLIENT_HEADER + ",SEX", "sex"),
])
def test_header_errors(run_import, header: str, column: str) -> None:
    line = client_line() + ("," if header.count(",") > CLIENT_HEADER.count(",") else "")
    result = run_import("clients", csv_text(header, line if "sex" in header else "x"))
    assert cells(result) == [(1, column)]


def test_missing_reference_column(run_import) -> None:
    result = run_import("sessions", csv_text("session_id,date,channel,language,intention",
                                             "S,2024-01-01,walk_in,ur,none"))
    assert cells(result) == [(1, "client_id")]


def test_extra_cells_and_unnamed_columns(run_import) -> None:
    result = run_import("clients", csv_text(CLIENT_HEADER, client_line() + ",surprise"))
    assert cells(result) == [(2, None)]
    result = run_import("clients", csv_text(CLIENT_HEADER + ",", client_line() + ",x"))
    assert cells(result) == [(1, None)]
    result = run_import("clients", csv_text(CLIENT_HEADER + ",", client_line() + ","))
    assert result.ok, result.errors


@pytest.mark.parametrize(("raw", "row"), [
    (b"", None),
    (CLIENT_HEADER.encode() + b"\n", None),
    (CLIENT_HEADER.encode() + b"\n" + client_line(phone="caf\xc3").encode("latin-1"), 2),
    ((CLIENT_HEADER + "\n" + client_line()).encode("utf-16"), None),
    (CLIENT_HEADER.encode() + b'\n"' + b"x" * 300_000 + b'"\n', 2),
])
def test_unreadable_files(run_import, raw: bytes, row: int | None) -> None:
    result = run_import("clients", raw)
    assert len(result.errors) == 1
    assert result.errors[0].row == row and result.errors[0].column is None
    assert count(Client) == 0


def test_non_utf8_message_suggests_resaving(run_import) -> None:
    raw = (CLIENT_HEADER + "\n" + client_line()).encode() + b"\n\xe9\n"
    (error,) = run_import("clients", raw).errors
    assert "UTF-8" in error.message and error.row == 3


def test_huge_notes_field(run_import, loaded) -> None:
    loaded("clients")
    raw = csv_text(SESSION_HEADER + ",notes", "S-1,C-001,2024-01-10,walk_in,ur,none," + "n" * 4001)
    result = run_import("sessions", raw)
    assert cells(result) == [(2, "notes")]
    assert "4000" in result.errors[0].message


def test_too_many_rows(run_import, app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MRC_IMPORT_MAX_ROWS", 3)
    lines = [client_line(f"R{i}") for i in range(4)]
    result = run_import("clients", csv_text(CLIENT_HEADER, *lines))
    assert len(result.errors) == 1 and "3" in result.errors[0].message
    assert run_import("clients", csv_text(CLIENT_HEADER, *lines[:3])).ok


def test_duplicated_ids_within_the_file(run_import) -> None:
    raw = csv_text(CLIENT_HEADER, client_line("A"), client_line("B"), client_line("A"))
    result = run_import("clients", raw)
    assert cells(result) == [(4, "client_id")]
    assert "2" in result.errors[0].message


def test_rows_of_another_mrc_are_refused(run_import) -> None:
    raw = csv_text("mrc," + CLIENT_HEADER, "PK-ISB," + client_line("A"),
                   "PK-LHE," + client_line("B"))
    result = run_import("clients", raw, mrc="PK-ISB")
    assert cells(result) == [(3, "mrc")]
    assert count(Client) == 0


def test_rows_must_name_an_mrc_without_a_target(run_import) -> None:
    raw = csv_text("mrc," + CLIENT_HEADER, "PK-ISB," + client_line("A"), "," + client_line("B"),
                   "XX-NOPE," + client_line("C"))
    result = run_import("clients", raw, mrc=None)
    assert cells(result) == [(3, "mrc"), (4, "mrc")]


def test_session_errors(run_import, loaded, make_client) -> None:
    loaded("clients")
    other = make_client("PK-LHE", sessions=0, baseline=date(2024, 1, 1))
    raw = csv_text(
        SESSION_HEADER + ",client_code,duration_minutes,topics,awareness_answers,destination",
        "S-1,C-001,2024-01-10,walk_in,ur,none,,30,documents,TFFTFTTT,SA",      # good
        "S-2,C-404,2024-01-10,walk_in,ur,none,,,,,",                            # unknown id
        f"S-3,,2024-01-10,walk_in,ur,none,{other.code},,,,",                    # other MRC
        "S-4,C-001,2024-01-09,walk_in,ur,none,,,,,",                            # before reg.
        f"S-5,C-001,{FUTURE},walk_in,ur,none,,,,,",                              # future
        "S-6,C-001,2024-01-10,fax,xx,maybe,,0,gossip,TFT,Mars",                  # bad codes
        "S-7,,2024-01-10,walk_in,ur,none,,,,,",                                  # no client
        "S-8,,2024-01-10,walk_in,ur,none,K7Q3-M9XQ,,,,",                         # bad code
    )
    result = run_import("sessions", raw)
    assert cells(result) == [
        (3, "client_id"), (4, "client_code"), (5, "date"), (6, "date"),
        (7, "channel"), (7, "language"), (7, "intention"), (7, "topics"),
        (7, "awareness_answers"), (7, "destination"), (7, "duration_minutes"),
        (8, "client_id"), (9, "client_code"),
    ]
    assert count(CounsellingSession) == 0


def test_client_id_and_code_must_agree(run_import, loaded) -> None:
    loaded("clients")
    other = by_external(Client, "C-002")
    raw = csv_text(SESSION_HEADER + ",client_code",
                   f"S-1,C-001,2024-02-10,walk_in,ur,none,{other.code}")
    assert cells(run_import("sessions", raw)) == [(2, "client_code")]


def test_followup_errors(run_import, loaded) -> None:
    loaded("sessions")
    raw = csv_text(
        FOLLOWUP_HEADER,
        "F-1,C-001,1,2024-04-12,phone,yes,stayed,regular",     # good
        "F-2,C-001,1,2024-04-13,phone,yes,stayed,regular",     # same wave twice
        "F-3,C-003,1,2024-04-12,phone,no,,",                   # no consent
        "F-4,C-002,1,2024-01-05,phone,no,,",                   # before baseline
        "F-5,C-004,3,2024-05-05,phone,no,,",                   # no such wave
        "F-6,C-005,1,2024-05-05,phone,yes,,",                  # reached without outcome
        f"F-7,C-005,2,{FUTURE},phone,no,,",                     # future
        "F-8,C-005,x,2024-05-05,carrier_pigeon,perhaps,,",     # types
    )
    result = run_import("followups", raw)
    assert cells(result) == [
        (3, "wave"), (4, "wave"), (5, "attempt_date"), (6, "wave"),
        (7, "location_status"), (7, "intention"), (8, "attempt_date"),
        (9, "wave"), (9, "method"), (9, "reached"),
    ]
    assert count(FollowUpAttempt) == 0
    assert all(f.status == "pending" for f in db.session.scalars(select(FollowUp)))


def test_followups_need_a_baseline_and_an_open_wave(run_import, loaded) -> None:
    loaded("clients")
    raw = csv_text(FOLLOWUP_HEADER, "F-1,C-001,1,2024-04-12,phone,no,,")
    assert cells(run_import("followups", raw)) == [(2, "wave")]  # no baseline yet
    loaded("followups")
    raw = csv_text(FOLLOWUP_HEADER, "F-9,C-001,1,2024-04-20,phone,no,,")
    result = run_import("followups", raw)
    assert cells(result) == [(2, "wave")]
    assert "closed" in result.errors[0].message


def test_erased_clients_are_unknown(run_import, loaded) -> None:
    loaded("clients")
    cases.erase_client(by_external(Client, "C-001"), user=None)
    raw = csv_text(SESSION_HEADER, "S-1,C-001,2024-02-10,walk_in,ur,none")
    assert cells(run_import("sessions", raw)) == [(2, "client_id")]


def test_row_error_description() -> None:
    assert RowError(12, "birth_year", "Enter a whole number.").describe() == (
        "row 12, column birth_year: Enter a whole number.")
    assert RowError(3, None, "x").describe() == "row 3: x"
    assert RowError(None, None, "x").describe() == "file: x"


def test_data_in_an_unnamed_middle_column(run_import) -> None:
    header = CLIENT_HEADER.replace(",sex,", ",,sex,", 1)
    line = client_line().replace(",female,", ",oops,female,", 1)
    result = run_import("clients", csv_text(header, line))
    assert cells(result) == [(1, None)]
    assert "3" in result.errors[0].message


def test_row_cap_comes_from_the_environment() -> None:
    from mrc.config import Config

    assert Config.from_env({"MRC_IMPORT_MAX_ROWS": "7"}).to_flask()["MRC_IMPORT_MAX_ROWS"] == 7
    assert Config.from_env({}).to_flask()["MRC_IMPORT_MAX_ROWS"] == 10_000
