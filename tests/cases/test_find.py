from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mrc.cases.models import Client
from mrc.extensions import db
from mrc.privacy.codes import ALPHABET, check_symbol, format_code
from tests.cases.conftest import error_at, text

# A valid code with zeros and ones, to type them as the letters O and I/L.
DATA = "10A0B2C"
CODE = DATA + check_symbol(DATA)


def find_code(http, typed):
    return http.post("/cases/find", data={"search": "code", "code": typed})


def with_code(make_client, code=CODE, mrc="PK-ISB"):
    record = make_client(mrc)
    record.code = code
    db.session.commit()
    return record


def test_find_page_renders_both_forms(counsellor):
    html = text(counsellor.get("/cases/find"))
    assert 'name="code"' in html and 'name="phone"' in html
    assert html.count('method="post"') >= 2  # neither search goes into a URL


def test_find_by_exact_code(counsellor, make_client):
    record = with_code(make_client)
    response = find_code(counsellor, format_code(CODE))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/clients/{record.id}")
    assert CODE not in response.headers["Location"]


def test_find_by_code_tolerates_typos(counsellor, make_client):
    record = with_code(make_client)
    typed = [CODE.lower(), CODE.replace("0", "O"), CODE.replace("1", "I"),
             CODE.replace("1", "l").lower(), f"{CODE[:4]} {CODE[4:]}", CODE,
             " " + format_code(CODE).lower() + " "]
    for variant in typed:
        response = find_code(counsellor, variant)
        assert response.status_code == 302, variant
        assert response.headers["Location"].endswith(f"/cases/clients/{record.id}")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["lower", "upper", "hyphen", "space"]), min_size=8, max_size=8))
def test_find_by_code_any_case_and_separator(counsellor, make_client, styles):
    # Every mix of letter case and separators between symbols finds the same client.
    record = _client_with_code() or with_code(make_client)
    typed = ""
    for symbol, style in zip(CODE, styles, strict=True):
        typed += {"lower": symbol.lower(), "upper": symbol, "hyphen": symbol + "-",
                  "space": symbol + " "}[style]
    response = find_code(counsellor, typed)
    assert response.status_code == 302, typed
    assert response.headers["Location"].endswith(f"/cases/clients/{record.id}")


def _client_with_code():
    return db.session.scalars(select(Client).where(Client.code == CODE)).first()


def test_wrong_check_character_is_reported(counsellor, make_client):
    with_code(make_client)
    wrong = CODE[:7] + next(ch for ch in ALPHABET if ch != CODE[7])
    response = find_code(counsellor, wrong)
    assert response.status_code == 400
    assert error_at(text(response), "code", "This is not a valid client code. Check the code on "
                    "the card: 8 letters and digits, like K7Q3-M9XP.")


def test_code_too_short_is_reported(counsellor):
    response = find_code(counsellor, "K7Q3")
    assert response.status_code == 400
    assert "Check the code on the card" in text(response)


def test_unknown_valid_code_says_nothing_found(counsellor, make_client):
    with_code(make_client)
    other = "ABCDEF1"
    response = find_code(counsellor, other + check_symbol(other))
    assert response.status_code == 200
    assert "No client found" in text(response)


def test_code_of_another_mrc_is_not_found(counsellor, make_client):
    with_code(make_client, mrc="AF-KBL")
    response = find_code(counsellor, CODE)
    assert response.status_code == 200
    assert "No client found" in text(response)


def test_find_by_phone_in_another_spelling(counsellor, make_client):
    record = make_client("PK-ISB", phone="03001234567")
    db.session.commit()
    for typed in ("+92 300 1234567", "0300-1234567", "0092 300 123 4567", "۰۳۰۰۱۲۳۴۵۶۷"):
        response = counsellor.post("/cases/find", data={"search": "phone", "phone": typed})
        assert response.status_code == 302, typed
        location = response.headers["Location"]
        assert location.endswith(f"/cases/clients/{record.id}")
        assert "1234567" not in location and "300" not in location.split("/")[-1]


def test_find_by_phone_several_matches_lists_them(counsellor, make_client):
    first = make_client("PK-ISB", phone="0300 1234567")
    second = make_client("PK-ISB", phone="+923001234567")
    make_client("PK-LHE", phone="0300 1234567")  # another MRC: never listed
    db.session.commit()
    response = counsellor.post("/cases/find", data={"search": "phone", "phone": "03001234567"})
    html = text(response)
    assert response.status_code == 200
    assert format_code(first.code) in html and format_code(second.code) in html
    assert html.count("/cases/clients/") == 2


def test_find_by_phone_no_match_and_bad_number(counsellor, make_client):
    make_client("PK-ISB", phone="03001234567")
    db.session.commit()
    response = counsellor.post("/cases/find", data={"search": "phone", "phone": "03009999999"})
    assert response.status_code == 200 and "No client found" in text(response)
    response = counsellor.post("/cases/find", data={"search": "phone", "phone": "12"})
    assert response.status_code == 400
    assert error_at(text(response), "phone", "This is not a valid phone number.")


def test_erased_client_cannot_be_found(counsellor, make_client):
    from mrc.cases import services

    record = with_code(make_client)
    record.phone_enc = None
    services.erase_client(record, None)
    db.session.commit()
    assert "No client found" in text(find_code(counsellor, CODE))
